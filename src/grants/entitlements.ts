import type { Kysely } from "kysely";
import type { Database } from "../db/types.ts";
import { factsRelation } from "../matching/facts-relation.ts";
import { type HouseholdFacts, requireAsOf } from "../matching/household-facts.ts";
import type { Explanation, Facts, Outcome } from "../matching/rule-types.ts";
import {
  type CompiledPolicy,
  compiledPolicyOf,
  evaluatePolicy,
  type PolicyRuleCache,
} from "../policies/compiled-policy.ts";
import { policiesInForce } from "../policies/policy-queries.ts";
import type { PolicyVersion } from "../policies/policy-version.ts";
import { type Period, periodOf } from "./grant-period.ts";
import { type GrantRow, householdGrants } from "./grant-queries.ts";

/** One policy in force, decided for one household as of a date. */
export interface Entitlement {
  version: PolicyVersion;
  /** The period of the as-of date under the policy's grant period. */
  period: Period;
  /**
   * ELIGIBLE, INELIGIBLE or UNDETERMINED. A policy whose amount is a rule counts as
   * UNDETERMINED while the amount is unknown: nothing can be granted before it is known.
   */
  outcome: Outcome;
  /** For UNDETERMINED: the unknown facts that would decide it. */
  missingFacts: string[];
  /** The eligibility rule explained, one condition a line. */
  explanation: Explanation;
  /** The amount rule explained, when the amount is a rule and the household is eligible. */
  amountExplanation: Explanation | null;
  /** 元 for an eligible household, when the policy gives money and the amount is known. */
  amount: number | null;
  /** AUTO: the grant made for the period (null: none yet, or not eligible). */
  grant: GrantRow | null;
}

/** The outcome of a whole policy (eligibility, then a known amount) for some facts. */
export function decidePolicy(
  compiled: CompiledPolicy,
  facts: Facts,
): Pick<Entitlement, "outcome" | "missingFacts" | "explanation" | "amountExplanation" | "amount"> {
  const evaluation = evaluatePolicy(compiled, facts);
  const amountExplanation =
    evaluation.outcome === "ELIGIBLE" && compiled.amountRule
      ? compiled.amountRule.explain(facts)
      : null;
  if (amountExplanation && evaluation.amount === null) {
    return {
      outcome: "UNDETERMINED",
      missingFacts: amountExplanation.missingFacts,
      explanation: evaluation.explanation,
      amountExplanation,
      amount: null,
    };
  }
  return {
    outcome: evaluation.outcome,
    missingFacts: evaluation.missingFacts,
    explanation: evaluation.explanation,
    amountExplanation,
    amount: evaluation.amount,
  };
}

/**
 * The facts of one household as of `asOf`, computed in SQL by the facts relation in one query
 * (the relation and the TypeScript factsOf are held equal by the rule engine's tests); undefined
 * for an unknown USCC.
 */
export async function householdFactsRow(
  db: Kysely<Database>,
  uscc: string,
  asOf: string,
): Promise<HouseholdFacts | undefined> {
  const row = await db
    .selectFrom(factsRelation(db, asOf).as("f"))
    .selectAll("f")
    .where("f.uscc", "=", uscc)
    .executeTakeFirst();
  if (!row) return undefined;
  const { uscc: _uscc, ...facts } = row;
  return facts;
}

export interface EntitlementOptions {
  /** Compiled rules by version id: versions never change, so one cache serves a whole server. */
  cache: PolicyRuleCache;
  /** A department sees only its own policies' entries. */
  departmentCode?: string | null | undefined;
}

/**
 * 三(一)3 免申即享: every published policy in force on `asOf`, decided for the household with its
 * explanation; AUTO policies carry the grant made for the period, APPLY policies say how to
 * apply (on the version). Undefined when the household does not exist.
 */
export async function householdEntitlements(
  db: Kysely<Database>,
  uscc: string,
  asOf: string,
  options: EntitlementOptions,
): Promise<Entitlement[] | undefined> {
  requireAsOf(asOf);
  const [all, facts] = await Promise.all([
    policiesInForce(db, asOf),
    householdFactsRow(db, uscc, asOf),
  ]);
  if (!facts) return undefined;
  const versions = options.departmentCode
    ? all.filter((v) => v.departmentCode === options.departmentCode)
    : all;
  const auto = versions.filter((v) => v.mode === "AUTO").map((v) => v.code);
  const grants = await householdGrants(db, uscc, auto);
  const byKey = new Map(grants.map((g) => [`${g.policy_code}|${g.period}`, g]));
  return versions.map((version) => {
    const period = periodOf(version.grantPeriod, asOf);
    const decided = decidePolicy(compiledPolicyOf(options.cache, version), facts);
    return {
      version,
      period,
      ...decided,
      grant: version.mode === "AUTO" ? (byKey.get(`${version.code}|${period.key}`) ?? null) : null,
    };
  });
}
