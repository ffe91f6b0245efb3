import { createHash, randomBytes } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import { actorOf, type Principal } from "../auth/principal.ts";
import { isCalendarDate, todayInChina, yearOf } from "../dates.ts";
import type { CategorySpotCheckItemTable, CategorySpotCheckTable, Database } from "../db/types.ts";
import { BadInputError, ConflictError, ForbiddenError, NotFoundError } from "../errors.ts";
import {
  isUniqueViolation,
  requireId,
  requireOperatorFor,
  requireText,
} from "./category-access.ts";
import { writeCategoryAudit } from "./category-audit.ts";

/**
 * 三(二)2 推荐和认定方式: 省市场监管局将根据各地个体工商户申报情况，按照3%的比例进行抽查，通过随机
 * 走访、实地查看，对“名特优新”认定工作严格把关. One draw per year over the year's recognitions,
 * reproducible by anyone from the recorded seed (drawSample is pure).
 */

export const SPOT_CHECK_PERCENT = 3;

export type CategorySpotCheckRow = Selectable<CategorySpotCheckTable>;
export type CategorySpotCheckItemRow = Selectable<CategorySpotCheckItemTable> & {
  county_code: string;
};

export interface SampleMember {
  id: string;
  uscc: string;
}

/** 按照3%的比例: rounded up, so that any recognition at all means at least one is checked. */
export function sampleSize(population: number, percent = SPOT_CHECK_PERCENT): number {
  return Math.ceil((population * percent) / 100);
}

/**
 * The sample: each member ranked by SHA-256 of seed, USCC and id (ties, impossible in practice,
 * by id), the first sampleSize taken. The same seed over the same population gives the same
 * sample whatever order the population comes in.
 */
export function drawSample<T extends SampleMember>(
  population: readonly T[],
  seed: string,
  percent = SPOT_CHECK_PERCENT,
): T[] {
  const keyed = population.map((m) => ({
    m,
    key: createHash("sha256").update(`${seed}\n${m.uscc}\n${m.id}`).digest("hex"),
  }));
  keyed.sort((a, b) =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : a.m.id < b.m.id ? -1 : a.m.id > b.m.id ? 1 : 0,
  );
  return keyed.slice(0, sampleSize(population.length, percent)).map((k) => k.m);
}

/** The year's recognitions: those made (recognized_on) in that calendar year, whatever since. */
export async function spotCheckPopulation(
  db: Kysely<Database>,
  year: number,
): Promise<SampleMember[]> {
  return db
    .selectFrom("category_recognition")
    .select(["id", "uscc"])
    .where("recognized_on", ">=", `${year}-01-01`)
    .where("recognized_on", "<=", `${year}-12-31`)
    .orderBy("uscc")
    .orderBy("id")
    .execute();
}

export async function getSpotCheck(
  db: Kysely<Database>,
  year: number,
): Promise<CategorySpotCheckRow | undefined> {
  return db
    .selectFrom("category_spot_check")
    .selectAll()
    .where("year", "=", year)
    .executeTakeFirst();
}

export async function spotCheckItems(
  db: Kysely<Database>,
  spotCheckId: string,
  countyCode: string | null,
): Promise<CategorySpotCheckItemRow[]> {
  let query = db
    .selectFrom("category_spot_check_item as i")
    .innerJoin("household as h", "h.uscc", "i.uscc")
    .selectAll("i")
    .select("h.county_code")
    .where("i.spot_check_id", "=", spotCheckId);
  if (countyCode) query = query.where("h.county_code", "=", countyCode);
  return query.orderBy("i.rank").execute();
}

/**
 * A city-wide operator draws the year's sample (once: a second draw could be used to pick a
 * friendlier sample). Without a year, the current one in China: the draw follows the year's
 * recognitions (三(二)2 11月底前完成分类). Without a seed, 128 random bits are used; either way the
 * seed is recorded.
 */
