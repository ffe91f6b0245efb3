import { type Kysely, type Selectable, sql, type Updateable } from "kysely";
import { actorOf, type Principal } from "../auth/principal.ts";
import { addYears, todayInChina } from "../dates.ts";
import type { CategoryExtensionTable, Database } from "../db/types.ts";
import { BadInputError, ConflictError, NotFoundError } from "../errors.ts";
import { loadSnapshots } from "../matching/household-facts.ts";
import { requireId, requireOperatorFor, requireText } from "./category-access.ts";
import { writeCategoryAudit } from "./category-audit.ts";
import {
  EXTENSION_CONDITION_LABELS,
  EXTENSION_CONDITIONS,
  type ExtensionCondition,
  isCategoryKind,
} from "./category-conditions.ts";
import { lockCountyQuota } from "./category-quota.ts";
import {
  CANCEL_GROUND_LABELS,
  CANCEL_GROUNDS,
  type CancelGround,
  extensionConditionHolds,
  type UpkeepFacts,
  type UpkeepStatus,
  upkeepOf,
} from "./category-upkeep.ts";
import { EXTENSION_YEARS, inLastYear, recognitionStands } from "./category-validity.ts";

/**
 * Recognitions after approval (三(二)2 有效期和评估确认): the upkeep list, cancellation (取消认定),
 * revocation for fraud (撤销认定), extension by 3 years, and the public notice (公示).
 */

export type CategoryRecognitionRow = Selectable<Database["category_recognition"]>;
export type RecognitionWithHousehold = CategoryRecognitionRow & {
  county_code: string;
  household_name: string;
};
export type CategoryExtensionRow = Selectable<CategoryExtensionTable>;

function recognitionQuery(db: Kysely<Database>) {
  return db
    .selectFrom("category_recognition as r")
    .innerJoin("household as h", "h.uscc", "r.uscc")
    .selectAll("r")
    .select(["h.county_code", "h.name as household_name"]);
}

export async function getCategoryRecognition(
  db: Kysely<Database>,
  id: string,
): Promise<RecognitionWithHousehold | undefined> {
  requireId(id, "recognitionId");
  return recognitionQuery(db).where("r.id", "=", id).executeTakeFirst();
}

/** The recognitions of some households, latest first (for Household.categoryRecognitions). */
export async function recognitionsOfHouseholds(
  db: Kysely<Database>,
  usccs: readonly string[],
): Promise<RecognitionWithHousehold[]> {
  if (usccs.length === 0) return [];
  return recognitionQuery(db)
    .where("r.uscc", "in", [...usccs])
    .orderBy("r.valid_from", "desc")
    .orderBy("r.recognized_on", "desc")
    .execute();
}

export async function recognitionsOfApplications(
  db: Kysely<Database>,
  applicationIds: readonly string[],
): Promise<RecognitionWithHousehold[]> {
  if (applicationIds.length === 0) return [];
  return recognitionQuery(db)
    .where("r.application_id", "in", [...applicationIds])
    .execute();
}

export async function extensionsOfRecognitions(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<CategoryExtensionRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom("category_extension")
    .selectAll()
    .where("recognition_id", "in", [...ids])
    .orderBy("extended_at")
    .execute();
}

/**
 * What upkeep reads for these recognitions: reports, spot-check results, and the household as
 * the facts see it (current type, status, penalties, the proprietor's listing).
 */
