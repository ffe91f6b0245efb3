import type { Kysely } from "kysely";
import { todayInChina } from "../dates.ts";
import type { Database } from "../db/types.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import type { ValidRule } from "../matching/rule-types.ts";
import { validateCriteria } from "./credit-criteria.ts";
import {
  type CreditProductRow,
  type CreditProductVersionRow,
  productVersion,
  requireCreditProduct,
  versionInForce,
} from "./credit-products.ts";
import { recordRowsReturned, recordTotalCount, reserveListing } from "./pre-credit-access.ts";
import {
  type CandidateQuery,
  countPreCreditCandidates,
  listPreCreditCandidates,
  type PreCreditCandidate,
} from "./pre-credit-candidates.ts";

export interface ListingRequest {
  bankCode: string;
  tokenId: string;
  productId: string;
  /** A version to preview (a draft, or an earlier one); default: the version in force. */
  version?: number | null | undefined;
  first: number;
  /** The USCC the page starts after (the decoded cursor). */
  after?: string | undefined;
  now: Date;
}

export interface Listing {
  product: CreditProductRow;
  version: CreditProductVersionRow;
  query: CandidateQuery;
  /** The access log entry of this listing. */
  accessId: string;
  /** Up to `first + 1` candidates: the extra one says there is a next page. */
  candidates: PreCreditCandidate[];
}

/**
 * A bank lists the candidates of one of its products (another bank's product is NOT_FOUND, like
 * one that does not exist): the product version is chosen, its criteria checked again, the
 * listing counted against the bank's rate limit and logged, and only then one page is read.
 */
export async function listCandidatesForBank(
  db: Kysely<Database>,
  request: ListingRequest,
): Promise<Listing> {
  const product = await requireCreditProduct(db, request.productId, request.bankCode);
  if (product.retired_at !== null) {
    throw new ConflictError(`credit product ${product.code} is retired`);
  }
  let version: CreditProductVersionRow | undefined;
  if (request.version != null) {
    version = await productVersion(db, product.id, request.version);
    if (!version) {
      throw new NotFoundError(`credit product ${product.code} has no version ${request.version}`);
    }
  } else {
    version = await versionInForce(db, product.id);
    if (!version) {
      throw new ConflictError(
        `credit product ${product.code} has no published version; publish one or name a version to preview`,
      );
    }
  }
  const rule: ValidRule = validateCriteria(version.criteria);
  const query: CandidateQuery = {
    rule,
    bankCode: request.bankCode,
    // Facts as of today in China, where the programme runs.
    asOf: todayInChina(request.now),
    now: request.now,
  };
  const accessId = await reserveListing(db, {
    bankCode: request.bankCode,
    tokenId: request.tokenId,
    productId: product.id,
    productVersion: version.version,
    criteriaHash: version.criteria_hash,
    asOf: query.asOf,
    pageFirst: request.first,
    pageAfter: request.after ?? null,
    at: request.now,
  });
  const candidates = await listPreCreditCandidates(db, query, {
    after: request.after,
    limit: request.first + 1,
  });
  await recordRowsReturned(db, accessId, Math.min(candidates.length, request.first));
  return { product, version, query, accessId, candidates };
}

/** The listing's total number of candidates, recorded in its access log entry. */
export async function countListing(db: Kysely<Database>, listing: Listing): Promise<number> {
  const total = await countPreCreditCandidates(db, listing.query);
  await recordTotalCount(db, listing.accessId, total);
  return total;
}
