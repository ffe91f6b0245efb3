import type { Kysely, Selectable } from "kysely";
import { recordAudit } from "../audit.ts";
import type { BankRateLimitTable, Database } from "../db/types.ts";
import { BadInputError } from "../errors.ts";
import { BANK_CODE_PATTERN } from "./credit-products.ts";

export type BankRateLimitRow = Selectable<BankRateLimitTable>;

/** Listings a bank may make per minute unless an operator has set its own limit. */
export const DEFAULT_LISTINGS_PER_MINUTE = 30;
/** The window the limit is counted over. */
export const RATE_WINDOW_MS = 60_000;
const MAX_LISTINGS_PER_MINUTE = 10_000;

/** The bank's limit: the one set for it, else the default. */
export async function listingsPerMinute(db: Kysely<Database>, bankCode: string): Promise<number> {
  const row = await db
    .selectFrom("bank_rate_limit")
    .select("listings_per_minute")
    .where("bank_code", "=", bankCode)
    .executeTakeFirst();
  return row?.listings_per_minute ?? DEFAULT_LISTINGS_PER_MINUTE;
}

/** An operator sets a bank's limit (0 stops the bank's listings altogether). */
export async function setBankRateLimit(
  db: Kysely<Database>,
  by: { actor: string; at: Date },
  bankCode: string,
  perMinute: number,
): Promise<BankRateLimitRow> {
  if (!BANK_CODE_PATTERN.test(bankCode)) {
    throw new BadInputError(`"${bankCode}" is not a bank code`, "bankCode");
  }
  if (!Number.isInteger(perMinute) || perMinute < 0 || perMinute > MAX_LISTINGS_PER_MINUTE) {
    throw new BadInputError(
      `listingsPerMinute must be a whole number from 0 to ${MAX_LISTINGS_PER_MINUTE}, got ${perMinute}`,
      "listingsPerMinute",
    );
  }
  return db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom("bank_rate_limit")
      .select("listings_per_minute")
      .where("bank_code", "=", bankCode)
      .executeTakeFirst();
    const row = await trx
      .insertInto("bank_rate_limit")
      .values({
        bank_code: bankCode,
        listings_per_minute: perMinute,
        set_at: by.at,
        set_by: by.actor,
      })
      .onConflict((oc) =>
        oc.column("bank_code").doUpdateSet({
          listings_per_minute: perMinute,
          set_at: by.at,
          set_by: by.actor,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor: by.actor,
      action: "bank_rate_limit.set",
      entity: "bank_rate_limit",
      entityId: bankCode,
      before: before ?? null,
      after: { listings_per_minute: perMinute },
    });
    return row;
  });
}