export async function loadUpkeepFacts(
  db: Kysely<Database>,
  recognitions: readonly CategoryRecognitionRow[],
): Promise<Map<string, UpkeepFacts>> {
  const ids = recognitions.map((r) => r.id);
  if (ids.length === 0) return new Map();
  const [reports, failedChecks, snapshots] = await Promise.all([
    db
      .selectFrom("category_report")
      .select(["recognition_id", "kind", "year", "confirmed", "reviewed_at"])
      .where("recognition_id", "in", ids)
      .orderBy("reviewed_at")
      .execute(),
    db
      .selectFrom("category_spot_check_item")
      .select("recognition_id")
      .where("recognition_id", "in", ids)
      .where("confirmed", "=", false)
      .execute(),
    loadSnapshots(
      db,
      recognitions.map((r) => r.uscc),
    ),
  ]);
  const facts = new Map<string, UpkeepFacts & { reportedYears: number[] }>();
  for (const r of recognitions) {
    const snapshot = snapshots.get(r.uscc);
    if (!snapshot) continue;
    facts.set(r.id, {
      reportedYears: [],
      reportNotConfirmed: false,
      spotCheckFailed: false,
      household: snapshot,
    });
  }
  for (const report of reports) {
    const f = facts.get(report.recognition_id);
    if (!f) continue;
    if (report.kind === "ANNUAL") f.reportedYears.push(report.year);
    // Ordered by reviewed_at: the latest review decides.
    if (report.confirmed !== null) f.reportNotConfirmed = !report.confirmed;
  }
  for (const item of failedChecks) {
    const f = facts.get(item.recognition_id);
    if (f) f.spotCheckFailed = true;
  }
  return facts;
}

export interface UpkeepItem {
  recognition: RecognitionWithHousehold;
  status: UpkeepStatus;
}

/**
 * The recognitions of a county (or the city) standing on `date` that need an operator: a ground to
 * cancel, or in their last year (evaluation, possible extension). In USCC order, keyset on USCC.
 */
export async function listCategoryUpkeep(
  db: Kysely<Database>,
  filter: { countyCode: string | null },
  date: string,
  page: { after?: string | undefined; limit: number },
): Promise<UpkeepItem[]> {
  const items: UpkeepItem[] = [];
  let after = page.after;
  const batch = 200;
  for (;;) {
    let query = recognitionQuery(db)
      .where("r.recognized_on", "<=", date)
      .where("r.valid_until", ">", date)
      .where((eb) => eb.or([eb("r.ended_on", "is", null), eb("r.ended_on", ">", date)]));
    if (filter.countyCode) query = query.where("h.county_code", "=", filter.countyCode);
    if (after) query = query.where("r.uscc", ">", after);
    const rows = await query.orderBy("r.uscc").orderBy("r.id").limit(batch).execute();
    const facts = await loadUpkeepFacts(db, rows);
    for (const recognition of rows) {
      const f = facts.get(recognition.id);
      if (!f) continue;
      const status = upkeepOf(recognition, f, date);
      if (status.grounds.length > 0 || status.inLastYear) items.push({ recognition, status });
      if (items.length >= page.limit) return items;
    }
    if (rows.length < batch) return items;
    after = rows.at(-1)?.uscc;
  }
}

async function lockRecognition(
  trx: Kysely<Database>,
  id: string,
): Promise<RecognitionWithHousehold> {
  const recognition = await recognitionQuery(trx)
    .where("r.id", "=", id)
    .forUpdate("r")
    .executeTakeFirst();
  if (!recognition) throw new NotFoundError(`no category recognition ${id}`);
  return recognition;
}

function endState(r: CategoryRecognitionRow) {
  return {
    validUntil: r.valid_until,
    endedOn: r.ended_on,
    endReason: r.end_reason,
    endGround: r.end_ground,
  };
}

/**
 * Ends a locked recognition (cancellation or revocation): writes the end columns and who ended
 * it, and audits its end state before and after, with what the action adds to `after`.
 */
async function endRecognition(
  trx: Kysely<Database>,
  principal: Principal,
  recognition: RecognitionWithHousehold,
  end: Omit<Updateable<Database["category_recognition"]>, "ended_by">,
  audit: { action: string; after: Record<string, unknown>; reason: string },
): Promise<RecognitionWithHousehold> {
  await trx
    .updateTable("category_recognition")
    .set({ ...end, ended_by: actorOf(principal) })
    .where("id", "=", recognition.id)
    .execute();
  const after = await recognitionQuery(trx)
    .where("r.id", "=", recognition.id)
    .executeTakeFirstOrThrow();
  await writeCategoryAudit(trx, {
    actor: actorOf(principal),
    action: audit.action,
    entity: "category_recognition",
    entityId: recognition.id,
    before: endState(recognition),
    after: { ...endState(after), ...audit.after },
    reason: audit.reason,
  });
  return after;
}

