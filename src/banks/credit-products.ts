import { type Kysely, type Selectable, sql } from "kysely";
import { recordAudit } from "../audit.ts";
import type { CreditProductTable, CreditProductVersionTable, Database } from "../db/types.ts";
import { BadInputError, ConflictError, NotFoundError } from "../errors.ts";
import { criteriaHash, validateCriteria } from "./credit-criteria.ts";

export type CreditProductRow = Selectable<CreditProductTable>;
export type CreditProductVersionRow = Selectable<CreditProductVersionTable>;

/** Who acts on a bank's products: the bank (from its token), the audit actor, and when. */
export interface BankActor {
  bankCode: string;
  /** actorOf(principal), for the audit log. */
  actor: string;
  at: Date;
}

/** What a listing needs of the version it reads. */
export type ListedVersion = Pick<
  CreditProductVersionRow,
  "product_id" | "version" | "criteria" | "criteria_hash" | "published_at"
>;

export type CreditProductVersionStatus = "DRAFT" | "PUBLISHED" | "SUPERSEDED";

/** The same shape as bank tokens' scope codes (src/auth/tokens.ts). */
export const BANK_CODE_PATTERN = /^[A-Z][A-Z0-9_]{1,31}$/;
const PRODUCT_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_NAME = 100;
const MAX_TEXT = 2000;

export interface RegisterCreditProductInput {
  code: string;
  name: string;
  description?: string | null | undefined;
  criteria?: unknown;
  note?: string | null | undefined;
}

/**
 * A jsonb parameter that both engines store alike: sent as text and cast in SQL (a string bound
 * straight to a jsonb parameter would be encoded a second time by PGlite).
 */
export function jsonb(value: unknown) {
  return sql<unknown>`${JSON.stringify(value)}::text::jsonb`;
}

function requireText(value: string, argument: string, max: number): string {
  const text = value.trim();
  if (text.length === 0) throw new BadInputError(`${argument} must not be empty`, argument);
  if (text.length > max) {
    throw new BadInputError(`${argument} is longer than ${max} characters`, argument);
  }
  return text;
}

function optionalText(value: string | null | undefined, argument: string): string | null {
  if (value == null || value.trim() === "") return null;
  return requireText(value, argument, MAX_TEXT);
}

async function audit(
  db: Kysely<Database>,
  by: BankActor,
  action: string,
  productId: string,
  after: unknown,
  reason: string | null = null,
): Promise<void> {
  await recordAudit(db, {
    actor: by.actor,
    action,
    entity: "credit_product",
    entityId: productId,
    before: null,
    after,
    reason,
  });
}

/**
 * Registers a product of the acting bank with its criteria as version 1, a draft: nothing is in
 * force until a version is published. Refuses invalid criteria (JSON paths named) and a product
 * code the bank already uses.
 */
