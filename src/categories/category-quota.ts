import { type Kysely, type Selectable, sql } from "kysely";
import type { Principal } from "../auth/principal.ts";
import { actorOf } from "../auth/principal.ts";
import { todayInChina } from "../dates.ts";
import type { CategoryQuotaTable, Database } from "../db/types.ts";
import { BadInputError } from "../errors.ts";
import { requireCountyCode } from "../households/areas.ts";
import type { TypingCounts, TypingRunRow } from "../typing/run-typing.ts";
import { latestYearlyRun } from "../typing/typing-queries.ts";
import { writeCategoryAudit } from "./category-audit.ts";
import { validityOf } from "./category-validity.ts";

/**
 * 三(二)1 数量比例: 数量应当控制在“成长型”和“发展型”个体工商户总数的5%以内（以每年个体工商户集中
 * 分型判定数量为基准）。市级市场监管部门根据实际情况，统筹确定各区县（市）…的数量比例.
 */
export const DEFAULT_SHARE_BASIS_POINTS = 500;
const BASIS_POINTS_PER_UNIT = 10_000;

export type CategoryQuotaRow = Selectable<CategoryQuotaTable>;

/** A cap on recognitions, and how much of it the recognitions standing now use. */
export interface QuotaCounts {
  /**
   * The finished YEARLY typing run (集中分型判定) of the latest as-of date (latestYearlyRun), or
   * null before the first one.
   */
  yearlyRun: { id: string; asOf: string } | null;
  /** 成长型 plus 发展型 households typed in that run (in the county, or in every county). */
  base: number;
  /** 5%以内: the share of the base, rounded down. */
  limit: number;
  /**
   * Recognitions (of the county, or of every county) that stand on the date and are valid when a
   * new one would start.
   */
  used: number;
  left: number;
}

/**
 * A county's quota: its base counted by typing_result.county_code, its recognitions by
 * category_recognition.county_code.
 */
export interface CountyQuota extends QuotaCounts {
  countyCode: string;
  /** The county's share in 1/100 of a percent (500 = 5%). */
  shareBasisPoints: number;
  /** Whether the city set the share (otherwise the seed's 5%). */
  shareSetByCity: boolean;
}

/** "控制在…以内": never above the share, so rounded down (60 households at 5% → 3; 19 → 0). */
export function quotaLimit(base: number, shareBasisPoints: number): number {
  return Math.floor((base * shareBasisPoints) / BASIS_POINTS_PER_UNIT);
}

/** The counts of a share of `base` in the yearly run `run`, `used` places of it taken. */
function quotaCounts(
  run: Pick<TypingRunRow, "id" | "as_of"> | undefined,
  base: number,
  shareBasisPoints: number,
  used: number,
): QuotaCounts {
  const limit = quotaLimit(base, shareBasisPoints);
  return {
    yearlyRun: run ? { id: run.id, asOf: run.as_of } : null,
    base,
    limit,
    used,
    left: Math.max(0, limit - used),
  };
}

/**
 * The county's quota as of `date`. `used` counts what a new recognition made on `date` would sit
 * beside: recognitions that stand (made, not ended, not expired) and are still valid on the new
 * one's first day (next 1 January) — the same overlap test as blocksNewRecognition. So places come
 * back when a recognition is cancelled, revoked or runs out, and an extension keeps its place.
 */
export async function countyQuota(
  db: Kysely<Database>,
  countyCode: string,
  date: string,
): Promise<CountyQuota> {
  const [run, row, used] = await Promise.all([
    latestYearlyRun(db),
    db
      .selectFrom("category_quota")
      .select(["share_basis_points", "base_run_id", "base_count"])
      .where("county_code", "=", countyCode)
      .executeTakeFirst(),
    recognitionsInPlace(db, date, countyCode),
  ]);
  let base = 0;
  if (run) {
    base =
      row?.base_run_id === run.id && row.base_count !== null
        ? row.base_count
        : await cacheQuotaBase(db, countyCode, run.id);
  }
  const shareBasisPoints = row?.share_basis_points ?? DEFAULT_SHARE_BASIS_POINTS;
  return {
    countyCode,
    shareBasisPoints,
    shareSetByCity: row?.share_basis_points != null,
    ...quotaCounts(run, base, shareBasisPoints, used),
  };
}

