import { type Kysely, sql } from "kysely";
import type { Database } from "../db/types.ts";
import { compileRule } from "../matching/compile-rule.ts";
import { FACTS } from "../matching/fact-catalog.ts";
import { factsRelation } from "../matching/facts-relation.ts";
import { NO_CATEGORY } from "../matching/household-facts.ts";
import { ruleToSql } from "../matching/rule-to-sql.ts";
import type { ValidRule } from "../matching/rule-types.ts";
import { validateRule } from "../matching/validate-rule.ts";
import { consentInForceSql, consentingHouseholds } from "./bank-consents.ts";
import { CREDIT_CRITERIA_LEVELS, consentFactsOf } from "./credit-criteria.ts";

/** 三(一)1 基础标准: 登记在册状态 — only households on the register are candidates. */
export const CANDIDATE_STATUS = "ACTIVE";

/** The facts a bank sees of every candidate. */
export const PUBLIC_FACTS = FACTS.filter((f) => f.level === "PUBLIC").map((f) => f.name);
/** The facts a bank sees only of candidates whose consent to it is in force (null otherwise). */
export const BANK_FACTS = FACTS.filter((f) => f.level === "BANK").map((f) => f.name);

/** One candidate as a bank sees it: public facts, and BANK facts only under consent. */
export type PreCreditCandidate = Omit<VisibleFacts, "consented"> & {
  /** 字号名称, public in the national enterprise credit system. */
  name: string;
  consentInForce: boolean;
};

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

/** A row of bankVisibleFacts: what the bank may see of one household. */
export interface VisibleFacts {
  uscc: string;
  consented: boolean;
  type: string | null;
  category: string;
  countyCode: string;
  industryCode: string | null;
  industrySection: string | null;
  registeredYears: number;
  /** BANK facts: null without consent, whatever the household's figures. */
  taxPaidLastYear: number | null;
  insuredEmployeesLastYear: number | null;
  revenueLastYear: number | null;
}

/**
 * A candidate from what the bank may see. The BANK facts are already NULL without consent; they
 * are dropped here once more so that no change to the SQL can let one through. Pure.
 */
