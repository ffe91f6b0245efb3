import { type Kysely, sql } from "kysely";
import { beforeEach, expect, it } from "vitest";
import type { Database } from "../../src/db/types.ts";
import { factsRelation } from "../../src/matching/facts-relation.ts";
import {
  dropUnlistedSnapshots,
  factsSnapshotOf,
  pruneFactsChanges,
  SNAPSHOTS_KEPT,
} from "../../src/matching/facts-snapshots.ts";
import { describeEachEngine } from "../support/databases.ts";
import { insertHouseholds } from "../support/households.ts";

const AS_OF = "2025-09-01";

/** The snapshot of `asOf`, in a transaction of its own. */
const snapshotOf = (db: Kysely<Database>, asOf = AS_OF) =>
  db.transaction().execute((trx) => factsSnapshotOf(trx, asOf));

const countIn = async (db: Kysely<Database>, table: string) =>
  (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(db)).rows[0]
    ?.n;

const tablesLike = async (db: Kysely<Database>) =>
  (
    await sql<{ name: string }>`SELECT tablename AS name FROM pg_tables
      WHERE schemaname = current_schema() AND tablename LIKE 'facts\\_snapshot\\_%'
      ORDER BY 1`.execute(db)
  ).rows.map((r) => r.name);

/** The tables a query reads, from its SQL text. */
function tablesRead(text: string): Set<string> {
  return new Set([...text.matchAll(/\b(?:from|join)\s+"([a-z_]+)"/g)].map((m) => m[1] ?? ""));
}

