import { type Kysely, sql } from "kysely";

/**
 * The identifier columns: USCCs, GB/T 2260 county codes, GB/T 4754 industry codes, policy,
 * department and bank codes, grant periods and the proprietor's identity hash. They are ASCII
 * codes, compared and ordered byte by byte.
 */
export const CODE_COLUMNS: Record<string, readonly string[]> = {
  household: ["uscc", "county_code", "industry_code", "proprietor_id_hash"],
  household_year: ["uscc"],
  household_suspension: ["uscc"],
  household_penalty: ["uscc"],
  typing_result: ["uscc", "county_code"],
  typing_correction: ["uscc"],
  typing_objection: ["uscc", "county_code"],
  policy: ["code", "department_code"],
  policy_version: ["policy_code"],
  policy_grant: ["policy_code", "period", "uscc", "county_code"],
  grant_event: ["policy_code", "period", "uscc", "county_code"],
  category_application: ["uscc"],
  category_recognition: ["uscc", "county_code"],
  category_quota: ["county_code"],
  category_spot_check_item: ["uscc"],
  bank_consent: ["uscc", "bank_code"],
  bank_rate_limit: ["bank_code"],
  credit_product: ["bank_code", "code"],
  pre_credit_access: ["bank_code"],
};

// Identifier columns compare bytewise (COLLATE "C"). Under a database's linguistic collation
// (en_US.UTF-8, or glibc's C.UTF-8, which PostgreSQL before 17 does not treat as C) every
// comparison in a B-tree or a sort goes through strcoll() and cannot use abbreviated keys: the
// ledger's key (policy_code, period, uscc), the household and typing keys and every ORDER BY
// uscc paid for it on every row. For these ASCII codes bytewise order is also the order every
// client expects, whatever locale the server was initialised with. The indexes on these columns
// are rebuilt; the tables are not rewritten. Changing a column's type drops its statistics, so
// each table is analysed again at once: without them the planner guesses thousands of rows for
// one household's probe and compiles the query with JIT (a second instead of a millisecond).
export async function up(db: Kysely<any>): Promise<void> {
  await collate(db, '"C"');
}

export async function down(db: Kysely<any>): Promise<void> {
  await collate(db, '"default"');
}

async function collate(db: Kysely<any>, collation: string): Promise<void> {
  for (const [table, columns] of Object.entries(CODE_COLUMNS)) {
    await sql`ALTER TABLE ${sql.table(table)} ${sql.join(
      columns.map((c) => sql`ALTER COLUMN ${sql.ref(c)} TYPE text COLLATE ${sql.raw(collation)}`),
    )}`.execute(db);
    await sql`ANALYZE ${sql.table(table)}`.execute(db);
  }
}
