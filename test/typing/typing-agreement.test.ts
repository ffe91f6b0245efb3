import fc from "fast-check";
import { expect, it } from "vitest";
import { factsOf, loadSnapshots } from "../../src/matching/household-facts.ts";
import { compileTypingStandard, decideType } from "../../src/typing/decide-type.ts";
import { loadTypingStandards } from "../../src/typing/load-typing-standards.ts";
import { typingResultsQuery } from "../../src/typing/typing-sql.ts";
import { standardCodes } from "../../src/typing/typing-standard.ts";
import { describeEachEngine } from "../support/databases.ts";
import {
  boundaryDatesOf,
  calendarDateArb,
  type HouseholdRecord,
  householdRecordsArb,
  insertHouseholdRecords,
} from "../support/household-arbitraries.ts";
import { AS_OF as TYPING_AS_OF, TYPING_CASES } from "./typing-cases.ts";

const RUNS = Number(process.env.TYPING_PROPERTY_RUNS ?? 25);

/** Figures on and around every threshold of the standard, and unknown. */
const figure = <T>(values: T[]) => fc.option(fc.constantFrom(...values), { nil: null, freq: 5 });
const YEARS = Array.from({ length: 15 }, (_, i) => 2012 + i);
/** Figures for most years (so that 上年度 usually has some), each figure often on a threshold. */
const yearlyArb = fc
  .tuple(
    ...YEARS.map((year) =>
      fc.option(
        fc.record({
          year: fc.constant(year),
          taxPaid: figure([0, 500, 9999.99, 10000, 10000.01, 25000]),
          insuredEmployees: figure([0, 1, 2, 3, 4, 5, 6, 9]),
          revenue: figure([0, 299999.99, 300000, 450000, 599999.99, 600000, 1500000]),
        }),
        { nil: null, freq: 5 },
      ),
    ),
  )
  .map((years) => years.filter((y) => y !== null));
/** The annual reports filed: most years. */
const reportsArb = fc
  .tuple(...YEARS.map(() => fc.integer({ min: 0, max: 5 })))
  .map((draws) => YEARS.filter((_, i) => (draws[i] ?? 0) > 0));

/**
 * Households that reach every branch: mostly passing the base standard (so the types are
 * exercised), figures on the thresholds, reports for the years around the as-of dates.
 */
const recordsArb = householdRecordsArb({
  minLength: 1,
  maxLength: 8,
  fromYear: 2012,
  toYear: 2026,
}).chain((records) =>
  fc
    .tuple(
      ...records.map(() =>
        fc.record({
          yearly: yearlyArb,
          active: fc.boolean(),
          clean: fc.integer({ min: 0, max: 3 }),
          reports: reportsArb,
        }),
      ),
    )
    .map((tweaks) =>
      records.map((r, i): HouseholdRecord => {
        const t = tweaks[i] as (typeof tweaks)[number];
        const registered = Number(r.registeredOn.slice(0, 4));
        return {
          ...r,
          status: t.active ? "ACTIVE" : r.status,
          abnormalListed: t.clean > 0 ? false : r.abnormalListed,
          seriousViolationListed: t.clean > 0 ? false : r.seriousViolationListed,
          taxAbnormal: t.clean > 0 ? false : r.taxAbnormal,
          annualReports: t.reports.filter((y) => y >= registered),
          yearly: t.yearly.filter((y) => y.year >= registered),
        };
      }),
    ),
);

const worldArb = recordsArb.chain((records) =>
  fc.record({
    records: fc.constant(records),
    asOfs: fc.uniqueArray(
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...boundaryDatesOf(records)) },
        { weight: 1, arbitrary: calendarDateArb(2013, 2027) },
      ),
      { minLength: 1, maxLength: 6 },
    ),
  }),
);

describeEachEngine("typing in SQL and in TypeScript", (getDb) => {
  it("agree on every household's type and codes on every date", async () => {
    const [standard] = await loadTypingStandards();
    if (!standard) throw new Error("no standard");
    const compiled = compileTypingStandard(standard);
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(worldArb, async ({ records, asOfs }) => {
        const { db } = getDb();
        await getDb().reset();
        await insertHouseholdRecords(db, records);
        const snapshots = await loadSnapshots(
          db,
          records.map((r) => r.uscc),
        );
        for (const asOf of asOfs) {
          const inSql = await typingResultsQuery(db, standard, asOf).orderBy("uscc").execute();
          const expected = [...snapshots]
            .filter(([, s]) => s.household.registered_on <= asOf)
            .map(([uscc, s]) => {
              const decision = decideType(compiled, factsOf(s, asOf));
              return {
                uscc,
                county_code: s.household.county_code,
                type: decision.type,
                codes: decision.codes,
              };
            })
            .sort((a, b) => (a.uscc < b.uscc ? -1 : 1));
          expect(inSql, `as of ${asOf}`).toEqual(expected);
          for (const row of inSql) for (const code of [row.type, ...row.codes]) seen.add(code);
        }
      }),
      // The acceptance cases as one world too: every type and code is reached whatever the draw.
      {
        numRuns: RUNS,
        examples: [[{ records: TYPING_CASES.map((c) => c.record), asOfs: [TYPING_AS_OF] }]],
      },
    );
    // The households drawn reach every type and every code of the standard.
    expect([...seen].sort()).toEqual(
      [...standardCodes(standard), "SURVIVAL", "GROWTH", "DEVELOPMENT", "NOT_CLASSIFIABLE"].sort(),
    );
  });
});
