import { type Kysely, type Selectable, type SelectQueryBuilder, sql } from "kysely";
import { unreachable } from "../auth/principal.ts";
import { isCalendarDate } from "../dates.ts";
import type { Database, PolicyGrantTable } from "../db/types.ts";
import { BadInputError } from "../errors.ts";

export type GrantRow = Selectable<PolicyGrantTable>;

export const GRANT_STATUSES = ["ACTIVE", "REVOKED"] as const;
export type GrantStatus = (typeof GRANT_STATUSES)[number];

/** The operators' filters. Every field narrows; absent fields do not. */
export interface GrantFilter {
  policyCode?: string | null | undefined;
  /** Grants of the policies this department owns. */
  departmentCode?: string | null | undefined;
  countyCode?: string | null | undefined;
  uscc?: string | null | undefined;
  /** The household's type when granted. */
  type?: string | null | undefined;
  /** The household's 名特优新 category when granted (NONE: without one). */
  category?: string | null | undefined;
  /** `2025`, `2025-Q3`, `2025-07` or `ONCE`. */
  period?: string | null | undefined;
  /** As-of dates of the decisions, inclusive. */
  from?: string | null | undefined;
  to?: string | null | undefined;
  status?: GrantStatus | null | undefined;
}

/** The keyset position of a grant: the ledger's unique key. */
export interface GrantKey {
  policyCode: string;
  period: string;
  uscc: string;
}

export function grantKeyOf(row: Pick<GrantRow, "policy_code" | "period" | "uscc">): string {
  return `${row.policy_code}|${row.period}|${row.uscc}`;
}

/** A grant's id: its ledger key, opaque (base64url), e.g. for GraphQL and the CLI. */
export function grantIdOf(row: Pick<GrantRow, "policy_code" | "period" | "uscc">): string {
  return Buffer.from(grantKeyOf(row), "utf8").toString("base64url");
}

/** The key of a grant id, or undefined when it is not one. */
export function grantKeyOfId(id: string): GrantKey | undefined {
  const key = Buffer.from(id, "base64url").toString("utf8");
  const [policyCode, period, uscc, ...rest] = key.split("|");
  if (!policyCode || !period || !uscc || rest.length > 0) return undefined;
  if (grantIdOf({ policy_code: policyCode, period, uscc }) !== id) return undefined;
  return { policyCode, period, uscc };
}

export function parseGrantKey(key: string, argument = "after"): GrantKey {
  const [policyCode, period, uscc, ...rest] = key.split("|");
  if (!policyCode || !period || !uscc || rest.length > 0) {
    throw new BadInputError("malformed cursor", argument);
  }
  return { policyCode, period, uscc };
}

/** Throws BadInputError for a filter that cannot be applied (a malformed date, status). */
export function checkGrantFilter(filter: GrantFilter): void {
  if (filter.status != null && !GRANT_STATUSES.includes(filter.status)) {
    throw new BadInputError(`status must be ACTIVE or REVOKED, got "${filter.status}"`, "status");
  }
  for (const name of ["from", "to"] as const) {
    const value = filter[name];
    if (value != null && !isCalendarDate(value)) {
      throw new BadInputError(`${name} must be a calendar date YYYY-MM-DD, got "${value}"`, name);
    }
  }
}

/** Applies a filter to any query over `policy_grant as g`. */
export function whereGrant<O>(
  query: SelectQueryBuilder<Database & { g: PolicyGrantTable }, "g", O>,
  filter: GrantFilter,
): SelectQueryBuilder<Database & { g: PolicyGrantTable }, "g", O> {
  checkGrantFilter(filter);
  let q = query;
  if (filter.policyCode) q = q.where("g.policy_code", "=", filter.policyCode);
  if (filter.departmentCode) {
    const department = filter.departmentCode;
    q = q.where("g.policy_code", "in", (eb) =>
      eb.selectFrom("policy").select("code").where("department_code", "=", department),
    );
  }
  if (filter.countyCode) q = q.where("g.county_code", "=", filter.countyCode);
  if (filter.uscc) q = q.where("g.uscc", "=", filter.uscc);
  if (filter.type) q = q.where("g.type", "=", filter.type);
  if (filter.category) q = q.where("g.category", "=", filter.category);
  if (filter.period) q = q.where("g.period", "=", filter.period);
  if (filter.from) q = q.where("g.as_of", ">=", sql<string>`${filter.from}::date`);
  if (filter.to) q = q.where("g.as_of", "<=", sql<string>`${filter.to}::date`);
  if (filter.status === "ACTIVE") q = q.where("g.revoked_at", "is", null);
  if (filter.status === "REVOKED") q = q.where("g.revoked_at", "is not", null);
  return q;
}

