// Shared by bench/grants.ts and bench/entitlements.ts: the database and its population, and
// the 25 AUTO policies the grant and entitlement benchmarks use, each with the same decision
// written by hand in SQL over the base tables (the reference). Shapes follow the seed's measures:
// 三(一)3 by type, 三(一)1 thresholds, 三(二) categories and relaxed groups, industries, counties.
import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import { type Kysely, sql } from "kysely";
import { Migrator } from "kysely/migration";
import { openDatabase } from "../src/db/database.ts";
import { migrations } from "../src/db/migrations/index.ts";
import type { Database } from "../src/db/types.ts";
import { generateHouseholds } from "../src/ingest/generate-households.ts";
import { householdJson } from "../src/ingest/household-record.ts";
import { importHouseholds } from "../src/ingest/import-households.ts";
import { contentHash, type PolicyContent } from "../src/policies/policy-content.ts";
import { contentColumns } from "../src/policies/policy-version.ts";
import { runTyping } from "../src/typing/run-typing.ts";
import { openBenchDatabase, truncateHouseholds } from "./_support.ts";

/** The date every benchmark decides as of (上年度 is 2024). */
export const BENCH_AS_OF = "2025-08-01";

export interface BenchPolicy {
  code: string;
  rule: Record<string, unknown>;
  amount: number | Record<string, unknown> | null;
  /** The same condition by hand, over `h` (household), `y` (2024 figures) and the `f_*` helpers. */
  where: string;
  /** The amount by hand (NULL: none). */
  amountSql: string;
}

const v = (name: string) => ({ var: name });

