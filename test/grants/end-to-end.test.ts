import jsonLogic, { type RulesLogic } from "json-logic-js";
import { sql } from "kysely";
import { beforeAll, expect, it } from "vitest";
import type { Principal } from "../../src/auth/principal.ts";
import { generateHouseholds } from "../../src/ingest/generate-households.ts";
import { householdJson } from "../../src/ingest/household-record.ts";
import { importHouseholds } from "../../src/ingest/import-households.ts";
import { FACTS, factByName } from "../../src/matching/fact-catalog.ts";
import { loadFacts } from "../../src/matching/household-facts.ts";
import type { Facts, FactValue } from "../../src/matching/rule-types.ts";
import { validateRule } from "../../src/matching/validate-rule.ts";
import { runTyping } from "../../src/typing/run-typing.ts";
import { describeEachEngine } from "../support/databases.ts";
import { runGraphQL, testDeps } from "../support/graphql.ts";
import { LEGAL_BASIS } from "./grant-fixtures.ts";

// The whole 免申即享 path as a new user meets it: households imported through the exchange
// contract, a typing run, policies created and published through GraphQL by their departments,
// a grant run, and then the ledger checked against json-logic-js on each household's facts.

const AS_OF = "2025-08-01";
const NOW = new Date("2025-08-01T04:00:00Z");
const HOUSEHOLDS = 600;
const CITY: Principal = { role: "OPERATOR", tokenId: "e2e-city", countyCode: null };

interface TestPolicy {
  code: string;
  department: string;
  mode: "AUTO" | "APPLY";
  rule: Record<string, unknown>;
  amount: number | Record<string, unknown> | null;
  grantPeriod: "CALENDAR_YEAR" | "CALENDAR_QUARTER" | "ONCE";
  effectiveFrom: string;
  examples: { name: string; facts: Facts; expected: string; expectedAmount?: number }[];
}

