import type { Kysely } from "kysely";
import { todayInChina } from "../dates.ts";
import type { Database } from "../db/types.ts";
import { BadInputError } from "../errors.ts";
import { isUsccShaped } from "../ingest/uscc.ts";
import type { ValidRule } from "../matching/rule-types.ts";
import { validateCriteria } from "./credit-criteria.ts";
import { type CreditProductRow, findListedVersion, type ListedVersion } from "./credit-products.ts";
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
  version: ListedVersion;
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
  // A candidate cursor is the USCC the page starts after: anything not shaped like one is no
  // cursor this service gave, and is refused before the listing is counted or logged.
  if (request.after !== undefined && !isUsccShaped(request.after)) {
    throw new BadInputError("malformed cursor: not one of this listing's USCCs", "after");
  }
  const { product, version } = await findListedVersion(
    db,
    request.productId,
    request.bankCode,
    request.version ?? null,
  );
  const rule: ValidRule = validateCriteria(version.criteria);
  const query: CandidateQuery = {
    rule,
    bankCode: request.bankCode,
    // Facts as of today in China, where the programme runs.
    asOf: todayInChina(request.now),
    now: request.now,
  };
  // One transaction: the entry is committed with the page (one commit, one WAL flush), and the
  // bank's lock is held meanwhile, so its concurrent listings are counted one after another.
  return db.transaction().execute(async (trx) => {
    const accessId = await reserveListing(trx, {
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
    const candidates = await listPreCreditCandidates(trx, query, {
      after: request.after,
      limit: request.first + 1,
    });
    await recordRowsReturned(trx, accessId, Math.min(candidates.length, request.first));
    return { product, version, query, accessId, candidates };
  });
}

/** The listing's total number of candidates, recorded in its access log entry. */
export async function countListing(db: Kysely<Database>, listing: Listing): Promise<number> {
  const total = await countPreCreditCandidates(db, listing.query);
  await recordTotalCount(db, listing.accessId, total);
  return total;
}
