import type { Kysely } from "kysely";
import { todayInChina } from "../dates.ts";
import type { Database } from "../db/types.ts";
import { currentTypingRunId, requireAsOf } from "../matching/household-facts.ts";
import { inForceOn, type PolicyVersion } from "../policies/policy-version.ts";
import { type GrantRunSummary, runGrants } from "./run-grants.ts";

/**
 * 三(一)3 免申即享: the grant runs that follow other changes, called by their entry points (CLI
 * and GraphQL) after those changes committed. A failed grant run never undoes the change that
 * caused it: the failure is reported through `onError` and the next run grants what this one
 * missed (runs are idempotent). Besides these, `npx zhixiang grant` run daily (cron) catches
 * policies whose term starts later and facts that changed otherwise.
 */

export interface TriggerOptions {
  /** The actor recorded on the run. */
  actor: string;
  /** Statements at once (see runGrants). */
  concurrency?: number;
  /** Told of a failed run (logged by the caller); the change that caused it stands. */
  onError?: (error: unknown) => void;
}

async function guarded(
  work: () => Promise<GrantRunSummary | null>,
  options: TriggerOptions,
): Promise<GrantRunSummary | null> {
  try {
    return await work();
  } catch (error) {
    if (!options.onError) throw error;
    options.onError(error);
    return null;
  }
}

/**
 * After a typing run: types changed, so every AUTO policy is granted as of the run's date (the
 * facts and the types then agree: 上年度 is the year before the run's). Only when the run is the
 * current one (currentTypingRunId: the latest as-of date): an older date typed again does not
 * change the types in force, and granting its period on the newer year's types would mix the two.
 */
export function grantAfterTypingRun(
  db: Kysely<Database>,
  run: { id: string; as_of: string },
  options: TriggerOptions,
): Promise<GrantRunSummary | null> {
  return guarded(async () => {
    requireAsOf(run.as_of);
    const current = await currentTypingRunId(db).executeTakeFirst();
    if (current?.id !== run.id) return null;
    return runGrants(db, {
      asOf: run.as_of,
      trigger: "TYPING_RUN",
      triggerRef: run.id,
      actor: options.actor,
      concurrency: options.concurrency,
    });
  }, options);
}

/**
 * After a policy version is published: that version alone, as of today, when it is AUTO and in
 * force today (a version whose term starts later is granted by the first run on or after it).
 */
export async function grantAfterPublish(
  db: Kysely<Database>,
  version: PolicyVersion,
  now: Date,
  options: TriggerOptions,
): Promise<GrantRunSummary | null> {
  const today = todayInChina(now);
  if (version.mode !== "AUTO" || !inForceOn(version, today)) return null;
  return guarded(
    () =>
      runGrants(db, {
        asOf: today,
        trigger: "POLICY_PUBLISHED",
        triggerRef: version.id,
        versionIds: [version.id],
        actor: options.actor,
        concurrency: options.concurrency,
      }),
    options,
  );
}

/** After a household import: facts changed, so every AUTO policy is granted as of today. */
export function grantAfterImport(
  db: Kysely<Database>,
  now: Date,
  options: TriggerOptions & { ref?: string | null },
): Promise<GrantRunSummary | null> {
  return guarded(
    () =>
      runGrants(db, {
        asOf: todayInChina(now),
        trigger: "IMPORT",
        triggerRef: options.ref ?? null,
        actor: options.actor,
        concurrency: options.concurrency,
      }),
    options,
  );
}

/**
 * After policies-data was loaded (at start, or `policies load`): when any policy is new or has a
 * new version, the AUTO policies are granted as of today; nothing happens otherwise.
 */
export function grantAfterPolicyFiles(
  db: Kysely<Database>,
  report: { created: readonly string[]; versioned: readonly string[] },
  now: Date,
  options: TriggerOptions,
): Promise<GrantRunSummary | null> {
  const changed = [...report.created, ...report.versioned];
  if (changed.length === 0) return Promise.resolve(null);
  return guarded(
    () =>
      runGrants(db, {
        asOf: todayInChina(now),
        trigger: "POLICY_PUBLISHED",
        triggerRef: `policies-data: ${changed.join(", ")}`.slice(0, 500),
        actor: options.actor,
        concurrency: options.concurrency,
      }),
    options,
  );
}
