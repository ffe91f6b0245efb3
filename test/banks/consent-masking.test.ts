import fc from "fast-check";
import { type Insertable, sql } from "kysely";
import { beforeAll, expect, it } from "vitest";
import { unreachable } from "../../src/auth/principal.ts";
import { consentFactsOf, validateCriteria } from "../../src/banks/credit-criteria.ts";
import {
  countPreCreditCandidates,
  listPreCreditCandidates,
} from "../../src/banks/pre-credit-candidates.ts";
import type { BankConsentTable } from "../../src/db/types.ts";
import { compileRule } from "../../src/matching/compile-rule.ts";
import { loadFacts } from "../../src/matching/household-facts.ts";
import { describeEachEngine } from "../support/databases.ts";
import { H, START, seedRegister } from "./pre-credit-fixture.ts";

// Property: whatever criteria a bank writes over PUBLIC and BANK facts, the listing is exactly
// the households the JS evaluator finds eligible on what the bank may see, and it does not change
// when the figures of households without consent change. No threshold, NULL test, negation or
// mix with public conditions can reveal a figure the household has not consented to show.

const HOUSEHOLDS = [H.erqiGrowth, H.erqiSmall, H.erqiFlagged, H.jinshuiLarge, H.jinshuiNew];
const TODAY = "2026-03-10";
const BANK = "ZZBANK";

type Consent = "NONE" | "THIS_BANK" | "ALL_BANKS" | "OTHER_BANK" | "EXPIRED" | "REVOKED";
const CONSENTS: Consent[] = ["NONE", "THIS_BANK", "ALL_BANKS", "OTHER_BANK", "EXPIRED", "REVOKED"];
const inForce = (c: Consent) => c === "THIS_BANK" || c === "ALL_BANKS";

interface Figures {
  revenue: number | null;
  tax: number | null;
  staff: number | null;
}

const amount = fc.oneof(
  fc.constant(null),
  fc.constantFrom(0, 10000, 200000, 300000, 600000),
  fc.integer({ min: 0, max: 1_000_000 }),
);
const figuresArb: fc.Arbitrary<Figures> = fc.record({
  revenue: amount,
  tax: amount,
  staff: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 12 })),
});

const bankFact = fc.constantFrom("revenueLastYear", "taxPaidLastYear", "insuredEmployeesLastYear");
const threshold = fc.oneof(
  fc.constantFrom(0, 3, 5, 10000, 200000, 300000, 600000),
  fc.integer({ min: 0, max: 1_000_000 }),
);
const comparison = fc
  .tuple(fc.constantFrom("<", "<=", ">", ">=", "==", "!="), bankFact, threshold)
  .map(([op, fact, value]) => ({ [op]: [{ var: fact }, value] }));
const nullTest = fc.oneof(
  fc
    .tuple(fc.constantFrom("==", "!="), bankFact)
    .map(([op, fact]) => ({ [op]: [{ var: fact }, null] })),
  // "missing" names facts without a "var": it must call for consent all the same.
  fc
    .tuple(fc.constantFrom("!", "!!"), bankFact)
    .map(([op, fact]) => ({ [op]: { missing: [fact] } })),
);
// A figure inside arithmetic is read all the same.
const arithmetic = fc
  .tuple(fc.constantFrom("<", ">="), bankFact, threshold)
  .map(([op, fact, value]) => ({ [op]: [{ "+": [{ var: fact }, 1] }, value] }));
const categoryCondition = fc.oneof(
  fc
    .tuple(fc.constantFrom("==", "!="), fc.constantFrom("NONE", "FAMOUS", "EMERGING", "QUALITY"))
    .map(([op, category]) => ({ [op]: [{ var: "category" }, category] })),
  fc
    .subarray(["NONE", "FAMOUS", "QUALITY", "EMERGING"], { minLength: 1 })
    .map((categories) => ({ in: [{ var: "category" }, categories] })),
);
const publicCondition = fc.oneof(
  fc.constantFrom("410103", "410105").map((c) => ({ "==": [{ var: "countyCode" }, c] })),
  fc.integer({ min: 0, max: 12 }).map((n) => ({ ">=": [{ var: "registeredYears" }, n] })),
  fc
    .subarray(["SURVIVAL", "GROWTH", "DEVELOPMENT"], { minLength: 1 })
    .map((types) => ({ in: [{ var: "type" }, types] })),
  categoryCondition,
);

