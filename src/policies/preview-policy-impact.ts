import { type Kysely, sql } from "kysely";
import type { Database } from "../db/types.ts";
import type { FactsRow } from "../matching/facts-relation.ts";
import { factsSnapshotOf } from "../matching/facts-snapshots.ts";
import { requireAsOf } from "../matching/household-facts.ts";
import { ruleToSql, ruleValueToSql } from "../matching/rule-to-sql.ts";
import type { ValidRule } from "../matching/rule-types.ts";
import { inTransaction } from "./in-transaction.ts";

/** What is previewed: an eligibility rule and its amount (none, a fixed sum, or a rule). */
export interface ImpactTarget {
  rule: ValidRule;
  amount: ValidRule | number | null;
}

export interface ImpactCounts {
  eligible: number;
  ineligible: number;
  undetermined: number;
  /** Every household counted (the three above together). */
  households: number;
  /** The total amount in 元 over the eligible households; null when the policy gives no money. */
  estimatedAmount: number | null;
  /** Eligible households whose amount (a rule) is unknown: not in estimatedAmount. */
  eligibleWithUnknownAmount: number;
}

export interface ImpactBucket extends ImpactCounts {
  /** The breakdown value (a type, a category, a county code, an industry section); null: unknown. */
  key: string | null;
}

export interface PolicyImpact {
  asOf: string;
  total: ImpactCounts;
  byType: ImpactBucket[];
  byCategory: ImpactBucket[];
  byCounty: ImpactBucket[];
  byIndustrySection: ImpactBucket[];
}

const DIMENSIONS = ["type", "category", "countyCode", "industrySection"] as const;
type Dimension = (typeof DIMENSIONS)[number];

interface ImpactRow {
  /** GROUPING(type, category, county, section): which grouping set the row belongs to. */
  grouping: number;
  type: string | null;
  category: string | null;
  countyCode: string | null;
  industrySection: string | null;
  eligible: number;
  ineligible: number;
  undetermined: number;
  amount: number | null;
  unknown_amount: number;
}

/**
 * 10: how many households the rule makes eligible, ineligible and undetermined as of `asOf`, in
 * total and by type, category, county and industry section, with the estimated amount. All in
 * SQL, in one statement over the snapshot of the facts as of that date (factsSnapshotOf: built
 * by the first preview of the date, then read again until the facts change): the households are
 * grouped once by (outcome × the four dimensions), in parallel where the server allows, and the
 * few thousand groups are then rolled up by GROUPING SETS. No household reaches JavaScript.
 */
export async function previewPolicyImpact(
  db: Kysely<Database>,
  target: ImpactTarget,
  asOf: string,
): Promise<PolicyImpact> {
  requireAsOf(asOf);
  const rows = await withPreviewSettings(db, async (trx) => {
    const facts = await factsSnapshotOf(trx, asOf);
    return trx.executeQuery(previewImpactQuery(trx, target, facts).compile());
  });
  return impactFromRows(rows.rows, target.amount, asOf);
}

/**
 * Planner settings for the preview's statement only. The planner estimates the groups of an
 * expression from the columns it reads, so the outcome (a rule over revenue, say) and the industry
 * section (over the industry code) look like up to one group per household, where there are a few
 * thousand. It would then sort the whole population to group it, serially and spilling to disk.
 * With room to hash (work_mem) and gathering priced by what actually crosses (a few thousand
 * groups per worker, not a million: parallel_tuple_cost 0), it hashes in parallel workers.
 * JIT compilation costs more than it saves on a statement well under a second.
 */
export const PREVIEW_SETTINGS = {
  jit: "off",
  work_mem: "128MB",
  parallel_tuple_cost: "0",
} as const;

/** Runs `work` with PREVIEW_SETTINGS in force (in a transaction: they end with it). */
export async function withPreviewSettings<T>(
  db: Kysely<Database>,
  work: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  const names = Object.keys(PREVIEW_SETTINGS) as (keyof typeof PREVIEW_SETTINGS)[];
  const apply = (trx: Kysely<Database>, values: Record<string, string>) =>
    sql`SELECT ${sql.join(names.map((n) => sql`set_config(${n}, ${values[n]}, true)`))}`.execute(
      trx,
    );
  const run = async (trx: Kysely<Database>) => {
    const before = await sql<Record<string, string>>`SELECT ${sql.join(
      names.map((n) => sql`current_setting(${n}) AS ${sql.ref(n)}`),
    )}`.execute(trx);
    await apply(trx, PREVIEW_SETTINGS);
    const result = await work(trx);
    // In the caller's transaction, leave its settings as they were (after an error the caller's
    // transaction is aborted, and its end restores them).
    if (db.isTransaction) await apply(trx, before.rows[0] as Record<string, string>);
    return result;
  };
  return inTransaction(db, run);
}

