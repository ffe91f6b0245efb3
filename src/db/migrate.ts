import { type DatabaseIntrospector, type Kysely, sql } from "kysely";
import { type MigrationResult, Migrator } from "kysely/migration";
import { migrations } from "./migrations/index.ts";
import type { Database } from "./types.ts";

export class MigrationError extends Error {}

/**
 * What the migrator asks of the catalog, answered for the current schema alone. Kysely's own
 * PostgreSQL introspector lists the tables of every schema and calls functions on each
 * (`pg_get_serial_sequence`, `has_schema_privilege`), which fail when a table or schema elsewhere
 * is dropped meanwhile — a grant run's facts snapshot, another test file's schema. These queries
 * read the catalog rows only.
 */
function currentSchemaIntrospector(db: Kysely<Database>): DatabaseIntrospector {
  return {
    async getSchemas() {
      const { rows } = await sql<{ name: string }>`
        SELECT nspname AS name FROM pg_namespace WHERE nspname = current_schema()`.execute(db);
      return rows;
    },
    async getTables() {
      const { rows } = await sql<{ name: string; schema: string; isView: boolean }>`
        SELECT c.relname AS name, n.nspname AS schema, c.relkind IN ('v', 'm') AS "isView"
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`.execute(db);
      return rows.map((row) => ({ ...row, isForeign: false, columns: [] }));
    },
  };
}

/** Runs every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationResult[]> {
  // The migration tables live in the current schema. Named explicitly: otherwise Kysely takes a
  // kysely_migration table in any other schema of the database (another test run's) for its own.
  const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(db);
  const introspection = currentSchemaIntrospector(db);
  const migrating = new Proxy(db, {
    get(target, property) {
      if (property === "introspection") return introspection;
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const migrator = new Migrator({
    db: migrating,
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: rows[0]?.schema,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === "Error");
    throw new MigrationError(
      `migration ${failed?.migrationName ?? "(unknown)"} failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return results;
}