const { rule: ruleArb } = fc.letrec<{ rule: unknown }>((tie) => ({
  rule: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    comparison,
    nullTest,
    arithmetic,
    publicCondition,
    tie("rule").map((r) => ({ "!": r })),
    tie("rule").map((r) => ({ "!!": r })),
    fc.tuple(tie("rule"), tie("rule")).map(([a, b]) => ({ and: [a, b] })),
    fc.tuple(tie("rule"), tie("rule")).map(([a, b]) => ({ or: [a, b] })),
  ),
}));

type Recognition = { category: string; state: "IN_FORCE" | "EXPIRED" | "FUTURE" | "ENDED" } | null;
const recognitionArb: fc.Arbitrary<Recognition> = fc.oneof(
  fc.constant(null),
  fc.record({
    category: fc.constantFrom("FAMOUS", "DISTINCTIVE", "QUALITY", "EMERGING"),
    state: fc.constantFrom("IN_FORCE", "IN_FORCE", "EXPIRED", "FUTURE", "ENDED"),
  }) as fc.Arbitrary<Recognition>,
);

const worldArb = fc.record({
  recognitions: fc.array(recognitionArb, {
    minLength: HOUSEHOLDS.length,
    maxLength: HOUSEHOLDS.length,
  }),
  figures: fc.array(figuresArb, { minLength: HOUSEHOLDS.length, maxLength: HOUSEHOLDS.length }),
  consents: fc.array(fc.constantFrom(...CONSENTS), {
    minLength: HOUSEHOLDS.length,
    maxLength: HOUSEHOLDS.length,
  }),
  /** Other figures for the households without consent: the listing must not change. */
  otherFigures: fc.array(figuresArb, {
    minLength: HOUSEHOLDS.length,
    maxLength: HOUSEHOLDS.length,
  }),
  // Top-level conjuncts on the category or on household-row facts choose where candidates are
  // looked for (pre-credit-candidates.ts candidateDriver): every driver is exercised.
  rule: fc.oneof(
    ruleArb,
    fc.tuple(categoryCondition, ruleArb).map(([c, r]) => ({ and: [c, r] })),
    fc.tuple(publicCondition, ruleArb).map(([c, r]) => ({ and: [r, c] })),
    fc
      .tuple(categoryCondition, publicCondition, publicCondition)
      .map(([c, p, q]) => ({ and: [p, { and: [c, q] }] })),
  ),
});

