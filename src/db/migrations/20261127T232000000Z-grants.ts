import { type Kysely, sql } from "kysely";

// 三(一)3 建立支持政策"免申即享"机制: the grants ledger, its runs and its outbox.
//
// policy_grant holds one row per household, policy and period, enforced by its primary key
// (two runs at the same time cannot both insert it). A grant is never deleted and never changes,
// except to be revoked once, with a reason: a trigger refuses anything else, whoever writes.
// There are no foreign keys on purpose: grants are written only by grant runs, from versions
// they have just read, millions at a time, and a per-row referential check would cost more than
// the insert; every key contains the USCC, so the table shards by it.
//
// grant_event is the outbox: every new or revoked grant is an event, written by the statement
// that writes the grant. `xid` is the writing transaction's id: readers take only events of
// transactions older than the oldest one still running, in (xid, seq) order, so an event that
// commits late is never skipped (src/grants/grant-events.ts, docs/grants.md).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("grant_run")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("as_of", "date", (c) => c.notNull())
    // MANUAL (CLI or mutation), TYPING_RUN, POLICY_PUBLISHED or IMPORT.
    .addColumn("trigger", "text", (c) =>
      c.notNull().check(sql`trigger in ('MANUAL', 'TYPING_RUN', 'POLICY_PUBLISHED', 'IMPORT')`),
    )
    // The typing run, policy version or import that caused it.
    .addColumn("trigger_ref", "text")
    // A county operator's run covers only that county; null: the whole city.
    .addColumn("county_code", "text")
    .addColumn("started_at", "timestamptz", (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
    .addColumn("finished_at", "timestamptz")
    .addColumn("granted", "integer")
    // Per policy version: {versionId, policyCode, period, granted, amount, ms}.
    .addColumn("counts", "jsonb")
    .addColumn("created_by", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("grant_run_started_idx")
    .on("grant_run")
    .column("started_at")
    .execute();

  // Keyed by what makes a grant unique: a household receives a policy once per period. The key
  // is also the grant's id (no surrogate): a run writes millions of rows, and each index costs an
  // insertion per row. The second index finds a household's grants.
  await db.schema
    .createTable("policy_grant")
    .addColumn("policy_code", "text", (c) => c.notNull())
    // 2025, 2025-Q3, 2025-07 or ONCE (src/grants/grant-period.ts).
    .addColumn("period", "text", (c) => c.notNull())
    .addColumn("uscc", "text", (c) => c.notNull())
    .addColumn("policy_version_id", "uuid", (c) => c.notNull())
    // The period's first and last day; null for ONCE.
    .addColumn("period_start", "date")
    .addColumn("period_end", "date")
    // The date the facts were taken as of.
    .addColumn("as_of", "date", (c) => c.notNull())
    // 元; null when the policy gives no money.
    .addColumn("amount", "double precision")
    // The facts the rule and the amount read, by name, as they were: with the immutable version
    // they give the explanation again, whatever changes later.
    .addColumn("facts", "jsonb", (c) => c.notNull())
    // The household's county, type and category when granted: the operators' filters.
    .addColumn("county_code", "text", (c) => c.notNull())
    .addColumn("type", "text")
    .addColumn("category", "text", (c) => c.notNull())
    .addColumn("run_id", "uuid")
    .addColumn("granted_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("revoked_at", "timestamptz")
    .addColumn("revoked_by", "text")
    .addColumn("revoke_reason", "text")
    .addPrimaryKeyConstraint("policy_grant_pk", ["policy_code", "period", "uscc"])
    .addCheckConstraint(
      "policy_grant_revocation_check",
      sql`(revoked_at is null) = (revoked_by is null) and (revoked_at is null) = (revoke_reason is null)`,
    )
    .execute();
  await db.schema.createIndex("policy_grant_uscc_idx").on("policy_grant").column("uscc").execute();

  await sql`
    CREATE FUNCTION policy_grant_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      revocation text[] := ARRAY['revoked_at', 'revoked_by', 'revoke_reason'];
    BEGIN
      IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'grant % % % is in the ledger and cannot be deleted: revoke it with a reason',
          OLD.policy_code, OLD.period, OLD.uscc USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF OLD.revoked_at IS NOT NULL
         OR NEW.revoked_at IS NULL
         OR (to_jsonb(NEW) - revocation) IS DISTINCT FROM (to_jsonb(OLD) - revocation) THEN
        RAISE EXCEPTION 'grant % % % cannot change: it may only be revoked, once, with a reason',
          OLD.policy_code, OLD.period, OLD.uscc USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END
    $$`.execute(db);
  await sql`
    CREATE TRIGGER policy_grant_guard BEFORE UPDATE OR DELETE ON policy_grant
    FOR EACH ROW EXECUTE FUNCTION policy_grant_guard()`.execute(db);

  // Lean on purpose: a run writes one event per grant, and the grant itself (by its key) has the
  // rest. Its only index is the readers' order; seq needs no index of its own.
  await db.schema
    .createTable("grant_event")
    .addColumn("seq", "bigint", (c) => c.notNull().generatedAlwaysAsIdentity())
    .addColumn("xid", sql`xid8`, (c) => c.notNull().defaultTo(sql`pg_current_xact_id()`))
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('GRANTED', 'REVOKED')`))
    // The grant: (policy_code, period, uscc).
    .addColumn("policy_code", "text", (c) => c.notNull())
    .addColumn("period", "text", (c) => c.notNull())
    .addColumn("uscc", "text", (c) => c.notNull())
    // County operators read their county's events.
    .addColumn("county_code", "text", (c) => c.notNull())
    // REVOKED: why.
    .addColumn("reason", "text")
    .addColumn("at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("grant_event_order_idx")
    .on("grant_event")
    .columns(["xid", "seq"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("grant_event").execute();
  await db.schema.dropTable("policy_grant").execute();
  await sql`DROP FUNCTION policy_grant_guard()`.execute(db);
  await db.schema.dropTable("grant_run").execute();
}
