import type { Kysely, Selectable } from "kysely";
import { actorOf, type Principal } from "../auth/principal.ts";
import { isCalendarDate, todayInChina } from "../dates.ts";
import type { CategoryApplicationTable, CategoryVisitTable, Database } from "../db/types.ts";
import { BadInputError, ConflictError, ForbiddenError, NotFoundError } from "../errors.ts";
import {
  type HouseholdPenaltyRow,
  PENALTY_WINDOW_YEARS,
  penaltyIsActive,
} from "../matching/household-facts.ts";
import {
  isUniqueViolation,
  requireId,
  requireOperatorFor,
  requireText,
} from "./category-access.ts";
import { writeCategoryAudit } from "./category-audit.ts";
import {
  CATEGORY_LABELS,
  type CategoryKind,
  conditionInfo,
  isCategoryKind,
} from "./category-conditions.ts";
import {
  type CategoryRefusal,
  checkEligibility,
  type EntrySource,
  penaltyWindowEndsOn,
} from "./category-eligibility.ts";
import {
  type CityQuota,
  type CountyQuota,
  cityQuota,
  countyQuota,
  lockCityQuota,
  lockCountyQuota,
} from "./category-quota.ts";
import type { CategoryRecognitionRow } from "./category-recognitions.ts";
import { loadEligibilitySubject } from "./category-subject.ts";
import { validityOf } from "./category-validity.ts";

/**
 * The 名特优新 procedure up to recognition (三(二)2 分类方法): 自主申报 by the household, or 部门推荐
 * with the proprietor's consent (需要事先征得经营者本人同意); 走访核实 by the county; approval within
 * the county's quota, or rejection. Every change of state is audited in the same transaction.
 */

export type CategoryApplicationRow = Selectable<CategoryApplicationTable> & {
  /** The household's county, joined: who may review it. */
  county_code: string;
};
export type CategoryVisitRow = Selectable<CategoryVisitTable>;

export interface EntryInput {
  category: string;
  conditions: readonly string[];
  evidence: string;
}

/** The outcome of an entry: the application, or why there is none. */
export interface EntryResult {
  application: CategoryApplicationRow | null;
  refusals: CategoryRefusal[];
}

/** The outcome of an approval: the recognition, or why not (the application unchanged). */
export interface ApprovalResult {
  application: CategoryApplicationRow;
  recognition: CategoryRecognitionRow | null;
  refusals: CategoryRefusal[];
  quota: CountyQuota;
}

/** Validates the category, its conditions (the seed's, of that category) and the evidence. */
export function validateEntry(input: EntryInput): {
  category: CategoryKind;
  conditions: string[];
  evidence: string;
} {
  if (!isCategoryKind(input.category)) {
    throw new BadInputError(
      `category must be FAMOUS, DISTINCTIVE, QUALITY or EMERGING, got "${input.category}"`,
      "category",
    );
  }
  const category = input.category;
  if (input.conditions.length === 0) {
    throw new BadInputError(
      `conditions must name at least one of the seed's reference conditions of ${category} (${category}_1…)`,
      "conditions",
    );
  }
  const seen = new Set<string>();
  input.conditions.forEach((code, i) => {
    const info = conditionInfo(code);
    if (!info) throw new BadInputError(`unknown condition "${code}"`, `conditions[${i}]`);
    // 三(二): each category has its own 主要参考条件.
    if (info.category !== category) {
      throw new BadInputError(
        `condition ${code} belongs to ${info.category} (${CATEGORY_LABELS[info.category]}), not ${category} (${CATEGORY_LABELS[category]})`,
        `conditions[${i}]`,
      );
    }
    if (seen.has(code))
      throw new BadInputError(`condition ${code} is named twice`, `conditions[${i}]`);
    seen.add(code);
  });
  const conditions = [...seen].sort(
    (a, b) => (conditionInfo(a)?.number ?? 0) - (conditionInfo(b)?.number ?? 0),
  );
  const evidence = requireText(
    input.evidence,
    "evidence",
    "describe the evidence for the conditions named (certificates, awards, links…)",
    10_000,
  );
  return { category, conditions, evidence };
}