describeEachEngine("pre-credit consent masking (property)", (getDb) => {
  beforeAll(async () => {
    await getDb().reset();
    await seedRegister(getDb().db);
  });

  async function setFigures(figures: Figures[], only: (i: number) => boolean): Promise<void> {
    const db = getDb().db;
    for (const [i, uscc] of HOUSEHOLDS.entries()) {
      const f = figures[i] as Figures;
      if (!only(i)) continue;
      await db.deleteFrom("household_year").where("uscc", "=", uscc).execute();
      await db
        .insertInto("household_year")
        .values({
          uscc,
          year: 2025,
          tax_paid: f.tax,
          insured_employees: f.staff,
          revenue: f.revenue,
        })
        .execute();
    }
  }

  async function setRecognitions(recognitions: Recognition[]): Promise<void> {
    const db = getDb().db;
    await sql`TRUNCATE category_recognition`.execute(db);
    // 三(二)2: from 1 January after recognition for 3 years, unless cancelled earlier.
    const windows = {
      IN_FORCE: { valid_from: "2026-01-01", valid_until: "2029-01-01", ended_on: null },
      EXPIRED: { valid_from: "2022-01-01", valid_until: "2025-01-01", ended_on: null },
      FUTURE: { valid_from: "2027-01-01", valid_until: "2030-01-01", ended_on: null },
      ENDED: { valid_from: "2026-01-01", valid_until: "2029-01-01", ended_on: "2026-02-01" },
    } as const;
    const rows = recognitions.flatMap((r, i) =>
      r === null
        ? []
        : [
            {
              uscc: HOUSEHOLDS[i] as string,
              category: r.category,
              recognized_on: "2021-11-20",
              ...windows[r.state],
            },
          ],
    );
    if (rows.length > 0) await db.insertInto("category_recognition").values(rows).execute();
  }

  async function setConsents(consents: Consent[]): Promise<void> {
    const db = getDb().db;
    await sql`TRUNCATE bank_consent`.execute(db);
    const rows = consents.flatMap((consent, i): Insertable<BankConsentTable>[] => {
      const uscc = HOUSEHOLDS[i] as string;
      const base = {
        uscc,
        granted_at: "2026-01-01T00:00:00Z",
        revoked_at: null,
        revoked_reason: null,
      };
      switch (consent) {
        case "NONE":
          return [];
        case "THIS_BANK":
          return [{ ...base, bank_code: BANK, valid_until: "2026-12-31" }];
        case "ALL_BANKS":
          return [{ ...base, bank_code: null, valid_until: TODAY }];
        case "OTHER_BANK":
          return [{ ...base, bank_code: "OTHERBANK", valid_until: "2026-12-31" }];
        case "EXPIRED":
          return [{ ...base, bank_code: BANK, valid_until: "2026-03-09" }];
        case "REVOKED":
          return [
            {
              ...base,
              bank_code: null,
              valid_until: "2026-12-31",
              revoked_at: "2026-02-01T00:00:00Z",
              revoked_reason: "REVOKED",
            },
          ];
        default:
          return unreachable(consent);
      }
    });
    if (rows.length > 0) await db.insertInto("bank_consent").values(rows).execute();
  }

  it("lists exactly what the bank may see, and nothing moves when unconsented figures change", async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, async (world) => {
        const db = getDb().db;
        const rule = validateCriteria(world.rule);
        const readsBank = consentFactsOf(rule.facts).length > 0;
        await setFigures(world.figures, () => true);
        await setConsents(world.consents);
        await setRecognitions(world.recognitions);
        const query = { rule, bankCode: BANK, asOf: TODAY, now: START };
        const listed = await listPreCreditCandidates(db, query, { limit: 100 });

        // What the JS evaluator decides on the facts as the bank may see them.
        const facts = await loadFacts(db, HOUSEHOLDS, TODAY);
        const compiled = compileRule(rule);
        const expected = HOUSEHOLDS.filter((uscc, i) => {
          const consented = inForce(world.consents[i] as Consent);
          if (readsBank && !consented) return false;
          const f = facts.get(uscc);
          if (!f) return false;
          const visible = consented
            ? f
            : {
                ...f,
                revenueLastYear: null,
                taxPaidLastYear: null,
                insuredEmployeesLastYear: null,
              };
          return compiled.decide(visible).outcome === "ELIGIBLE";
        });
        expect(listed.map((c) => c.uscc)).toEqual(expected);
        // The total count is a query of its own: it must mask alike, or it would count what the
        // page hides.
        expect(await countPreCreditCandidates(db, query)).toBe(expected.length);
        for (const c of listed) {
          const i = HOUSEHOLDS.indexOf(c.uscc as (typeof HOUSEHOLDS)[number]);
          expect(c.consentInForce).toBe(inForce(world.consents[i] as Consent));
          if (!c.consentInForce) {
            expect([c.revenueLastYear, c.taxPaidLastYear, c.insuredEmployeesLastYear]).toEqual([
              null,
              null,
              null,
            ]);
          }
        }

        // Change the figures of every household without consent: the listing is the same.
        await setFigures(world.otherFigures, (i) => !inForce(world.consents[i] as Consent));
        const again = await listPreCreditCandidates(db, query, { limit: 100 });
        expect(again).toEqual(listed);
        expect(await countPreCreditCandidates(db, query)).toBe(expected.length);
      }),
      { numRuns: 30, seed: 20261127 },
    );
  });
});
