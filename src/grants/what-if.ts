import type { Kysely } from "kysely";
import type { Database } from "../db/types.ts";
import { NotFoundError } from "../errors.ts";
import { loadFacts, requireAsOf } from "../matching/household-facts.ts";
import type { Facts } from "../matching/rule-types.ts";
import { compiledPolicyOf, type PolicyRuleCache } from "../policies/compiled-policy.ts";
import { policyVersionById } from "../policies/policy-queries.ts";
import { inForceOn, type PolicyVersion } from "../policies/policy-version.ts";
import { decidePolicy, type Entitlement } from "./entitlements.ts";
import { type Period, periodOf } from "./grant-period.ts";
import type { GrantRow } from "./grant-queries.ts";

/**
 * A grant's explanation, derived on read: the version is immutable (the registry's trigger
 * refuses any change once published) and the grant keeps the facts its rules read, so this is
 * the very explanation of the day it was granted, years later, whatever changed since.
 */
export function explainGrant(
  cache: PolicyRuleCache,
  version: PolicyVersion,
  grant: Pick<GrantRow, "facts">,
) {
  return decidePolicy(compiledPolicyOf(cache, version), grant.facts as Facts);
}

/** Where the facts of a replay come from. */
export type FactsSource = "GRANT" | "RECORDS";

export interface WhatIfResult extends Omit<Entitlement, "grant"> {
  uscc: string;
  asOf: string;
  /** Whether the version was in force on the date (a replay may ask about any version). */
  inForce: boolean;
  /**
   * GRANT: the facts the grant of that version and date was decided on, as stored. RECORDS:
   * computed now from the household's records as of the date (yearly figures, suspensions,
   * penalties and recognitions are dated; list flags and the type are as currently recorded).
   */
  factsSource: FactsSource;
  facts: Facts;
  /** The household's grant of the policy for the period, if any (of whatever version). */
  grant: GrantRow | null;
}

/**
 * Replays a decision: the household `uscc` under version `versionId` as of `asOf`, with the facts
 * of that date. When a grant of that version was decided as of that date, its stored facts are
 * used, so the replay gives exactly what was decided then.
 */
export async function whatIf(
  db: Kysely<Database>,
  input: { uscc: string; asOf: string; versionId: string },
  cache: PolicyRuleCache,
): Promise<WhatIfResult> {
  requireAsOf(input.asOf);
  const version = await policyVersionById(db, input.versionId);
  if (!version || version.status === "DRAFT") {
    throw new NotFoundError(`no published policy version ${input.versionId}`);
  }
  const period: Period = periodOf(version.grantPeriod, input.asOf);
  const grant =
    (await db
      .selectFrom("policy_grant")
      .selectAll()
      .where("uscc", "=", input.uscc)
      .where("policy_code", "=", version.code)
      .where("period", "=", period.key)
      .executeTakeFirst()) ?? null;
  let facts: Facts;
  let factsSource: FactsSource;
  if (grant && grant.policy_version_id === version.id && grant.as_of === input.asOf) {
    facts = grant.facts as Facts;
    factsSource = "GRANT";
  } else {
    const loaded = (await loadFacts(db, [input.uscc], input.asOf)).get(input.uscc);
    if (!loaded) throw new NotFoundError(`no household ${input.uscc}`);
    facts = loaded;
    factsSource = "RECORDS";
  }
  return {
    uscc: input.uscc,
    asOf: input.asOf,
    version,
    period,
    inForce: inForceOn(version, input.asOf),
    factsSource,
    facts,
    ...decidePolicy(compiledPolicyOf(cache, version), facts),
    grant,
  };
}
