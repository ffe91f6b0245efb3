import { createHash, randomBytes } from "node:crypto";
import { type Kysely, sql } from "kysely";
import type { Database } from "../db/types.ts";
import { factsRelation } from "./facts-relation.ts";
import { requireAsOf } from "./household-facts.ts";

/** How many as-of dates keep a snapshot; building one more drops the least recently used. */
export const SNAPSHOTS_KEPT = 3;

const PREFIX = "facts_snapshot_";

/**
 * The transaction-scoped advisory lock of one as-of date's snapshot (in this schema). A
 * transaction takes the lock of one date only: two taking two dates in opposite orders would
 * deadlock.
 */
const dateLock = (asOf: string) =>
  sql`hashtext('facts_snapshot:' || current_schema()), (${asOf}::date - date '2000-01-01')`;

/** Takes the date's lock if no other transaction holds it (never waits); says whether it did. */
async function tryDateLock(trx: Kysely<Database>, asOf: string): Promise<boolean> {
  const { rows } = await sql<{ free: boolean }>`
    SELECT pg_try_advisory_xact_lock(${dateLock(asOf)}) AS free`.execute(trx);
  return rows[0]?.free === true;
}

/**
 * Held shared by every transaction building a snapshot, until it ends; pruning takes it alone,
 * in a short transaction of its own. A snapshot is listed only when its transaction commits, and
 * until then the changes it did not see must stay in facts_change, although no listed snapshot
 * needs them yet.
 */
const buildLock = sql`hashtext('facts_snapshot_build:' || current_schema()), 0`;

interface ListedSnapshot {
  table_name: string;
  used_at: Date;
  fresh: boolean;
}

/** The listed snapshot of `asOf`, and whether it may still be read. */
async function listedSnapshot(
  trx: Kysely<Database>,
  asOf: string,
  definition: string,
): Promise<ListedSnapshot | undefined> {
  return trx
    .selectFrom("facts_snapshot as s")
    .select([
      "s.table_name",
      "s.used_at",
      // Fresh: computed by this release's facts relation, in this database's history (a snapshot
      // restored from a dump into another cluster is from a future its xids have not reached),
      // and every transaction that wrote facts since is one it saw; its own transaction's writes
      // are absent from taken's list of running transactions, so they never count as seen.
      sql<boolean>`(s.definition = ${definition}
        AND pg_snapshot_xmax(s.taken) <= pg_snapshot_xmax(pg_current_snapshot())
        AND NOT EXISTS (SELECT 1 FROM facts_change c
          WHERE c.xid >= pg_snapshot_xmin(s.taken)
            AND (NOT pg_visible_in_snapshot(c.xid, s.taken) OR c.xid = s.built_by)))`.as("fresh"),
    ])
    .where("s.as_of", "=", asOf)
    .executeTakeFirst();
}

/** The hash of the facts relation's SQL text: what a snapshot was computed with. */
function definitionOf(trx: Kysely<Database>, asOf: string): string {
  const text = factsRelation(trx, asOf).compile().sql;
  return createHash("sha256").update(text).digest("hex").slice(0, 32);
}

/**
 * The name of a table holding factsRelation(db, asOf) for every household, as the facts stand
 * now: the one already built for that date when no transaction has written the tables the facts
 * are computed from since it was (migration 20261128T120000000Z-facts-snapshots), else a new one.
 *
 * Computing every fact of a million households joins seven tables; reading them back from one
 * narrow table is several times faster, so a department that previews draft after draft as of
 * the same date pays for the joins once. Runs in the caller's transaction and holds the date's
 * lock until it ends: previews of one date wait for each other, and a snapshot being read is
 * never dropped. Unlogged, like its list: it is a cache, rebuilt from the household tables.
 * `markUsed: false` (a refresh, not a reader) leaves the date's last use as it was.
 */