const POLICIES: TestPolicy[] = [
  {
    // 三(一)3 生存型: 减税费 for survival households in the register.
    code: "E2E_SURVIVAL_FEES",
    department: "TAX_ZZ",
    mode: "AUTO",
    rule: {
      and: [{ "==": [{ var: "type" }, "SURVIVAL"] }, { "==": [{ var: "status" }, "ACTIVE"] }],
    },
    amount: 1000,
    grantPeriod: "CALENDAR_YEAR",
    effectiveFrom: "2025-02-18",
    examples: [
      {
        name: "生存型",
        facts: { type: "SURVIVAL", status: "ACTIVE" },
        expected: "ELIGIBLE",
        expectedAmount: 1000,
      },
      { name: "成长型", facts: { type: "GROWTH", status: "ACTIVE" }, expected: "INELIGIBLE" },
    ],
  },
  {
    // 三(一)1 成长型 C and up: revenue of 30万 or more (unknown revenue: undetermined).
    code: "E2E_GROWTH_REVENUE",
    department: "COMMERCE_ZZ",
    mode: "AUTO",
    rule: {
      and: [
        { in: [{ var: "type" }, ["GROWTH", "DEVELOPMENT"]] },
        { ">=": [{ var: "revenueLastYear" }, 300000] },
      ],
    },
    amount: { "*": [{ var: "revenueLastYear" }, 0.01] },
    grantPeriod: "CALENDAR_YEAR",
    effectiveFrom: "2025-01-01",
    examples: [
      {
        name: "成长型营收40万",
        facts: { type: "GROWTH", revenueLastYear: 400000 },
        expected: "ELIGIBLE",
        expectedAmount: 4000,
      },
      {
        name: "营收未知",
        facts: { type: "GROWTH", revenueLastYear: null },
        expected: "UNDETERMINED",
      },
      {
        name: "生存型",
        facts: { type: "SURVIVAL", revenueLastYear: 400000 },
        expected: "INELIGIBLE",
      },
    ],
  },
  {
    // 三(一)1 成长型 A or B: little tax, or insured employees (either decides).
    code: "E2E_TAX_OR_INSURED",
    department: "HRSS_ZZ",
    mode: "AUTO",
    rule: {
      or: [
        { "<=": [{ var: "taxPaidLastYear" }, 10000] },
        { ">=": [{ var: "insuredEmployeesLastYear" }, 3] },
      ],
    },
    amount: null,
    grantPeriod: "CALENDAR_YEAR",
    effectiveFrom: "2025-01-01",
    examples: [
      {
        name: "纳税少",
        facts: { taxPaidLastYear: 5000, insuredEmployeesLastYear: null },
        expected: "ELIGIBLE",
      },
      {
        name: "纳税多且参保少",
        facts: { taxPaidLastYear: 50000, insuredEmployeesLastYear: 1 },
        expected: "INELIGIBLE",
      },
    ],
  },
  {
    // 三(二)1 relaxed groups without an active penalty; the sum depends on revenue.
    code: "E2E_GROUPS_REWARD",
    department: "HRSS_ZZ",
    mode: "AUTO",
    rule: {
      and: [
        { "!": { var: "hasActivePenalty" } },
        { some: [{ var: "proprietorGroups" }, { in: [{ var: "" }, ["VETERAN", "GRADUATE"]] }] },
      ],
    },
    amount: { if: [{ ">=": [{ var: "revenueLastYear" }, 500000] }, 5000, 2000] },
    grantPeriod: "ONCE",
    effectiveFrom: "2025-01-01",
    examples: [
      {
        name: "退役军人",
        facts: { hasActivePenalty: false, proprietorGroups: ["VETERAN"], revenueLastYear: 100000 },
        expected: "ELIGIBLE",
        expectedAmount: 2000,
      },
      {
        name: "无群体",
        facts: { hasActivePenalty: false, proprietorGroups: [], revenueLastYear: 100000 },
        expected: "INELIGIBLE",
      },
    ],
  },
  {
    // 三(二)3 特色类: lodging and catering, by quarter.
    code: "E2E_CATERING_QUARTER",
    department: "CULTURE_ZZ",
    mode: "AUTO",
    rule: {
      and: [
        { in: [{ var: "industrySection" }, ["H", "F"]] },
        { ">=": [{ var: "registeredYears" }, 3] },
        { "!": { var: "abnormalListed" } },
      ],
    },
    amount: 300,
    grantPeriod: "CALENDAR_QUARTER",
    effectiveFrom: "2025-01-01",
    examples: [
      {
        name: "餐饮5年",
        facts: { industrySection: "H", registeredYears: 5, abnormalListed: false },
        expected: "ELIGIBLE",
        expectedAmount: 300,
      },
      {
        name: "制造业",
        facts: { industrySection: "C", registeredYears: 5, abnormalListed: false },
        expected: "INELIGIBLE",
      },
    ],
  },
  {
    // An application-based policy: shown, never granted.
    code: "E2E_APPLY_LOAN",
    department: "FIN_ZZ",
    mode: "APPLY",
    rule: { "==": [{ var: "type" }, "GROWTH"] },
    amount: null,
    grantPeriod: "CALENDAR_YEAR",
    effectiveFrom: "2025-01-01",
    examples: [
      { name: "成长型", facts: { type: "GROWTH" }, expected: "ELIGIBLE" },
      { name: "生存型", facts: { type: "SURVIVAL" }, expected: "INELIGIBLE" },
    ],
  },
  {
    // Not yet in force on the run's date: nothing granted.
    code: "E2E_LATER",
    department: "TAX_ZZ",
    mode: "AUTO",
    rule: { "==": [{ var: "status" }, "ACTIVE"] },
    amount: null,
    grantPeriod: "CALENDAR_YEAR",
    effectiveFrom: "2025-09-01",
    examples: [
      { name: "在册", facts: { status: "ACTIVE" }, expected: "ELIGIBLE" },
      { name: "注销", facts: { status: "DEREGISTERED" }, expected: "INELIGIBLE" },
    ],
  },
];

const CREATE = `mutation ($code: String!, $input: PolicyInput!) {
  createPolicy(code: $code, input: $input) { id status }
}`;
const PUBLISH = `mutation ($code: String!) { publishPolicy(code: $code) { id status version } }`;

/** The literals of a rule: the thresholds around which a missing value is tried. */
function literals(rule: unknown, into: unknown[] = []): unknown[] {
  if (Array.isArray(rule)) for (const item of rule) literals(item, into);
  else if (rule && typeof rule === "object") for (const v of Object.values(rule)) literals(v, into);
  else if (rule !== null) into.push(rule);
  return into;
}