export const BENCH_POLICIES: BenchPolicy[] = [
  {
    code: "BENCH_SURVIVAL_TAX_RELIEF",
    rule: { and: [{ "==": [v("type"), "SURVIVAL"] }, { "==": [v("status"), "ACTIVE"] }] },
    amount: 1000,
    where: "f_type = 'SURVIVAL' AND h.status = 'ACTIVE'",
    amountSql: "1000",
  },
  {
    code: "BENCH_SURVIVAL_STARTUP",
    rule: {
      and: [
        { "==": [v("type"), "SURVIVAL"] },
        { ">=": [v("registeredYears"), 1] },
        {
          some: [
            v("proprietorGroups"),
            { in: [v(""), ["VETERAN", "GRADUATE", "RETURNING_MIGRANT"]] },
          ],
        },
      ],
    },
    amount: 5000,
    where:
      "f_type = 'SURVIVAL' AND f_years >= 1 AND h.proprietor_groups && ARRAY['VETERAN','GRADUATE','RETURNING_MIGRANT']",
    amountSql: "5000",
  },
  {
    code: "BENCH_GROWTH_INSURANCE",
    rule: { and: [{ "==": [v("type"), "GROWTH"] }, { ">=": [v("insuredEmployeesLastYear"), 3] }] },
    amount: { "*": [v("insuredEmployeesLastYear"), 500] },
    where: "f_type = 'GROWTH' AND y.insured_employees >= 3",
    amountSql: "y.insured_employees * 500.0",
  },
  {
    code: "BENCH_GROWTH_REVENUE_BAND",
    rule: {
      and: [{ "==": [v("type"), "GROWTH"] }, { "<=": [300000, v("revenueLastYear"), 599999.99] }],
    },
    amount: 2000,
    where: "f_type = 'GROWTH' AND y.revenue >= 300000 AND y.revenue <= 599999.99",
    amountSql: "2000",
  },
  {
    code: "BENCH_DEVELOPMENT_TAX",
    rule: { and: [{ "==": [v("type"), "DEVELOPMENT"] }, { ">": [v("taxPaidLastYear"), 10000] }] },
    amount: { min: [{ "*": [v("taxPaidLastYear"), 0.1] }, 20000] },
    where: "f_type = 'DEVELOPMENT' AND y.tax_paid > 10000",
    amountSql: "least(y.tax_paid * 0.1, 20000)",
  },
  {
    code: "BENCH_DEVELOPMENT_INSURED",
    rule: {
      and: [{ "==": [v("type"), "DEVELOPMENT"] }, { ">": [v("insuredEmployeesLastYear"), 5] }],
    },
    amount: 3000,
    where: "f_type = 'DEVELOPMENT' AND y.insured_employees > 5",
    amountSql: "3000",
  },
  {
    code: "BENCH_CLEAN_RECORD_CREDIT",
    rule: {
      and: [
        { in: [v("type"), ["GROWTH", "DEVELOPMENT"]] },
        { "!": v("hasActivePenalty") },
        { "!": v("proprietorDishonestDebtor") },
      ],
    },
    amount: null,
    where:
      "f_type IN ('GROWTH','DEVELOPMENT') AND NOT f_penalty AND NOT h.proprietor_dishonest_debtor",
    amountSql: "NULL",
  },
  {
    code: "BENCH_CATEGORY_ANY",
    rule: { "!=": [v("category"), "NONE"] },
    amount: 2000,
    where: "f_category <> 'NONE'",
    amountSql: "2000",
  },
  {
    code: "BENCH_CATEGORY_FAMOUS",
    rule: { "==": [v("category"), "FAMOUS"] },
    amount: 5000,
    where: "f_category = 'FAMOUS'",
    amountSql: "5000",
  },
  {
    code: "BENCH_CATEGORY_HERITAGE",
    rule: { in: [v("category"), ["DISTINCTIVE", "QUALITY"]] },
    amount: 3000,
    where: "f_category IN ('DISTINCTIVE','QUALITY')",
    amountSql: "3000",
  },
  {
    code: "BENCH_CATERING_RENT",
    rule: { and: [{ "==": [v("industrySection"), "H"] }, { "==": [v("type"), "SURVIVAL"] }] },
    amount: 1200,
    where: "left(h.industry_code, 1) = 'H' AND f_type = 'SURVIVAL'",
    amountSql: "1200",
  },
  {
    code: "BENCH_TECH_YOUNG",
    rule: { and: [{ in: [v("industrySection"), ["I", "M"]] }, { "<": [v("registeredYears"), 5] }] },
    amount: 2500,
    where: "left(h.industry_code, 1) IN ('I','M') AND f_years < 5",
    amountSql: "2500",
  },
  {
    code: "BENCH_OLD_DEVELOPMENT",
    rule: { and: [{ ">=": [v("registeredYears"), 10] }, { "==": [v("type"), "DEVELOPMENT"] }] },
    amount: 4000,
    where: "f_years >= 10 AND f_type = 'DEVELOPMENT'",
    amountSql: "4000",
  },
  {
    code: "BENCH_MIDDLE_AGED",
    rule: { "<=": [6, v("registeredYears"), 9] },
    amount: 800,
    where: "f_years >= 6 AND f_years <= 9",
    amountSql: "800",
  },
  {
    code: "BENCH_LOW_TAX_REVENUE",
    rule: {
      and: [{ "<=": [v("taxPaidLastYear"), 10000] }, { ">=": [v("revenueLastYear"), 100000] }],
    },
    amount: 600,
    where: "y.tax_paid <= 10000 AND y.revenue >= 100000",
    amountSql: "600",
  },
  {
    code: "BENCH_FILED_CLEAN",
    rule: {
      and: [
        v("annualReportFiledLastYear"),
        { "!": v("abnormalListed") },
        { "!=": [v("type"), "NOT_CLASSIFIABLE"] },
      ],
    },
    amount: null,
    where:
      "2024::smallint = ANY(h.annual_reports) AND NOT h.abnormal_listed AND f_type <> 'NOT_CLASSIFIABLE'",
    amountSql: "NULL",
  },
  {
    code: "BENCH_SEASONAL",
    rule: { and: [v("seasonal"), { "!": v("suspended") }] },
    amount: 500,
    where: "h.seasonal AND NOT f_suspended",
    amountSql: "500",
  },
  {
    code: "BENCH_ZHONGMOU_SURVIVAL",
    rule: { and: [{ "==": [v("countyCode"), "410122"] }, { "==": [v("type"), "SURVIVAL"] }] },
    amount: 1000,
    where: "h.county_code = '410122' AND f_type = 'SURVIVAL'",
    amountSql: "1000",
  },
  {
    code: "BENCH_ZONES_GROWTH",
    rule: {
      and: [
        { in: [v("countyCode"), ["410171", "410172", "410173"]] },
        { in: [v("type"), ["GROWTH", "DEVELOPMENT"]] },
      ],
    },
    amount: 1500,
    where: "h.county_code IN ('410171','410172','410173') AND f_type IN ('GROWTH','DEVELOPMENT')",
    amountSql: "1500",
  },
  {
    code: "BENCH_DISABLED",
    rule: { in: ["DISABLED", v("proprietorGroups")] },
    amount: 3000,
    where: "'DISABLED' = ANY(h.proprietor_groups)",
    amountSql: "3000",
  },
  {
    code: "BENCH_MILLION_REVENUE",
    rule: { ">=": [v("revenueLastYear"), 1000000] },
    amount: { if: [{ ">=": [v("revenueLastYear"), 2000000] }, 20000, 10000] },
    where: "y.revenue >= 1000000",
    amountSql: "CASE WHEN y.revenue >= 2000000 THEN 20000 ELSE 10000 END",
  },
  {
    code: "BENCH_SMALL_EMPLOYER",
    rule: {
      and: [{ "<=": [1, v("insuredEmployeesLastYear"), 2] }, { "==": [v("type"), "SURVIVAL"] }],
    },
    amount: 700,
    where: "y.insured_employees >= 1 AND y.insured_employees <= 2 AND f_type = 'SURVIVAL'",
    amountSql: "700",
  },
  {
    code: "BENCH_BIG_TAX_OR_REVENUE",
    rule: {
      or: [{ ">": [v("taxPaidLastYear"), 50000] }, { ">": [v("revenueLastYear"), 1500000] }],
    },
    amount: null,
    where: "(y.tax_paid > 50000 OR y.revenue > 1500000)",
    amountSql: "NULL",
  },
  {
    code: "BENCH_RETAIL_GROWTH",
    rule: {
      and: [
        { "==": [v("type"), "GROWTH"] },
        { "==": [v("industrySection"), "F"] },
        { ">=": [v("revenueLastYear"), 200000] },
      ],
    },
    amount: 1000,
    where: "f_type = 'GROWTH' AND left(h.industry_code, 1) = 'F' AND y.revenue >= 200000",
    amountSql: "1000",
  },
  {
    code: "BENCH_SPOTLESS_DEVELOPMENT",
    rule: {
      and: [
        { "!": v("hasActivePenalty") },
        { "!": v("seriousViolationListed") },
        { "!": v("taxAbnormal") },
        { "==": [v("status"), "ACTIVE"] },
        { "==": [v("type"), "DEVELOPMENT"] },
      ],
    },
    amount: 6000,
    where:
      "NOT f_penalty AND NOT h.serious_violation_listed AND NOT h.tax_abnormal AND h.status = 'ACTIVE' AND f_type = 'DEVELOPMENT'",
    amountSql: "6000",
  },
];

