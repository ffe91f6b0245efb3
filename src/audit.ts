import type { Kysely } from "kysely";
import type { Database } from "./db/types.ts";

/** One audit_log entry: who did what to which entity, from what to what, and why. */
export interface AuditEntry {
  actor: string;
  action: string;
  entity: string;
  entityId: string;
  before: unknown;
  after: unknown;
  reason?: string | null;
}

/** Writes the entry with `db`, which should be the transaction of the change it records. */
export async function recordAudit(db: Kysely<Database>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto("audit_log")
    .values({
      actor: entry.actor,
      action: entry.action,
      entity: entry.entity,
      entity_id: entry.entityId,
      before: entry.before === null ? null : JSON.stringify(entry.before),
      after: entry.after === null ? null : JSON.stringify(entry.after),
      reason: entry.reason ?? null,
    })
    .execute();
}