/** Values a missing fact might have had: boundaries of the rule's literals and every enum value. */
function candidates(fact: string, ruleLiterals: unknown[]): FactValue[] {
  const definition = factByName(fact);
  if (!definition) throw new Error(`unknown fact ${fact}`);
  const numbers = ruleLiterals.filter((v): v is number => typeof v === "number");
  const strings = ruleLiterals.filter((v): v is string => typeof v === "string");
  switch (definition.type) {
    case "number":
    case "integer":
      return [-1, 0, 1e9, ...numbers.flatMap((n) => [n - 1, n, n + 1])];
    case "boolean":
      return [true, false];
    case "enum":
    case "string":
      return ["", "Z9999", ...(definition.values ?? []), ...strings];
    case "stringList":
      return [[], ...(definition.values ?? []).map((v) => [v])];
  }
}

/**
 * The reference: json-logic-js over the household's facts. Where facts the rules read are
 * unknown, every combination of plausible values is tried: the household qualifies only if the
 * rule holds (and the amount is the same) whatever they are; if the result changes with them, it
 * lacks a fact the rule needs; if the rule fails whatever they are, it does not qualify.
 */
function reference(policy: TestPolicy, facts: Facts): "QUALIFIES" | "NEEDS_FACT" | "NO" {
  const read = [
    ...new Set([
      ...(validateRule(policy.rule).ok ? readFacts(policy.rule) : []),
      ...(typeof policy.amount === "object" && policy.amount ? readFacts(policy.amount) : []),
    ]),
  ];
  const missing = read.filter((f) => facts[f] === null || facts[f] === undefined);
  const ruleLiterals = literals([policy.rule, policy.amount]);
  let worlds: Record<string, FactValue>[] = [{ ...facts }];
  for (const fact of missing) {
    worlds = worlds.flatMap((w) =>
      candidates(fact, ruleLiterals).map((v) => ({ ...w, [fact]: v })),
    );
  }
  const outcomes = new Set(
    worlds.map((w) => {
      const holds = jsonLogic.truthy(jsonLogic.apply(policy.rule as RulesLogic, w));
      if (!holds) return "NO";
      const amount =
        typeof policy.amount === "object" && policy.amount
          ? jsonLogic.apply(policy.amount as RulesLogic, w)
          : policy.amount;
      return `YES:${amount}`;
    }),
  );
  if (outcomes.size > 1) return "NEEDS_FACT";
  return outcomes.has("NO") ? "NO" : "QUALIFIES";
}

function readFacts(rule: unknown): string[] {
  const result = validateRule(rule, { expect: "any" });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return [...result.rule.facts];
}