/**
 * 三(二)2 对已不符合标准的，取消认定: cancels a standing recognition on a ground that holds today
 * (it is checked again here, not taken on trust). It stops counting as the fact from today.
 */
export async function cancelCategoryRecognition(
  db: Kysely<Database>,
  principal: Principal,
  input: { recognitionId: string; ground: string; note: string },
  now: Date,
): Promise<RecognitionWithHousehold> {
  requireId(input.recognitionId, "recognitionId");
  if (!(CANCEL_GROUNDS as readonly string[]).includes(input.ground)) {
    throw new BadInputError(`ground must be one of ${CANCEL_GROUNDS.join(", ")}`, "ground");
  }
  const ground = input.ground as CancelGround;
  const note = requireText(input.note, "note", "what the operator found");
  const today = todayInChina(now);
  return db.transaction().execute(async (trx) => {
    const recognition = await lockRecognition(trx, input.recognitionId);
    requireOperatorFor(principal, recognition.county_code);
    if (!recognitionStands(recognition, today)) {
      throw new ConflictError(
        `recognition ${recognition.id} does not stand on ${today} (ended ${recognition.ended_on ?? "—"}, valid until ${recognition.valid_until})`,
      );
    }
    const facts = (await loadUpkeepFacts(trx, [recognition])).get(recognition.id);
    const status = facts ? upkeepOf(recognition, facts, today) : undefined;
    if (!status?.grounds.includes(ground)) {
      throw new BadInputError(
        `ground ${ground} (${CANCEL_GROUND_LABELS[ground]}) does not hold on ${today}; grounds that hold: ${status?.grounds.join(", ") || "none"}`,
        "ground",
      );
    }
    return endRecognition(
      trx,
      principal,
      recognition,
      { ended_on: today, end_reason: "CANCELLED", end_ground: ground, end_note: note },
      {
        action: "category.cancel",
        after: { missingReportYears: status.missingReportYears },
        reason: `${CANCEL_GROUND_LABELS[ground]}：${note}`,
      },
    );
  });
}

/**
 * 三(二)2 在自主申报过程中以欺诈、贿赂等手段…弄虚作假取得认定的，应当撤销认定: revokes a recognition
 * obtained through self-application (even one already ended: the fraud still bars the household),
 * ending it today if it still stands. The household may not apply again for 5 years from today
 * (category-eligibility.ts). A recognition from a department's recommendation is not revoked: it is
 * cancelled (取消认定, cancelCategoryRecognition) when it no longer meets the standard.
 */
export async function revokeCategoryRecognition(
  db: Kysely<Database>,
  principal: Principal,
  input: { recognitionId: string; reason: string },
  now: Date,
): Promise<RecognitionWithHousehold> {
  requireId(input.recognitionId, "recognitionId");
  const reason = requireText(input.reason, "reason", "how the recognition was obtained by fraud");
  const today = todayInChina(now);
  return db.transaction().execute(async (trx) => {
    const recognition = await lockRecognition(trx, input.recognitionId);
    requireOperatorFor(principal, recognition.county_code);
    if (recognition.end_reason === "REVOKED") {
      throw new ConflictError(
        `recognition ${recognition.id} was already revoked on ${recognition.revoked_on}`,
      );
    }
    // 三(二)2 在自主申报过程中…弄虚作假取得认定的，应当撤销认定: self-applications only.
    if (recognition.source === "DEPARTMENT") {
      throw new ConflictError(
        `recognition ${recognition.id} came from a department recommendation (部门推荐), not a self-application: ` +
          "revocation for fraud, and its 5-year bar, apply only to recognitions obtained 在自主申报过程中 (三(二)2); " +
          "if it no longer meets the standard, cancel it instead (取消认定, cancelCategoryRecognition on a ground that holds)",
      );
    }
    const endedOn =
      recognition.ended_on !== null && recognition.ended_on < today ? recognition.ended_on : today;
    return endRecognition(
      trx,
      principal,
      recognition,
      { ended_on: endedOn, end_reason: "REVOKED", revoked_on: today, end_note: reason },
      {
        action: "category.revoke",
        after: { revokedOn: today, mayApplyFrom: addYears(today, 5) },
        reason,
      },
    );
  });
}

