import { type Kysely, sql } from "kysely";
import type { Database } from "../db/types.ts";
import { factByName } from "../matching/fact-catalog.ts";
import { factsRelation, SQL_TYPE_OF_FACT_TYPE } from "../matching/facts-relation.ts";

/** The facts every grant keeps beside those its rules read: the operators' filters. */
export const SNAPSHOT_FACTS = ["countyCode", "type", "category"] as const;

const PREFIX = "grant_facts_";

/** The snapshot table of a run. */
export function snapshotTableOf(runId: string): string {
  return `${PREFIX}${runId.replaceAll("-", "").toLowerCase()}`;
}

/**
 * A grant run's facts: the facts relation as of the run's date, computed once into an unlogged
 * table with only the columns the run's rules read (and the grants' county, type and category),
 * in USCC order. Every policy version's statement then reads this narrow table instead of joining
 * the household tables again, and all of them decide on the same facts: a run is one consistent
 * picture even while imports or typing runs commit meanwhile. Unlogged: it lives for the length of
 * the run and is rebuilt from the household tables by the next one. Made by CREATE TABLE … AS,
 * which PostgreSQL may compute with parallel workers (an INSERT … SELECT it runs on one core):
 * 2.5–3.4 s instead of 4.8–5.4 s at a million households on two cores. Each column is cast to
 * its fact's SQL type, as the statements that read it expect.
 */
export async function createFactsSnapshot(
  db: Kysely<Database>,
  input: { runId: string; asOf: string; facts: readonly string[]; countyCode?: string | null },
): Promise<string> {
  const table = snapshotTableOf(input.runId);
  const columns = [...new Set<string>([...SNAPSHOT_FACTS, ...input.facts])];
  const select = db
    .selectFrom(factsRelation(db, input.asOf).as("f"))
    .select([
      sql.ref("f.uscc").as("uscc"),
      ...columns.map((name) => {
        const fact = factByName(name);
        if (!fact) throw new Error(`unknown fact ${name}`);
        return sql`${sql.ref(`f.${name}`)}::${sql.raw(SQL_TYPE_OF_FACT_TYPE[fact.type])}`.as(name);
      }),
    ])
    .$if(Boolean(input.countyCode), (q) => q.where("f.countyCode", "=", input.countyCode as string))
    .orderBy("f.uscc");
  await sql`CREATE UNLOGGED TABLE ${sql.table(table)} AS ${select}`.execute(db);
  return table;
}

export async function dropFactsSnapshot(db: Kysely<Database>, table: string): Promise<void> {
  await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
}

/**
 * Drops the snapshots that runs left behind when their process died: those of runs that have
 * finished, that no longer exist, or that started more than a day ago.
 */
export async function dropStaleSnapshots(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ table: string }>`
    SELECT t.tablename AS table FROM pg_tables t
    WHERE t.schemaname = current_schema() AND starts_with(t.tablename, ${PREFIX})
      AND NOT EXISTS (
        SELECT 1 FROM grant_run r
        WHERE replace(r.id::text, '-', '') = substr(t.tablename, ${PREFIX.length + 1})
          AND r.finished_at IS NULL AND r.started_at > now() - interval '1 day')`.execute(db);
  for (const { table } of rows) await dropFactsSnapshot(db, table);
  return rows.length;
}