export function candidateOf(name: string, facts: VisibleFacts): PreCreditCandidate {
  const consentInForce = facts.consented === true;
  return {
    uscc: facts.uscc,
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

/** Facts that facts-relation.ts computes from the household row alone (no join). */
const HOUSEHOLD_ROW_FACTS = new Set([
  "countyCode",
  "industryCode",
  "industrySection",
  "registeredYears",
]);

/**
 * The top-level conjuncts of the criteria (`and`, nested `and`s flattened) that are conditions
 * of their own. Whenever the criteria hold, each of these holds (an `and` is true only when every
 * part is), so each may narrow where candidates are looked for. Pure.
 */
export function conjunctsOf(rule: ValidRule): ValidRule[] {
  const parts: unknown[] = [];
  const flatten = (json: unknown) => {
    const operation =
      json !== null && typeof json === "object" && !Array.isArray(json)
        ? (json as Record<string, unknown>)
        : undefined;
    if (operation && Object.keys(operation).length === 1 && Array.isArray(operation.and)) {
      operation.and.forEach(flatten);
    } else {
      parts.push(json);
    }
  };
  flatten(rule.json);
  return parts.flatMap((part) => {
    const checked = validateRule(part, {
      allowedLevels: CREDIT_CRITERIA_LEVELS,
      expect: "boolean",
    });
    return checked.ok && checked.rule.resultType === "boolean" && checked.rule.facts.length > 0
      ? [checked.rule]
      : [];
  });
}

/** The conjuncts on household-row facts only: they prune the register before any join. */
export function householdRowConjuncts(rule: ValidRule): ValidRule[] {
  return conjunctsOf(rule).filter((c) => c.facts.every((f) => HOUSEHOLD_ROW_FACTS.has(f)));
}

/**
 * Whether the criteria hold only for a household with a 名特优新 category: some conjunct reads
 * the category alone and fails for NONE (`!=` NONE, `in` a list of categories, `==` FAMOUS…).
 * 三(二)3 asks banks to apply the category results to pre-credit, so such products are common.
 */
export function requiresCategory(rule: ValidRule): boolean {
  return conjunctsOf(rule).some(
    (c) =>
      c.facts.length === 1 &&
      c.facts[0] === "category" &&
      compileRule(c).decide({ category: NO_CATEGORY }).outcome !== "ELIGIBLE",
  );
}

/**
 * The households a page is looked for among, in USCC order after `after`, a superset of the
 * candidates: for criteria on BANK facts, the households whose consent to the bank is in force
 * (no other can match); for criteria that need a category, those with a recognition not yet
 * expired (a superset of those in force); otherwise the register, pruned by the household-row
 * conditions of the criteria (by county, the (county_code, uscc) index walks it in order). Kept
 * apart (its ORDER BY stops PostgreSQL from merging it) so that the page walks it in order and
 * stops at the page's end, whatever the planner guesses of the criteria's selectivity.
 */
function candidateDriver(db: Kysely<Database>, query: CandidateQuery, after: string | undefined) {
  // Only the household row is read here (facts-relation drops every join nothing reads).
  let households = db
    .selectFrom(factsRelation(db, query.asOf).as("f"))
    .select("f.uscc")
    .where("f.status", "=", CANDIDATE_STATUS);
  // Joined, not a subquery, so that PostgreSQL plans the join for its first rows too; DISTINCT
  // because a household may consent to the bank and to all banks, or have several recognitions.
  if (consentFactsOf(query.rule.facts).length > 0) {
    households = households
      .innerJoin("bank_consent as k", "k.uscc", "f.uscc")
      .where(consentInForceSql("k", query.bankCode, query.now))
      .distinct();
  } else if (requiresCategory(query.rule)) {
    households = households
      .innerJoin("category_recognition as cr", "cr.uscc", "f.uscc")
      .where("cr.valid_until", ">", sql<string>`${query.asOf}::date`)
      .distinct();
  }
  for (const conjunct of householdRowConjuncts(query.rule)) {
    households = households.where(ruleToSql(conjunct, "f"));
  }
  if (after !== undefined) households = households.where("f.uscc", ">", after);
  return households.orderBy("f.uscc");
}

/**
 * One page in USCC order: the driver walked in order, each household tested by a correlated
 * subquery that reads its visible facts by USCC (a few index probes; LIMIT 1 keeps it one row)
 * and gives them as JSON when the criteria hold, until `limit` have matched. The driver is the
 * only relation of the query and nothing is sorted out here, so PostgreSQL plans the driver for
 * its first rows (ordered index scans, no sort of the register): the first page of a typical
 * product reads a few hundred households. See docs/performance.md (Pre-credit).
 */
export function candidatePage(
  db: Kysely<Database>,
  query: CandidateQuery,
  page: { after?: string | undefined; limit: number },
) {
  const visible = matchingCandidates(db, query)
    .select(sql<VisibleFacts>`to_jsonb(m)`.as("facts"))
    .where("m.uscc", "=", sql.ref<string>("d.uscc"))
    .limit(1);
  // OFFSET 0 keeps this a subquery of its own, so each household's subquery runs once.
  const tested = db
    .selectFrom(candidateDriver(db, query, page.after).as("d"))
    .select("d.uscc")
    .select(sql<VisibleFacts | null>`(${visible})`.as("facts"))
    .offset(sql.lit(0));
  return db
    .selectFrom(tested.as("t"))
    .select(["t.uscc", "t.facts"])
    .select(sql<string>`(SELECT name FROM household WHERE uscc = t.uscc)`.as("name"))
    .where("t.facts", "is not", null)
    .limit(page.limit);
}

/**
 * One page of candidates in USCC order (keyset: `after` is the last USCC seen), `limit` rows at
 * most, read in one statement (one snapshot: a consent granted or revoked meanwhile is seen whole
 * or not at all).
 */
export async function listPreCreditCandidates(
  db: Kysely<Database>,
  query: CandidateQuery,
  page: { after?: string | undefined; limit: number },
): Promise<PreCreditCandidate[]> {
  const rows = await candidatePage(db, query, page).execute();
  // The page relies on the driver's order surviving the filter; a plan that broke it would
  // pick the wrong rows, so refuse it loudly rather than page wrongly.
  for (let i = 1; i < rows.length; i++) {
    if ((rows[i - 1]?.uscc as string) >= (rows[i]?.uscc as string)) {
      throw new Error("pre-credit page out of USCC order: the query plan changed");
    }
  }
  return rows.map((row) => candidateOf(row.name, row.facts as VisibleFacts));
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