/**
 * 三(二)1 同一个体工商户只能认定为一个类型。同一自然人在同一县级行政区域内设立多个个体工商户的，
 * 最多只能有一个个体工商户获得认定: the first other recognition, of this household or of another
 * household of its proprietor in its county, that would be in force during an extension of
 * `recognition` to `validUntil` — not ended before its current valid_until, and valid after it.
 * (A recognition in its last year does not block a new one, blocksNewRecognition, so one may
 * follow it; extending it would then overlap the one that follows.)
 */
async function recognitionInTheWay(
  trx: Kysely<Database>,
  recognition: CategoryRecognitionRow,
  validUntil: string,
): Promise<RecognitionWithHousehold | undefined> {
  const household = await trx
    .selectFrom("household")
    .select(["proprietor_id_hash", "county_code"])
    .where("uscc", "=", recognition.uscc)
    .executeTakeFirstOrThrow();
  return recognitionQuery(trx)
    .where("r.id", "<>", recognition.id)
    .where((eb) =>
      eb.or([
        eb("r.uscc", "=", recognition.uscc),
        eb.and([
          eb("h.proprietor_id_hash", "=", household.proprietor_id_hash),
          eb("h.county_code", "=", household.county_code),
        ]),
      ]),
    )
    .where((eb) =>
      eb.or([eb("r.ended_on", "is", null), eb("r.ended_on", ">", recognition.valid_until)]),
    )
    .where("r.valid_until", ">", recognition.valid_until)
    .where("r.valid_from", "<", validUntil)
    .orderBy("r.valid_from")
    .orderBy("r.id")
    .executeTakeFirst();
}

/**
 * 三(二)2 在分类有效期的最后一年…符合以下情形之一的，有效期延长3年: in the last year of validity,
 * an operator extends valid_until by 3 years on condition A, B, C or D (C and D checked here).
 * 三(二)1: not when another recognition of the household, or of the proprietor in the county,
 * would then be in force at the same time (recognitionInTheWay). The county's quota row is locked
 * first, as approvals lock it, so an approval and an extension in the county never overlap unseen.
 */
