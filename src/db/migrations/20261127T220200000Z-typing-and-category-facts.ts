import { type Kysely, sql } from "kysely";

// The two facts that come from the service's own decisions rather than from imports:
// the current type (from the latest finished typing run, or an accepted objection's correction)
// and the 名特优新 category in force on a date.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("typing_run")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("as_of", "date", (c) => c.notNull())
    .addColumn("standard_version", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull().defaultTo("ADHOC"))
    .addColumn("started_at", "timestamptz", (c) => c.notNull())
    // Set in the same transaction that writes the results: a run without it never happened.
    .addColumn("finished_at", "timestamptz")
    .addColumn("counts", "jsonb")
    .addColumn("created_by", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("typing_run_finished_idx")
    .on("typing_run")
    .column("finished_at")
    .execute();

  await db.schema
    .createTable("typing_result")
    .addColumn("run_id", "uuid", (c) => c.notNull())
    .addColumn("uscc", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("codes", sql`text[]`, (c) => c.notNull())
    .addPrimaryKeyConstraint("typing_result_pk", ["run_id", "uscc"])
    .execute();
  await db.schema
    .createIndex("typing_result_uscc_idx")
    .on("typing_result")
    .columns(["uscc", "run_id"])
    .execute();

  // An accepted objection's corrected type: in force while the household's facts are unchanged.
  await db.schema
    .createTable("typing_correction")
    .addColumn("uscc", "text", (c) => c.primaryKey())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("facts_changed_at", "timestamptz", (c) => c.notNull())
    .addColumn("objection_id", "uuid", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("corrected_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // A 名特优新 recognition, in force from valid_from (1 January after recognition) until
  // valid_until (exclusive), unless ended earlier (cancelled or revoked) on ended_on.
  await db.schema
    .createTable("category_recognition")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("uscc", "text", (c) => c.notNull())
    .addColumn("category", "text", (c) => c.notNull())
    .addColumn("recognized_on", "date", (c) => c.notNull())
    .addColumn("valid_from", "date", (c) => c.notNull())
    .addColumn("valid_until", "date", (c) => c.notNull())
    .addColumn("ended_on", "date")
    .addColumn("end_reason", "text")
    .execute();
  await db.schema
    .createIndex("category_recognition_uscc_idx")
    .on("category_recognition")
    .columns(["uscc", "valid_from"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    "category_recognition",
    "typing_correction",
    "typing_result",
    "typing_run",
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
