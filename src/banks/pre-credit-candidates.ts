import { type Kysely, sql } from "kysely";
import type { Database } from "../db/types.ts";
import { FACTS } from "../matching/fact-catalog.ts";
import { factsRelation } from "../matching/facts-relation.ts";
import { factsOf, type HouseholdFacts, loadSnapshots } from "../matching/household-facts.ts";
import { ruleToSql } from "../matching/rule-to-sql.ts";
import type { ValidRule } from "../matching/rule-types.ts";
import { consentingAmong, consentingHouseholds } from "./bank-consents.ts";
import { consentFactsOf } from "./credit-criteria.ts";

/** 三(一)1 基础标准: 登记在册状态 — only households on the register are candidates. */
export const CANDIDATE_STATUS = "ACTIVE";

/** The facts a bank sees of every candidate. */
export const PUBLIC_FACTS = FACTS.filter((f) => f.level === "PUBLIC").map((f) => f.name);
/** The facts a bank sees only of candidates whose consent to it is in force (null otherwise). */
export const BANK_FACTS = FACTS.filter((f) => f.level === "BANK").map((f) => f.name);

/** One candidate as a bank sees it: public facts, and BANK facts only under consent. */
export interface PreCreditCandidate {
  uscc: string;
  /** 字号名称, public in the national enterprise credit system. */
  name: string;
  consentInForce: boolean;
  type: string | null;
  category: string;
  countyCode: string;
  industryCode: string | null;
  industrySection: string | null;
  registeredYears: number;
  /** Null without consent, whatever the household's figures. */
  taxPaidLastYear: number | null;
  insuredEmployeesLastYear: number | null;
  revenueLastYear: number | null;
}

/** What one listing matches: a product version's criteria, for one bank, on one day. */
export interface CandidateQuery {
  rule: ValidRule;
  bankCode: string;
  /** The listing's date (today in China): the facts are as of it. */
  asOf: string;
  /** The instant consent is judged at. */
  now: Date;
}

/**
 * The facts as a bank may see them, one row per household on the register: the PUBLIC facts,
 * `consented` (consent to this bank or to all banks in force), the BANK facts masked to NULL
 * where there is no consent, and no INTERNAL fact at all. The bank's criteria are compiled over
 * this relation only, so even a criterion that tests a BANK fact for NULL or negates a comparison
 * sees nothing of a household without consent.
 */
export function bankVisibleFacts(db: Kysely<Database>, bankCode: string, asOf: string, now: Date) {
  return db
    .selectFrom(factsRelation(db, asOf).as("f"))
    .leftJoin(consentingHouseholds(db, bankCode, now).as("k"), "k.uscc", "f.uscc")
    .where("f.status", "=", CANDIDATE_STATUS)
    .select("f.uscc")
    .select(PUBLIC_FACTS.map((name) => sql.ref(`f.${name}`).as(name)))
    .select(sql<boolean>`(k.uscc is not null)`.as("consented"))
    .select(
      BANK_FACTS.map((name) =>
        sql`case when k.uscc is not null then ${sql.ref(`f.${name}`)} end`.as(name),
      ),
    );
}

/**
 * The households matching the criteria, as a query over `m` (bankVisibleFacts). A rule that reads
 * any BANK fact is ANDed with consent, so that no threshold, NULL test or negation can tell
 * anything about a household without consent: such a household never matches. PostgreSQL turns
 * the consent join into an inner join then, and may start from the (few) consenting households.
 */
export function matchingCandidates(db: Kysely<Database>, query: CandidateQuery) {
  let matching = db
    .selectFrom(bankVisibleFacts(db, query.bankCode, query.asOf, query.now).as("m"))
    .where(ruleToSql(query.rule, "m"));
  if (consentFactsOf(query.rule.facts).length > 0) {
    matching = matching.where(sql<boolean>`${sql.ref("m.consented")}`);
  }
  return matching;
}

/** A candidate from the household's facts: the BANK facts only with consent. Pure. */
export function candidateOf(
  uscc: string,
  name: string,
  facts: HouseholdFacts,
  consentInForce: boolean,
): PreCreditCandidate {
  return {
    uscc,
    name,
    consentInForce,
    type: facts.type,
    category: facts.category,
    countyCode: facts.countyCode,
    industryCode: facts.industryCode,
    industrySection: facts.industrySection,
    registeredYears: facts.registeredYears,
    taxPaidLastYear: consentInForce ? facts.taxPaidLastYear : null,
    insuredEmployeesLastYear: consentInForce ? facts.insuredEmployeesLastYear : null,
    revenueLastYear: consentInForce ? facts.revenueLastYear : null,
  };
}

/**
 * One page of candidates in USCC order (keyset: `after` is the last USCC seen), `limit` rows at
 * most. The page is chosen in SQL; its rows' facts are then read by USCC (the same facts, see
 * facts-agreement tests), all in one repeatable-read snapshot (or the caller's transaction), so
 * that consent granted or revoked meanwhile is seen by both steps or by neither.
 */
export async function listPreCreditCandidates(
  db: Kysely<Database>,
  query: CandidateQuery,
  page: { after?: string | undefined; limit: number },
): Promise<PreCreditCandidate[]> {
  if (!db.isTransaction) {
    return db
      .transaction()
      .setIsolationLevel("repeatable read")
      .setAccessMode("read only")
      .execute((trx) => listPreCreditCandidates(trx, query, page));
  }
  let matching = matchingCandidates(db, query).select("m.uscc");
  if (page.after !== undefined) matching = matching.where("m.uscc", ">", page.after);
  const rows = await matching.orderBy("m.uscc").limit(page.limit).execute();
  const usccs = rows.map((r) => r.uscc);
  const [snapshots, consenting] = await Promise.all([
    loadSnapshots(db, usccs),
    consentingAmong(db, query.bankCode, usccs, query.now),
  ]);
  return usccs.flatMap((uscc) => {
    const snapshot = snapshots.get(uscc);
    if (!snapshot) return [];
    const facts = factsOf(snapshot, query.asOf);
    return [candidateOf(uscc, snapshot.household.name, facts, consenting.has(uscc))];
  });
}

/** How many households match in all: a count over the whole register, so asked for apart. */
export async function countPreCreditCandidates(
  db: Kysely<Database>,
  query: CandidateQuery,
): Promise<number> {
  const row = await matchingCandidates(db, query)
    .select(sql<number>`count(*)::int`.as("n"))
    .executeTakeFirstOrThrow();
  return row.n;
}