export async function extendCategoryRecognition(
  db: Kysely<Database>,
  principal: Principal,
  input: { recognitionId: string; condition: string; evidence: string },
  now: Date,
): Promise<RecognitionWithHousehold> {
  requireId(input.recognitionId, "recognitionId");
  if (!(EXTENSION_CONDITIONS as readonly string[]).includes(input.condition)) {
    throw new BadInputError(`condition must be one of A, B, C, D`, "condition");
  }
  const condition = input.condition as ExtensionCondition;
  const evidence = requireText(
    input.evidence,
    "evidence",
    `the evidence for condition ${condition}: ${EXTENSION_CONDITION_LABELS[condition]}`,
  );
  const today = todayInChina(now);
  return db.transaction().execute(async (trx) => {
    const peek = await getCategoryRecognition(trx, input.recognitionId);
    if (!peek) throw new NotFoundError(`no category recognition ${input.recognitionId}`);
    requireOperatorFor(principal, peek.county_code);
    // Lock order as in approveCategoryApplication: the county's quota row, then the recognition.
    await lockCountyQuota(trx, peek.county_code);
    const recognition = await lockRecognition(trx, input.recognitionId);
    if (!inLastYear(recognition, today)) {
      throw new ConflictError(
        `recognition ${recognition.id} is not in the last year of its validity on ${today} ` +
          `(valid until ${recognition.valid_until}${recognition.ended_on ? `, ended ${recognition.ended_on}` : ""}); ` +
          `it may be extended from ${addYears(recognition.valid_until, -1)}`,
      );
    }
    const snapshot = (await loadSnapshots(trx, [recognition.uscc])).get(recognition.uscc);
    const check = extensionConditionHolds(condition, recognition, snapshot?.typing?.type ?? null);
    if (!check.holds) throw new BadInputError(check.reason, "condition");
    const validUntil = addYears(recognition.valid_until, EXTENSION_YEARS);
    // 三(二)1 同一个体工商户只能认定为一个类型；同一自然人在同一县级行政区域内…最多只能有一个个体工商户获得认定.
    const inTheWay = await recognitionInTheWay(trx, recognition, validUntil);
    if (inTheWay) {
      const whose =
        inTheWay.uscc === recognition.uscc
          ? "the same household (同一个体工商户只能认定为一个类型)"
          : `the proprietor's other household ${inTheWay.uscc} in county ${inTheWay.county_code} ` +
            "(同一自然人在同一县级行政区域内…最多只能有一个个体工商户获得认定)";
      throw new ConflictError(
        `recognition ${recognition.id} cannot be extended to ${validUntil}: recognition ${inTheWay.id} ` +
          `(${inTheWay.category}, valid ${inTheWay.valid_from} to ${inTheWay.valid_until}) of ${whose} ` +
          `would be in force after ${recognition.valid_until} too (三(二)1)`,
      );
    }
    await trx
      .insertInto("category_extension")
      .values({
        recognition_id: recognition.id,
        condition,
        evidence,
        previous_valid_until: recognition.valid_until,
        valid_until: validUntil,
        extended_on: today,
        extended_at: now,
        extended_by: actorOf(principal),
      })
      .execute();
    await trx
      .updateTable("category_recognition")
      .set({ valid_until: validUntil })
      .where("id", "=", recognition.id)
      .execute();
    await writeCategoryAudit(trx, {
      actor: actorOf(principal),
      action: "category.extend",
      entity: "category_recognition",
      entityId: recognition.id,
      before: { validUntil: recognition.valid_until },
      after: { validUntil, condition, on: today },
      reason: `${condition}（${EXTENSION_CONDITION_LABELS[condition]}）：${evidence}`,
    });
    return recognitionQuery(trx).where("r.id", "=", recognition.id).executeTakeFirstOrThrow();
  });
}

export interface PublicRecognition {
  uscc: string;
  name: string;
  county_code: string;
  category: string;
  valid_from: string;
  valid_until: string;
}

/**
 * 三(二)1 “名特优新”认定信息…进行标注和公示: the recognitions in force on `date`, by county and
 * category, with only what the notice shows. Keyset on USCC.
 */
export async function listPublicRecognitions(
  db: Kysely<Database>,
  filter: { countyCode?: string | null | undefined; category?: string | null | undefined },
  date: string,
  page: { after?: string | undefined; limit: number },
): Promise<PublicRecognition[]> {
  if (filter.category && !isCategoryKind(filter.category)) {
    throw new BadInputError(`unknown category "${filter.category}"`, "category");
  }
  let query = db
    .selectFrom("category_recognition as r")
    .innerJoin("household as h", "h.uscc", "r.uscc")
    .select([
      "r.uscc",
      "h.name",
      "h.county_code",
      "r.category",
      "r.valid_from",
      // The end of the notice: an early end (cancelled, revoked) ends it.
      sql<string>`least(r.valid_until, coalesce(r.ended_on, r.valid_until))`.as("valid_until"),
    ])
    // The same test as recognitionInForce (src/matching/household-facts.ts).
    .where("r.valid_from", "<=", date)
    .where("r.valid_until", ">", date)
    .where((eb) => eb.or([eb("r.ended_on", "is", null), eb("r.ended_on", ">", date)]));
  if (filter.countyCode) query = query.where("h.county_code", "=", filter.countyCode);
  if (filter.category) query = query.where("r.category", "=", filter.category);
  if (page.after) query = query.where("r.uscc", ">", page.after);
  return query.orderBy("r.uscc").limit(page.limit).execute();
}