function applicationQuery(db: Kysely<Database>) {
  return db
    .selectFrom("category_application as a")
    .innerJoin("household as h", "h.uscc", "a.uscc")
    .selectAll("a")
    .select("h.county_code");
}

export async function getCategoryApplication(
  db: Kysely<Database>,
  id: string,
): Promise<CategoryApplicationRow | undefined> {
  requireId(id, "applicationId");
  return applicationQuery(db).where("a.id", "=", id).executeTakeFirst();
}

/** The applications of some households, newest first (for Household.categoryApplications). */
export async function applicationsOfHouseholds(
  db: Kysely<Database>,
  usccs: readonly string[],
): Promise<CategoryApplicationRow[]> {
  if (usccs.length === 0) return [];
  return applicationQuery(db)
    .where("a.uscc", "in", [...usccs])
    .orderBy("a.created_at", "desc")
    .orderBy("a.id", "desc")
    .execute();
}

export async function visitsOfApplications(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<CategoryVisitRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom("category_visit")
    .selectAll()
    .where("application_id", "in", [...ids])
    .orderBy("visited_on")
    .orderBy("recorded_at")
    .execute();
}

export interface ApplicationFilter {
  countyCode?: string | null | undefined;
  state?: string | null | undefined;
  category?: string | null | undefined;
  source?: string | null | undefined;
  recommendedBy?: string | null | undefined;
}

/** A page of applications, oldest first (the review queue's order); keyset on (created_at, id). */
export async function listCategoryApplications(
  db: Kysely<Database>,
  filter: ApplicationFilter,
  page: { after?: { createdAt: string; id: string } | undefined; limit: number },
): Promise<CategoryApplicationRow[]> {
  let query = applicationQuery(db);
  if (filter.countyCode) query = query.where("h.county_code", "=", filter.countyCode);
  if (filter.state) query = query.where("a.state", "=", filter.state);
  if (filter.category) query = query.where("a.category", "=", filter.category);
  if (filter.source) query = query.where("a.source", "=", filter.source);
  if (filter.recommendedBy) query = query.where("a.recommended_by", "=", filter.recommendedBy);
  const after = page.after;
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb("a.created_at", ">", new Date(after.createdAt)),
        eb.and([eb("a.created_at", "=", new Date(after.createdAt)), eb("a.id", ">", after.id)]),
      ]),
    );
  }
  return query.orderBy("a.created_at").orderBy("a.id").limit(page.limit).execute();
}

