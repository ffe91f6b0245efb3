import { type Kysely, sql } from "kysely";

// 名特优新 categories (郑市监〔2025〕6号 三(二)): applications and department recommendations with the
// proprietor's consent, visits, the per-county quota, annual information reports, extensions and
// the province's spot checks. The recognition itself stays in category_recognition (whose
// in-force semantics the facts read); this migration adds what the procedure around it needs.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("category_application")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("uscc", "text", (c) => c.notNull())
    .addColumn("category", "text", (c) => c.notNull())
    .addColumn("conditions", sql`text[]`, (c) => c.notNull())
    .addColumn("evidence", "text", (c) => c.notNull())
    // SELF: 自主申报; DEPARTMENT: 部门推荐 (recommended_by is the department's code).
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("recommended_by", "text")
    // AWAITING_CONSENT → SUBMITTED → APPROVED | REJECTED; DECLINED (no consent); WITHDRAWN.
    .addColumn("state", "text", (c) => c.notNull())
    // 申报或推荐之日: the date the eligibility windows are measured from.
    .addColumn("entered_on", "date", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("consented_at", "timestamptz")
    .addColumn("decided_at", "timestamptz")
    .addColumn("decided_by", "text")
    .addColumn("decision_reason", "text")
    .execute();
  // One open application or recommendation per household, whoever entered it (race-proof).
  await sql`CREATE UNIQUE INDEX category_application_open_idx ON category_application (uscc)
    WHERE state IN ('AWAITING_CONSENT', 'SUBMITTED')`.execute(db);
  await db.schema
    .createIndex("category_application_uscc_idx")
    .on("category_application")
    .columns(["uscc", "created_at"])
    .execute();
  await db.schema
    .createIndex("category_application_queue_idx")
    .on("category_application")
    .columns(["state", "created_at", "id"])
    .execute();

  // 三(二)2 走访核实: what the operator found on the visit.
  await db.schema
    .createTable("category_visit")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("application_id", "uuid", (c) =>
      c.notNull().references("category_application.id").onDelete("cascade"),
    )
    .addColumn("visited_on", "date", (c) => c.notNull())
    .addColumn("confirmed", "boolean", (c) => c.notNull())
    .addColumn("findings", "text", (c) => c.notNull())
    .addColumn("recorded_at", "timestamptz", (c) => c.notNull())
    .addColumn("recorded_by", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("category_visit_application_idx")
    .on("category_visit")
    .columns(["application_id", "recorded_at"])
    .execute();

  // The procedure's columns on the recognition (nullable: recognitions may be loaded otherwise).
  await db.schema
    .alterTable("category_recognition")
    .addColumn("application_id", "uuid")
    // The household's county when recognised: the quota counts by it without reading households.
    .addColumn("county_code", "text")
    .addColumn("source", "text")
    .addColumn("type_at_recognition", "text")
    .addColumn("recognized_by", "text")
    .addColumn("revoked_on", "date")
    .addColumn("end_ground", "text")
    .addColumn("end_note", "text")
    .addColumn("ended_by", "text")
    .execute();
  await sql`CREATE UNIQUE INDEX category_recognition_application_idx
    ON category_recognition (application_id) WHERE application_id IS NOT NULL`.execute(db);
  await db.schema
    .createIndex("category_recognition_county_idx")
    .on("category_recognition")
    .columns(["county_code", "valid_until"])
    .execute();
  await db.schema
    .createIndex("category_recognition_recognized_idx")
    .on("category_recognition")
    .columns(["recognized_on", "uscc"])
    .execute();

  // 三(二)1 数量比例: one row per county that has ever been counted; approvals lock it FOR UPDATE
  // so that approvals in one county are serialised. A null share is the seed's default of 5%.
  await db.schema
    .createTable("category_quota")
    .addColumn("county_code", "text", (c) => c.primaryKey())
    .addColumn("share_basis_points", "integer")
    // The base (成长型 + 发展型 of the county in that yearly run), counted once per run: a
    // finished run never changes, and counting a large county on every approval is slow.
    .addColumn("base_run_id", "uuid")
    .addColumn("base_count", "integer")
    .addColumn("set_at", "timestamptz")
    .addColumn("set_by", "text")
    .addColumn("reason", "text")
    .execute();

  // 三(二)2 有效期和评估确认: 每年7月底前完成信息报告; 变更经营者的…及时报告.
  await db.schema
    .createTable("category_report")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("recognition_id", "uuid", (c) => c.notNull())
    .addColumn("uscc", "text", (c) => c.notNull())
    // ANNUAL (one per year of validity) or PROPRIETOR_CHANGE.
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("year", "smallint", (c) => c.notNull())
    .addColumn("content", "text", (c) => c.notNull())
    .addColumn("submitted_on", "date", (c) => c.notNull())
    .addColumn("submitted_at", "timestamptz", (c) => c.notNull())
    .addColumn("submitted_by", "text", (c) => c.notNull())
    // 认定部门应当审核信息报告: null until reviewed.
    .addColumn("confirmed", "boolean")
    .addColumn("review_note", "text")
    .addColumn("reviewed_at", "timestamptz")
    .addColumn("reviewed_by", "text")
    .execute();
  await sql`CREATE UNIQUE INDEX category_report_annual_idx
    ON category_report (recognition_id, year) WHERE kind = 'ANNUAL'`.execute(db);

  // 三(二)2 有效期延长3年 on one of the conditions A–D.
  await db.schema
    .createTable("category_extension")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("recognition_id", "uuid", (c) => c.notNull())
    .addColumn("condition", "text", (c) => c.notNull())
    .addColumn("evidence", "text", (c) => c.notNull())
    .addColumn("previous_valid_until", "date", (c) => c.notNull())
    .addColumn("valid_until", "date", (c) => c.notNull())
    .addColumn("extended_on", "date", (c) => c.notNull())
    .addColumn("extended_at", "timestamptz", (c) => c.notNull())
    .addColumn("extended_by", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("category_extension_recognition_idx")
    .on("category_extension")
    .column("recognition_id")
    .execute();

  // 三(二)2 按照3%的比例进行抽查: one seeded draw per year, reproducible from the seed.
  await db.schema
    .createTable("category_spot_check")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("year", "smallint", (c) => c.notNull().unique())
    .addColumn("seed", "text", (c) => c.notNull())
    .addColumn("population", "integer", (c) => c.notNull())
    .addColumn("sample_size", "integer", (c) => c.notNull())
    .addColumn("drawn_at", "timestamptz", (c) => c.notNull())
    .addColumn("drawn_by", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("category_spot_check_item")
    .addColumn("spot_check_id", "uuid", (c) =>
      c.notNull().references("category_spot_check.id").onDelete("cascade"),
    )
    .addColumn("recognition_id", "uuid", (c) => c.notNull())
    .addColumn("uscc", "text", (c) => c.notNull())
    .addColumn("rank", "integer", (c) => c.notNull())
    .addColumn("confirmed", "boolean")
    .addColumn("note", "text")
    .addColumn("verified_on", "date")
    .addColumn("verified_at", "timestamptz")
    .addColumn("verified_by", "text")
    .addPrimaryKeyConstraint("category_spot_check_item_pk", ["spot_check_id", "recognition_id"])
    .execute();
  await db.schema
    .createIndex("category_spot_check_item_recognition_idx")
    .on("category_spot_check_item")
    .column("recognition_id")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    "category_spot_check_item",
    "category_spot_check",
    "category_extension",
    "category_report",
    "category_quota",
    "category_visit",
    "category_application",
  ]) {
    await db.schema.dropTable(table).execute();
  }
  await sql`DROP INDEX IF EXISTS category_recognition_application_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS category_recognition_recognized_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS category_recognition_county_idx`.execute(db);
  await db.schema
    .alterTable("category_recognition")
    .dropColumn("application_id")
    .dropColumn("county_code")
    .dropColumn("source")
    .dropColumn("type_at_recognition")
    .dropColumn("recognized_by")
    .dropColumn("revoked_on")
    .dropColumn("end_ground")
    .dropColumn("end_note")
    .dropColumn("ended_by")
    .execute();
}