export async function factsSnapshotOf(
  trx: Kysely<Database>,
  asOf: string,
  options: { markUsed?: boolean } = {},
): Promise<string> {
  if (!trx.isTransaction) throw new Error("factsSnapshotOf must run in a transaction");
  requireAsOf(asOf);
  const definition = definitionOf(trx, asOf);
  await sql`SELECT pg_advisory_xact_lock(${dateLock(asOf)})`.execute(trx);
  const listed = await listedSnapshot(trx, asOf, definition);
  if (listed?.fresh) {
    if (options.markUsed === false) return listed.table_name;
    await trx
      .updateTable("facts_snapshot")
      .set({ used_at: sql`clock_timestamp()` })
      .where("as_of", "=", asOf)
      .execute();
    return listed.table_name;
  }
  await sql`SELECT pg_advisory_xact_lock_shared(${buildLock})`.execute(trx);
  if (listed) await dropSnapshot(trx, asOf, listed.table_name);
  await dropUnused(trx);

  // Taken before the statement that computes the facts: in READ COMMITTED that statement may see
  // more, never less, so a transaction this snapshot misses can only make it stale too early.
  const { rows } = await sql<{
    taken: string;
  }>`SELECT pg_current_snapshot()::text AS taken`.execute(trx);
  const taken = rows[0]?.taken;
  if (!taken) throw new Error("no current snapshot");
  const table = `${PREFIX}${asOf.replaceAll("-", "")}_${randomBytes(4).toString("hex")}`;
  await sql`CREATE UNLOGGED TABLE ${sql.table(table)} AS ${trx
    .selectFrom(factsRelation(trx, asOf).as("f"))
    .selectAll()}`.execute(trx);
  // Its statistics now, for the plan of the statement about to read it.
  await sql`ANALYZE ${sql.table(table)}`.execute(trx);
  const keepUse = options.markUsed === false && listed ? { used_at: listed.used_at } : {};
  await trx
    .insertInto("facts_snapshot")
    .values({ as_of: asOf, table_name: table, taken, definition, ...keepUse })
    .execute();
  return table;
}

/**
 * Drops the snapshot of `asOf` when it is stale and no transaction is reading it: it would be
 * computed again before being read anyway, and meanwhile it keeps space and the facts changes
 * it did not see. Returns whether it was dropped. In a transaction.
 */
export async function dropSnapshotIfStale(trx: Kysely<Database>, asOf: string): Promise<boolean> {
  if (!(await tryDateLock(trx, asOf))) return false;
  const listed = await listedSnapshot(trx, asOf, definitionOf(trx, asOf));
  if (!listed || listed.fresh) return false;
  await dropSnapshot(trx, asOf, listed.table_name);
  return true;
}

async function dropSnapshot(trx: Kysely<Database>, asOf: string, table: string): Promise<void> {
  await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(trx);
  await trx.deleteFrom("facts_snapshot").where("as_of", "=", asOf).execute();
}

/**
 * Makes room for one more snapshot: drops the least recently used beyond SNAPSHOTS_KEPT − 1, of
 * the dates no transaction is reading now. Never waits for a lock: a builder must not wait for
 * another transaction that may itself be waiting for it.
 */
async function dropUnused(trx: Kysely<Database>): Promise<void> {
  const surplus = await trx
    .selectFrom("facts_snapshot")
    .select(["as_of", "table_name"])
    .orderBy("used_at", "desc")
    .offset(SNAPSHOTS_KEPT - 1)
    .limit(1_000)
    .execute();
  for (const { as_of, table_name } of surplus) {
    if (await tryDateLock(trx, as_of)) await dropSnapshot(trx, as_of, table_name);
  }
}

/**
 * Drops the snapshot tables the list no longer names (PostgreSQL empties the unlogged list after a
 * crash, and the tables with it, but leaves them in the catalog). Returns how many. In a short
 * transaction of its own: two transactions dropping the same table wait for each other.
 */
export async function dropUnlistedSnapshots(trx: Kysely<Database>): Promise<number> {
  const unlisted = await sql<{ name: string }>`
    SELECT t.tablename AS name FROM pg_tables t
    WHERE t.schemaname = current_schema() AND starts_with(t.tablename, ${PREFIX})
      AND NOT EXISTS (SELECT 1 FROM facts_snapshot s WHERE s.table_name = t.tablename)`.execute(
    trx,
  );
  for (const { name } of unlisted.rows)
    await sql`DROP TABLE IF EXISTS ${sql.table(name)}`.execute(trx);
  return unlisted.rows.length;
}

/**
 * Deletes from facts_change what no snapshot needs: a change every listed snapshot saw, made
 * before anything running now began, tells nothing about any snapshot, listed or to come. Does
 * nothing while a transaction builds a snapshot (see buildLock), nor in a transaction that reads
 * under one snapshot throughout (REPEATABLE READ or SERIALIZABLE), which would miss a listing
 * committed after it began. In a short transaction of its own: it holds the build lock until the
 * end.
 */
export async function pruneFactsChanges(trx: Kysely<Database>): Promise<void> {
  if (!trx.isTransaction) throw new Error("pruneFactsChanges must run in a transaction");
  const { rows } = await sql<{ alone: boolean }>`
    SELECT CASE WHEN current_setting('transaction_isolation') = 'read committed'
      THEN pg_try_advisory_xact_lock(${buildLock}) ELSE false END AS alone`.execute(trx);
  if (!rows[0]?.alone) return;
  await sql`
    DELETE FROM facts_change WHERE xid IN (
      SELECT xid FROM facts_change
      WHERE xid < pg_snapshot_xmin(pg_current_snapshot())
        AND NOT EXISTS (SELECT 1 FROM facts_snapshot s
          WHERE facts_change.xid >= pg_snapshot_xmin(s.taken))
      FOR UPDATE SKIP LOCKED)`.execute(trx);
}
