import fc from "fast-check";
import { type Kysely, sql } from "kysely";
import { expect, it } from "vitest";
import type { Database } from "../../src/db/types.ts";
import { loadFacts } from "../../src/matching/household-facts.ts";
import type { Facts } from "../../src/matching/rule-types.ts";
import { validateRule } from "../../src/matching/validate-rule.ts";
import {
  amountFor,
  type CompiledPolicy,
  compilePolicy,
} from "../../src/policies/compiled-policy.ts";
import { DEFAULT_POLICIES_DIR, readPolicyFiles } from "../../src/policies/load-policy-files.ts";
import {
  type ImpactBucket,
  type ImpactCounts,
  type ImpactTarget,
  type PolicyImpact,
  PREVIEW_SETTINGS,
  previewPolicyImpact,
  withPreviewSettings,
} from "../../src/policies/preview-policy-impact.ts";
import { describeEachEngine } from "../support/databases.ts";
import {
  calendarDateArb,
  FACTS_CHANGED_AT,
  type HouseholdRecord,
  householdRecordsArb,
  insertHouseholdRecords,
  insertTypingState,
  type TypingState,
  typingStateArb,
} from "../support/household-arbitraries.ts";

const RUNS = Number(process.env.PREVIEW_PROPERTY_RUNS ?? 20);

/** Policies of policies-data with each kind of amount, and a bare rule over a list fact. */
function targets(): { name: string; target: ImpactTarget; compiled: CompiledPolicy }[] {
  const files = readPolicyFiles(DEFAULT_POLICIES_DIR);
  const wanted = [
    "TAX_SURVIVAL_FEE_RELIEF", // amount rule with if/min, type
    "HRSS_GROWTH_JOB_RETENTION", // amount rule over a nullable integer
    "HOUSING_SURVIVAL_RENT_RELIEF", // fixed amount
    "COMMERCE_FAMOUS_CONVENIENCE_CIRCLE", // category and industry section, no amount
    "FIN_CATEGORY_PRE_CREDIT", // !=
  ];
  const chosen = wanted.map((code) => {
    const file = files.find((f) => f.definition.code === code);
    if (!file) throw new Error(`no ${code} in policies-data`);
    const { rule, amountRule, content } = file.checked;
    return {
      name: code,
      target: {
        rule,
        amount: amountRule ?? (typeof content.amount === "number" ? content.amount : null),
      },
      compiled: compilePolicy(rule, amountRule, content.amount),
    };
  });
  const bare = validateRule({
    or: [
      { some: [{ var: "proprietorGroups" }, { "==": [{ var: "" }, "VETERAN"] }] },
      { ">=": [{ var: "revenueLastYear" }, 300000] },
      { "!": { var: "hasActivePenalty" } },
    ],
  });
  if (!bare.ok) throw new Error("bare rule invalid");
  chosen.push({
    name: "bare rule",
    target: { rule: bare.rule, amount: null },
    compiled: compilePolicy(bare.rule, null, null),
  });
  return chosen;
}

/** The same preview computed independently: every household's facts through the JS evaluator. */
function expectedImpact(
  facts: Map<string, Facts>,
  compiled: CompiledPolicy,
  asOf: string,
): PolicyImpact {
  const empty = (): ImpactCounts => ({
    eligible: 0,
    ineligible: 0,
    undetermined: 0,
    households: 0,
    estimatedAmount: compiled.hasAmount ? 0 : null,
    eligibleWithUnknownAmount: 0,
  });
  const total = empty();
  const by = {
    type: new Map<string | null, ImpactCounts>(),
    category: new Map<string | null, ImpactCounts>(),
    countyCode: new Map<string | null, ImpactCounts>(),
    industrySection: new Map<string | null, ImpactCounts>(),
  };
  for (const f of facts.values()) {
    const outcome = compiled.eligibility.decide(f).outcome;
    const amount = outcome === "ELIGIBLE" ? amountFor(compiled, f) : null;
    const targets = [total];
    for (const [dimension, map] of Object.entries(by)) {
      const key = f[dimension] as string | null;
      if (!map.has(key)) map.set(key, empty());
      targets.push(map.get(key) as ImpactCounts);
    }
    for (const c of targets) {
      c.households += 1;
      if (outcome === "ELIGIBLE") c.eligible += 1;
      else if (outcome === "INELIGIBLE") c.ineligible += 1;
      else c.undetermined += 1;
      if (outcome === "ELIGIBLE" && compiled.hasAmount) {
        if (amount === null) c.eligibleWithUnknownAmount += 1;
        else c.estimatedAmount = (c.estimatedAmount ?? 0) + amount;
      }
    }
  }
  const buckets = (map: Map<string | null, ImpactCounts>): ImpactBucket[] =>
    [...map]
      .map(([key, counts]) => ({ key, ...counts }))
      .sort((a, b) =>
        a.key === b.key ? 0 : a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : 1,
      );
  return {
    asOf,
    total,
    byType: buckets(by.type),
    byCategory: buckets(by.category),
    byCounty: buckets(by.countyCode),
    byIndustrySection: buckets(by.industrySection),
  };
}

