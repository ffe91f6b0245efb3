import { type Kysely, type Selectable, sql } from "kysely";
import type { Database, PreCreditAccessTable } from "../db/types.ts";
import { BadInputError, RateLimitedError } from "../errors.ts";
import {
  DEFAULT_LISTINGS_PER_MINUTE,
  listingsPerMinute,
  RATE_WINDOW_MS,
} from "./bank-rate-limits.ts";

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
 * the last slot. Throws RateLimitedError saying when a slot frees up. Called in the listing's
 * transaction (or in a transaction of its own), so that the lock is held until the listing
 * commits and the entry is durable before any row leaves.
 */
export async function reserveListing(db: Kysely<Database>, entry: ListingEntry): Promise<string> {
  if (!db.isTransaction) {
    return db.transaction().execute((trx) => reserveListing(trx, entry));
  }
  const windowStart = new Date(entry.at.getTime() - RATE_WINDOW_MS);
  const trx = db;
  const reserved = await (async () => {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`pre_credit_access:${entry.bankCode}`}))`.execute(
      trx,
    );
    // Counted and recorded in one statement, after the lock: the count sees every listing
    // committed before it, and the entry is written only when under the limit.
    const recent = trx
      .selectFrom("pre_credit_access")
      .select(sql<number>`count(*)`.as("n"))
      .where("bank_code", "=", entry.bankCode)
      .where("at", ">", windowStart);
    const limit = sql<number>`coalesce((${trx
      .selectFrom("bank_rate_limit")
      .select("listings_per_minute")
      .where("bank_code", "=", entry.bankCode)}), ${DEFAULT_LISTINGS_PER_MINUTE}::int)`;
    return trx
      .insertInto("pre_credit_access")
      .columns([
        "at",
        "bank_code",
        "token_id",
        "product_id",
        "product_version",
        "criteria_hash",
        "as_of",
        "page_first",
        "page_after",
      ])
      .expression(
        trx
          .selectNoFrom([
            sql<Date>`${entry.at}::timestamptz`.as("at"),
            sql<string>`${entry.bankCode}::text`.as("bank_code"),
            sql<string>`${entry.tokenId}::text`.as("token_id"),
            sql<string>`${entry.productId}::uuid`.as("product_id"),
            sql<number>`${entry.productVersion}::int`.as("product_version"),
            sql<string>`${entry.criteriaHash}::text`.as("criteria_hash"),
            sql<string>`${entry.asOf}::date`.as("as_of"),
            sql<number>`${entry.pageFirst}::int`.as("page_first"),
            sql<string | null>`${entry.pageAfter}::text`.as("page_after"),
          ])
          .where(sql<boolean>`(${recent}) < ${limit}`),
      )
      .returning("id")
      .executeTakeFirst();
  })();
  if (reserved) return reserved.id;
  throw await rateLimited(db, entry, windowStart);
}

/** The refusal, saying when a slot frees up (read after the fact: only the message needs it). */
async function rateLimited(
  db: Kysely<Database>,
  entry: ListingEntry,
  windowStart: Date,
): Promise<RateLimitedError> {
  const limit = await listingsPerMinute(db, entry.bankCode);
  if (limit === 0) {
    return new RateLimitedError(
      `listings are stopped for bank ${entry.bankCode} (its limit is 0 a minute); ask an operator`,
    );
  }
  // A slot frees when the (n − limit + 1)-th oldest listing of the window leaves it.
  const inWindow = await db
    .selectFrom("pre_credit_access")
    .select("at")
    .where("bank_code", "=", entry.bankCode)
    .where("at", ">", windowStart)
    .orderBy("at")
    .execute();
  const freeing = inWindow[Math.max(0, inWindow.length - limit)]?.at ?? entry.at;
  const retryAt = new Date(new Date(freeing).getTime() + RATE_WINDOW_MS);
  const seconds = Math.max(1, Math.ceil((retryAt.getTime() - entry.at.getTime()) / 1000));
  return new RateLimitedError(
    `bank ${entry.bankCode} may make at most ${limit} pre-credit listings a minute; retry after ${retryAt.toISOString()} (in ${seconds} s)`,
  );
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

/** An access log entry as one reader may see it. */
export type PreCreditAccessEntry = PreCreditAccessRow & {
  /**
   * The page started after a household outside the reader's county: `page_after` is withheld
   * (null), since a USCC on a listing says that household matched the product.
   */
  page_after_hidden: boolean;
};

/**
 * The access log, newest first: one bank's (`bankCode`) or every bank's (null). A reader scoped
 * to a county (`readerCounty`) sees the page's start only where it is a household of that county:
 * a product on BANK facts lists only consenting households, so the USCC of another county's
 * household there would tell its consent and that its figures met the criteria.
 */
export async function listPreCreditAccess(
  db: Kysely<Database>,
  filter: {
    bankCode: string | null;
    productId?: string | null | undefined;
    readerCounty?: string | null | undefined;
  },
  page: { after?: string | undefined; limit: number },
): Promise<PreCreditAccessEntry[]> {
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
  const rows = await query.orderBy("at", "desc").orderBy("id", "desc").limit(page.limit).execute();
  const county = filter.readerCounty ?? null;
  if (county === null) return rows.map((row) => ({ ...row, page_after_hidden: false }));
  const starts = [...new Set(rows.flatMap((row) => (row.page_after ? [row.page_after] : [])))];
  const ownCounty = new Set(
    starts.length === 0
      ? []
      : (
          await db
            .selectFrom("household")
            .select("uscc")
            .where("uscc", "in", starts)
            .where("county_code", "=", county)
            .execute()
        ).map((h) => h.uscc),
  );
  return rows.map((row) => {
    const hidden = row.page_after !== null && !ownCounty.has(row.page_after);
    return { ...row, page_after: hidden ? null : row.page_after, page_after_hidden: hidden };
  });
}