describeEachEngine("factsSnapshotOf", (getDb) => {
  beforeEach(async () => {
    await getDb().reset();
    // The tables earlier tests built, no longer listed once the reset emptied the list.
    await getDb().db.transaction().execute(dropUnlistedSnapshots);
  });

  it("holds the facts relation of the date, and is read again while nothing changes", async () => {
    const { db } = getDb();
    await insertHouseholds(db, [{ uscc: "92410102MA00000011" }, { uscc: "92410102MA00000022" }]);
    const first = await snapshotOf(db);
    const again = await snapshotOf(db);
    expect(again).toBe(first);
    const rows = await sql`SELECT * FROM ${sql.table(first)} ORDER BY uscc`.execute(db);
    const expected = await db
      .selectFrom(factsRelation(db, AS_OF).as("f"))
      .selectAll()
      .orderBy("f.uscc")
      .execute();
    expect(rows.rows).toEqual(expected);
    expect(rows.rows).toHaveLength(2);
  });

  it("is computed again after any statement on a table the facts are read from", async () => {
    const { db } = getDb();
    await insertHouseholds(db, [{ uscc: "92410102MA00000011" }]);
    const factTables = [...tablesRead(factsRelation(db, AS_OF).compile().sql)].sort();
    expect(factTables).toContain("household");
    expect(factTables).toContain("category_recognition");
    let previous = await snapshotOf(db);
    for (const table of factTables) {
      // Even a statement that changes no row: the trigger is per statement.
      await sql`DELETE FROM ${sql.table(table)} WHERE false`.execute(db);
      const next = await snapshotOf(db);
      expect(next, table).not.toBe(previous);
      expect(await tablesLike(db), table).toEqual([next]);
      previous = next;
    }
    // A table the facts do not read changes nothing.
    await sql`DELETE FROM policy_grant WHERE false`.execute(db);
    expect(await snapshotOf(db)).toBe(previous);
  });

  it("counts what a transaction wrote, whether the snapshot is taken inside it or after it", async () => {
    const { db } = getDb();
    const before = await snapshotOf(db);
    expect(await countIn(db, before)).toBe(0);
    const inside = await db.transaction().execute(async (trx) => {
      await insertHouseholds(trx, [{ uscc: "92410102MA00000011" }]);
      const table = await factsSnapshotOf(trx, AS_OF);
      expect(await countIn(trx, table)).toBe(1);
      return table;
    });
    // Built by a transaction that had itself written facts: not trusted afterwards.
    const after = await snapshotOf(db);
    expect(after).not.toBe(inside);
    expect(await countIn(db, after)).toBe(1);
  });

  it("is stale once a transaction it could not see commits [postgres]", async (context) => {
    // PGlite has one connection: no transaction runs beside another.
    if (getDb().engine !== "postgres") context.skip();
    const { db } = getDb();
    await db.connection().execute(async (writer) => {
      await sql`BEGIN`.execute(writer);
      await insertHouseholds(writer, [{ uscc: "92410102MA00000011" }]);
      const during = await snapshotOf(db);
      expect(await countIn(db, during)).toBe(0);
      expect(await snapshotOf(db)).toBe(during);
      await sql`COMMIT`.execute(writer);
      const after = await snapshotOf(db);
      expect(after).not.toBe(during);
      expect(await countIn(db, after)).toBe(1);
    });
  });

  it("keeps the changes a snapshot being built has not seen, whoever prunes [postgres]", async (context) => {
    if (getDb().engine !== "postgres") context.skip();
    const { db } = getDb();
    await db.connection().execute(async (writer) => {
      await sql`BEGIN`.execute(writer);
      await insertHouseholds(writer, [{ uscc: "92410102MA00000011" }]);
      await db.transaction().execute(async (builder) => {
        const table = await factsSnapshotOf(builder, AS_OF);
        expect(await countIn(builder, table)).toBe(0);
        // The writer commits while the snapshot that missed it is not yet listed, and a third
        // transaction prunes meanwhile.
        await sql`COMMIT`.execute(writer);
        await db.transaction().execute((pruner) => pruneFactsChanges(pruner));
      });
    });
    expect(await countIn(db, await snapshotOf(db))).toBe(1);
  });

  it("lists nothing that a rolled-back transaction built", async () => {
    const { db } = getDb();
    const tablesBefore = await tablesLike(db);
    await expect(
      db.transaction().execute(async (trx) => {
        await factsSnapshotOf(trx, AS_OF);
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect(await db.selectFrom("facts_snapshot").selectAll().execute()).toEqual([]);
    expect(await tablesLike(db)).toEqual(tablesBefore);
  });

  it(`keeps ${SNAPSHOTS_KEPT} dates, dropping the least recently used`, async () => {
    const { db } = getDb();
    const dates = ["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01"];
    const [oldest, second] = dates;
    if (!oldest || !second) throw new Error("no dates");
    const tables = new Map<string, string>();
    for (const date of dates.slice(0, SNAPSHOTS_KEPT)) tables.set(date, await snapshotOf(db, date));
    // Used again: the second date becomes the oldest in use.
    expect(await snapshotOf(db, oldest)).toBe(tables.get(oldest));
    await snapshotOf(db, "2025-04-01");
    const listed = await db.selectFrom("facts_snapshot").select("as_of").orderBy("as_of").execute();
    expect(listed.map((r) => String(r.as_of).slice(0, 10))).toEqual(
      dates.filter((d) => d !== second),
    );
    expect(await tablesLike(db)).toHaveLength(SNAPSHOTS_KEPT);
    expect(await tablesLike(db)).not.toContain(tables.get(second));
  });

  it("drops snapshot tables the list no longer names", async () => {
    const { db } = getDb();
    await db.transaction().execute(dropUnlistedSnapshots);
    const orphan = await snapshotOf(db);
    // As after a crash: PostgreSQL empties the unlogged list.
    await sql`DELETE FROM facts_snapshot`.execute(db);
    const table = await snapshotOf(db);
    expect(table).not.toBe(orphan);
    expect(await tablesLike(db)).toEqual([orphan, table].sort());
    expect(await db.transaction().execute(dropUnlistedSnapshots)).toBe(1);
    expect(await tablesLike(db)).toEqual([table]);
  });

  it("prunes the facts changes every snapshot saw, in a transaction of its own", async () => {
    const { db } = getDb();
    const changes = async () =>
      (await db.selectFrom("facts_change").select("xid").execute()).map((c) => c.xid).sort();
    // Pruning is conservative while any transaction of the server older than a change runs, or
    // while any snapshot is being built in the database: on PostgreSQL other test files do both,
    // so a prune that must happen is tried until it does (a few seconds at most).
    const pruneUntil = async (expected: string[]) => {
      for (let tried = 0; tried < 300; tried++) {
        await db.transaction().execute((trx) => pruneFactsChanges(trx));
        if ((await changes()).length <= expected.length) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await changes()).toEqual(expected);
    };
    // With no snapshot listed, every change is pruned (the reset's among them).
    await pruneUntil([]);
    // `seen` must have seen every change so far, with no older transaction running when it was
    // taken (its xmin above them); when another file's transaction ran then, change and take it
    // again.
    let seen = "";
    for (let attempt = 0; attempt < 100; attempt++) {
      await insertHouseholds(db, [{ uscc: `92410102MA${String(11 + attempt).padStart(8, "0")}` }]);
      seen = await snapshotOf(db);
      const { rows } = await sql<{ saw: boolean }>`
        SELECT bool_and(c.xid < pg_snapshot_xmin(s.taken)) AS saw
        FROM facts_change c, facts_snapshot s WHERE s.table_name = ${seen}`.execute(db);
      if (rows[0]?.saw) break;
    }
    const seenChanges = await changes();
    await insertHouseholds(db, [{ uscc: "92410102MA00000999" }]);
    const unseen = (await changes()).filter((xid) => !seenChanges.includes(xid));
    expect(unseen).toHaveLength(1);
    const all = await changes();
    // Building a snapshot prunes nothing: its transaction would keep pruning's lock to its end.
    await snapshotOf(db, "2025-01-01");
    expect(await changes()).toEqual(all);
    // Not under a snapshot taken at the start (REPEATABLE READ): a listing committed since
    // would be missed.
    await db.transaction().execute(async (trx) => {
      await sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`.execute(trx);
      await pruneFactsChanges(trx);
    });
    expect(await changes()).toEqual(all);
    // The change after `seen` stays, since `seen` did not see it.
    await pruneUntil(unseen);
    expect(await snapshotOf(db)).not.toBe(seen);
    await pruneUntil([]);
  });

  it("is stale once the facts relation changes, or when restored into another cluster", async () => {
    const { db } = getDb();
    const first = await snapshotOf(db);
    await sql`UPDATE facts_snapshot SET definition = 'computed otherwise'`.execute(db);
    const second = await snapshotOf(db);
    expect(second).not.toBe(first);
    // Restored from a dump: its transaction ids are ahead of this cluster's, which would make
    // every later write look like one it saw.
    await sql`UPDATE facts_snapshot SET taken = (
        (pg_snapshot_xmax(pg_current_snapshot())::text::bigint + 1000000)::text || ':'
        || (pg_snapshot_xmax(pg_current_snapshot())::text::bigint + 1000000)::text || ':'
      )::pg_snapshot`.execute(db);
    expect(await snapshotOf(db)).not.toBe(second);
  });

  it("never trusts its own transaction's writes, made before or after it [postgres]", async (context) => {
    // Another transaction's id must end meanwhile: PGlite runs one transaction at a time.
    if (getDb().engine !== "postgres") context.skip();
    const { db } = getDb();
    await snapshotOf(db);
    await db.transaction().execute(async (trx) => {
      await insertHouseholds(trx, [{ uscc: "92410102MA00000011" }]);
      // A later transaction id that ends before the build: the writer's own id is then below
      // the snapshot's xmax and absent from its running list, as if it had ended before.
      await db.connection().execute((other) => sql`SELECT pg_current_xact_id()`.execute(other));
      const inside = await factsSnapshotOf(trx, AS_OF);
      expect(await countIn(trx, inside)).toBe(1);
      await insertHouseholds(trx, [{ uscc: "92410102MA00000022" }]);
      expect(await countIn(trx, await factsSnapshotOf(trx, AS_OF))).toBe(2);
    });
    expect(await countIn(db, await snapshotOf(db))).toBe(2);
  });

  it("lets other dates be built while a transaction that built one is still open [postgres]", async (context) => {
    if (getDb().engine !== "postgres") context.skip();
    const { db } = getDb();
    await db.transaction().execute(async (first) => {
      await factsSnapshotOf(first, "2025-01-01");
      // On another connection, while `first` holds its date and the build lock: not held alone.
      const other = await snapshotOf(db, "2025-02-01");
      expect(await tablesLike(db)).toContain(other);
      await factsSnapshotOf(first, "2025-02-01");
    });
  });

  it("is refused outside a transaction", async () => {
    await expect(factsSnapshotOf(getDb().db, AS_OF)).rejects.toThrow("in a transaction");
  });
});