export async function registerCreditProduct(
  db: Kysely<Database>,
  by: BankActor,
  input: RegisterCreditProductInput,
): Promise<{ product: CreditProductRow; version: CreditProductVersionRow }> {
  const code = input.code.trim();
  if (!PRODUCT_CODE_PATTERN.test(code)) {
    throw new BadInputError(
      `code must be 1–64 letters, digits, "_", "." or "-", starting with a letter or digit, got "${input.code}"`,
      "code",
    );
  }
  const name = requireText(input.name, "name", MAX_NAME);
  const description = optionalText(input.description, "description");
  const valid = validateCriteria(input.criteria, "/input/criteria");
  return db.transaction().execute(async (trx) => {
    const taken = await trx
      .selectFrom("credit_product")
      .select("id")
      .where("bank_code", "=", by.bankCode)
      .where("code", "=", code)
      .executeTakeFirst();
    if (taken) {
      throw new ConflictError(`bank ${by.bankCode} already has a product with code "${code}"`);
    }
    const product = await trx
      .insertInto("credit_product")
      .values({
        bank_code: by.bankCode,
        code,
        name,
        description,
        created_at: by.at,
        created_by: by.actor,
        retired_at: null,
        retired_reason: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const version = await trx
      .insertInto("credit_product_version")
      .values({
        product_id: product.id,
        version: 1,
        criteria: jsonb(valid.json),
        criteria_hash: criteriaHash(valid.json),
        facts: [...valid.facts],
        note: optionalText(input.note, "note"),
        created_at: by.at,
        created_by: by.actor,
        published_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, by, "credit_product.register", product.id, {
      code,
      name,
      version: 1,
      criteriaHash: version.criteria_hash,
    });
    return { product, version };
  });
}

/**
 * The product with this id if `bankCode` owns it (null: any bank's, for operators). Another
 * bank's product is reported exactly like one that does not exist, so that ids reveal nothing.
 */
export async function findCreditProduct(
  db: Kysely<Database>,
  productId: string,
  bankCode: string | null,
): Promise<CreditProductRow | undefined> {
  if (!UUID_PATTERN.test(productId)) return undefined;
  let query = db.selectFrom("credit_product").selectAll().where("id", "=", productId);
  if (bankCode !== null) query = query.where("bank_code", "=", bankCode);
  return query.executeTakeFirst();
}

/** findCreditProduct, or NOT_FOUND (another bank's product included). */
export async function requireCreditProduct(
  db: Kysely<Database>,
  productId: string,
  bankCode: string | null,
): Promise<CreditProductRow> {
  const product = await findCreditProduct(db, productId, bankCode);
  if (!product) throw new NotFoundError(`no credit product with id ${productId}`);
  return product;
}

async function requireOwnLiveProduct(
  db: Kysely<Database>,
  by: BankActor,
  productId: string,
): Promise<CreditProductRow> {
  const product = await requireCreditProduct(db, productId, by.bankCode);
  if (product.retired_at !== null) {
    throw new ConflictError(`credit product ${product.code} is retired`);
  }
  return product;
}

/**
 * Adds a version with new criteria, as a draft. Versions are never edited: every change, to a
 * published version or to a draft, is a new version, so an access log entry's version always
 * names the criteria that were matched.
 */
export async function addCreditProductVersion(
  db: Kysely<Database>,
  by: BankActor,
  productId: string,
  input: { criteria: unknown; note?: string | null | undefined },
): Promise<CreditProductVersionRow> {
  const valid = validateCriteria(input.criteria);
  const note = optionalText(input.note, "note");
  return db.transaction().execute(async (trx) => {
    const product = await requireOwnLiveProduct(trx, by, productId);
    // Serialises concurrent additions: the second waits and takes the next number.
    await sql`SELECT 1 FROM credit_product WHERE id = ${product.id} FOR UPDATE`.execute(trx);
    const last = await trx
      .selectFrom("credit_product_version")
      .select(sql<number>`coalesce(max(version), 0)::int`.as("n"))
      .where("product_id", "=", product.id)
      .executeTakeFirstOrThrow();
    const version = await trx
      .insertInto("credit_product_version")
      .values({
        product_id: product.id,
        version: last.n + 1,
        criteria: jsonb(valid.json),
        criteria_hash: criteriaHash(valid.json),
        facts: [...valid.facts],
        note,
        created_at: by.at,
        created_by: by.actor,
        published_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, by, "credit_product.add_version", product.id, {
      version: version.version,
      criteriaHash: version.criteria_hash,
    });
    return version;
  });
}

/**
 * Publishes a draft: from now on it is the version in force, and the one before is superseded.
 * Only a draft newer than the version in force may be published (never an old one again).
 */
export async function publishCreditProductVersion(
  db: Kysely<Database>,
  by: BankActor,
  productId: string,
  version: number,
): Promise<CreditProductVersionRow> {
  return db.transaction().execute(async (trx) => {
    const product = await requireOwnLiveProduct(trx, by, productId);
    await sql`SELECT 1 FROM credit_product WHERE id = ${product.id} FOR UPDATE`.execute(trx);
    const target = await trx
      .selectFrom("credit_product_version")
      .selectAll()
      .where("product_id", "=", product.id)
      .where("version", "=", version)
      .executeTakeFirst();
    if (!target) {
      throw new NotFoundError(`credit product ${product.code} has no version ${version}`);
    }
    if (target.published_at !== null) {
      throw new ConflictError(`version ${version} of ${product.code} is already published`);
    }
    const inForce = await versionInForce(trx, product.id);
    if (inForce && inForce.version > version) {
      throw new ConflictError(
        `version ${version} of ${product.code} is older than version ${inForce.version} in force; add a new version instead`,
      );
    }
    // The criteria are checked again: the catalog may have changed since the draft was written.
    validateCriteria(target.criteria);
    const published = await trx
      .updateTable("credit_product_version")
      .set({ published_at: by.at })
      .where("product_id", "=", product.id)
      .where("version", "=", version)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, by, "credit_product.publish", product.id, {
      version,
      criteriaHash: published.criteria_hash,
    });
    return published;
  });
}

/** Retires a product for good: it can no longer be listed, versioned or published. */
export async function retireCreditProduct(
  db: Kysely<Database>,
  by: BankActor,
  productId: string,
  reason: string,
): Promise<CreditProductRow> {
  const why = requireText(reason, "reason", MAX_TEXT);
  return db.transaction().execute(async (trx) => {
    await requireOwnLiveProduct(trx, by, productId);
    const product = await trx
      .updateTable("credit_product")
      .set({ retired_at: by.at, retired_reason: why })
      .where("id", "=", productId)
      .where("retired_at", "is", null)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, by, "credit_product.retire", product.id, { retiredAt: by.at }, why);
    return product;
  });
}

/** The version in force: the latest published one, or undefined while nothing is published. */
export async function versionInForce(
  db: Kysely<Database>,
  productId: string,
): Promise<CreditProductVersionRow | undefined> {
  return db
    .selectFrom("credit_product_version")
    .selectAll()
    .where("product_id", "=", productId)
    .where("published_at", "is not", null)
    .orderBy("version", "desc")
    .limit(1)
    .executeTakeFirst();
}

/**
 * The product and the version a listing reads, in one query: `version`, or the version in force.
 * NOT_FOUND for another bank's product (like one that does not exist) or a missing version;
 * CONFLICT for a retired product or one with nothing published.
 */
export async function findListedVersion(
  db: Kysely<Database>,
  productId: string,
  bankCode: string,
  version: number | null,
): Promise<{ product: CreditProductRow; version: ListedVersion }> {
  if (!UUID_PATTERN.test(productId))
    throw new NotFoundError(`no credit product with id ${productId}`);
  const row = await db
    .selectFrom("credit_product as p")
    .leftJoinLateral(
      (eb) => {
        let chosen = eb
          .selectFrom("credit_product_version as v")
          .select(["v.version", "v.criteria", "v.criteria_hash", "v.published_at"])
          .whereRef("v.product_id", "=", "p.id");
        chosen =
          version === null
            ? chosen.where("v.published_at", "is not", null)
            : chosen.where("v.version", "=", version);
        return chosen.orderBy("v.version", "desc").limit(1).as("v");
      },
      (join) => join.onTrue(),
    )
    .selectAll("p")
    .select([
      "v.version as chosen_version",
      "v.criteria as chosen_criteria",
      "v.criteria_hash as chosen_criteria_hash",
      "v.published_at as chosen_published_at",
    ])
    .where("p.id", "=", productId)
    .where("p.bank_code", "=", bankCode)
    .executeTakeFirst();
  if (!row) throw new NotFoundError(`no credit product with id ${productId}`);
  const { chosen_version, chosen_criteria, chosen_criteria_hash, chosen_published_at, ...product } =
    row;
  if (product.retired_at !== null) {
    throw new ConflictError(`credit product ${product.code} is retired`);
  }
  if (chosen_version === null || chosen_criteria_hash === null) {
    if (version !== null) {
      throw new NotFoundError(`credit product ${product.code} has no version ${version}`);
    }
    throw new ConflictError(
      `credit product ${product.code} has no published version; publish one or name a version to preview`,
    );
  }
  return {
    product,
    version: {
      product_id: product.id,
      version: chosen_version,
      criteria: chosen_criteria,
      criteria_hash: chosen_criteria_hash,
      published_at: chosen_published_at,
    },
  };
}

/** Every version of the product, oldest first. */
export async function productVersions(
  db: Kysely<Database>,
  productId: string,
): Promise<CreditProductVersionRow[]> {
  return db
    .selectFrom("credit_product_version")
    .selectAll()
    .where("product_id", "=", productId)
    .orderBy("version")
    .execute();
}

/** DRAFT until published; PUBLISHED while in force; SUPERSEDED once a later one is published. */
export function versionStatus(
  version: Pick<CreditProductVersionRow, "version" | "published_at">,
  inForceVersion: number | null,
): CreditProductVersionStatus {
  if (version.published_at === null) return "DRAFT";
  return inForceVersion !== null && version.version < inForceVersion ? "SUPERSEDED" : "PUBLISHED";
}

/** Products in id order (keyset `after`), of one bank or of all (`bankCode` null). */
export async function listCreditProducts(
  db: Kysely<Database>,
  filter: { bankCode: string | null; includeRetired: boolean },
  page: { after?: string | undefined; limit: number },
): Promise<CreditProductRow[]> {
  let query = db.selectFrom("credit_product").selectAll();
  if (filter.bankCode !== null) query = query.where("bank_code", "=", filter.bankCode);
  if (!filter.includeRetired) query = query.where("retired_at", "is", null);
  if (page.after !== undefined) {
    if (!UUID_PATTERN.test(page.after)) throw new BadInputError("malformed cursor", "after");
    query = query.where("id", ">", page.after);
  }
  return query.orderBy("id").limit(page.limit).execute();
}
