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
 * have changed under (an import, a typing run, a recognition), and computes those of the dates
 * in `keepReady` (today's, the preview's default) when absent, so that the next preview of those
 * dates finds its snapshot ready; drops the stale snapshots of the other dates (a preview would
 * compute them again anyway) and the tables a crash left unlisted; then deletes the facts changes
 * no snapshot needs. Each in a transaction of its own. Returns the dates whose snapshot was
 * computed.
 */
export async function refreshPreviewSnapshots(
  db: Kysely<Database>,
  usedSince: Date,
  keepReady: readonly string[] = [],
): Promise<string[]> {
  const listed = await db
    .selectFrom("facts_snapshot")
    .select(["as_of", "table_name", "used_at"])
    .orderBy("as_of")
    .execute();
  const tables = new Map<string, string | null>(keepReady.map((asOf) => [asOf, null]));
  for (const { as_of, table_name, used_at } of listed) {
    if (tables.has(as_of) || new Date(used_at) >= usedSince) tables.set(as_of, table_name);
    else await db.transaction().execute((trx) => dropSnapshotIfStale(trx, as_of));
  }
  const refreshed: string[] = [];
  for (const [asOf, table] of [...tables].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const ready = await withPreviewSettings(db, (trx) =>
      factsSnapshotOf(trx, asOf, { markUsed: false }),
    );
    if (ready !== table) refreshed.push(asOf);
  }
  await db.transaction().execute(dropUnlistedSnapshots);
  await db.transaction().execute(pruneFactsChanges);
  return refreshed;
}

export interface RefresherOptions {
  /** How often to look for stale snapshots. */
  everyMs: number;
  /** Only the dates previewed within this long are kept ready, and these whatever their use. */
  usedWithinMs: number;
  keepReady: () => readonly string[];
  now: () => Date;
  onRefresh: (dates: string[]) => void;
  onError: (error: unknown) => void;
}

/**
 * The server's background refresh of the snapshots in use (refreshPreviewSnapshots at once, then
 * every `everyMs`, one at a time). `stop` ends it, waiting for a refresh under way.
 */
export function startPreviewSnapshotRefresher(
  db: Kysely<Database>,
  options: RefresherOptions,
): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    const usedSince = new Date(options.now().getTime() - options.usedWithinMs);
    running = refreshPreviewSnapshots(db, usedSince, options.keepReady())
      .then((dates) => {
        if (dates.length > 0) options.onRefresh(dates);
      }, options.onError)
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, options.everyMs);
  timer.unref();
  tick();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