/** Amounts summed in another order differ in the last bits: compare them to the fen. */
function rounded(impact: PolicyImpact): PolicyImpact {
  const round = <T extends ImpactCounts>(c: T): T => ({
    ...c,
    estimatedAmount: c.estimatedAmount === null ? null : Math.round(c.estimatedAmount * 100) / 100,
  });
  return {
    asOf: impact.asOf,
    total: round(impact.total),
    byType: impact.byType.map(round),
    byCategory: impact.byCategory.map(round),
    byCounty: impact.byCounty.map(round),
    byIndustrySection: impact.byIndustrySection.map(round),
  };
}

interface World {
  records: HouseholdRecord[];
  typing: TypingState;
  asOf: string;
}

const worldArb: fc.Arbitrary<World> = householdRecordsArb({ minLength: 0, maxLength: 25 }).chain(
  (records) =>
    fc.record({
      records: fc.constant(records),
      typing: typingStateArb(records.map((r) => r.uscc)),
      asOf: calendarDateArb(2023, 2028),
    }),
);

/**
 * A world fixed beside the random ones, so that the coverage checked at the end does not depend
 * on the draw. Two active, unlisted households typed by a finished run: one SURVIVAL, which the
 * rent relief (a fixed amount) makes eligible with money; one GROWTH without last year's figures,
 * which leaves the job-retention subsidy (insured employees) undetermined.
 */
function fixedWorld(): World {
  const [sampled] = fc.sample(householdRecordsArb({ minLength: 2, maxLength: 2 }), {
    numRuns: 1,
    seed: 2025,
  });
  const [survival, growth] = (sampled as HouseholdRecord[]).map(
    (record): HouseholdRecord => ({
      ...record,
      status: "ACTIVE",
      abnormalListed: false,
      taxAbnormal: false,
    }),
  ) as [HouseholdRecord, HouseholdRecord];
  growth.yearly = [];
  const runId = "00000000-0000-4000-8000-000000000001";
  return {
    records: [survival, growth],
    typing: {
      factsChangedAt: {
        [survival.uscc]: FACTS_CHANGED_AT[0],
        [growth.uscc]: FACTS_CHANGED_AT[0],
      },
      runs: [{ id: runId, asOf: "2025-08-01", finishedAt: "2025-08-01 10:00:00.000001+00" }],
      results: [
        { runId, uscc: survival.uscc, type: "SURVIVAL", codes: ["SURVIVAL_AGE"] },
        { runId, uscc: growth.uscc, type: "GROWTH", codes: ["GROWTH_D_AGE"] },
      ],
      corrections: [],
      recognitions: [],
    },
    asOf: "2025-09-01",
  };
}

describeEachEngine("previewPolicyImpact", (getDb) => {
  const chosen = targets();

  it("counts exactly what the JS evaluator decides for each household, in every breakdown", async () => {
    // Over all runs, every outcome must have been seen (the property is not vacuous).
    const seen = { eligible: 0, ineligible: 0, undetermined: 0, amount: 0 };
    await fc.assert(
      fc.asyncProperty(worldArb, async ({ records, typing, asOf }) => {
        const { db } = getDb();
        await getDb().reset();
        await insertHouseholdRecords(db, records, typing.factsChangedAt);
        await insertTypingState(db, typing);
        const facts = await loadFacts(
          db,
          records.map((r) => r.uscc),
          asOf,
        );
        for (const { name, target, compiled } of chosen) {
          const impact = await previewPolicyImpact(db, target, asOf);
          expect(rounded(impact), name).toEqual(rounded(expectedImpact(facts, compiled, asOf)));
          seen.eligible += impact.total.eligible;
          seen.ineligible += impact.total.ineligible;
          seen.undetermined += impact.total.undetermined;
          seen.amount += impact.total.estimatedAmount ?? 0;
        }
      }),
      { numRuns: RUNS, examples: [[fixedWorld()]] },
    );
    expect(seen.eligible).toBeGreaterThan(0);
    expect(seen.ineligible).toBeGreaterThan(0);
    expect(seen.undetermined).toBeGreaterThan(0);
    expect(seen.amount).toBeGreaterThan(0);
  });

  it("leaves the caller's transaction with its own planner settings", async () => {
    await getDb().reset();
    const [first] = chosen;
    if (!first) throw new Error("no target");
    const read = (trx: Kysely<Database>) =>
      sql<{ work_mem: string; jit: string; parallel_tuple_cost: string }>`
        SELECT current_setting('work_mem') AS work_mem, current_setting('jit') AS jit,
          current_setting('parallel_tuple_cost') AS parallel_tuple_cost`
        .execute(trx)
        .then((r) => r.rows[0]);
    const [before, during, after] = await getDb()
      .db.transaction()
      .execute(async (trx) => {
        await sql`SET LOCAL work_mem = '8MB'`.execute(trx);
        const before = await read(trx);
        const during = await withPreviewSettings(trx, read);
        await previewPolicyImpact(trx, first.target, "2026-01-01");
        return [before, during, await read(trx)];
      });
    expect(before?.work_mem).toBe("8MB");
    expect(during).toEqual(PREVIEW_SETTINGS);
    expect(after).toEqual(before);
  });

  it("gives zero counts over no households", async () => {
    await getDb().reset();
    const [first] = chosen;
    if (!first) throw new Error("no target");
    const impact = await previewPolicyImpact(getDb().db, first.target, "2026-01-01");
    expect(impact.total).toEqual({
      eligible: 0,
      ineligible: 0,
      undetermined: 0,
      households: 0,
      estimatedAmount: 0,
      eligibleWithUnknownAmount: 0,
    });
    expect(impact.byCounty).toEqual([]);
  });
});
