import type { Kysely } from "kysely";
import type { Database } from "../db/types.ts";
import {
  dropSnapshotIfStale,
  dropUnlistedSnapshots,
  factsSnapshotOf,
  pruneFactsChanges,
} from "../matching/facts-snapshots.ts";
import { withPreviewSettings } from "./preview-policy-impact.ts";

/**
 * Computes again the facts snapshots of the dates previewed since `usedSince` that the facts
 * have changed under (an import, a typing run, a recognition), so that the next preview of those
 * dates finds its snapshot ready; drops the stale snapshots of the other dates (a preview would
 * compute them again anyway) and the tables a crash left unlisted; then deletes the facts changes
 * no snapshot needs. Each in a transaction of its own. Returns the dates whose snapshot was
 * computed again.
 */
export async function refreshPreviewSnapshots(
  db: Kysely<Database>,
  usedSince: Date,
): Promise<string[]> {
  const listed = await db
    .selectFrom("facts_snapshot")
    .select(["as_of", "table_name", "used_at"])
    .orderBy("as_of")
    .execute();
  const refreshed: string[] = [];
  for (const { as_of, table_name, used_at } of listed) {
    if (new Date(used_at) < usedSince) {
      await db.transaction().execute((trx) => dropSnapshotIfStale(trx, as_of));
      continue;
    }
    const table = await withPreviewSettings(db, (trx) =>
      factsSnapshotOf(trx, as_of, { markUsed: false }),
    );
    if (table !== table_name) refreshed.push(as_of);
  }
  await db.transaction().execute(dropUnlistedSnapshots);
  await db.transaction().execute(pruneFactsChanges);
  return refreshed;
}

export interface RefresherOptions {
  /** How often to look for stale snapshots. */
  everyMs: number;
  /** Only the dates previewed within this long are kept ready. */
  usedWithinMs: number;
  now: () => Date;
  onRefresh: (dates: string[]) => void;
  onError: (error: unknown) => void;
}

/**
 * The server's background refresh of the snapshots in use (refreshPreviewSnapshots every
 * `everyMs`, one at a time). `stop` ends it, waiting for a refresh under way.
 */
export function startPreviewSnapshotRefresher(
  db: Kysely<Database>,
  options: RefresherOptions,
): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    const usedSince = new Date(options.now().getTime() - options.usedWithinMs);
    running = refreshPreviewSnapshots(db, usedSince)
      .then((dates) => {
        if (dates.length > 0) options.onRefresh(dates);
      }, options.onError)
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, options.everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
