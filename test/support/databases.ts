import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe } from "vitest";
import { type DatabaseHandle, type Engine, openDatabase } from "../../src/db/database.ts";
import { migrateToLatest } from "../../src/db/migrate.ts";

/** PGlite always; PostgreSQL too when TEST_DATABASE_URL is set (CI sets it). */
export const testEngines: Engine[] = process.env.TEST_DATABASE_URL
  ? ["pglite", "postgres"]
  : ["pglite"];

export interface TestDatabase extends DatabaseHandle {
  /** Empties every table (migrations stay applied). */
  reset(): Promise<void>;
}

/**
 * Opens a migrated database of the engine: PGlite in memory, or on PostgreSQL a schema of its own
 * (dropped afterwards), so a run starts empty whatever an earlier run left in that database.
 */
export async function openTestDatabase(engine: Engine): Promise<TestDatabase> {
  let handle: DatabaseHandle;
  let dropSchema = async () => {};
  if (engine === "postgres") {
    const url = process.env.TEST_DATABASE_URL;
    if (!url) throw new Error("TEST_DATABASE_URL is not set");
    const schema = `test_${randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    handle = await openDatabase({ url, searchPath: schema, poolSize: 4 });
    const { db } = handle;
    dropSchema = async () => {
      await sql.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).execute(db);
    };
  } else {
    handle = await openDatabase({ dataDir: "memory://" });
  }
  await migrateToLatest(handle.db);
  return {
    ...handle,
    async reset() {
      const tables = await sql<{ name: string }>`
        SELECT tablename AS name FROM pg_tables
        WHERE schemaname = current_schema() AND tablename NOT LIKE 'kysely_migration%'`.execute(
        handle.db,
      );
      if (tables.rows.length === 0) return;
      const list = tables.rows.map((t) => `"${t.name}"`).join(", ");
      await sql.raw(`TRUNCATE ${list} CASCADE`).execute(handle.db);
    },
    async close() {
      await dropSchema();
      await handle.close();
    },
  };
}

/**
 * Declares the suite once per engine. `getDb()` inside tests returns that engine's database.
 */
export function describeEachEngine(
  title: string,
  suite: (getDb: () => TestDatabase) => void,
): void {
  for (const engine of testEngines) {
    describe(`${title} [${engine}]`, () => {
      let database: TestDatabase | undefined;
      beforeAll(async () => {
        database = await openTestDatabase(engine);
      });
      afterAll(async () => {
        await database?.close();
      });
      suite(() => {
        if (!database) throw new Error("database not open yet");
        return database;
      });
    });
  }
}

/**
 * How many backends wait on the backend `pid`, directly or down a chain of waits (the first waits
 * for the holder, the next for the first's tuple lock). PostgreSQL only; `client` may be inside a
 * transaction, whose view of pg_stat_activity is refreshed first.
 */
export async function waitersBehind(client: pg.Client, pid: number): Promise<number> {
  await client.query("select pg_stat_clear_snapshot()");
  const waiting = await client.query<{ n: number }>(
    `with recursive chain(pid) as (
       select pid from pg_stat_activity where $1 = any(pg_blocking_pids(pid))
       union
       select a.pid from pg_stat_activity a join chain c on c.pid = any(pg_blocking_pids(a.pid))
     ) select count(*)::int as n from chain`,
    [pid],
  );
  return waiting.rows[0]?.n ?? 0;
}
