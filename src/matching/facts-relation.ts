import { type Expression, type Kysely, type RawBuilder, sql } from "kysely";
import { yearOf } from "../dates.ts";
import type { Database } from "../db/types.ts";
import { FACTS } from "./fact-catalog.ts";
import {
  currentTypingRunId,
  type HouseholdFacts,
  NO_CATEGORY,
  PENALTY_KIND_BELOW_FINE,
  PENALTY_WINDOW_YEARS,
  requireAsOf,
  SUSPENSION_MAXIMUM_YEARS,
} from "./household-facts.ts";

/** One row of factsRelation: the household's USCC and its facts, each column named as the fact. */
export type FactsRow = { readonly uscc: string } & HouseholdFacts;

/** What a fact's SQL expression may read: the joined tables' aliases and the as-of values. */
interface FactSqlContext {
  /** The as-of date, bound as a parameter and cast to date. */
  asOf: RawBuilder<string>;
  /** Its year, bound as a parameter. */
  year: number;
}

/**
 * Each fact in SQL, over `household h` left-joined by USCC to: `y` its household_year row for
 * 上年度, `r` its result in the current typing run, `c` its correction (if any), `s` / `p` the
 * USCC when a suspension covers / an active penalty exists on the date, `cr` its recognition in
 * force. Every expression mirrors household-facts.ts (factsOf) line for line and is typed as the
 * catalog type: double precision, integer, text, boolean or text[]. Every value is a parameter.
 */
const FACT_SQL: {
  readonly [F in keyof HouseholdFacts]: (x: FactSqlContext) => Expression<unknown>;
} = {
  // 三(一)2 分型方式 / 异议处理: the correction in force (stamped with the household's
  // facts_changed_at), else the current run's result. The stamp is compared here rather than in
  // the join's ON clause: PostgreSQL 15 keeps a column that a removed join's ON clause read, and
  // h.facts_changed_at would then cost index-only scans of household to queries not reading type.
  type: () =>
    sql`coalesce(case when c.facts_changed_at = h.facts_changed_at then c.type end, r.type)`,
  // 三(二)2 有效期: the category of the recognition in force, else none.
  category: () => sql`coalesce(cr.category, ${NO_CATEGORY}::text)`,
  countyCode: () => sql`h.county_code`,
  industryCode: () => sql`h.industry_code`,
  // GB/T 4754: the section is the code's leading letter.
  industrySection: () => sql`nullif(left(h.industry_code, 1), '')`,
  // 三(一)1 生存型/成长型 D/发展型 D: the largest n with registered_on + n years ≤ asOf. With
  // k = Y − registration year, that is k, less one when the k-th anniversary is after asOf
  // (29 February + 1 year is 28 February, as in src/dates.ts addYears).
  registeredYears: ({ asOf, year }) => sql`(
      (${year}::int - extract(year from h.registered_on)::int)
      - (h.registered_on
          + make_interval(years => ${year}::int - extract(year from h.registered_on)::int)
          > ${asOf})::int)`,
  // 三(一)1 成长型/发展型 A–C: 上年度 figures; a year absent is unknown (null).
  taxPaidLastYear: () => sql`y.tax_paid`,
  insuredEmployeesLastYear: () => sql`y.insured_employees`,
  revenueLastYear: () => sql`y.revenue`,
  // 三(一)1 基础标准: 登记在册状态.
  status: () => sql`h.status`,
  // 三(一)1 基础标准: 上一年度已报送年度报告.
  annualReportFiledLastYear: ({ year }) => sql`(${year - 1}::smallint = any(h.annual_reports))`,
  // 三(一)1 基础标准: 当年新成立的个体工商户.
  registeredThisYear: ({ year }) => sql`(extract(year from h.registered_on)::int = ${year}::int)`,
  // 三(二)1: 退役军人、高校毕业生、残疾人、返乡创业农民工, as stored (never null).
  proprietorGroups: () => sql`h.proprietor_groups`,
  // 三(一)1 基础标准 A–C: the list flags as stored.
  abnormalListed: () => sql`h.abnormal_listed`,
  seriousViolationListed: () => sql`h.serious_violation_listed`,
  taxAbnormal: () => sql`h.tax_abnormal`,
  // 三(一)1 基础标准 D: a 歇业备案 covering the date (see suspensionCovers).
  suspended: () => sql`(s.uscc is not null)`,
  // 三(一)1 基础标准 D: 季节性经营的个体工商户除外.
  seasonal: () => sql`h.seasonal`,
  // 三(二)1 A: 前2年内罚款及以上行政处罚，尚未完成信用修复 (see penaltyIsActive).
  hasActivePenalty: () => sql`(p.uscc is not null)`,
  // 三(二)1 B: 经营者被人民法院列为失信被执行人.
  proprietorDishonestDebtor: () => sql`h.proprietor_dishonest_debtor`,
};

