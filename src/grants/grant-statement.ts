import { type Kysely, type RawBuilder, sql } from "kysely";
import type { Database } from "../db/types.ts";
import { type FactsRow, factsRelation } from "../matching/facts-relation.ts";
import { ruleToSql, ruleValueToSql } from "../matching/rule-to-sql.ts";
import type { ValidRule } from "../matching/rule-types.ts";
import type { GrantPeriod, PolicyAmount } from "../policies/policy-content.ts";
import { periodOf } from "./grant-period.ts";

/** What a grant statement needs of a policy version: its identity, period and rules. */
export interface GrantableVersion {
  id: string;
  code: string;
  grantPeriod: GrantPeriod;
  /** The eligibility rule, validated. */
  rule: ValidRule;
  /** null (no money), a fixed sum in 元, or a rule over facts. */
  amount: PolicyAmount;
  /** The amount rule, validated, when the amount is a rule. */
  amountRule: ValidRule | null;
}

export interface GrantStatementOptions {
  asOf: string;
  runId: string;
  /** Only households of this county (a county operator's run). */
  countyCode?: string | null | undefined;
  /**
   * The run's snapshot of the facts relation (facts-snapshot.ts), already narrowed to the county;
   * without it the statement reads the facts relation itself.
   */
  factsTable?: string | null | undefined;
}

/** The facts a grant keeps: those its eligibility and amount rules read, sorted by name. */
export function grantedFactNames(version: Pick<GrantableVersion, "rule" | "amountRule">): string[] {
  return [...new Set([...version.rule.facts, ...(version.amountRule?.facts ?? [])])].sort();
}

/** The amount of one household in SQL: a fixed sum, the amount rule's value, or NULL. */
export function amountSql(
  version: Pick<GrantableVersion, "amount" | "amountRule">,
  alias: string,
): RawBuilder<number | null> {
  if (version.amountRule) return ruleValueToSql(version.amountRule, alias);
  if (typeof version.amount === "number") return sql<number>`${version.amount}::double precision`;
  return sql<null>`NULL::double precision`;
}

/** `jsonb_build_object('fact', f."fact", …)` over the facts a grant keeps. */
export function factsJsonSql(names: readonly string[], alias: string): RawBuilder<unknown> {
  if (names.length === 0) return sql`'{}'::jsonb`;
  return sql`jsonb_build_object(${sql.join(
    names.map((name) => sql`${sql.lit(name)}::text, ${sql.ref(`${alias}.${name}`)}`),
  )})`;
}

/**
 * 三(一)3 免申即享: one statement that grants one AUTO policy version to every household that
 * qualifies on `asOf` and has not had the policy in that period, and writes the outbox events of
 * exactly the grants it made (a data-modifying CTE over RETURNING, so both commit or neither).
 *
 * - Only `rule IS TRUE` grants: an unknown (NULL) outcome never does. When the amount is a rule,
 *   its value must be known too: a grant of an unknown sum could not be paid.
 * - ON CONFLICT DO NOTHING on (policy_code, period, uscc) skips households granted already: the
 *   unique index is probed before anything is written, so a repeated run only reads. It also
 *   settles a race with a concurrent run: the later insert waits for the earlier transaction and
 *   then does nothing, or inserts if that transaction rolled back. No duplicate, no lost grant.
 *   (No NOT EXISTS anti-join on top: planned on a ledger that looked empty when analysed, it
 *   became a nested loop over a growing table within the run itself.)
 * - The facts the rule and the amount read are kept as jsonb, built in SQL from the same row.
 *
 * Returns one row: the number of grants made and their total amount.
 */
export function grantStatement(
  db: Kysely<Database>,
  version: GrantableVersion,
  options: GrantStatementOptions,
) {
  const period = periodOf(version.grantPeriod, options.asOf);
  const amount = amountSql(version, "f");
  const factsJson = factsJsonSql(grantedFactNames(version), "f");

  const facts = options.factsTable
    ? sql<FactsRow>`${sql.table(options.factsTable)}`.as("f")
    : factsRelation(db, options.asOf).as("f");
  let eligible = db
    .selectFrom(facts)
    .where(sql<boolean>`(${ruleToSql(version.rule, "f")}) IS TRUE`);
  if (version.amountRule) eligible = eligible.where(sql<boolean>`(${amount}) IS NOT NULL`);
  if (options.countyCode && !options.factsTable) {
    eligible = eligible.where("f.countyCode", "=", options.countyCode);
  }
  // In USCC order (the snapshot is stored so): the household index then takes its entries in
  // order, and the key's within one (policy, period), which keeps each index page in cache while
  // it fills. Over the facts relation itself the rows are sorted.
  if (!options.factsTable) eligible = eligible.orderBy("f.uscc");
  const rows = eligible.select([
    "f.uscc",
    sql<string>`${version.code}::text`.as("policy_code"),
    sql<string>`${version.id}::uuid`.as("policy_version_id"),
    sql<string>`${period.key}::text`.as("period"),
    sql<string | null>`${period.start}::date`.as("period_start"),
    sql<string | null>`${period.end}::date`.as("period_end"),
    sql<string>`${options.asOf}::date`.as("as_of"),
    amount.as("amount"),
    factsJson.as("facts"),
    "f.countyCode as county_code",
    "f.type",
    "f.category",
    sql<string>`${options.runId}::uuid`.as("run_id"),
  ]);

  return db
    .with("granted", (qc) =>
      qc
        .insertInto("policy_grant")
        .columns([
          "uscc",
          "policy_code",
          "policy_version_id",
          "period",
          "period_start",
          "period_end",
          "as_of",
          "amount",
          "facts",
          "county_code",
          "type",
          "category",
          "run_id",
        ])
        .expression(rows)
        .onConflict((oc) => oc.columns(["policy_code", "period", "uscc"]).doNothing())
        .returning(["policy_code", "period", "uscc", "amount", "county_code"]),
    )
    .with("events", (qc) =>
      qc
        .insertInto("grant_event")
        .columns(["kind", "policy_code", "period", "uscc", "county_code"])
        .expression(
          qc
            .selectFrom("granted")
            .select([
              sql<string>`'GRANTED'::text`.as("kind"),
              "policy_code",
              "period",
              "uscc",
              "county_code",
            ]),
        )
        .returning("seq"),
    )
    .selectFrom("granted")
    .select([
      sql<number>`count(*)::int`.as("granted"),
      sql<number | null>`round(sum(amount::numeric), 2)::float8`.as("amount"),
    ]);
}
