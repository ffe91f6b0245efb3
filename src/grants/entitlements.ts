import { type CompiledQuery, type Kysely, sql } from "kysely";
import { compareText } from "../canonical-json.ts";
import { preparedQuery } from "../db/prepared-statements.ts";
import type { Database } from "../db/types.ts";
import { factLabel, formatNumber, formatValue, staticText } from "../matching/explain-text.ts";
import { factByName } from "../matching/fact-catalog.ts";
import { type FactsRow, factsRelation } from "../matching/facts-relation.ts";
import { type HouseholdFacts, requireAsOf } from "../matching/household-facts.ts";
import type { CompiledRule, Explanation, Facts, Outcome } from "../matching/rule-types.ts";
import {
  type CompiledPolicy,
  compiledPolicyOf,
  evaluatePolicy,
  type PolicyRuleCache,
} from "../policies/compiled-policy.ts";
import { amountValue } from "../policies/policy-content.ts";
import { versionsQuery } from "../policies/policy-queries.ts";
import { type PolicyVersion, versionFromRow } from "../policies/policy-version.ts";
import { type Period, periodOf } from "./grant-period.ts";
import type { GrantRow } from "./grant-queries.ts";

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
      ? explainAmount(compiled.amountRule, facts)
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
 * An amount rule explained: the conditions of its `if`s (from the rule engine), then the formula
 * with the facts it read and the result, e.g. `金额 = 上年度营业收入 × 0.01（上年度营业收入
 * 45万元）= 4500元`.
 */