/**
 * Every household's facts as of `asOf` (YYYY-MM-DD): one row per household, column `uscc` and
 * one column per catalog fact named exactly as the fact, NULL exactly where factsOf gives null.
 *
 * Meant as a subquery: `db.selectFrom(factsRelation(db, asOf).as("f")).where(...)`. PostgreSQL
 * flattens it into the outer query, so only the facts the outer query reads are computed: each
 * left join below is unique on its USCC and is dropped when none of its columns is read, and
 * the outer predicates are pushed down to the tables. Every join is by USCC (Citus co-locates
 * them); the current typing run is an uncorrelated scalar subquery, evaluated once.
 */
export function factsRelation(db: Kysely<Database>, asOf: string) {
  requireAsOf(asOf);
  const year = yearOf(asOf);
  const context: FactSqlContext = { asOf: sql<string>`${asOf}::date`, year };
  const day = () => sql<string>`${asOf}::date`;

  // 三(一)1 基础标准 D: the households a 歇业备案 covers on the date (see suspensionCovers).
  const suspendedOn = db
    .selectFrom("household_suspension")
    .select("uscc")
    .distinct()
    .where("from_on", "<=", day())
    .where((eb) => eb.or([eb("to_on", "is", null), eb("to_on", ">=", day())]))
    .where(
      sql<boolean>`${day()} < (from_on + make_interval(years => ${SUSPENSION_MAXIMUM_YEARS}::int))::date`,
    );

  // 三(二)1 A: the households with a fine or above within 2 years, not repaired (see penaltyIsActive).
  const penalisedOn = db
    .selectFrom("household_penalty")
    .select("uscc")
    .distinct()
    .where("kind", "<>", PENALTY_KIND_BELOW_FINE)
    .where("decided_on", "<=", day())
    .where(
      sql<boolean>`${day()} < (decided_on + make_interval(years => ${PENALTY_WINDOW_YEARS}::int))::date`,
    )
    .where((eb) => eb.or([eb("repaired_on", "is", null), eb("repaired_on", ">", day())]));

  // 三(二)2 有效期: the recognition in force, one per household, in recognitionOn's order.
  const recognizedOn = db
    .selectFrom("category_recognition")
    .select(["uscc", "category"])
    .distinctOn("uscc")
    .where("valid_from", "<=", day())
    .where("valid_until", ">", day())
    .where((eb) => eb.or([eb("ended_on", "is", null), eb("ended_on", ">", day())]))
    .orderBy("uscc")
    .orderBy("valid_from", "desc")
    .orderBy("recognized_on", "desc")
    .orderBy("id", "desc");

  return db
    .selectFrom("household as h")
    .leftJoin("household_year as y", (join) =>
      join.onRef("y.uscc", "=", "h.uscc").on("y.year", "=", year - 1),
    )
    .leftJoin("typing_result as r", (join) =>
      join.onRef("r.uscc", "=", "h.uscc").on("r.run_id", "=", currentTypingRunId(db)),
    )
    .leftJoin("typing_correction as c", "c.uscc", "h.uscc")
    .leftJoin(suspendedOn.as("s"), "s.uscc", "h.uscc")
    .leftJoin(penalisedOn.as("p"), "p.uscc", "h.uscc")
    .leftJoin(recognizedOn.as("cr"), "cr.uscc", "h.uscc")
    .select("h.uscc")
    .select(
      FACTS.map((fact) => {
        const expression = FACT_SQL[fact.name as keyof HouseholdFacts];
        if (!expression) throw new Error(`fact ${fact.name} has no SQL expression`);
        return sql`${expression(context)}`.as(fact.name);
      }),
    )
    .$castTo<FactsRow>();
}

/** The SQL type each fact type is computed as (what `pg_typeof` reports). */
export const SQL_TYPE_OF_FACT_TYPE = {
  number: "double precision",
  integer: "integer",
  string: "text",
  enum: "text",
  boolean: "boolean",
  stringList: "text[]",
} as const;