/**
 * One page of grants in ledger-key order (policy, period, USCC): keyset pagination over the
 * unique key, so a page costs the same however deep, and a grant made meanwhile never shifts it.
 */
export async function listGrants(
  db: Kysely<Database>,
  filter: GrantFilter,
  page: { after?: GrantKey | undefined; limit: number },
): Promise<GrantRow[]> {
  let query = whereGrant(db.selectFrom("policy_grant as g").selectAll("g"), filter);
  const after = page.after;
  if (after) {
    query = query.where(
      sql<boolean>`(g.policy_code, g.period, g.uscc) > (${after.policyCode}, ${after.period}, ${after.uscc})`,
    );
  }
  return query
    .orderBy("g.policy_code")
    .orderBy("g.period")
    .orderBy("g.uscc")
    .limit(page.limit)
    .execute();
}

export async function countGrants(db: Kysely<Database>, filter: GrantFilter): Promise<number> {
  const row = await whereGrant(
    db.selectFrom("policy_grant as g").select(sql<number>`count(*)::int`.as("n")),
    filter,
  ).executeTakeFirstOrThrow();
  return row.n;
}

/** One grant by its id (grantIdOf), or undefined. */
export async function grantById(db: Kysely<Database>, id: string): Promise<GrantRow | undefined> {
  const key = grantKeyOfId(id);
  if (!key) return undefined;
  return db
    .selectFrom("policy_grant")
    .selectAll()
    .where("policy_code", "=", key.policyCode)
    .where("period", "=", key.period)
    .where("uscc", "=", key.uscc)
    .executeTakeFirst();
}

/** The household's grants of these policies (any period), for its entitlements. */
export async function householdGrants(
  db: Kysely<Database>,
  uscc: string,
  policyCodes: readonly string[],
): Promise<GrantRow[]> {
  if (policyCodes.length === 0) return [];
  return db
    .selectFrom("policy_grant")
    .selectAll()
    .where("uscc", "=", uscc)
    .where(sql<boolean>`policy_code = any(${[...policyCodes]}::text[])`)
    .execute();
}

export const GRANT_GROUPINGS = ["POLICY", "COUNTY", "TYPE", "CATEGORY", "MONTH"] as const;
export type GrantGrouping = (typeof GRANT_GROUPINGS)[number];

/** One group of grantSummary. */
export interface GrantSummaryRow {
  /** The policy code, county code, type, category or month (YYYY-MM of the as-of date). */
  key: string | null;
  /** Grants in force (not revoked). */
  grants: number;
  /** Households with at least one grant in force. */
  households: number;
  /** 元 of the grants in force. */
  amount: number;
  revoked: number;
}

function groupKey(grouping: GrantGrouping) {
  switch (grouping) {
    case "POLICY":
      return sql<string | null>`g.policy_code`;
    case "COUNTY":
      return sql<string | null>`g.county_code`;
    case "TYPE":
      return sql<string | null>`g.type`;
    case "CATEGORY":
      return sql<string | null>`g.category`;
    case "MONTH":
      return sql<string | null>`to_char(g.as_of, 'YYYY-MM')`;
    default:
      return unreachable(grouping);
  }
}

/** Counts and amounts of the filtered grants by policy, county, type, category or month. */
export async function grantSummary(
  db: Kysely<Database>,
  grouping: GrantGrouping,
  filter: GrantFilter,
): Promise<GrantSummaryRow[]> {
  const key = groupKey(grouping);
  const rows = await whereGrant(
    db.selectFrom("policy_grant as g").select([
      key.as("key"),
      sql<number>`count(*) filter (where g.revoked_at is null)::int`.as("grants"),
      sql<number>`count(distinct g.uscc) filter (where g.revoked_at is null)::int`.as("households"),
      // Summed exactly (numeric) and given in 元 to the 分: a float sum would show 0.1 + 0.2.
      sql<number>`round(coalesce(sum(g.amount::numeric) filter (where g.revoked_at is null), 0), 2)::float8`.as(
        "amount",
      ),
      sql<number>`count(*) filter (where g.revoked_at is not null)::int`.as("revoked"),
    ]),
    filter,
  )
    .groupBy(key)
    .orderBy(key)
    .execute();
  return rows;
}