/**
 * The places recognitions take as of `date` (in a county, by the county stored at recognition,
 * indexed; null: the whole city): those that stand on the date (made, not ended, not expired) and
 * are still valid on the first day of a recognition made that day — the same overlap test as
 * blocksNewRecognition.
 */
async function recognitionsInPlace(
  db: Kysely<Database>,
  date: string,
  countyCode: string | null,
): Promise<number> {
  let query = db
    .selectFrom("category_recognition as r")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("r.recognized_on", "<=", date)
    .where("r.valid_until", ">", validityOf(date).validFrom)
    .where((eb) => eb.or([eb("r.ended_on", "is", null), eb("r.ended_on", ">", date)]));
  if (countyCode !== null) query = query.where("r.county_code", "=", countyCode);
  return Number((await query.executeTakeFirstOrThrow()).n);
}

/**
 * The city-wide cap (三(二)1 数量应当控制在“成长型”和“发展型”个体工商户总数的5%以内): the city may
 * give counties different shares (统筹确定各区县（市）…的数量比例), but all the recognitions of the
 * city together stay within 5% of its 成长型 and 发展型 households in the yearly run, whatever the
 * counties' shares.
 */
export type CityQuota = QuotaCounts;

const QUOTA_TYPES = ["GROWTH", "DEVELOPMENT"];

/** The city-wide cap as of `date`, counted like countyQuota over every county. */
export async function cityQuota(db: Kysely<Database>, date: string): Promise<CityQuota> {
  const [run, used] = await Promise.all([latestYearlyRun(db), recognitionsInPlace(db, date, null)]);
  let base = 0;
  if (run) {
    // A finished run keeps its counts by type (run-typing.ts); count its results otherwise.
    const byType = (run.counts as TypingCounts | null)?.byType;
    base = byType
      ? QUOTA_TYPES.reduce((sum, type) => sum + (byType[type] ?? 0), 0)
      : Number(
          (
            await db
              .selectFrom("typing_result as t")
              .select(sql<number>`count(*)::int`.as("n"))
              .where("t.run_id", "=", run.id)
              .where("t.type", "in", QUOTA_TYPES)
              .executeTakeFirstOrThrow()
          ).n,
        );
  }
  return quotaCounts(run, base, DEFAULT_SHARE_BASIS_POINTS, used);
}

/**
 * Serialises approvals across the city, for the city-wide cap: an advisory lock held until the
 * transaction ends. Approvals take it after their county's quota row (lockCountyQuota), always in
 * that order.
 */
