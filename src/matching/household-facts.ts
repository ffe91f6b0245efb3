import { type Kysely, type Selectable, sql } from "kysely";
import { compareText } from "../canonical-json.ts";
import { addYears, isCalendarDate, wholeYearsBetween, yearOf } from "../dates.ts";
import type {
  CategoryRecognitionTable,
  Database,
  HouseholdPenaltyTable,
  HouseholdRow,
  HouseholdSuspensionTable,
  HouseholdYearTable,
} from "../db/types.ts";
import { BadInputError } from "../errors.ts";
import type { Facts } from "./rule-types.ts";

/**
 * The facts of one household as of a date, in TypeScript. facts-relation.ts computes the very
 * same values in SQL for every household at once; test/matching/facts-agreement.test.ts holds the
 * two to each other on random households and dates.
 */

/** 三(二)1 A: 罚款及以上. The contract's only penalty kind below a fine (警告, 通报批评). */
export const PENALTY_KIND_BELOW_FINE = "WARNING";
/** 三(二)1 A: 申报或推荐之日前2年内 — the look-back window of a penalty, in years. */
export const PENALTY_WINDOW_YEARS = 2;
/** 三(一)1 基础标准 D: 法定最长歇业期 — the legal maximum of a 歇业备案, in years from its start. */
export const SUSPENSION_MAXIMUM_YEARS = 3;
/** The category of a household with no recognition in force. */
export const NO_CATEGORY = "NONE";

export type HouseholdYearRow = Selectable<HouseholdYearTable>;
export type HouseholdSuspensionRow = Selectable<HouseholdSuspensionTable>;
export type HouseholdPenaltyRow = Selectable<HouseholdPenaltyTable>;
export type CategoryRecognitionRow = Selectable<CategoryRecognitionTable>;

/** The type in force for a household: the current run's (currentTypingRunId), unless a correction stands. */
export interface CurrentTyping {
  /** The type in force. */
  type: string;
  /** The household's result in the current typing run, or null when that run has none. */
  run: { runId: string; type: string; codes: readonly string[] } | null;
  /**
   * The accepted objection's corrected type, present only while the household's facts are
   * unchanged since the correction (typing_correction.facts_changed_at = household's).
   */
  correction: { objectionId: string; type: string } | null;
}

/** Everything the facts of one household are computed from, whatever the as-of date. */
export interface HouseholdSnapshot {
  household: HouseholdRow;
  /** By year. */
  years: readonly HouseholdYearRow[];
  /** By seq. */
  suspensions: readonly HouseholdSuspensionRow[];
  /** By seq. */
  penalties: readonly HouseholdPenaltyRow[];
  /** Null when the household has neither a result in the current run nor a correction. */
  typing: CurrentTyping | null;
  /** By valid_from. */
  recognitions: readonly CategoryRecognitionRow[];
}

/**
 * The household facts by name, exactly the catalog's (fact-catalog.ts FACTS). A type alias rather
 * than an interface so that it is assignable to `Facts`.
 */
export type HouseholdFacts = {
  readonly type: string | null;
  readonly category: string;
  readonly countyCode: string;
  readonly industryCode: string | null;
  readonly industrySection: string | null;
  readonly registeredYears: number;
  readonly taxPaidLastYear: number | null;
  readonly insuredEmployeesLastYear: number | null;
  readonly revenueLastYear: number | null;
  readonly status: string;
  readonly annualReportFiledLastYear: boolean;
  readonly registeredThisYear: boolean;
  readonly proprietorGroups: readonly string[];
  readonly abnormalListed: boolean;
  readonly seriousViolationListed: boolean;
  readonly taxAbnormal: boolean;
  readonly suspended: boolean;
  readonly seasonal: boolean;
  readonly hasActivePenalty: boolean;
  readonly proprietorDishonestDebtor: boolean;
};

/** Throws BadInputError unless `asOf` is a real `YYYY-MM-DD` date. */
export function requireAsOf(asOf: string): void {
  if (!isCalendarDate(asOf)) {
    throw new BadInputError(`asOf must be a calendar date YYYY-MM-DD, got "${asOf}"`, "asOf");
  }
}

