import { type Kysely, type Selectable, sql } from "kysely";
import { recordAudit } from "../audit.ts";
import { addYears, isCalendarDate, todayInChina } from "../dates.ts";
import type { BankConsentTable, Database } from "../db/types.ts";
import { BadInputError, NotFoundError } from "../errors.ts";
import { BANK_CODE_PATTERN } from "./credit-products.ts";

export type BankConsentRow = Selectable<BankConsentTable>;

/** A consent lasts at most this many years: the household renews it, or it lapses. */
export const MAX_CONSENT_YEARS = 3;

/** Who changes a household's consent: the household itself (from its token), and when. */
export interface HouseholdActor {
  uscc: string;
  /** actorOf(principal), for the audit log. */
  actor: string;
  at: Date;
}

/**
 * Whether a consent is in force at `now`: granted, not revoked, and `valid_until` (a China date,
 * inclusive) not passed. The same test as consentInForceWhere, in TypeScript.
 */
export function consentIsInForce(
  consent: Pick<BankConsentRow, "granted_at" | "valid_until" | "revoked_at">,
  now: Date,
): boolean {
  return (
    consent.revoked_at === null &&
    new Date(consent.granted_at).getTime() <= now.getTime() &&
    todayInChina(now) <= consent.valid_until
  );
}

/**
 * The condition that the consent row `alias` is in force at `now` for `bankCode`: to this bank or
 * to all banks, not revoked, granted, and `valid_until` (a China date, inclusive) not passed. The
 * same test as consentIsInForce, in SQL.
 */
export function consentInForceSql(alias: string, bankCode: string, now: Date) {
  const column = (name: string) => sql.ref(`${alias}.${name}`);
  return sql<boolean>`((${column("bank_code")} = ${bankCode} OR ${column("bank_code")} IS NULL)
    AND ${column("revoked_at")} IS NULL
    AND ${column("granted_at")} <= ${now}
    AND ${column("valid_until")} >= ${todayInChina(now)}::date)`;
}

/**
 * The USCCs whose consent to `bankCode` (or to all banks) is in force at `now`, as a subquery.
 * `distinct` makes it unique per USCC, so a left join to it adds no rows and PostgreSQL drops the
 * join when nothing of it is read.
 */
export function consentingHouseholds(db: Kysely<Database>, bankCode: string, now: Date) {
  return db
    .selectFrom("bank_consent as k")
    .select("k.uscc")
    .distinct()
    .where(consentInForceSql("k", bankCode, now));
}

/**
 * A household grants consent to one bank (`bankCode`) or to all banks (null) until `validUntil`
 * (inclusive, at most 3 years ahead). A consent in force for the same bank (or for all banks) is
 * replaced, so there is one live consent per bank. In force at once: the next listing sees it.
 */
export async function grantBankConsent(
  db: Kysely<Database>,
  by: HouseholdActor,
  input: { bankCode: string | null; validUntil: string },
): Promise<BankConsentRow> {
  const bankCode = input.bankCode?.trim() || null;
  if (bankCode !== null && !BANK_CODE_PATTERN.test(bankCode)) {
    throw new BadInputError(
      `bankCode "${bankCode}" is not a bank code (${BANK_CODE_PATTERN.source}); omit it to consent to all banks`,
      "bankCode",
    );
  }
  if (!isCalendarDate(input.validUntil)) {
    throw new BadInputError(
      `validUntil must be a calendar date YYYY-MM-DD, got "${input.validUntil}"`,
      "validUntil",
    );
  }
  const today = todayInChina(by.at);
  const latest = addYears(today, MAX_CONSENT_YEARS);
  if (input.validUntil < today || input.validUntil > latest) {
    throw new BadInputError(
      `validUntil must be between today (${today}) and ${latest} (${MAX_CONSENT_YEARS} years), got ${input.validUntil}`,
      "validUntil",
    );
  }
  return db.transaction().execute(async (trx) => {
    const household = await trx
      .selectFrom("household")
      .select("uscc")
      .where("uscc", "=", by.uscc)
      .forUpdate()
      .executeTakeFirst();
    if (!household) throw new NotFoundError(`no household with USCC ${by.uscc}`);
    const replaced = await trx
      .updateTable("bank_consent")
      .set({ revoked_at: by.at, revoked_reason: "REPLACED" })
      .where("uscc", "=", by.uscc)
      .where((eb) =>
        bankCode === null ? eb("bank_code", "is", null) : eb("bank_code", "=", bankCode),
      )
      .where("revoked_at", "is", null)
      .returning("id")
      .execute();
    const consent = await trx
      .insertInto("bank_consent")
      .values({
        uscc: by.uscc,
        bank_code: bankCode,
        granted_at: by.at,
        valid_until: input.validUntil,
        revoked_at: null,
        revoked_reason: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor: by.actor,
      action: "bank_consent.grant",
      entity: "bank_consent",
      entityId: consent.id,
      before: replaced.length > 0 ? { replaced: replaced.map((r) => r.id) } : null,
      after: { uscc: by.uscc, bankCode, validUntil: input.validUntil },
    });
    return consent;
  });
}

/**
 * The household revokes one of its consents; in force at once. Another household's consent is
 * reported as not found. Revoking a consent already ended changes nothing and returns it.
 */
export async function revokeBankConsent(
  db: Kysely<Database>,
  by: HouseholdActor,
  consentId: string,
): Promise<BankConsentRow> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(consentId)) {
    throw new NotFoundError(`no consent with id ${consentId}`);
  }
  return db.transaction().execute(async (trx) => {
    const consent = await trx
      .selectFrom("bank_consent")
      .selectAll()
      .where("id", "=", consentId)
      .where("uscc", "=", by.uscc)
      .forUpdate()
      .executeTakeFirst();
    if (!consent) throw new NotFoundError(`no consent with id ${consentId}`);
    if (consent.revoked_at !== null) return consent;
    const revoked = await trx
      .updateTable("bank_consent")
      .set({ revoked_at: by.at, revoked_reason: "REVOKED" })
      .where("id", "=", consentId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor: by.actor,
      action: "bank_consent.revoke",
      entity: "bank_consent",
      entityId: consentId,
      before: { validUntil: consent.valid_until },
      after: { revokedAt: by.at },
    });
    return revoked;
  });
}

/** A household's consents, newest first: those in force only, or every one ever granted. */
export async function listBankConsents(
  db: Kysely<Database>,
  uscc: string,
  options: { inForceOnly: boolean; now: Date },
): Promise<BankConsentRow[]> {
  let query = db.selectFrom("bank_consent").selectAll().where("uscc", "=", uscc);
  if (options.inForceOnly) {
    query = query
      .where("revoked_at", "is", null)
      .where("granted_at", "<=", options.now)
      .where("valid_until", ">=", sql<string>`${todayInChina(options.now)}::date`);
  }
  return query.orderBy("granted_at", "desc").orderBy("id", "desc").execute();
}