/** The hand-written value of each fact a policy reads (for the grant's facts jsonb). */
export const HAND_FACTS: Record<string, string> = {
  type: "f_type",
  category: "f_category",
  countyCode: "h.county_code",
  industrySection: "nullif(left(h.industry_code, 1), '')",
  registeredYears: "f_years",
  taxPaidLastYear: "y.tax_paid",
  insuredEmployeesLastYear: "y.insured_employees",
  revenueLastYear: "y.revenue",
  status: "h.status",
  annualReportFiledLastYear: "(2024::smallint = ANY(h.annual_reports))",
  proprietorGroups: "h.proprietor_groups",
  abnormalListed: "h.abnormal_listed",
  seriousViolationListed: "h.serious_violation_listed",
  taxAbnormal: "h.tax_abnormal",
  suspended: "f_suspended",
  seasonal: "h.seasonal",
  hasActivePenalty: "f_penalty",
  proprietorDishonestDebtor: "h.proprietor_dishonest_debtor",
};

/**
 * Publishes the 25 policies as AUTO versions and their 25 APPLY twins (50 in force), directly as
 * rows: the benchmark's setup, not the product path (the registry's examples and audit are tested
 * elsewhere).
 */
export async function publishBenchPolicies(db: Kysely<Database>): Promise<void> {
  await sql`TRUNCATE policy, policy_version CASCADE`.execute(db);
  const all = BENCH_POLICIES.flatMap((p) => [
    { ...p, mode: "AUTO" as const },
    { ...p, code: `${p.code}_APPLY`, mode: "APPLY" as const },
  ]);
  for (const policy of all) {
    const content: PolicyContent = {
      title: `基准 ${policy.code}`,
      kind: "SUBSIDY",
      mode: policy.mode,
      howToApply: policy.mode === "APPLY" ? "向所在地主管部门申请。" : null,
      rule: policy.rule,
      benefit: "基准测试",
      amount: policy.amount,
      legalBasis: { document: "郑市监〔2025〕6号", clause: "三(一)3 帮扶措施" },
      effectiveFrom: "2025-01-01",
      effectiveUntil: null,
      grantPeriod: "CALENDAR_YEAR",
      examples: [],
      notes: null,
    };
    await db
      .insertInto("policy")
      .values({ code: policy.code, department_code: "BENCH_ZZ", created_by: "bench" })
      .execute();
    await db
      .insertInto("policy_version")
      .values({
        policy_code: policy.code,
        version: 1,
        status: "PUBLISHED",
        ...contentColumns(content, contentHash(content)),
        source: "bench",
        source_hash: createHash("sha256").update(policy.code).digest("hex"),
        created_by: "bench",
        published_at: sql`now()`,
        published_by: "bench",
      })
      .execute();
  }
}

