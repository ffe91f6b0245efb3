import { type Kysely, type Selectable, sql } from "kysely";
import type { Database, PreCreditAccessTable } from "../db/types.ts";
import { BadInputError, RateLimitedError } from "../errors.ts";
import { listingsPerMinute, RATE_WINDOW_MS } from "./bank-rate-limits.ts";

export type PreCreditAccessRow = Selectable<PreCreditAccessTable>;

/** What a listing is about to read, recorded before it reads anything. */
export interface ListingEntry {
  bankCode: string;
  tokenId: string;
  productId: string;
  productVersion: number;
  criteriaHash: string;
  asOf: string;
  pageFirst: number;
  /** The decoded cursor (the USCC the page starts after), null for the first page. */
  pageAfter: string | null;
  at: Date;
}

/**
 * Checks the bank's rate limit and records the listing, before any household is read. The limit
 * is counted from the log itself, under a transaction-scoped advisory lock per bank, so that it
 * holds across server processes sharing the database: two listings of one bank never both take
 * the last slot. Throws RateLimitedError saying when a slot frees up.
 */
export async function reserveListing(db: Kysely<Database>, entry: ListingEntry): Promise<string> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`pre_credit_access:${entry.bankCode}`}))`.execute(
      trx,
    );
    const limit = await listingsPerMinute(trx, entry.bankCode);
    const windowStart = new Date(entry.at.getTime() - RATE_WINDOW_MS);
    const recent = await trx
      .selectFrom("pre_credit_access")
      .select(sql<number>`count(*)::int`.as("n"))
      .where("bank_code", "=", entry.bankCode)
      .where("at", ">", windowStart)
      .executeTakeFirstOrThrow();
    if (recent.n >= limit) {
      if (limit === 0) {
        throw new RateLimitedError(
          `listings are stopped for bank ${entry.bankCode} (its limit is 0 a minute); ask an operator`,
        );
      }
      // A slot frees when the (n − limit + 1)-th oldest listing of the window leaves it.
      const freeing = await trx
        .selectFrom("pre_credit_access")
        .select("at")
        .where("bank_code", "=", entry.bankCode)
        .where("at", ">", windowStart)
        .orderBy("at")
        .offset(recent.n - limit)
        .limit(1)
        .executeTakeFirstOrThrow();
      const retryAt = new Date(new Date(freeing.at).getTime() + RATE_WINDOW_MS);
      const seconds = Math.max(1, Math.ceil((retryAt.getTime() - entry.at.getTime()) / 1000));
      throw new RateLimitedError(
        `bank ${entry.bankCode} may list pre-credit candidates ${limit} times a minute; retry after ${retryAt.toISOString()} (in ${seconds} s)`,
      );
    }
    const row = await trx
      .insertInto("pre_credit_access")
      .values({
        at: entry.at,
        bank_code: entry.bankCode,
        token_id: entry.tokenId,
        product_id: entry.productId,
        product_version: entry.productVersion,
        criteria_hash: entry.criteriaHash,
        as_of: entry.asOf,
        page_first: entry.pageFirst,
        page_after: entry.pageAfter,
        rows_returned: null,
        total_count: null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return row.id;
  });
}

/** Completes a listing's entry with the number of candidates the page returned. */
export async function recordRowsReturned(
  db: Kysely<Database>,
  accessId: string,
  rows: number,
): Promise<void> {
  await db
    .updateTable("pre_credit_access")
    .set({ rows_returned: rows })
    .where("id", "=", accessId)
    .execute();
}

/** Records that the listing's total count was read too, and what it was. */
export async function recordTotalCount(
  db: Kysely<Database>,
  accessId: string,
  total: number,
): Promise<void> {
  await db
    .updateTable("pre_credit_access")
    .set({ total_count: total })
    .where("id", "=", accessId)
    .execute();
}

/** `at|id` of an entry: the keyset of the log, newest first. */
export function accessCursorKey(row: Pick<PreCreditAccessRow, "at" | "id">): string {
  return `${new Date(row.at).toISOString()}|${row.id}`;
}

/** The access log, newest first: one bank's (`bankCode`) or every bank's (null). */
export async function listPreCreditAccess(
  db: Kysely<Database>,
  filter: { bankCode: string | null; productId?: string | null | undefined },
  page: { after?: string | undefined; limit: number },
): Promise<PreCreditAccessRow[]> {
  let query = db.selectFrom("pre_credit_access").selectAll();
  if (filter.bankCode !== null) query = query.where("bank_code", "=", filter.bankCode);
  if (filter.productId) {
    if (!/^[0-9a-f-]{36}$/i.test(filter.productId)) return [];
    query = query.where("product_id", "=", filter.productId);
  }
  if (page.after !== undefined) {
    const [at, id] = page.after.split("|");
    const when = new Date(at ?? "");
    if (!id || Number.isNaN(when.getTime()) || !/^[0-9a-f-]{36}$/i.test(id)) {
      throw new BadInputError("malformed cursor", "after");
    }
    query = query.where((eb) =>
      eb.or([eb("at", "<", when), eb.and([eb("at", "=", when), eb("id", "<", id)])]),
    );
  }
  return query.orderBy("at", "desc").orderBy("id", "desc").limit(page.limit).execute();
}