async function enter(
  db: Kysely<Database>,
  principal: Principal,
  uscc: string,
  source: EntrySource,
  input: EntryInput,
  now: Date,
): Promise<EntryResult> {
  const entry = validateEntry(input);
  const today = todayInChina(now);
  try {
    return await db.transaction().execute(async (trx) => {
      const subject = await loadEligibilitySubject(trx, uscc);
      if (!subject) {
        if (source === "SELF") throw new NotFoundError(`no household with USCC ${uscc}`);
        throw new BadInputError(`no household with USCC ${uscc}`, "uscc");
      }
      // 三(二)1: 申报或推荐之日 is today, the day the windows are measured from.
      const refusals = checkEligibility(subject, { asOf: today, source });
      if (refusals.length > 0) return { application: null, refusals };
      const state = source === "SELF" ? "SUBMITTED" : "AWAITING_CONSENT";
      const inserted = await trx
        .insertInto("category_application")
        .values({
          uscc,
          category: entry.category,
          conditions: entry.conditions,
          evidence: entry.evidence,
          source,
          recommended_by: principal.role === "DEPARTMENT" ? principal.departmentCode : null,
          state,
          entered_on: today,
          created_at: now,
          created_by: actorOf(principal),
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await writeCategoryAudit(trx, {
        actor: actorOf(principal),
        action: source === "SELF" ? "category.apply" : "category.recommend",
        entity: "category_application",
        entityId: inserted.id,
        before: null,
        after: { state, uscc, category: entry.category, conditions: entry.conditions, on: today },
        reason: null,
      });
      const application = await applicationQuery(trx)
        .where("a.id", "=", inserted.id)
        .executeTakeFirstOrThrow();
      return { application, refusals: [] };
    });
  } catch (error) {
    // Two entries for one household at the same instant: the open-application index keeps one.
    if (!isUniqueViolation(error)) throw error;
    return {
      application: null,
      refusals: [
        {
          code: "APPLICATION_PENDING",
          reason: "已有尚未办结的申报或推荐，办结或撤回后方可再次申报或推荐",
          details: null,
        },
      ],
    };
  }
}

/** 三(二)2 自主申报: the household applies for itself (its token's USCC). */
export async function applyForCategory(
  db: Kysely<Database>,
  principal: Principal,
  input: EntryInput,
  now: Date,
): Promise<EntryResult> {
  if (principal.role !== "HOUSEHOLD")
    throw new ForbiddenError("only a household applies for itself");
  return enter(db, principal, principal.uscc, "SELF", input, now);
}

/**
 * 三(二)2 部门推荐: a department recommends a household; it waits for the proprietor's consent
 * (拟推荐为“名特优新”个体工商户的，需要事先征得经营者本人同意) before anyone reviews it.
 */
export async function recommendForCategory(
  db: Kysely<Database>,
  principal: Principal,
  input: EntryInput & { uscc: string },
  now: Date,
): Promise<EntryResult> {
  if (principal.role !== "DEPARTMENT") throw new ForbiddenError("only a department recommends");
  return enter(db, principal, input.uscc.trim().toUpperCase(), "DEPARTMENT", input, now);
}

/** Locks the application row and checks its state (and that it exists). */
async function lockApplication(
  trx: Kysely<Database>,
  id: string,
  states: readonly string[],
  doing: string,
): Promise<CategoryApplicationRow> {
  const application = await applicationQuery(trx)
    .where("a.id", "=", id)
    .forUpdate("a")
    .executeTakeFirst();
  if (!application) throw new NotFoundError(`no category application ${id}`);
  if (!states.includes(application.state)) {
    throw new ConflictError(
      `cannot ${doing}: application ${id} is ${application.state} (needs ${states.join(" or ")})`,
    );
  }
  return application;
}

async function changeState(
  trx: Kysely<Database>,
  principal: Principal,
  application: CategoryApplicationRow,
  change: {
    state: string;
    action: string;
    reason: string | null;
    set?: Partial<{
      consented_at: Date;
      decided_at: Date;
      decided_by: string;
      decision_reason: string;
    }>;
    after?: Record<string, unknown>;
  },
): Promise<CategoryApplicationRow> {
  await trx
    .updateTable("category_application")
    .set({ state: change.state, ...change.set })
    .where("id", "=", application.id)
    .execute();
  await writeCategoryAudit(trx, {
    actor: actorOf(principal),
    action: change.action,
    entity: "category_application",
    entityId: application.id,
    before: { state: application.state },
    after: { state: change.state, ...change.after },
    reason: change.reason,
  });
  return applicationQuery(trx).where("a.id", "=", application.id).executeTakeFirstOrThrow();
}

/**
 * The household answers a department's recommendation through its own token: consent sends it to
 * review (SUBMITTED); refusal ends it (DECLINED).
 */
export async function respondToCategoryRecommendation(
  db: Kysely<Database>,
  principal: Principal,
  input: { applicationId: string; consent: boolean; note?: string | null | undefined },
  now: Date,
): Promise<CategoryApplicationRow> {
  if (principal.role !== "HOUSEHOLD") {
    throw new ForbiddenError("only the household itself consents to a recommendation");
  }
  requireId(input.applicationId, "applicationId");
  const note = input.note?.trim() || null;
  return db.transaction().execute(async (trx) => {
    const application = await lockApplication(
      trx,
      input.applicationId,
      ["AWAITING_CONSENT"],
      "answer the recommendation",
    );
    if (application.uscc !== principal.uscc) {
      throw new ForbiddenError("a household answers only recommendations of itself");
    }
    return input.consent
      ? changeState(trx, principal, application, {
          state: "SUBMITTED",
          action: "category.consent",
          reason: note,
          set: { consented_at: now },
          after: { on: todayInChina(now) },
        })
      : changeState(trx, principal, application, {
          state: "DECLINED",
          action: "category.decline",
          reason: note,
          set: {
            decided_at: now,
            decided_by: actorOf(principal),
            decision_reason: note ?? "经营者不同意推荐",
          },
        });
  });
}

/** The household withdraws its application, or the recommending department its recommendation. */
export async function withdrawCategoryApplication(
  db: Kysely<Database>,
  principal: Principal,
  input: { applicationId: string; reason?: string | null | undefined },
  now: Date,
): Promise<CategoryApplicationRow> {
  requireId(input.applicationId, "applicationId");
  const reason = input.reason?.trim() || null;
  return db.transaction().execute(async (trx) => {
    const application = await lockApplication(
      trx,
      input.applicationId,
      ["AWAITING_CONSENT", "SUBMITTED"],
      "withdraw",
    );
    const mayWithdraw =
      (principal.role === "HOUSEHOLD" && principal.uscc === application.uscc) ||
      (principal.role === "DEPARTMENT" &&
        application.source === "DEPARTMENT" &&
        principal.departmentCode === application.recommended_by);
    if (!mayWithdraw) {
      throw new ForbiddenError(
        "only the household, or the department that recommended it, may withdraw an application",
      );
    }
    return changeState(trx, principal, application, {
      state: "WITHDRAWN",
      action: "category.withdraw",
      reason,
      set: {
        decided_at: now,
        decided_by: actorOf(principal),
        ...(reason ? { decision_reason: reason } : {}),
      },
    });
  });
}

/**
 * 三(二)2 走访核实: an operator of the county records what the visit found. Without `visitedOn`
 * the visit is today's (China time, on the same clock reading as the record), so an operator
 * recording a visit as it happens need not type the date.
 */
export async function recordCategoryVisit(
  db: Kysely<Database>,
  principal: Principal,
  input: { applicationId: string; visitedOn: string | null; confirmed: boolean; findings: string },
  now: Date,
): Promise<CategoryApplicationRow> {
  requireId(input.applicationId, "applicationId");
  const today = todayInChina(now);
  const visitedOn = input.visitedOn ?? today;
  if (!isCalendarDate(visitedOn) || visitedOn > today) {
    throw new BadInputError(
      `visitedOn must be a date on or before today (${today}), got "${visitedOn}"`,
      "visitedOn",
    );
  }
  const findings = requireText(input.findings, "findings", "what the visit found");
  return db.transaction().execute(async (trx) => {
    const application = await lockApplication(
      trx,
      input.applicationId,
      ["SUBMITTED"],
      "record a visit",
    );
    requireOperatorFor(principal, application.county_code);
    if (visitedOn < application.entered_on) {
      throw new BadInputError(
        `visitedOn ${visitedOn} is before the application was entered (${application.entered_on})`,
        "visitedOn",
      );
    }
    const visit = await trx
      .insertInto("category_visit")
      .values({
        application_id: application.id,
        visited_on: visitedOn,
        confirmed: input.confirmed,
        findings,
        recorded_at: now,
        recorded_by: actorOf(principal),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await writeCategoryAudit(trx, {
      actor: actorOf(principal),
      action: "category.visit",
      entity: "category_application",
      entityId: application.id,
      before: { state: application.state },
      after: {
        state: application.state,
        visitId: visit.id,
        visitedOn,
        confirmed: input.confirmed,
      },
      reason: findings,
    });
    return application;
  });
}

function quotaRefusal(quota: CountyQuota): CategoryRefusal {
  const run = quota.yearlyRun
    ? `${quota.yearlyRun.asOf} 集中分型判定中成长型和发展型 ${quota.base} 户`
    : "尚无集中分型判定结果（基数 0 户）";
  const share = `${quota.shareBasisPoints / 100}%${quota.shareSetByCity ? "（市局确定的比例）" : ""}`;
  return {
    code: "QUOTA_REACHED",
    reason:
      `本区县（${quota.countyCode}）名特优新认定数量已达上限：上限 ${quota.limit} 户（${run} × ${share}，向下取整），` +
      `已用 ${quota.used} 户，剩余 ${quota.left} 户（三(二)1 数量应当控制在…5%以内）`,
    details: {
      countyCode: quota.countyCode,
      base: quota.base,
      sharePercent: quota.shareBasisPoints / 100,
      limit: quota.limit,
      used: quota.used,
      left: quota.left,
    },
  };
}

function cityQuotaRefusal(city: CityQuota): CategoryRefusal {
  const run = city.yearlyRun
    ? `${city.yearlyRun.asOf} 集中分型判定中全市成长型和发展型 ${city.base} 户`
    : "尚无集中分型判定结果（基数 0 户）";
  return {
    code: "CITY_QUOTA_REACHED",
    reason:
      `全市名特优新认定数量已达上限：上限 ${city.limit} 户（${run} × 5%，向下取整），` +
      `已用 ${city.used} 户，剩余 ${city.left} 户；各区县比例由市局统筹，全市合计应当控制在5%以内（三(二)1）`,
    details: { base: city.base, limit: city.limit, used: city.used, left: city.left },
  };
}

/**
 * 三(二)1 A 申报或推荐之日前2年内，有在国家企业信用信息公示系统公示的罚款及以上行政处罚信息，尚未完成
 * 信用修复的 (不得申报或推荐): at approval the window is measured from the day the application or
 * recommendation was entered, not from the day of approval — a fine that reaches the system after
 * entry (an import) still refuses it, though its 2 years may have run out by the approval. The
 * penalties active on the day of approval are refused by checkEligibility (asOf today) and are
 * left out here, so that no penalty is named twice.
 */
export function penaltiesOnEntryDay(
  penalties: readonly HouseholdPenaltyRow[],
  enteredOn: string,
  today: string,
): CategoryRefusal[] {
  return penalties
    .filter((p) => penaltyIsActive(p, enteredOn) && !penaltyIsActive(p, today))
    .map((p) => {
      const windowEnds = penaltyWindowEndsOn(p);
      return {
        code: "ACTIVE_PENALTY",
        reason:
          `${p.decided_on} 决定的行政处罚（${p.kind}）在申报或推荐之日（${enteredOn}）前${PENALTY_WINDOW_YEARS}年内，` +
          `该日尚未完成信用修复，不得申报或推荐（三(二)1 A），不予认定；${windowEnds} 起或完成信用修复后可重新申报`,
        details: { decidedOn: p.decided_on, kind: p.kind, enteredOn, windowEndsOn: windowEnds },
      };
    });
}

/**
 * Approves a submitted application: re-checks eligibility as of today, and 三(二)1 A as of the day
 * of entry too (penaltiesOnEntryDay), requires a confirmed visit
 * for 自主申报 (三(二)2 对拟认定的个体工商户进行走访核实后，对符合条件的予以认定), and keeps within the
 * county's quota and the city's 5% (三(二)1). The county's quota row is locked first, then the
 * city's cap, so approvals run one after another and the counts each sees include every approval
 * committed before it. The recognition is in force from 1 January of next year until 3 years after
 * today (validityOf).
 */
export async function approveCategoryApplication(
  db: Kysely<Database>,
  principal: Principal,
  input: { applicationId: string; reason: string },
  now: Date,
): Promise<ApprovalResult> {
  requireId(input.applicationId, "applicationId");
  const reason = requireText(input.reason, "reason", "why the household is recognised");
  const today = todayInChina(now);
  return db.transaction().execute(async (trx) => {
    const peek = await getCategoryApplication(trx, input.applicationId);
    if (!peek) throw new NotFoundError(`no category application ${input.applicationId}`);
    requireOperatorFor(principal, peek.county_code);
    // Lock order: the county's quota row, the city's cap, then the application (every approval
    // takes them so).
    await lockCountyQuota(trx, peek.county_code);
    await lockCityQuota(trx);
    const application = await lockApplication(trx, input.applicationId, ["SUBMITTED"], "approve");
    const subject = await loadEligibilitySubject(trx, application.uscc);
    if (!subject) throw new NotFoundError(`no household with USCC ${application.uscc}`);
    const refusals = checkEligibility(subject, {
      asOf: today,
      source: application.source as EntrySource,
      applicationId: application.id,
    });
    // 三(二)1 A 申报或推荐之日前2年内: measured from the day of entry as well as from today.
    refusals.push(...penaltiesOnEntryDay(subject.penalties, application.entered_on, today));
    const visits = await visitsOfApplications(trx, [application.id]);
    const lastVisit = visits.at(-1);
    if (!lastVisit) {
      if (application.source === "SELF") {
        refusals.push({
          code: "VISIT_MISSING",
          reason: "自主申报的个体工商户须经走访核实后方可认定（三(二)2），请先记录走访核实结果",
          details: null,
        });
      }
    } else if (!lastVisit.confirmed) {
      refusals.push({
        code: "VISIT_NOT_CONFIRMED",
        reason: `${lastVisit.visited_on} 走访核实未予确认：${lastVisit.findings}`,
        details: { visitedOn: lastVisit.visited_on },
      });
    }
    const quota = await countyQuota(trx, application.county_code, today);
    if (quota.used >= quota.limit) refusals.push(quotaRefusal(quota));
    const city = await cityQuota(trx, today);
    if (city.used >= city.limit) refusals.push(cityQuotaRefusal(city));
    if (refusals.length > 0) return { application, recognition: null, refusals, quota };

    const { validFrom, validUntil } = validityOf(today);
    const recognition = await trx
      .insertInto("category_recognition")
      .values({
        uscc: application.uscc,
        category: application.category,
        recognized_on: today,
        valid_from: validFrom,
        valid_until: validUntil,
        ended_on: null,
        end_reason: null,
        application_id: application.id,
        county_code: application.county_code,
        source: application.source,
        type_at_recognition: subject.type,
        recognized_by: actorOf(principal),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const approved = await changeState(trx, principal, application, {
      state: "APPROVED",
      action: "category.approve",
      reason,
      set: { decided_at: now, decided_by: actorOf(principal), decision_reason: reason },
      after: { recognitionId: recognition.id, on: today },
    });
    await writeCategoryAudit(trx, {
      actor: actorOf(principal),
      action: "category.recognise",
      entity: "category_recognition",
      entityId: recognition.id,
      before: null,
      after: {
        uscc: recognition.uscc,
        category: recognition.category,
        recognizedOn: today,
        validFrom,
        validUntil,
        applicationId: application.id,
      },
      reason,
    });
    return {
      application: approved,
      recognition,
      refusals: [],
      quota: { ...quota, used: quota.used + 1, left: Math.max(0, quota.left - 1) },
    };
  });
}

/** Rejects a submitted application, with the reason the household will read. */
export async function rejectCategoryApplication(
  db: Kysely<Database>,
  principal: Principal,
  input: { applicationId: string; reason: string },
  now: Date,
): Promise<CategoryApplicationRow> {
  requireId(input.applicationId, "applicationId");
  const reason = requireText(input.reason, "reason", "why the application is rejected");
  return db.transaction().execute(async (trx) => {
    const application = await lockApplication(trx, input.applicationId, ["SUBMITTED"], "reject");
    requireOperatorFor(principal, application.county_code);
    return changeState(trx, principal, application, {
      state: "REJECTED",
      action: "category.reject",
      reason,
      set: { decided_at: now, decided_by: actorOf(principal), decision_reason: reason },
      after: { on: todayInChina(now) },
    });
  });
}