/** The benchmark database: PostgreSQL grants_bench (or BENCH_DATABASE_URL), or a PGlite folder. */
export async function openGrantsBench(engine: string, households: number, poolSize: number) {
  if (engine === "pglite") {
    return openDatabase({ dataDir: `/tmp/zhixiang-bench-grants-${households}` });
  }
  return openBenchDatabase("grants_bench", { poolSize });
}

/**
 * N households through the exchange contract (generateHouseholds → importHouseholds), typed by a
 * typing run as of 2025-08-01, 3% with a 名特优新 recognition; kept when already there.
 */
export async function populateGrantsBench(
  db: Kysely<Database>,
  n: number,
  regenerate: boolean,
): Promise<void> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM household`.execute(db);
  const typed = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM typing_run WHERE finished_at IS NOT NULL`.execute(db);
  if (!regenerate && rows[0]?.n === n && (typed.rows[0]?.n ?? 0) > 0) return;
  console.log(`importing ${n} generated households through the contract…`);
  await truncateHouseholds.execute(db);
  let started = performance.now();
  const lines = (function* () {
    for (const record of generateHouseholds({ count: n, seed: 2025, asOfYear: 2025 })) {
      yield householdJson(record);
    }
  })();
  const summary = await importHouseholds(db, lines, { batchSize: 5000 });
  console.log(`  imported ${summary.imported} in ${seconds(started)} s`);
  started = performance.now();
  await runTyping(db, { asOf: BENCH_AS_OF, actor: "bench", now: new Date("2025-08-02T00:00:00Z") });
  console.log(`  typed in ${seconds(started)} s`);
  // 三(二)2: 3% of households with a 名特优新 recognition in force (the contract carries none).
  await sql`
    INSERT INTO category_recognition (uscc, category, recognized_on, valid_from, valid_until)
    SELECT uscc, (ARRAY['FAMOUS','DISTINCTIVE','QUALITY','EMERGING'])[1 + abs(hashtext(uscc)) % 4],
      date '2024-11-20', date '2025-01-01', date '2027-11-20'
    FROM household WHERE abs(hashtext(uscc || 'c')) % 100 < 3`.execute(db);
  await sql`ANALYZE`.execute(db);
}

export function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(2);
}

/**
 * Migrates a benchmark database that outlives many checkouts: a migration added since with an
 * earlier timestamp is run too (the service itself refuses that: its migrations stay in order).
 */
export async function migrateBench(db: Kysely<Database>): Promise<void> {
  const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(db);
  const { error } = await new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    allowUnorderedMigrations: true,
    migrationTableSchema: rows[0]?.schema,
  }).migrateToLatest();
  if (error) throw error;
}