/**
 * 三(一)1 基础标准 D: a 歇业备案 filing keeps the household out of typing while it covers the
 * date: started (from ≤ asOf), not ended by its filed end (to null or asOf ≤ to, the end day
 * included), and still within the legal maximum of 3 years from its start (asOf < from + 3 years).
 */
export function suspensionCovers(suspension: HouseholdSuspensionRow, asOf: string): boolean {
  return (
    suspension.from_on <= asOf &&
    (suspension.to_on === null || asOf <= suspension.to_on) &&
    asOf < addYears(suspension.from_on, SUSPENSION_MAXIMUM_YEARS)
  );
}

/**
 * 三(二)1 A: 申报或推荐之日前2年内，有…罚款及以上行政处罚信息，尚未完成信用修复. A penalty of
 * kind FINE or above (anything but WARNING), decided within the 2 years before asOf
 * (decided ≤ asOf < decided + 2 years) and not repaired by asOf (repaired null or after asOf).
 */
export function penaltyIsActive(penalty: HouseholdPenaltyRow, asOf: string): boolean {
  return (
    penalty.kind !== PENALTY_KIND_BELOW_FINE &&
    penalty.decided_on <= asOf &&
    asOf < addYears(penalty.decided_on, PENALTY_WINDOW_YEARS) &&
    (penalty.repaired_on === null || penalty.repaired_on > asOf)
  );
}

/**
 * 三(二)2 时间安排 / 有效期: a recognition gives its category from valid_from (1 January after
 * recognition) until valid_until (exclusive), unless cancelled or revoked earlier on ended_on.
 */
export function recognitionInForce(recognition: CategoryRecognitionRow, asOf: string): boolean {
  return (
    recognition.valid_from <= asOf &&
    asOf < recognition.valid_until &&
    (recognition.ended_on === null || asOf < recognition.ended_on)
  );
}

/**
 * The recognition whose category a household has on `asOf`, or undefined. 三(二)1 同一个体工商户
 * 只能认定为一个类型, so at most one should be in force; should two overlap, the later valid_from
 * wins, then the later recognized_on, then the greater id (the same order as facts-relation.ts).
 */
export function recognitionOn(
  recognitions: readonly CategoryRecognitionRow[],
  asOf: string,
): CategoryRecognitionRow | undefined {
  let best: CategoryRecognitionRow | undefined;
  for (const r of recognitions) {
    if (!recognitionInForce(r, asOf)) continue;
    if (best === undefined || compareRecognitions(r, best) > 0) best = r;
  }
  return best;
}

function compareRecognitions(a: CategoryRecognitionRow, b: CategoryRecognitionRow): number {
  return (
    compareText(a.valid_from, b.valid_from) ||
    compareText(a.recognized_on, b.recognized_on) ||
    compareText(a.id, b.id)
  );
}

/**
 * 三(一)2 异议处理: 符合标准的，及时调整分型结果. The corrected type replaces the run's while
 * it stands; a correction with no run result still gives the type (the objection was accepted).
 */
export function currentTyping(
  run: CurrentTyping["run"],
  correction: CurrentTyping["correction"],
): CurrentTyping | null {
  const type = correction?.type ?? run?.type;
  return type === undefined ? null : { type, run, correction };
}

