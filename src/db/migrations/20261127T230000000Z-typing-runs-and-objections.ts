import { type Kysely, sql } from "kysely";

// 三(一)2 分型方式 / 异议处理: what a typing run needs beyond its results (the standard version it
// applied, kept immutable; how an interrupted or failed run ended) and the objection queue.
export async function up(db: Kysely<any>): Promise<void> {
  // A run is recorded before its results are written (in their own transaction): one that ends
  // without finished_at never happened; failed_at and error say why, when the process lived to.
  await db.schema
    .alterTable("typing_run")
    .addColumn("failed_at", "timestamptz")
    .addColumn("error", "text")
    .execute();
  await db.schema
    .createIndex("typing_run_kind_finished_idx")
    .on("typing_run")
    .columns(["kind", "finished_at"])
    .execute();

  // The county when typed: counts by county come from the INSERT's own RETURNING.
  await db.schema.alterTable("typing_result").addColumn("county_code", "text").execute();
  // A run writes a result for every household: each index doubles the cost of that write. The
  // primary key (run_id, uscc) serves every lookup (a household's history is one probe per run),
  // so the second index only slowed runs down.
  await db.schema.dropIndex("typing_result_uscc_idx").execute();

  // Each standard version a run applied, exactly as applied: a version never changes meaning.
  await db.schema
    .createTable("typing_standard")
    .addColumn("version", "text", (c) => c.primaryKey())
    .addColumn("definition", "jsonb", (c) => c.notNull())
    .addColumn("digest", "text", (c) => c.notNull())
    .addColumn("source_file", "text", (c) => c.notNull())
    .addColumn("recorded_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // 三(一)2 异议处理: a household's objection to its result and the county's answer.
  await db.schema
    .createTable("typing_objection")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("uscc", "text", (c) => c.notNull())
    .addColumn("county_code", "text", (c) => c.notNull())
    // The result objected to: the run, and the type in force when filed (a correction's, maybe).
    .addColumn("run_id", "uuid")
    .addColumn("objected_type", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().defaultTo("OPEN"))
    .addColumn("filed_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("filed_by", "text", (c) => c.notNull())
    .addColumn("decided_at", "timestamptz")
    .addColumn("decided_by", "text")
    .addColumn("corrected_type", "text")
    .addColumn("answer", "text")
    .execute();
  // One open objection per household at a time.
  await sql`CREATE UNIQUE INDEX typing_objection_open_idx ON typing_objection (uscc) WHERE status = 'OPEN'`.execute(
    db,
  );
  await db.schema
    .createIndex("typing_objection_queue_idx")
    .on("typing_objection")
    .columns(["status", "county_code", "filed_at"])
    .execute();
  await db.schema
    .createIndex("typing_objection_uscc_idx")
    .on("typing_objection")
    .columns(["uscc", "filed_at"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("typing_objection").execute();
  await db.schema.dropTable("typing_standard").execute();
  await db.schema
    .createIndex("typing_result_uscc_idx")
    .on("typing_result")
    .columns(["uscc", "run_id"])
    .execute();
  await db.schema.alterTable("typing_result").dropColumn("county_code").execute();
  await db.schema.dropIndex("typing_run_kind_finished_idx").execute();
  await db.schema.alterTable("typing_run").dropColumn("failed_at").dropColumn("error").execute();
}