/**
 * The one statement previewPolicyImpact runs over the facts in table `facts` (exported for
 * EXPLAIN in bench/preview.ts).
 */
export function previewImpactQuery(db: Kysely<Database>, target: ImpactTarget, facts: string) {
  const ok = ruleToSql(target.rule, "f");
  const amountRule = typeof target.amount === "object" ? target.amount : null;
  // The amount of one household, summed over the eligible only.
  const amount = amountRule
    ? ruleValueToSql(amountRule, "f")
    : sql<number | null>`NULL::double precision`;

  // Stage 1: one pass over the households, grouped by outcome and the four dimensions. The rule
  // is a grouping key, so it is evaluated once per household (the FILTER below reuses it).
  const grouped = db
    .selectFrom(sql<FactsRow>`${sql.table(facts)}`.as("f"))
    .select([
      sql<boolean | null>`${ok}`.as("ok"),
      "f.type",
      "f.category",
      "f.countyCode",
      "f.industrySection",
      sql<number>`count(*)`.as("n"),
      sql<number | null>`sum(${amount}) FILTER (WHERE ${ok})`.as("amount"),
      sql<number>`count(${amount}) FILTER (WHERE ${ok})`.as("known_amount"),
    ])
    .groupBy([sql`1`, "f.type", "f.category", "f.countyCode", "f.industrySection"]);

  // Stage 2: the few thousand groups rolled up into the total and the four breakdowns.
  return db
    .with("g", () => grouped)
    .selectFrom("g")
    .select([
      sql<number>`GROUPING(g.type, g.category, g."countyCode", g."industrySection")::int`.as(
        "grouping",
      ),
      "g.type",
      "g.category",
      "g.countyCode",
      "g.industrySection",
      sql<number>`coalesce(sum(g.n) FILTER (WHERE g.ok), 0)::int`.as("eligible"),
      sql<number>`coalesce(sum(g.n) FILTER (WHERE NOT g.ok), 0)::int`.as("ineligible"),
      sql<number>`coalesce(sum(g.n) FILTER (WHERE g.ok IS NULL), 0)::int`.as("undetermined"),
      sql<number | null>`round(sum(g.amount::numeric), 2)::double precision`.as("amount"),
      sql<number>`coalesce(sum(g.n - g.known_amount) FILTER (WHERE g.ok), 0)::int`.as(
        "unknown_amount",
      ),
    ])
    .groupBy(
      sql`GROUPING SETS ((), (g.type), (g.category), (g."countyCode"), (g."industrySection"))`,
    )
    .$castTo<ImpactRow>();
}

/** The GROUPING() bit of each dimension: set when the dimension is rolled up. */
const ALL_ROLLED_UP = 0b1111;
const ONLY: Record<Dimension, number> = {
  type: ALL_ROLLED_UP & ~0b1000,
  category: ALL_ROLLED_UP & ~0b0100,
  countyCode: ALL_ROLLED_UP & ~0b0010,
  industrySection: ALL_ROLLED_UP & ~0b0001,
};

function countsOf(row: ImpactRow | undefined, amount: ImpactTarget["amount"]): ImpactCounts {
  const eligible = row?.eligible ?? 0;
  const ineligible = row?.ineligible ?? 0;
  const undetermined = row?.undetermined ?? 0;
  let estimatedAmount: number | null = null;
  if (typeof amount === "number") estimatedAmount = eligible * amount;
  else if (amount !== null) estimatedAmount = row?.amount ?? 0;
  return {
    eligible,
    ineligible,
    undetermined,
    households: eligible + ineligible + undetermined,
    estimatedAmount,
    eligibleWithUnknownAmount:
      amount !== null && typeof amount === "object" ? (row?.unknown_amount ?? 0) : 0,
  };
}

function impactFromRows(
  rows: readonly ImpactRow[],
  amount: ImpactTarget["amount"],
  asOf: string,
): PolicyImpact {
  const buckets = (dimension: Dimension): ImpactBucket[] =>
    rows
      .filter((r) => r.grouping === ONLY[dimension])
      .map((r) => ({ key: r[dimension], ...countsOf(r, amount) }))
      .sort((a, b) => compareKeys(a.key, b.key));
  return {
    asOf,
    total: countsOf(
      rows.find((r) => r.grouping === ALL_ROLLED_UP),
      amount,
    ),
    byType: buckets("type"),
    byCategory: buckets("category"),
    byCounty: buckets("countyCode"),
    byIndustrySection: buckets("industrySection"),
  };
}

/** Keys in byte order, unknown (null) last. */
function compareKeys(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