/** The facts of the household as of `asOf` (YYYY-MM-DD). Pure: no database. */
export function factsOf(snapshot: HouseholdSnapshot, asOf: string): HouseholdFacts {
  requireAsOf(asOf);
  const h = snapshot.household;
  // 三(一)1: 上年度 is the calendar year before the as-of date's year.
  const lastYear = yearOf(asOf) - 1;
  // contract "yearly": a year that is absent is unknown, not zero.
  const figures = snapshot.years.find((y) => y.year === lastYear);
  return {
    // 三(一)2 分型方式 / 异议处理: the current run's result, or the correction in force.
    type: snapshot.typing?.type ?? null,
    // 三(二)1: 认定有效期3年 — the category of the recognition in force, else none.
    category: recognitionOn(snapshot.recognitions, asOf)?.category ?? NO_CATEGORY,
    countyCode: h.county_code,
    industryCode: h.industry_code,
    // GB/T 4754: the section is the code's leading letter.
    industrySection: h.industry_code ? h.industry_code.slice(0, 1) : null,
    // 三(一)1 生存型 注册时间小于2年 / 成长型 D 6年(含)以上: whole years, PostgreSQL
    // `registered_on + interval 'n years' <= asOf`; negative before the registration date.
    registeredYears: wholeYearsBetween(h.registered_on, asOf),
    // 三(一)1 成长型/发展型 A: 上年度实际缴纳税款.
    taxPaidLastYear: figures?.tax_paid ?? null,
    // 三(一)1 成长型/发展型 B: 上年度(以单位形式)为…名员工(含经营者本人)缴纳过社保.
    insuredEmployeesLastYear: figures?.insured_employees ?? null,
    // 三(一)1 成长型/发展型 C: 上年度销售额或营业收入.
    revenueLastYear: figures?.revenue ?? null,
    // 三(一)1 基础标准: 登记在册状态(不含吊销、注销、撤销状态).
    status: h.status,
    // 三(一)1 基础标准: 上一年度已报送年度报告.
    annualReportFiledLastYear: h.annual_reports.includes(lastYear),
    // 三(一)1 基础标准: 当年新成立的个体工商户，自动判定符合分型条件.
    registeredThisYear: yearOf(h.registered_on) === yearOf(asOf),
    // 三(二)1: 对退役军人、高校毕业生、残疾人、返乡创业农民工…可以适当放宽分类来源.
    proprietorGroups: h.proprietor_groups,
    // 三(一)1 基础标准 A: 经营异常状态，尚未恢复.
    abnormalListed: h.abnormal_listed,
    // 三(一)1 基础标准 B: 严重违法失信名单，未实施信用修复.
    seriousViolationListed: h.serious_violation_listed,
    // 三(一)1 基础标准 C: 税务部门列为"非正常户"尚未解除.
    taxAbnormal: h.tax_abnormal,
    // 三(一)1 基础标准 D: 已办理歇业备案，尚在法定最长歇业期内.
    suspended: snapshot.suspensions.some((s) => suspensionCovers(s, asOf)),
    // 三(一)1 基础标准 D: (季节性经营的个体工商户除外).
    seasonal: h.seasonal,
    // 三(二)1 A: 前2年内罚款及以上行政处罚，尚未完成信用修复.
    hasActivePenalty: snapshot.penalties.some((p) => penaltyIsActive(p, asOf)),
    // 三(二)1 B: 经营者被人民法院列为失信被执行人.
    proprietorDishonestDebtor: h.proprietor_dishonest_debtor,
  } satisfies Facts;
}

/**
 * The id of the current typing run (三(一)2 分型方式: the results the 名录 shows until the next
 * 分型判定): the finished run (a run without finished_at never happened) of the latest as-of date,
 * of two with the same date the one finished last, then by id. By date, not by finish time: an
 * older date typed again later (a correction of last year's run, a look back) does not replace
 * the types of a newer date; the same date typed again does. Every reader of the type in force
 * (loadSnapshots, factsRelation, the public lookup) takes it from here. An uncorrelated scalar
 * subquery, so PostgreSQL evaluates it once per query; typing_run has a few rows a year, so the
 * scan and top-1 sort it takes are as cheap as an index probe.
 */
export function currentTypingRunId(db: Kysely<Database>) {
  return db
    .selectFrom("typing_run")
    .select("id")
    .where("finished_at", "is not", null)
    .orderBy(runsInForceFirst("typing_run"))
    .limit(1);
}

/**
 * The order of finished typing runs, the one whose types are in force first (currentTypingRunId):
 * latest as-of date, then the one finished last, then id. `table` is the name the query gives
 * typing_run. Every reader that picks or ranks runs (the quota's yearly run, a household's
 * history) orders by it, so that none can disagree with the type in force.
 */
export function runsInForceFirst(table: string) {
  const column = (name: string) => sql.ref(`${table}.${name}`);
  return sql`${column("as_of")} DESC, ${column("finished_at")} DESC, ${column("id")} DESC`;
}

/**
 * The snapshots of the given households (unknown USCCs are absent from the map): one query per
 * table whatever the number of households, read in one repeatable-read transaction (or in the
 * caller's) so that a concurrent import or typing run is seen whole or not at all.
 */
