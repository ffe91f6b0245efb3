import { type Kysely, sql } from "kysely";

// Snapshots of every household's facts as of a date, kept while the facts they were computed from
// have not changed (src/matching/facts-snapshots.ts).
//
// facts_change records which transactions wrote the tables the facts relation reads: a statement
// trigger on each adds the writing transaction's id, once. A snapshot stores the database
// snapshot (pg_snapshot) it was computed under; it is stale as soon as facts_change holds a
// transaction that snapshot did not see. No counter row is updated, so writers never wait for
// each other here. Writes that fire no trigger are not seen: sessions with
// session_replication_role = replica (logical replication's apply among them).
//
// facts_snapshot lists the snapshot tables. It is unlogged like them: after a crash PostgreSQL
// empties both together, and a listed table can never be an emptied one.
const FACT_TABLES = [
  "household",
  "household_year",
  "household_suspension",
  "household_penalty",
  "typing_run",
  "typing_result",
  "typing_correction",
  "category_recognition",
];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE facts_change (xid xid8 PRIMARY KEY)`.execute(db);
  await sql`CREATE UNLOGGED TABLE facts_snapshot (
      as_of date PRIMARY KEY,
      table_name text COLLATE "C" NOT NULL UNIQUE,
      taken pg_snapshot NOT NULL,
      -- The building transaction: its own writes are left out of taken's list of running ones.
      built_by xid8 NOT NULL DEFAULT pg_current_xact_id(),
      -- The hash of the facts relation's SQL it was computed with: a release that changes how a
      -- fact is computed makes every snapshot stale.
      definition text NOT NULL,
      built_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      used_at timestamptz NOT NULL DEFAULT clock_timestamp())`.execute(db);
  // The schema's own facts_change, whatever search_path the writing session has.
  await sql`CREATE FUNCTION note_facts_change() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
    BEGIN
      INSERT INTO facts_change (xid) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
      RETURN NULL;
    END $$`.execute(db);
  for (const table of FACT_TABLES) {
    await sql`CREATE TRIGGER facts_changed AFTER INSERT OR UPDATE OR DELETE ON ${sql.table(table)}
      FOR EACH STATEMENT EXECUTE FUNCTION note_facts_change()`.execute(db);
    await sql`CREATE TRIGGER facts_truncated AFTER TRUNCATE ON ${sql.table(table)}
      FOR EACH STATEMENT EXECUTE FUNCTION note_facts_change()`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of FACT_TABLES) {
    await sql`DROP TRIGGER facts_changed ON ${sql.table(table)}`.execute(db);
    await sql`DROP TRIGGER facts_truncated ON ${sql.table(table)}`.execute(db);
  }
  await sql`DROP FUNCTION note_facts_change()`.execute(db);
  const { rows } = await sql<{
    name: string;
  }>`SELECT table_name AS name FROM facts_snapshot`.execute(db);
  for (const { name } of rows) await sql`DROP TABLE IF EXISTS ${sql.table(name)}`.execute(db);
  await sql`DROP TABLE facts_snapshot`.execute(db);
  await sql`DROP TABLE facts_change`.execute(db);
}