describeEachEngine("免申即享 end to end", (getDb) => {
  let usccs: string[];
  let facts: Map<string, Facts>;

  beforeAll(async () => {
    const { db } = getDb();
    // Noon of the as-of date in China: the grant runs that publishing triggers (as of today)
    // decide on the same date as the checks below.
    const deps = testDeps(getDb(), () => NOW);
    // 1. Households through the exchange contract.
    const lines = [...generateHouseholds({ count: HOUSEHOLDS, seed: 77, asOfYear: 2025 })].map(
      householdJson,
    );
    const imported = await importHouseholds(db, lines);
    expect(imported.imported).toBe(HOUSEHOLDS);
    // 2. A typing run.
    await runTyping(db, { asOf: AS_OF, actor: "e2e", now: NOW });
    // 3. Policies registered and published by their departments through GraphQL.
    for (const policy of POLICIES) {
      const department: Principal = {
        role: "DEPARTMENT",
        tokenId: `e2e-${policy.department}`,
        departmentCode: policy.department,
      };
      const created = await runGraphQL(deps, department, CREATE, {
        code: policy.code,
        input: {
          title: `端到端 ${policy.code}`,
          kind: "SUBSIDY",
          mode: policy.mode,
          howToApply: policy.mode === "APPLY" ? "向所在地主管部门申请。" : null,
          rule: policy.rule,
          benefit: "端到端测试",
          amount: policy.amount,
          legalBasis: LEGAL_BASIS,
          effectiveFrom: policy.effectiveFrom,
          grantPeriod: policy.grantPeriod,
          examples: policy.examples,
        },
      });
      expect(created.errors, policy.code).toBeUndefined();
      const published = await runGraphQL(deps, department, PUBLISH, { code: policy.code });
      expect(published.errors, policy.code).toBeUndefined();
    }
    // 4. A grant run, as an operator asks for it.
    const run = await runGraphQL<{ runGrants: { granted: number } }>(
      deps,
      CITY,
      `mutation { runGrants(asOf: "${AS_OF}") { granted } }`,
    );
    expect(run.errors).toBeUndefined();
    // Publishing already triggers a grant run per policy, so this run may find nothing new.
    const ledger = await db
      .selectFrom("policy_grant")
      .select(sql<number>`count(*)::int`.as("n"))
      .executeTakeFirstOrThrow();
    expect(ledger.n).toBeGreaterThan(0);

    usccs = (await db.selectFrom("household").select("uscc").execute()).map((h) => h.uscc);
    facts = await loadFacts(db, usccs, AS_OF);
  });

  it("grants exactly the households that qualify under json-logic-js, never on a missing fact", async () => {
    const { db } = getDb();
    const grants = await db
      .selectFrom("policy_grant")
      .select(["uscc", "policy_code", "amount"])
      .execute();
    let seen = { granted: 0, qualifies: 0, needsFact: 0 };
    for (const policy of POLICIES) {
      const granted = new Map(
        grants.filter((g) => g.policy_code === policy.code).map((g) => [g.uscc, g.amount]),
      );
      const grantable = policy.mode === "AUTO" && policy.effectiveFrom <= AS_OF;
      for (const uscc of usccs) {
        const householdFacts = facts.get(uscc) as Facts;
        const verdict = reference(policy, householdFacts);
        const label = `${policy.code} ${uscc} ${verdict}`;
        if (verdict === "NEEDS_FACT") seen.needsFact++;
        if (grantable && verdict === "QUALIFIES") {
          seen.qualifies++;
          expect(granted.has(uscc), label).toBe(true);
          const amount = granted.get(uscc);
          if (policy.amount === null) expect(amount, label).toBeNull();
          else {
            const expected =
              typeof policy.amount === "number"
                ? policy.amount
                : (jsonLogic.apply(policy.amount as RulesLogic, householdFacts) as number);
            expect(amount, label).toBeCloseTo(expected, 6);
          }
        } else {
          expect(granted.has(uscc), label).toBe(false);
        }
      }
      seen.granted += granted.size;
    }
    // The population exercises every case: grants, and households lacking a needed fact.
    expect(seen.granted).toBe(seen.qualifies);
    expect(seen.qualifies).toBeGreaterThan(100);
    expect(seen.needsFact).toBeGreaterThan(10);
    seen = { granted: 0, qualifies: 0, needsFact: 0 };
  });

  it("grants nothing twice, however often it runs", async () => {
    const { db } = getDb();
    const deps = testDeps(getDb(), () => NOW);
    const run = (asOf: string) =>
      runGraphQL<{ runGrants: { granted: number } }>(
        deps,
        CITY,
        `mutation { runGrants(asOf: "${asOf}") { granted } }`,
      );
    const before = await db.selectFrom("policy_grant").select(["uscc", "policy_code"]).execute();
    expect((await run(AS_OF)).data?.runGrants.granted).toBe(0);
    // Later in the same periods, only households that have come to qualify since are granted
    // (a registration anniversary, say): none of those granted before.
    const later = await run("2025-08-15");
    const after = await db
      .selectFrom("policy_grant")
      .select(["uscc", "policy_code", "as_of"])
      .where("as_of", "=", "2025-08-15")
      .execute();
    expect(after).toHaveLength(later.data?.runGrants.granted ?? -1);
    const earlier = new Set(before.map((g) => `${g.policy_code}|${g.uscc}`));
    for (const g of after) expect(earlier.has(`${g.policy_code}|${g.uscc}`)).toBe(false);
    const counts = await db
      .selectFrom("policy_grant")
      .select([
        sql<number>`count(*)::int`.as("grants"),
        sql<number>`count(distinct (policy_code, period, uscc))::int`.as("keys"),
        sql<number>`count(distinct (policy_code, uscc))::int`.as("householdPolicies"),
        sql<number>`(select count(*)::int from grant_event)`.as("events"),
      ])
      .executeTakeFirstOrThrow();
    expect(counts.keys).toBe(counts.grants);
    // One period per policy so far (as of dates within one year and one quarter).
    expect(counts.householdPolicies).toBe(counts.grants);
    expect(counts.events).toBe(counts.grants);
    // Every fact the catalog has was read for the check.
    expect(Object.keys(facts.get(usccs[0] as string) ?? {}).sort()).toEqual(
      FACTS.map((f) => f.name).sort(),
    );
  });
});