export async function loadSnapshots(
  db: Kysely<Database>,
  usccs: readonly string[],
): Promise<Map<string, HouseholdSnapshot>> {
  const wanted = [...new Set(usccs)];
  if (wanted.length === 0) return new Map();
  if (db.isTransaction) return readSnapshots(db, wanted);
  return db
    .transaction()
    .setIsolationLevel("repeatable read")
    .setAccessMode("read only")
    .execute((trx) => readSnapshots(trx, wanted));
}

async function readSnapshots(
  db: Kysely<Database>,
  usccs: string[],
): Promise<Map<string, HouseholdSnapshot>> {
  // One array parameter rather than one parameter per USCC: no limit on the batch size.
  const among = sql<boolean>`uscc = any(${usccs}::text[])`;
  const [households, years, suspensions, penalties, results, corrections, recognitions] =
    await Promise.all([
      db.selectFrom("household").selectAll().where(among).execute(),
      db.selectFrom("household_year").selectAll().where(among).orderBy("year").execute(),
      db.selectFrom("household_suspension").selectAll().where(among).orderBy("seq").execute(),
      db.selectFrom("household_penalty").selectAll().where(among).orderBy("seq").execute(),
      db
        .selectFrom("typing_result")
        .select(["uscc", "run_id", "type", "codes"])
        .where("run_id", "=", currentTypingRunId(db))
        .where(among)
        .execute(),
      // The timestamps are compared in SQL: a JS Date would drop their microseconds.
      db
        .selectFrom("typing_correction as c")
        .innerJoin("household as h", (join) =>
          join
            .onRef("h.uscc", "=", "c.uscc")
            .onRef("h.facts_changed_at", "=", "c.facts_changed_at"),
        )
        .select(["c.uscc", "c.type", "c.objection_id"])
        .where(sql<boolean>`c.uscc = any(${usccs}::text[])`)
        .execute(),
      db
        .selectFrom("category_recognition")
        .selectAll()
        .where(among)
        .orderBy("valid_from")
        .orderBy("id")
        .execute(),
    ]);

  const snapshots = new Map<string, HouseholdSnapshot>();
  const draft = new Map<
    string,
    {
      household: HouseholdRow;
      years: HouseholdYearRow[];
      suspensions: HouseholdSuspensionRow[];
      penalties: HouseholdPenaltyRow[];
      run: CurrentTyping["run"];
      correction: CurrentTyping["correction"];
      recognitions: CategoryRecognitionRow[];
    }
  >();
  for (const household of households) {
    draft.set(household.uscc, {
      household,
      years: [],
      suspensions: [],
      penalties: [],
      run: null,
      correction: null,
      recognitions: [],
    });
  }
  for (const y of years) draft.get(y.uscc)?.years.push(y);
  for (const s of suspensions) draft.get(s.uscc)?.suspensions.push(s);
  for (const p of penalties) draft.get(p.uscc)?.penalties.push(p);
  for (const r of recognitions) draft.get(r.uscc)?.recognitions.push(r);
  for (const r of results) {
    const d = draft.get(r.uscc);
    if (d) d.run = { runId: r.run_id, type: r.type, codes: r.codes };
  }
  for (const c of corrections) {
    const d = draft.get(c.uscc);
    if (d) d.correction = { objectionId: c.objection_id, type: c.type };
  }
  for (const [uscc, d] of draft) {
    snapshots.set(uscc, {
      household: d.household,
      years: d.years,
      suspensions: d.suspensions,
      penalties: d.penalties,
      typing: currentTyping(d.run, d.correction),
      recognitions: d.recognitions,
    });
  }
  return snapshots;
}

/** The facts of the given households as of `asOf`; unknown USCCs are absent from the map. */
export async function loadFacts(
  db: Kysely<Database>,
  usccs: readonly string[],
  asOf: string,
): Promise<Map<string, HouseholdFacts>> {
  requireAsOf(asOf);
  const snapshots = await loadSnapshots(db, usccs);
  const facts = new Map<string, HouseholdFacts>();
  for (const [uscc, snapshot] of snapshots) facts.set(uscc, factsOf(snapshot, asOf));
  return facts;
}
