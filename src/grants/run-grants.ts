import { type Kysely, sql } from "kysely";
import type { Database } from "../db/types.ts";
import { requireAsOf } from "../matching/household-facts.ts";
import { validatedRules } from "../policies/compiled-policy.ts";
import { policiesInForce } from "../policies/policy-queries.ts";
import type { PolicyVersion } from "../policies/policy-version.ts";
import { createFactsSnapshot, dropFactsSnapshot, dropStaleSnapshots } from "./facts-snapshot.ts";
import { periodOf } from "./grant-period.ts";
import { type GrantableVersion, grantedFactNames, grantStatement } from "./grant-statement.ts";

/** What started a grant run. */
export const GRANT_TRIGGERS = ["MANUAL", "TYPING_RUN", "POLICY_PUBLISHED", "IMPORT"] as const;
export type GrantTrigger = (typeof GRANT_TRIGGERS)[number];

export interface RunGrantsOptions {
  /** The date the facts are taken as of, and whose period is granted. */
  asOf: string;
  trigger: GrantTrigger;
  /** The typing run, policy version or import behind it. */
  triggerRef?: string | null | undefined;
  /** The actor recorded on the run (actorOf, or SYSTEM:… for automatic runs). */
  actor: string;
  /** Only households of this county (a county operator's run). */
  countyCode?: string | null | undefined;
  /** Only these versions (the one just published); default: every AUTO version in force. */
  versionIds?: readonly string[] | undefined;
  /**
   * Statements run at once. PostgreSQL runs an INSERT … SELECT on one core, so two use both
   * cores here; PGlite (one connection) and a caller's transaction run them one by one.
   */
  concurrency?: number | undefined;
}

/** What one policy version's statement granted. */
export interface VersionGrantCount {
  versionId: string;
  policyCode: string;
  version: number;
  period: string;
  granted: number;
  /** Total 元 granted; null when the policy gives no money. */
  amount: number | null;
  ms: number;
}

export interface GrantRunSummary {
  runId: string;
  asOf: string;
  trigger: GrantTrigger;
  countyCode: string | null;
  granted: number;
  versions: VersionGrantCount[];
  startedAt: Date;
  finishedAt: Date;
}

/** The version's rules, validated again from storage (they were valid when published). */
export function grantableVersion(version: PolicyVersion): GrantableVersion {
  const { rule, amountRule } = validatedRules(version);
  return {
    id: version.id,
    code: version.code,
    grantPeriod: version.grantPeriod,
    rule,
    amount: version.amount,
    amountRule,
  };
}

/**
 * 三(一)3 免申即享: a grant run. Every AUTO policy version in force on `asOf` is granted to every
 * household that qualifies and has not had it in the period of `asOf`, one set-based INSERT …
 * SELECT per version (grant-statement.ts) over the run's snapshot of the facts relation (taken
 * once, so every version decides on the same facts). Each statement commits on its own with its
 * events, so a run cut short keeps what it granted and the next run grants the rest; the run's row
 * records what each statement did. Concurrent runs are safe: the ledger's unique key decides.
 */
export async function runGrants(
  db: Kysely<Database>,
  options: RunGrantsOptions,
): Promise<GrantRunSummary> {
  requireAsOf(options.asOf);
  const wanted = options.versionIds ? new Set(options.versionIds) : null;
  const versions = (await policiesInForce(db, options.asOf)).filter(
    (v) => v.mode === "AUTO" && (wanted === null || wanted.has(v.id)),
  );
  const countyCode = options.countyCode ?? null;
  const run = await db
    .insertInto("grant_run")
    .values({
      as_of: options.asOf,
      trigger: options.trigger,
      trigger_ref: options.triggerRef ?? null,
      county_code: countyCode,
      finished_at: null,
      granted: null,
      counts: null,
      created_by: options.actor,
    })
    .returning(["id", sql<Date>`started_at`.as("started")])
    .executeTakeFirstOrThrow();

  const grantable = new Map(versions.map((v) => [v.id, grantableVersion(v)]));
  const grantOne = async (version: PolicyVersion): Promise<VersionGrantCount> => {
    const started = performance.now();
    const result = await grantStatement(db, grantable.get(version.id) as GrantableVersion, {
      asOf: options.asOf,
      runId: run.id,
      countyCode,
      factsTable,
    }).executeTakeFirstOrThrow();
    return {
      versionId: version.id,
      policyCode: version.code,
      version: version.version,
      period: periodOf(version.grantPeriod, options.asOf).key,
      granted: result.granted,
      amount: version.amount === null ? null : (result.amount ?? 0),
      ms: Math.round(performance.now() - started),
    };
  };
  const concurrency = db.isTransaction ? 1 : Math.max(1, options.concurrency ?? 2);
  // One snapshot of the facts for the whole run (facts-snapshot.ts), of the facts its rules read.
  let factsTable: string | null = null;
  let counts: VersionGrantCount[];
  try {
    if (versions.length > 0) {
      await dropStaleSnapshots(db);
      factsTable = await createFactsSnapshot(db, {
        runId: run.id,
        asOf: options.asOf,
        facts: [...grantable.values()].flatMap((v) => grantedFactNames(v)),
        countyCode,
      });
    }
    counts = await mapWithConcurrency(versions, concurrency, grantOne);
  } finally {
    if (factsTable) await dropFactsSnapshot(db, factsTable);
  }

  const granted = counts.reduce((sum, c) => sum + c.granted, 0);
  const finished = await db
    .updateTable("grant_run")
    .set({
      finished_at: sql`clock_timestamp()`,
      granted,
      counts: JSON.stringify(counts),
    })
    .where("id", "=", run.id)
    .returning(sql<Date>`finished_at`.as("finished"))
    .executeTakeFirstOrThrow();
  return {
    runId: run.id,
    asOf: options.asOf,
    trigger: options.trigger,
    countyCode,
    granted,
    versions: counts,
    startedAt: new Date(run.started),
    finishedAt: new Date(finished.finished),
  };
}

/** `work` over `items`, at most `limit` at a time, results in the items' order. */
async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
