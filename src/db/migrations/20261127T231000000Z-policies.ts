import { type Kysely, sql } from "kysely";

// The policy registry: a policy is a stable code owned by one department; its content lives in
// numbered versions. A draft may change freely; a published version's content never changes
// (the trigger below refuses it, whoever writes): only the end of its term (in_force_until) may
// be set or brought earlier, when a later version supersedes it or the policy is retired.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("policy")
    .addColumn("code", "text", (c) => c.primaryKey())
    .addColumn("department_code", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("created_by", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("policy_department_idx")
    .on("policy")
    .columns(["department_code", "code"])
    .execute();

  await db.schema
    .createTable("policy_version")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("policy_code", "text", (c) => c.notNull().references("policy.code"))
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('DRAFT', 'PUBLISHED', 'SUPERSEDED', 'RETIRED')`),
    )
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("mode", "text", (c) => c.notNull())
    .addColumn("how_to_apply", "text")
    .addColumn("rule", "jsonb", (c) => c.notNull())
    .addColumn("benefit", "text", (c) => c.notNull())
    // null (no money), a number of 元, or a rule over facts giving the number.
    .addColumn("amount", "jsonb")
    .addColumn("legal_document", "text", (c) => c.notNull())
    .addColumn("legal_clause", "text", (c) => c.notNull())
    // The term the content states: from effective_from through effective_until (inclusive;
    // null: open-ended). Publishing fixes effective_from.
    .addColumn("effective_from", "date", (c) => c.notNull())
    .addColumn("effective_until", "date")
    // The term's actual last day: effective_until at publication, brought earlier when a later
    // version supersedes this one or the policy is retired (inclusive; null: open-ended).
    .addColumn("in_force_until", "date")
    .addColumn("grant_period", "text", (c) => c.notNull())
    .addColumn("examples", "jsonb", (c) => c.notNull())
    .addColumn("notes", "text")
    // sha256 of the canonical content: a re-loaded file with the same hash changes nothing.
    .addColumn("content_hash", "text", (c) => c.notNull())
    // API, or the policies-data file the version was loaded from (path relative to its folder)
    // with the sha256 of that file's policy: a re-start with the same file changes nothing.
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("source_hash", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("published_at", "timestamptz")
    .addColumn("published_by", "text")
    .addColumn("ended_at", "timestamptz")
    .addColumn("ended_by", "text")
    .addUniqueConstraint("policy_version_number_key", ["policy_code", "version"])
    .addCheckConstraint(
      "policy_version_published_check",
      sql`(status = 'DRAFT') = (published_at is null)`,
    )
    .execute();
  // At most one open draft per policy: editing changes it, publishing closes it.
  await db.schema
    .createIndex("policy_version_one_draft_idx")
    .on("policy_version")
    .column("policy_code")
    .unique()
    .where(sql.ref("status"), "=", "DRAFT")
    .execute();
  await db.schema
    .createIndex("policy_version_in_force_idx")
    .on("policy_version")
    .columns(["effective_from", "in_force_until"])
    .where(sql.ref("status"), "<>", "DRAFT")
    .execute();

  await sql`
    CREATE FUNCTION policy_version_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      lifecycle text[] := ARRAY['status', 'in_force_until', 'ended_at', 'ended_by'];
    BEGIN
      IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'DRAFT' THEN
          RAISE EXCEPTION 'policy version % (% v%) is published and cannot be deleted',
            OLD.id, OLD.policy_code, OLD.version USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
      END IF;
      IF OLD.status = 'DRAFT' THEN
        RETURN NEW;
      END IF;
      IF (to_jsonb(NEW) - lifecycle) IS DISTINCT FROM (to_jsonb(OLD) - lifecycle)
         OR NEW.status = 'DRAFT'
         OR (OLD.status <> 'PUBLISHED' AND NEW.status <> OLD.status)
         OR (OLD.in_force_until IS NOT NULL
             AND (NEW.in_force_until IS NULL OR NEW.in_force_until > OLD.in_force_until)) THEN
        RAISE EXCEPTION 'policy version % (% v%) is published and cannot change',
          OLD.id, OLD.policy_code, OLD.version USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END
    $$`.execute(db);
  await sql`
    CREATE TRIGGER policy_version_guard BEFORE UPDATE OR DELETE ON policy_version
    FOR EACH ROW EXECUTE FUNCTION policy_version_guard()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("policy_version").execute();
  await sql`DROP FUNCTION policy_version_guard()`.execute(db);
  await db.schema.dropTable("policy").execute();
}
