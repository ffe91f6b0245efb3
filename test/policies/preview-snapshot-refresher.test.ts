import { type Kysely, sql } from "kysely";
import { beforeEach, expect, it } from "vitest";
import type { Database } from "../../src/db/types.ts";
import { factsSnapshotOf } from "../../src/matching/facts-snapshots.ts";
import {
  refreshPreviewSnapshots,
  startPreviewSnapshotRefresher,
} from "../../src/policies/preview-snapshot-refresher.ts";
import { describeEachEngine } from "../support/databases.ts";
import { insertHouseholds } from "../support/households.ts";

const RECENT = "2025-09-01";
const LONG_AGO = "2025-06-01";
const READY = "2025-10-01";

const snapshotOf = (db: Kysely<Database>, asOf: string) =>
  db.transaction().execute((trx) => factsSnapshotOf(trx, asOf));

const listed = async (db: Kysely<Database>) =>
  Object.fromEntries(
    (
      await db.selectFrom("facts_snapshot").select(["as_of", "table_name", "used_at"]).execute()
    ).map((r) => [r.as_of, { table: r.table_name, usedAt: new Date(r.used_at).getTime() }]),
  );

const householdsIn = async (db: Kysely<Database>, table: string) =>
  (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(db)).rows[0]
    ?.n;

describeEachEngine("refreshPreviewSnapshots", (getDb) => {
  beforeEach(async () => {
    const { db } = getDb();
    await getDb().reset();
    await snapshotOf(db, RECENT);
    await snapshotOf(db, LONG_AGO);
    await sql`UPDATE facts_snapshot SET used_at = now() - interval '2 hours'
      WHERE as_of = ${LONG_AGO}`.execute(db);
  });

  it("computes again the stale snapshots of the dates in use, and only those", async () => {
    const { db } = getDb();
    const before = await listed(db);
    expect(await refreshPreviewSnapshots(db, new Date(Date.now() - 3_600_000))).toEqual([]);
    expect(await listed(db)).toEqual(before);

    await insertHouseholds(db, [{ uscc: "92410102MA00000011" }]);
    expect(await refreshPreviewSnapshots(db, new Date(Date.now() - 3_600_000))).toEqual([RECENT]);
    const after = await listed(db);
    expect(after[RECENT]?.table).not.toBe(before[RECENT]?.table);
    expect(await householdsIn(db, after[RECENT]?.table ?? "")).toBe(1);
    // A refresh is not a use: the date keeps its last use.
    expect(after[RECENT]?.usedAt).toBe(before[RECENT]?.usedAt);
    // Not previewed within the hour: dropped, computed again only when previewed.
    expect(after[LONG_AGO]).toBeUndefined();
    const tables = await sql<{ name: string }>`SELECT tablename AS name FROM pg_tables
      WHERE schemaname = current_schema()`.execute(db);
    expect(tables.rows.map((t) => t.name)).not.toContain(before[LONG_AGO]?.table);
    expect(await householdsIn(db, await snapshotOf(db, LONG_AGO))).toBe(1);
  });

  it("keeps the dates asked for ready, previewed or not", async () => {
    const { db } = getDb();
    const hourAgo = new Date(Date.now() - 3_600_000);
    const before = await listed(db);
    expect(await refreshPreviewSnapshots(db, hourAgo, [READY])).toEqual([READY]);
    expect(await refreshPreviewSnapshots(db, hourAgo, [READY])).toEqual([]);
    await insertHouseholds(db, [{ uscc: "92410102MA00000011" }]);
    // Not previewed within the hour but asked for: computed again, not dropped.
    expect(await refreshPreviewSnapshots(db, hourAgo, [READY, LONG_AGO])).toEqual([
      LONG_AGO,
      RECENT,
      READY,
    ]);
    const after = await listed(db);
    expect(after[LONG_AGO]?.usedAt).toBe(before[LONG_AGO]?.usedAt);
    expect(await householdsIn(db, after[READY]?.table ?? "")).toBe(1);
  });

  it("runs in the background, from its start until stopped", async () => {
    const { db } = getDb();
    const before = await listed(db);
    const refreshed: string[][] = [];
    const errors: unknown[] = [];
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const refresher = startPreviewSnapshotRefresher(db, {
      everyMs: 20,
      usedWithinMs: 3_600_000,
      keepReady: () => [READY],
      now: () => new Date(),
      onRefresh: (dates) => refreshed.push(dates),
      onError: (error) => errors.push(error),
    });
    try {
      // At once: the date asked for.
      for (let waited = 0; refreshed.length === 0 && waited < 20_000; waited += 20) await sleep(20);
      expect(refreshed).toEqual([[READY]]);
      await insertHouseholds(db, [{ uscc: "92410102MA00000011" }]);
      const changedSince = () => refreshed.slice(1).flat();
      for (let waited = 0; !changedSince().includes(RECENT) && waited < 20_000; waited += 20) {
        await sleep(20);
      }
    } finally {
      await refresher.stop();
    }
    expect(errors).toEqual([]);
    // A tick under way when the insert committed found RECENT fresh and READY stale (dates are
    // looked at in order); the next one computes RECENT again. Either way both are computed again.
    expect(new Set(refreshed.slice(1).flat())).toEqual(new Set([RECENT, READY]));
    const after = await listed(db);
    expect(after[RECENT]?.table).not.toBe(before[RECENT]?.table);
    // Stopped: a later change is left to the next preview.
    await insertHouseholds(db, [{ uscc: "92410102MA00000022" }]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await listed(db)).toEqual(after);
  });
});