export async function lockCityQuota(trx: Kysely<Database>): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('category_quota:city'))`.execute(trx);
}

/**
 * Counts the county's 成长型 and 发展型 households in the run and keeps the count on the county's
 * quota row: a finished run never changes, so each county is counted once per yearly run.
 * 以每年个体工商户集中分型判定数量为基准: a household counts for the county it was typed in
 * (typing_result.county_code), not the one it has moved to since, so the base stays what the run
 * counted (TypingRun.counts) and the counties' bases add up to the run's total. Results written
 * before runs recorded the county (county_code null) count by the household's county, as before.
 */
async function cacheQuotaBase(
  db: Kysely<Database>,
  countyCode: string,
  runId: string,
): Promise<number> {
  // One pass over the run's results, no household row read.
  const counted = await db
    .selectFrom("typing_result as t")
    .select([
      sql<number>`count(*) FILTER (WHERE t.county_code = ${countyCode})::int`.as("n"),
      sql<number>`count(*) FILTER (WHERE t.county_code IS NULL)::int`.as("unplaced"),
    ])
    .where("t.run_id", "=", runId)
    .where("t.type", "in", QUOTA_TYPES)
    .executeTakeFirstOrThrow();
  let base = Number(counted.n);
  if (Number(counted.unplaced) > 0) {
    const legacy = await db
      .selectFrom("typing_result as t")
      .innerJoin("household as h", "h.uscc", "t.uscc")
      .select(sql<number>`count(*)::int`.as("n"))
      .where("t.run_id", "=", runId)
      .where("t.county_code", "is", null)
      .where("h.county_code", "=", countyCode)
      .where("t.type", "in", QUOTA_TYPES)
      .executeTakeFirstOrThrow();
    base += Number(legacy.n);
  }
  await db
    .insertInto("category_quota")
    .values({
      county_code: countyCode,
      share_basis_points: null,
      base_run_id: runId,
      base_count: base,
    })
    .onConflict((oc) =>
      oc.column("county_code").doUpdateSet({ base_run_id: runId, base_count: base }),
    )
    .execute();
  return base;
}

/**
 * Serialises the county's approvals: takes a row lock on its category_quota row (created on first
 * use) until the transaction ends. Whoever holds it counts and inserts; the next one waits, then
 * counts again (READ COMMITTED: each statement sees what committed before it).
 */
export async function lockCountyQuota(
  trx: Kysely<Database>,
  countyCode: string,
): Promise<CategoryQuotaRow> {
  await trx
    .insertInto("category_quota")
    .values({
      county_code: countyCode,
      share_basis_points: null,
      base_run_id: null,
      base_count: null,
    })
    .onConflict((oc) => oc.column("county_code").doNothing())
    .execute();
  return trx
    .selectFrom("category_quota")
    .selectAll()
    .where("county_code", "=", countyCode)
    .forUpdate()
    .executeTakeFirstOrThrow();
}

/** Percent (two decimals at most, 0–100) to basis points; null keeps null (the default 5%). */
export function shareBasisPointsOf(percent: number | null): number | null {
  if (percent === null) return null;
  const bp = Math.round(percent * 100);
  if (
    !Number.isFinite(percent) ||
    percent < 0 ||
    percent > 100 ||
    Math.abs(bp - percent * 100) > 1e-6
  ) {
    throw new BadInputError(
      `sharePercent must be between 0 and 100 with at most two decimals, got ${percent}`,
      "sharePercent",
    );
  }
  return bp;
}

/**
 * 三(二)1 市级市场监管部门…统筹确定各区县（市）…的数量比例: a city-wide operator sets (or, with
 * null, clears back to 5%) the county's share. Audited with the share before and after.
 */
export async function setCategoryQuotaShare(
  db: Kysely<Database>,
  principal: Principal,
  input: { countyCode: string; sharePercent: number | null; reason: string },
  now: Date,
): Promise<CountyQuota> {
  requireCountyCode(input.countyCode);
  const basisPoints = shareBasisPointsOf(input.sharePercent);
  const reason = input.reason.trim();
  if (!reason) throw new BadInputError("reason must say why the share is set", "reason");
  return db.transaction().execute(async (trx) => {
    const row = await lockCountyQuota(trx, input.countyCode);
    await trx
      .updateTable("category_quota")
      .set({ share_basis_points: basisPoints, set_at: now, set_by: actorOf(principal), reason })
      .where("county_code", "=", input.countyCode)
      .execute();
    await writeCategoryAudit(trx, {
      actor: actorOf(principal),
      action: "category.quota.share",
      entity: "category_quota",
      entityId: input.countyCode,
      before: { shareBasisPoints: row.share_basis_points ?? DEFAULT_SHARE_BASIS_POINTS },
      after: { shareBasisPoints: basisPoints ?? DEFAULT_SHARE_BASIS_POINTS },
      reason,
    });
    return countyQuota(trx, input.countyCode, todayInChina(now));
  });
}
