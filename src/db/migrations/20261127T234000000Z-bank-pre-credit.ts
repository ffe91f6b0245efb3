import { type Kysely, sql } from "kysely";

// 三(二)3 鼓励金融机构将分类结果应用于授信评价、金融产品匹配、预授信: banks' credit products
// (versioned criteria), households' consent to banks, the access log of every candidate listing,
// and each bank's listing rate limit.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("credit_product")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("bank_code", "text", (c) => c.notNull())
    // The bank's own product code, unique within the bank.
    .addColumn("code", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("retired_at", "timestamptz")
    .addColumn("retired_reason", "text")
    .addUniqueConstraint("credit_product_bank_code_key", ["bank_code", "code"])
    .execute();

  // Every version's criteria are immutable once written: a change is a new version. The one in
  // force is the latest published (published_at set); drafts may be listed to preview them.
  await db.schema
    .createTable("credit_product_version")
    .addColumn("product_id", "uuid", (c) =>
      c.notNull().references("credit_product.id").onDelete("cascade"),
    )
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("criteria", "jsonb", (c) => c.notNull())
    .addColumn("criteria_hash", "text", (c) => c.notNull())
    .addColumn("facts", sql`text[]`, (c) => c.notNull())
    .addColumn("note", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("published_at", "timestamptz")
    .addPrimaryKeyConstraint("credit_product_version_pk", ["product_id", "version"])
    .execute();

  // A household's consent to one bank (bank_code) or to all banks (bank_code null), in force from
  // granted_at through valid_until (a China date, inclusive) unless revoked earlier.
  await db.schema
    .createTable("bank_consent")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("uscc", "text", (c) => c.notNull())
    .addColumn("bank_code", "text")
    .addColumn("granted_at", "timestamptz", (c) => c.notNull())
    .addColumn("valid_until", "date", (c) => c.notNull())
    .addColumn("revoked_at", "timestamptz")
    .addColumn("revoked_reason", "text")
    .execute();
  await db.schema
    .createIndex("bank_consent_uscc_idx")
    .on("bank_consent")
    .columns(["uscc", "bank_code"])
    .execute();
  // The listing of a product that reads BANK facts starts from the consents of one bank (or all).
  await db.schema
    .createIndex("bank_consent_bank_idx")
    .on("bank_consent")
    .columns(["bank_code", "uscc"])
    .where(sql.ref("revoked_at"), "is", null)
    .execute();

  // Every candidate listing: who, which product version and criteria, which page, how many rows.
  await db.schema
    .createTable("pre_credit_access")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("at", "timestamptz", (c) => c.notNull())
    .addColumn("bank_code", "text", (c) => c.notNull())
    .addColumn("token_id", "text", (c) => c.notNull())
    .addColumn("product_id", "uuid", (c) => c.notNull())
    .addColumn("product_version", "integer", (c) => c.notNull())
    .addColumn("criteria_hash", "text", (c) => c.notNull())
    .addColumn("as_of", "date", (c) => c.notNull())
    .addColumn("page_first", "integer", (c) => c.notNull())
    // The USCC after which the page starts (the decoded cursor), null for the first page.
    .addColumn("page_after", "text")
    // Null until the page has been read (a listing that failed midway stays null).
    .addColumn("rows_returned", "integer")
    // Set when the total count was asked for too.
    .addColumn("total_count", "integer")
    .execute();
  // The rate limit counts a bank's recent listings; the log is read by bank and time.
  await db.schema
    .createIndex("pre_credit_access_bank_at_idx")
    .on("pre_credit_access")
    .columns(["bank_code", "at"])
    .execute();
  await db.schema
    .createIndex("pre_credit_access_at_idx")
    .on("pre_credit_access")
    .column("at")
    .execute();

  await db.schema
    .createTable("bank_rate_limit")
    .addColumn("bank_code", "text", (c) => c.primaryKey())
    .addColumn("listings_per_minute", "integer", (c) => c.notNull())
    .addColumn("set_at", "timestamptz", (c) => c.notNull())
    .addColumn("set_by", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    "bank_rate_limit",
    "pre_credit_access",
    "bank_consent",
    "credit_product_version",
    "credit_product",
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
