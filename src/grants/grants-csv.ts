import { type Kysely, sql } from "kysely";
import type { Database } from "../db/types.ts";
import { type GrantFilter, type GrantKey, listGrants } from "./grant-queries.ts";

/** The CSV's columns, in order. */
export const GRANT_CSV_COLUMNS = [
  "policy_code",
  "period",
  "uscc",
  "household_name",
  "policy_version_id",
  "period_start",
  "period_end",
  "as_of",
  "amount",
  "county_code",
  "type",
  "category",
  "granted_at",
  "status",
  "revoked_at",
  "revoked_by",
  "revoke_reason",
] as const;

/** RFC 4180 quoting; a text cell that a spreadsheet would run as a formula gets a leading '. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "number") return String(value);
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export interface CsvOptions {
  /** Grants per query (keyset batch): memory holds one batch, whatever the export's size. */
  batchSize?: number;
  /** Start with a UTF-8 byte order mark, so that spreadsheet programs read the Chinese right. */
  byteOrderMark?: boolean;
}

/**
 * The filtered grants as CSV lines (header first, each line ending in CRLF), streamed: one
 * keyset batch at a time over the ledger's key, never the whole set in memory. The ledger only
 * grows (and revokes), so a grant present when the export starts is exported exactly once; one
 * made during the export may or may not appear.
 */
export async function* grantsCsv(
  db: Kysely<Database>,
  filter: GrantFilter,
  options: CsvOptions = {},
): AsyncGenerator<string> {
  const batchSize = options.batchSize ?? 2000;
  yield `${options.byteOrderMark ? "\uFEFF" : ""}${GRANT_CSV_COLUMNS.join(",")}\r\n`;
  let after: GrantKey | undefined;
  for (;;) {
    const rows = await listGrants(db, filter, { after, limit: batchSize });
    if (rows.length === 0) return;
    const names = await householdNames(
      db,
      rows.map((r) => r.uscc),
    );
    let chunk = "";
    for (const g of rows) {
      chunk += `${[
        g.policy_code,
        g.period,
        g.uscc,
        names.get(g.uscc) ?? null,
        g.policy_version_id,
        g.period_start,
        g.period_end,
        g.as_of,
        g.amount,
        g.county_code,
        g.type,
        g.category,
        g.granted_at,
        g.revoked_at === null ? "ACTIVE" : "REVOKED",
        g.revoked_at,
        g.revoked_by,
        g.revoke_reason,
      ]
        .map(csvCell)
        .join(",")}\r\n`;
    }
    yield chunk;
    if (rows.length < batchSize) return;
    const last = rows[rows.length - 1] as (typeof rows)[number];
    after = { policyCode: last.policy_code, period: last.period, uscc: last.uscc };
  }
}

async function householdNames(db: Kysely<Database>, usccs: string[]): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom("household")
    .select(["uscc", "name"])
    .where(sql<boolean>`uscc = any(${[...new Set(usccs)]}::text[])`)
    .execute();
  return new Map(rows.map((r) => [r.uscc, r.name]));
}