export async function drawCategorySpotCheck(
  db: Kysely<Database>,
  principal: Principal,
  input: { year?: number | null | undefined; seed?: string | null | undefined },
  now: Date,
): Promise<CategorySpotCheckRow> {
  if (principal.role !== "OPERATOR" || principal.countyCode !== null) {
    throw new ForbiddenError("only a city-wide operator draws the spot check");
  }
  const today = todayInChina(now);
  const year = input.year ?? yearOf(today);
  if (!Number.isInteger(year) || year < 2000 || year > yearOf(today)) {
    throw new BadInputError(`year must be a past or the current year, got ${year}`, "year");
  }
  const seed =
    input.seed == null
      ? randomBytes(16).toString("hex")
      : requireText(input.seed, "seed", "the seed", 200);
  try {
    return await db.transaction().execute(async (trx) => {
      const population = await spotCheckPopulation(trx, year);
      const sample = drawSample(population, seed);
      const check = await trx
        .insertInto("category_spot_check")
        .values({
          year,
          seed,
          population: population.length,
          sample_size: sample.length,
          drawn_at: now,
          drawn_by: actorOf(principal),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      if (sample.length > 0) {
        await trx
          .insertInto("category_spot_check_item")
          .values(
            sample.map((m, i) => ({
              spot_check_id: check.id,
              recognition_id: m.id,
              uscc: m.uscc,
              rank: i + 1,
              confirmed: null,
              note: null,
              verified_on: null,
              verified_at: null,
              verified_by: null,
            })),
          )
          .execute();
      }
      await writeCategoryAudit(trx, {
        actor: actorOf(principal),
        action: "category.spotcheck.draw",
        entity: "category_spot_check",
        entityId: check.id,
        before: null,
        after: {
          year,
          seed,
          population: population.length,
          sample: sample.map((m) => m.uscc),
        },
        reason: null,
      });
      return check;
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new ConflictError(`the spot check for ${year} has already been drawn`);
    }
    throw error;
  }
}

/**
 * The field verification's result for one sampled recognition, by an operator of its county or the
 * city. Not confirmed: listed for cancellation on SPOT_CHECK_FAILED. Without a year, the sample the
 * recognition can be in: that of the year it was made (the population of a year's draw), so a
 * verification recorded in the next year needs no year either. Without `verifiedOn`, today in
 * China (on the same clock reading as the record), for a result recorded as it is found.
 */
export async function recordSpotCheckResult(
  db: Kysely<Database>,
  principal: Principal,
  input: {
    year?: number | null | undefined;
    recognitionId: string;
    confirmed: boolean;
    verifiedOn?: string | null | undefined;
    note: string;
  },
  now: Date,
): Promise<CategorySpotCheckItemRow> {
  requireId(input.recognitionId, "recognitionId");
  const today = todayInChina(now);
  const verifiedOn = input.verifiedOn ?? today;
  if (!isCalendarDate(verifiedOn) || verifiedOn > today) {
    throw new BadInputError(
      `verifiedOn must be a date on or before ${today}, got "${verifiedOn}"`,
      "verifiedOn",
    );
  }
  const note = requireText(input.note, "note", "what the field verification found");
  return db.transaction().execute(async (trx) => {
    const year = input.year ?? (await yearRecognised(trx, input.recognitionId));
    const check = await getSpotCheck(trx, year);
    if (!check) throw new NotFoundError(`no spot check drawn for ${year}`);
    const item = await trx
      .selectFrom("category_spot_check_item as i")
      .innerJoin("household as h", "h.uscc", "i.uscc")
      .selectAll("i")
      .select("h.county_code")
      .where("i.spot_check_id", "=", check.id)
      .where("i.recognition_id", "=", input.recognitionId)
      .forUpdate("i")
      .executeTakeFirst();
    if (!item) {
      throw new NotFoundError(`recognition ${input.recognitionId} is not in the ${year} sample`);
    }
    requireOperatorFor(principal, item.county_code);
    await trx
      .updateTable("category_spot_check_item")
      .set({
        confirmed: input.confirmed,
        note,
        verified_on: verifiedOn,
        verified_at: now,
        verified_by: actorOf(principal),
      })
      .where("spot_check_id", "=", check.id)
      .where("recognition_id", "=", input.recognitionId)
      .execute();
    await writeCategoryAudit(trx, {
      actor: actorOf(principal),
      action: "category.spotcheck.result",
      entity: "category_spot_check",
      entityId: check.id,
      before: { recognitionId: item.recognition_id, confirmed: item.confirmed },
      after: {
        recognitionId: item.recognition_id,
        confirmed: input.confirmed,
        verifiedOn,
      },
      reason: note,
    });
    return {
      ...item,
      confirmed: input.confirmed,
      note,
      verified_on: verifiedOn,
      verified_at: now,
      verified_by: actorOf(principal),
    };
  });
}

/** The year a recognition was made in, whose spot check alone can sample it. */
async function yearRecognised(db: Kysely<Database>, recognitionId: string): Promise<number> {
  const recognition = await db
    .selectFrom("category_recognition")
    .select("recognized_on")
    .where("id", "=", recognitionId)
    .executeTakeFirst();
  if (!recognition) throw new NotFoundError(`no recognition ${recognitionId}`);
  return yearOf(recognition.recognized_on);
}
