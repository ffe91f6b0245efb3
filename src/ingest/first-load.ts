import { sql, type Transaction } from "kysely";
import type { Database } from "../db/types.ts";

/** The tables an import writes. */
const HOUSEHOLD_TABLES = [
  "household",
  "household_year",
  "household_suspension",
  "household_penalty",
] as const;

interface IndexDefinition {
  table: string;
  index: string;
  /** CREATE INDEX … as pg_get_indexdef gives it. */
  definition: string;
  /** Set when the index backs a constraint (a primary key): ALTER TABLE … ADD CONSTRAINT. */
  constraint: string | null;
  constraintDefinition: string | null;
}

/**
 * A first load into empty household tables is several times faster when the rows go in without
 * their indexes and the indexes are built once afterwards (sorted, in one pass) than when every
 * row updates four B-trees of `household` and the key of each child table, page by random page.
 *
 * Inside the import's transaction: the tables are locked (ACCESS EXCLUSIVE, so nobody reads them
 * half-built), found empty, and their indexes dropped, except `household`'s primary key, on which
 * the import detects a USCC repeated in its input. `restore` builds them again from the
 * definitions read from the catalog. Everything is transactional: an import that fails or is
 * killed rolls the dropped indexes back with its rows.
 *
 * Returns null (nothing done) when any of the tables holds a row: a later import updates
 * households in place and needs every index.
 */
export async function beginFirstLoad(
  trx: Transaction<Database>,
): Promise<{ restore(): Promise<void> } | null> {
  // A first look without the lock, in a savepoint rolled back at once: that releases the lock the
  // look took, which would otherwise be held to the end of the transaction, and two imports that
  // both held it while asking for the exclusive lock would deadlock. Most imports go to a
  // populated database and stop here.
  await sql`SAVEPOINT first_load_look`.execute(trx);
  const empty = await allEmpty(trx);
  await sql`ROLLBACK TO SAVEPOINT first_load_look`.execute(trx);
  await sql`RELEASE SAVEPOINT first_load_look`.execute(trx);
  if (!empty) return null;
  await sql`LOCK TABLE ${sql.join(HOUSEHOLD_TABLES.map((t) => sql.table(t)))}
    IN ACCESS EXCLUSIVE MODE`.execute(trx);
  // Again under the lock: another import may have committed rows in between.
  if (!(await allEmpty(trx))) return null;

  const { rows } = await sql<IndexDefinition>`
    SELECT c.relname AS "table", ic.relname AS "index",
      pg_get_indexdef(i.indexrelid) AS definition,
      con.conname AS "constraint", pg_get_constraintdef(con.oid) AS "constraintDefinition"
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indrelid
    JOIN pg_class ic ON ic.oid = i.indexrelid
    LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
    WHERE c.relnamespace = current_schema()::regnamespace
      AND c.relname IN (${sql.join([...HOUSEHOLD_TABLES])})
      AND NOT (c.relname = 'household' AND i.indisprimary)
    ORDER BY c.relname, ic.relname`.execute(trx);

  for (const index of rows) {
    if (index.constraint) {
      await sql`ALTER TABLE ${sql.table(index.table)} DROP CONSTRAINT ${sql.ref(index.constraint)}`.execute(
        trx,
      );
    } else {
      await sql`DROP INDEX ${sql.ref(index.index)}`.execute(trx);
    }
  }
  return {
    async restore() {
      // Each build sorts its table once; more memory keeps the sort off disk.
      await sql`SELECT set_config('maintenance_work_mem', '256MB', true)`.execute(trx);
      for (const index of rows) {
        if (index.constraint && index.constraintDefinition) {
          await sql`ALTER TABLE ${sql.table(index.table)} ADD CONSTRAINT ${sql.ref(
            index.constraint,
          )} ${sql.raw(index.constraintDefinition)}`.execute(trx);
        } else {
          await sql.raw(index.definition).execute(trx);
        }
      }
    },
  };
}

async function allEmpty(trx: Transaction<Database>): Promise<boolean> {
  const { rows } = await sql<{ empty: boolean }>`SELECT ${sql.join(
    HOUSEHOLD_TABLES.map((t) => sql`NOT EXISTS (SELECT 1 FROM ${sql.table(t)})`),
    sql` AND `,
  )} AS empty`.execute(trx);
  return rows[0]?.empty === true;
}
