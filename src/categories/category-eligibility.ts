import { addYears } from "../dates.ts";
import {
  type HouseholdPenaltyRow,
  PENALTY_WINDOW_YEARS,
  penaltyIsActive,
} from "../matching/household-facts.ts";
import {
  CATEGORY_LABELS,
  type CategoryKind,
  isCategoryKind,
  PROPRIETOR_GROUP_LABELS,
  RELAXED_PROPRIETOR_GROUPS,
  TYPE_LABELS,
} from "./category-conditions.ts";
import {
  blocksNewRecognition,
  fraudBanCovers,
  fraudBanEndsOn,
  nextDay,
  type RecognitionDates,
} from "./category-validity.ts";

/**
 * Who may enter the 名特优新 procedure (三(二)1 分类原则和标准), as a pure function of what is known
 * about the household on a date. Every failure is a code with a Chinese reason that says which
 * record and which window caused it, so that a household or department can act on it.
 */

export type EntrySource = "SELF" | "DEPARTMENT";

export const REFUSAL_CODES = [
  "NOT_REGISTERED",
  "NOT_TYPED",
  "NOT_CLASSIFIABLE",
  "TYPE_NOT_ELIGIBLE",
  "ACTIVE_PENALTY",
  "DISHONEST_DEBTOR",
  "REVOKED_FOR_FRAUD",
  "ALREADY_RECOGNISED",
  "PROPRIETOR_RECOGNISED_IN_COUNTY",
  "APPLICATION_PENDING",
  "VISIT_MISSING",
  "VISIT_NOT_CONFIRMED",
  "QUOTA_REACHED",
  "CITY_QUOTA_REACHED",
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

export interface CategoryRefusal {
  code: RefusalCode;
  /** In Chinese, naming the record, the date and the clause. */
  reason: string;
  details: Record<string, unknown> | null;
}

export interface SubjectRecognition extends RecognitionDates {
  id: string;
  uscc: string;
  category: string;
  end_reason: string | null;
  revoked_on: string | null;
}

/** Everything eligibility reads, loaded by category-subject.ts. */
export interface EligibilitySubject {
  uscc: string;
  status: string;
  countyCode: string;
  /** The current type (the current run's, or the correction in force); null: never typed. */
  type: string | null;
  proprietorGroups: readonly string[];
  proprietorDishonestDebtor: boolean;
  penalties: readonly HouseholdPenaltyRow[];
  /** The household's own recognitions, any state. */
  recognitions: readonly SubjectRecognition[];
  /** Recognitions of the proprietor's other households registered in the same county. */
  proprietorRecognitions: readonly SubjectRecognition[];
  /** An application or recommendation not yet decided (AWAITING_CONSENT or SUBMITTED). */
  openApplication: { id: string; state: string; source: string } | null;
}

export interface EligibilityOptions {
  /** 申报或推荐之日 (or the day of approval, when re-checked). */
  asOf: string;
  source: EntrySource;
  /** When re-checking an application at approval: that application is not "another" one. */
  applicationId?: string;
}

const GROWTH_OR_DEVELOPMENT = new Set(["GROWTH", "DEVELOPMENT"]);

function refusal(
  code: RefusalCode,
  reason: string,
  details: Record<string, unknown> | null = null,
): CategoryRefusal {
  return { code, reason, details };
}

function categoryName(category: string): string {
  return isCategoryKind(category) ? `“${CATEGORY_LABELS[category as CategoryKind]}”类` : category;
}

/**
 * The first day an unrepaired penalty no longer counts: its 2nd anniversary, or the day after if
 * the shared rule (penaltyIsActive, which the fact hasActivePenalty uses) still counts that day.
 */
export function penaltyWindowEndsOn(penalty: HouseholdPenaltyRow): string {
  const anniversary = addYears(penalty.decided_on, PENALTY_WINDOW_YEARS);
  return penaltyIsActive({ ...penalty, repaired_on: null }, anniversary)
    ? nextDay(anniversary)
    : anniversary;
}

/** Every reason the subject may not enter (or be recognised) on `asOf`; empty when it may. */
export function checkEligibility(
  subject: EligibilitySubject,
  options: EligibilityOptions,
): CategoryRefusal[] {
  const { asOf, source } = options;
  const refusals: CategoryRefusal[] = [];

  // 三(一)1 基础标准: 登记在册状态(不含吊销、注销、撤销状态) — a business no longer registered is
  // not classified at all.
  if (subject.status !== "ACTIVE") {
    refusals.push(
      refusal("NOT_REGISTERED", `个体工商户登记状态为 ${subject.status}，不在册，不能申报或推荐`, {
        status: subject.status,
      }),
    );
  }

  // 三(二)1: 个体工商户分类基于分型结果 — without a typing result there is nothing to base it on.
  if (subject.type === null) {
    refusals.push(
      refusal(
        "NOT_TYPED",
        "尚无分型结果：个体工商户分类基于分型结果（三(二)1），请待分型判定后再申报",
      ),
    );
  } else if (subject.type === "NOT_CLASSIFIABLE") {
    // 三(二) 注意事项: 存在违法违规、严重失信记录等情况的个体工商户不进行分类; never relaxed.
    refusals.push(
      refusal(
        "NOT_CLASSIFIABLE",
        "当前分型结果为“不符合分型条件”，不进行分类（三(二) 注意事项），部门推荐或放宽对象亦不例外",
        { type: subject.type },
      ),
    );
  } else if (!GROWTH_OR_DEVELOPMENT.has(subject.type)) {
    // 三(二)1: 原则上从“成长型”和“发展型”个体工商户中认定，部门推荐认定的…可以不受此限; 对退役军人、
    // 高校毕业生、残疾人、返乡创业农民工等经营的个体工商户，可以适当放宽分类来源.
    const relaxedGroups = subject.proprietorGroups.filter((g) =>
      (RELAXED_PROPRIETOR_GROUPS as readonly string[]).includes(g),
    );
    if (source === "SELF" && relaxedGroups.length === 0) {
      refusals.push(
        refusal(
          "TYPE_NOT_ELIGIBLE",
          `当前分型结果为“${TYPE_LABELS[subject.type] ?? subject.type}”：自主申报原则上限于“成长型”和“发展型”（三(二)1）；` +
            `部门推荐，或经营者为${Object.values(PROPRIETOR_GROUP_LABELS).join("、")}的，可不受此限`,
          { type: subject.type },
        ),
      );
    }
  }

  // 三(二)1 A: 申报或推荐之日前2年内，有…罚款及以上行政处罚信息，尚未完成信用修复.
  for (const p of subject.penalties) {
    if (!penaltyIsActive(p, asOf)) continue;
    const windowEnds = penaltyWindowEndsOn(p);
    refusals.push(
      refusal(
        "ACTIVE_PENALTY",
        `${p.decided_on} 决定的行政处罚（${p.kind}）在申报或推荐之日前${PENALTY_WINDOW_YEARS}年内，尚未完成信用修复（三(二)1 A）；` +
          `${windowEnds} 起不再受限，或完成信用修复后可申报`,
        { decidedOn: p.decided_on, kind: p.kind, windowEndsOn: windowEnds },
      ),
    );
  }

  // 三(二)1 B: 个体工商户经营者被人民法院列为失信被执行人.
  if (subject.proprietorDishonestDebtor) {
    refusals.push(
      refusal("DISHONEST_DEBTOR", "经营者被人民法院列为失信被执行人，不得申报或推荐（三(二)1 B）"),
    );
  }

  // 三(二)2: 以欺诈、贿赂等手段…取得认定的，应当撤销认定。个体工商户自被撤销认定之日起5年内不得再次申报.
  for (const r of subject.recognitions) {
    if (r.end_reason !== "REVOKED" || r.revoked_on === null) continue;
    if (!fraudBanCovers(r.revoked_on, asOf)) continue;
    const until = fraudBanEndsOn(r.revoked_on);
    refusals.push(
      refusal(
        "REVOKED_FOR_FRAUD",
        `${r.revoked_on} 因弄虚作假被撤销认定，自撤销之日起5年内不得再次申报（三(二)2）；${until} 起可再次申报`,
        { revokedOn: r.revoked_on, mayApplyFrom: until },
      ),
    );
  }

  // 三(二)1: 同一个体工商户只能认定为一个类型.
  for (const r of subject.recognitions) {
    if (!blocksNewRecognition(r, asOf)) continue;
    refusals.push(
      refusal(
        "ALREADY_RECOGNISED",
        `已认定为${categoryName(r.category)}（有效期 ${r.valid_from} 至 ${r.valid_until} 前），同一个体工商户只能认定为一个类型（三(二)1）`,
        { recognitionId: r.id, category: r.category, validUntil: r.valid_until },
      ),
    );
  }

  // 三(二)1: 同一自然人在同一县级行政区域内设立多个个体工商户的，最多只能有一个个体工商户获得认定.
  for (const r of subject.proprietorRecognitions) {
    if (r.uscc === subject.uscc || !blocksNewRecognition(r, asOf)) continue;
    refusals.push(
      refusal(
        "PROPRIETOR_RECOGNISED_IN_COUNTY",
        `同一经营者在本区县（${subject.countyCode}）设立的另一个体工商户 ${r.uscc} 已获认定（${categoryName(r.category)}），` +
          "同一自然人在同一县级行政区域内最多只能有一个个体工商户获得认定（三(二)1）",
        { uscc: r.uscc, category: r.category, validUntil: r.valid_until },
      ),
    );
  }

  // One procedure at a time: a second application would race the first for the same recognition.
  const open = subject.openApplication;
  if (open !== null && open.id !== options.applicationId) {
    refusals.push(
      refusal(
        "APPLICATION_PENDING",
        `已有尚未办结的${open.source === "DEPARTMENT" ? "部门推荐" : "申报"}（${open.id}，状态 ${open.state}），办结或撤回后方可再次申报或推荐`,
        { applicationId: open.id, state: open.state },
      ),
    );
  }
  return refusals;
}
