import { type Kysely, sql } from "kysely";

// Households exactly as the exchange contract carries them (shared/contracts/household-record.schema.json):
// the scalar facts in one row, and the yearly figures, suspensions and penalties in child tables
// keyed by USCC, so that facts as of any date are set-based SQL over all households.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("household")
    .addColumn("uscc", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("proprietor_id_hash", "text", (c) => c.notNull())
    .addColumn("proprietor_name", "text")
    .addColumn("proprietor_groups", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn("proprietor_dishonest_debtor", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("county_code", "text", (c) => c.notNull())
    .addColumn("industry_code", "text")
    .addColumn("registered_on", "date", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("annual_reports", sql`smallint[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn("abnormal_listed", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("serious_violation_listed", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("tax_abnormal", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("seasonal", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("record_hash", "text", (c) => c.notNull())
    .addColumn("facts_changed_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("imported_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("household_county_idx")
    .on("household")
    .columns(["county_code", "uscc"])
    .execute();
  await db.schema.createIndex("household_name_idx").on("household").column("name").execute();
  await db.schema
    .createIndex("household_proprietor_idx")
    .on("household")
    .column("proprietor_id_hash")
    .execute();

  await db.schema
    .createTable("household_year")
    .addColumn("uscc", "text", (c) => c.notNull())
    .addColumn("year", "smallint", (c) => c.notNull())
    .addColumn("tax_paid", "double precision")
    .addColumn("insured_employees", "integer")
    .addColumn("revenue", "double precision")
    .addPrimaryKeyConstraint("household_year_pk", ["uscc", "year"])
    .execute();

  await db.schema
    .createTable("household_suspension")
    .addColumn("uscc", "text", (c) => c.notNull())
    .addColumn("seq", "smallint", (c) => c.notNull())
    .addColumn("from_on", "date", (c) => c.notNull())
    .addColumn("to_on", "date")
    .addPrimaryKeyConstraint("household_suspension_pk", ["uscc", "seq"])
    .execute();

  await db.schema
    .createTable("household_penalty")
    .addColumn("uscc", "text", (c) => c.notNull())
    .addColumn("seq", "smallint", (c) => c.notNull())
    .addColumn("decided_on", "date", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("repaired_on", "date")
    .addPrimaryKeyConstraint("household_penalty_pk", ["uscc", "seq"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    "household_penalty",
    "household_suspension",
    "household_year",
    "household",
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
