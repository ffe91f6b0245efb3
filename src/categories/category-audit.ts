import type { Kysely } from "kysely";
import { recordAudit } from "../audit.ts";
import type { Database } from "../db/types.ts";

/** The audit_log entities of the 名特优新 procedure. */
export type CategoryEntity =
  | "category_application"
  | "category_recognition"
  | "category_quota"
  | "category_report"
  | "category_spot_check";

export interface CategoryAuditEntry {
  actor: string;
  /** `category.<verb>`, e.g. category.approve. */
  action: string;
  entity: CategoryEntity;
  entityId: string;
  before: unknown;
  after: unknown;
  reason: string | null;
}

/**
 * Writes one audit entry; call it inside the transaction that makes the change. `at` is the
 * database's clock_timestamp(): the real instant, ordered even within one transaction; the
 * business date a change takes effect on travels in `after`.
 */
export async function writeCategoryAudit(
  db: Kysely<Database>,
  entry: CategoryAuditEntry,
): Promise<void> {
  await recordAudit(db, entry);
}

export interface CategoryAuditRow {
  at: Date;
  actor: string;
  action: string;
  before: unknown;
  after: unknown;
  reason: string | null;
}

/** The audit entries of one entity, oldest first. */
export async function categoryHistory(
  db: Kysely<Database>,
  entity: CategoryEntity,
  id: string,
): Promise<CategoryAuditRow[]> {
  const rows = await db
    .selectFrom("audit_log")
    .select(["at", "actor", "action", "before", "after", "reason"])
    .where("entity", "=", entity)
    .where("entity_id", "=", id)
    .orderBy("at")
    .orderBy("id")
    .execute();
  // `at` is Generated<Timestamp>, which Kysely does not unwrap: both drivers return a Date.
  return rows.map((r) => ({ ...r, at: r.at as unknown as Date }));
}