function explainAmount(rule: CompiledRule, facts: Facts): Explanation {
  const explanation = rule.explain(facts);
  const seen = rule.rule.facts
    .map((name) => {
      const unit = factByName(name)?.unit ?? null;
      return `${factLabel(name)} ${formatValue(facts[name] ?? null, { unit, labelsOf: name })}`;
    })
    .join("，");
  const value = amountValue(explanation.value);
  const result =
    value === null
      ? `未知${explanation.missingFacts.length > 0 ? `（缺少${explanation.missingFacts.map(factLabel).join("、")}）` : ""}`
      : formatNumber(value, "元");
  const line = `金额 = ${staticText(rule.rule.root)}${seen ? `（${seen}）` : ""} = ${result}`;
  return { ...explanation, text: explanation.text ? `${explanation.text}\n${line}` : line };
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
 * What the entitlements keep beside the owner's compiled-rule cache (one per server): published
 * versions by id (their content never changes, so only the lifecycle columns are read each
 * time), and the compiled entitlement query by as-of date (building the facts relation with
 * Kysely costs more than running it, so it is built once and only the USCC changes).
 */
interface EntitlementCaches {
  versions: Map<string, PolicyVersion>;
  queries: Map<string, { query: CompiledQuery<EntitlementRow>; usccAt: number }>;
}

const cachesBeside = new WeakMap<PolicyRuleCache, EntitlementCaches>();
/** Distinct as-of dates whose query is kept (today, mostly). */
const MAX_CACHED_QUERIES = 16;

function cachesOf(cache: PolicyRuleCache): EntitlementCaches {
  let caches = cachesBeside.get(cache);
  if (!caches) {
    caches = { versions: new Map(), queries: new Map() };
    cachesBeside.set(cache, caches);
  }
  return caches;
}

/** A USCC no household has: marks the parameter to replace in the compiled query. */
const USCC_PLACEHOLDER = "\u0000uscc";

type EntitlementRow = FactsRow & { inForce: LifecycleTuple[]; grants: GrantJson[] };

/**
 * One round trip: the household's facts (the facts relation), the versions in force (their ids
 * and lifecycle columns) and the household's grants, as one row.
 */
function entitlementQuery(db: Kysely<Database>, asOf: string, caches: EntitlementCaches) {
  const cached = caches.queries.get(asOf);
  if (cached) return cached;
  const day = sql<string>`${asOf}::date`;
  const built = db
    .selectFrom(factsRelation(db, asOf).as("f"))
    .selectAll("f")
    .select([
      // Tuples, unordered (sorted by code in householdEntitlements): on PostgreSQL 15,
      // jsonb_build_object and the aggregate's ORDER BY cost 0.5 ms of a 0.7 ms query.
      sql<LifecycleTuple[]>`(
        SELECT coalesce(json_agg(json_build_array(
          v.id, v.status, v.in_force_until, v.ended_at, v.ended_by)), '[]'::json)
        FROM policy_version v
        WHERE v.status <> 'DRAFT' AND v.effective_from <= ${day}
          AND (v.in_force_until IS NULL OR v.in_force_until >= ${day}))`.as("inForce"),
      sql<GrantJson[]>`(
        SELECT coalesce(jsonb_agg(to_jsonb(g)), '[]'::jsonb)
        FROM policy_grant g WHERE g.uscc = f.uscc)`.as("grants"),
    ])
    .where("f.uscc", "=", USCC_PLACEHOLDER)
    .compile() as CompiledQuery<EntitlementRow>;
  // Planning this query costs more than running it for one household: a named statement.
  const query = preparedQuery(built);
  const usccAt = query.parameters.indexOf(USCC_PLACEHOLDER);
  if (usccAt < 0 || query.parameters.lastIndexOf(USCC_PLACEHOLDER) !== usccAt) {
    throw new Error("the entitlement query must bind the USCC exactly once");
  }
  if (caches.queries.size >= MAX_CACHED_QUERIES) {
    const oldest = caches.queries.keys().next().value;
    if (oldest !== undefined) caches.queries.delete(oldest);
  }
  const entry = { query, usccAt };
  caches.queries.set(asOf, entry);
  return entry;
}

/**
 * A version's lifecycle columns, the only ones that change once it is published: id, status,
 * in force until, ended at, ended by.
 */
type LifecycleTuple = [
  id: string,
  status: PolicyVersion["status"],
  inForceUntil: string | null,
  endedAt: string | null,
  endedBy: string | null,
];

/**
 * 三(一)3 免申即享: every published policy in force on `asOf`, decided for the household with its
 * explanation; AUTO policies carry the grant made for the period, APPLY policies say how to
 * apply (on the version). Undefined when the household does not exist.
 *
 * One round trip (entitlementQuery); the versions' content comes from the server's cache, read
 * once per version and process.
 */
export async function householdEntitlements(
  db: Kysely<Database>,
  uscc: string,
  asOf: string,
  options: EntitlementOptions,
): Promise<Entitlement[] | undefined> {
  requireAsOf(asOf);
  const caches = cachesOf(options.cache);
  const { query, usccAt } = entitlementQuery(db, asOf, caches);
  const parameters = [...query.parameters];
  parameters[usccAt] = uscc;
  const compiled: CompiledQuery<EntitlementRow> = { ...query, parameters };
  const [row] = (await db.executeQuery(compiled)).rows;
  if (!row) return undefined;
  const { uscc: _uscc, inForce, grants, ...facts } = row;

  const contents = caches.versions;
  const unknown = inForce.filter(([id]) => !contents.has(id)).map(([id]) => id);
  if (unknown.length > 0) {
    for (const version of await versionsById(db, unknown)) contents.set(version.id, version);
  }
  const versions = inForce
    .map((v) => withLifecycle(contents.get(v[0]) as PolicyVersion, v))
    .filter((v) => !options.departmentCode || v.departmentCode === options.departmentCode)
    .sort((a, b) => compareText(a.code, b.code));
  const byKey = new Map(grants.map((g) => [`${g.policy_code}|${g.period}`, grantFromJson(g)]));
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

async function versionsById(db: Kysely<Database>, ids: string[]): Promise<PolicyVersion[]> {
  const rows = await versionsQuery(db).where(sql<boolean>`v.id = any(${ids}::uuid[])`).execute();
  return rows.map(versionFromRow);
}

function withLifecycle(
  version: PolicyVersion,
  [, status, inForceUntil, endedAt, endedBy]: LifecycleTuple,
): PolicyVersion {
  if (
    version.status === status &&
    version.inForceUntil === inForceUntil &&
    version.endedBy === endedBy
  ) {
    return version;
  }
  return {
    ...version,
    status,
    inForceUntil,
    endedAt: endedAt === null ? null : new Date(endedAt),
    endedBy,
  };
}

/** A grant as to_jsonb gives it: timestamps as text. */
type GrantJson = Omit<GrantRow, "granted_at" | "revoked_at"> & {
  granted_at: string;
  revoked_at: string | null;
};

function grantFromJson(g: GrantJson): GrantRow {
  return {
    ...g,
    granted_at: new Date(g.granted_at),
    revoked_at: g.revoked_at === null ? null : new Date(g.revoked_at),
  };
}
