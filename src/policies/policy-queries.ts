import { type Kysely, sql } from "kysely";
import type { Database } from "../db/types.ts";
import { requireAsOf } from "../matching/household-facts.ts";
import type { PolicyKind, PolicyMode } from "./policy-content.ts";
import { type PolicyVersion, type VersionStatus, versionFromRow } from "./policy-version.ts";

/** A policy's identity: its stable code and the department that owns it. */
export interface Policy {
  code: string;
  departmentCode: string;
  createdAt: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Versions with their policy's department. */
export function versionsQuery(db: Kysely<Database>) {
  return db
    .selectFrom("policy_version as v")
    .innerJoin("policy as p", "p.code", "v.policy_code")
    .selectAll("v")
    .select("p.department_code");
}

/**
 * 9: the published versions in force on `asOf` (YYYY-MM-DD), one per policy at most, by code.
 * Superseded and retired versions count for the dates of their terms, so a past date gives the
 * versions that were in force then.
 */
export async function policiesInForce(
  db: Kysely<Database>,
  asOf: string,
): Promise<PolicyVersion[]> {
  requireAsOf(asOf);
  const rows = await versionsQuery(db)
    .where("v.status", "<>", "DRAFT")
    .where("v.effective_from", "<=", sql<string>`${asOf}::date`)
    .where((eb) =>
      eb.or([
        eb("v.in_force_until", "is", null),
        eb("v.in_force_until", ">=", sql<string>`${asOf}::date`),
      ]),
    )
    .orderBy("v.policy_code")
    .execute();
  return rows.map(versionFromRow);
}

/** 9: one version by id (any status), or undefined. */
export async function policyVersionById(
  db: Kysely<Database>,
  id: string,
): Promise<PolicyVersion | undefined> {
  if (!UUID.test(id)) return undefined;
  const row = await versionsQuery(db).where("v.id", "=", id).executeTakeFirst();
  return row ? versionFromRow(row) : undefined;
}

/** 9: the history of a policy: every version, oldest first (drafts included). */
export async function policyHistory(db: Kysely<Database>, code: string): Promise<PolicyVersion[]> {
  const rows = await versionsQuery(db)
    .where("v.policy_code", "=", code)
    .orderBy("v.version")
    .execute();
  return rows.map(versionFromRow);
}

export async function getPolicy(db: Kysely<Database>, code: string): Promise<Policy | undefined> {
  const row = await db.selectFrom("policy").selectAll().where("code", "=", code).executeTakeFirst();
  return row
    ? { code: row.code, departmentCode: row.department_code, createdAt: new Date(row.created_at) }
    : undefined;
}

export interface PolicyFilter {
  departmentCode?: string | null | undefined;
  kind?: PolicyKind | null | undefined;
  mode?: PolicyMode | null | undefined;
  /** Only policies with a version in force on this date. */
  inForceOn?: string | null | undefined;
  /** Only policies whose latest version has this status. */
  status?: VersionStatus | null | undefined;
}

/**
 * Policies by code with their latest version (drafts included when `withDrafts` names the
 * department that may see them). Kind and mode filter on the version shown.
 */
export async function listPolicies(
  db: Kysely<Database>,
  filter: PolicyFilter,
  options: { draftsOf: string | null },
): Promise<PolicyVersion[]> {
  if (filter.inForceOn) {
    const versions = await policiesInForce(db, filter.inForceOn);
    return versions.filter(
      (v) =>
        (!filter.departmentCode || v.departmentCode === filter.departmentCode) &&
        (!filter.kind || v.kind === filter.kind) &&
        (!filter.mode || v.mode === filter.mode) &&
        (!filter.status || v.status === filter.status),
    );
  }
  let query = versionsQuery(db)
    .distinctOn("v.policy_code")
    .orderBy("v.policy_code")
    .orderBy("v.version", "desc");
  query =
    options.draftsOf === null
      ? query.where("v.status", "<>", "DRAFT")
      : query.where((eb) =>
          eb.or([eb("v.status", "<>", "DRAFT"), eb("p.department_code", "=", options.draftsOf)]),
        );
  if (filter.departmentCode) query = query.where("p.department_code", "=", filter.departmentCode);
  const rows = await query.execute();
  return rows
    .map(versionFromRow)
    .filter(
      (v) =>
        (!filter.kind || v.kind === filter.kind) &&
        (!filter.mode || v.mode === filter.mode) &&
        (!filter.status || v.status === filter.status),
    );
}
