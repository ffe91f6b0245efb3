import { unreachable } from "../auth/principal.ts";
import {
  factsOf,
  type HouseholdFacts,
  type HouseholdSnapshot,
} from "../matching/household-facts.ts";
import type { ExtensionCondition } from "./category-conditions.ts";
import {
  inLastYear,
  missingReportYears,
  type RecognitionDates,
  recognitionStands,
} from "./category-validity.ts";

/**
 * 三(二)2 有效期和评估确认, as a pure function: which recognitions an operator should cancel and
 * on what ground, and which are in their last year (due for evaluation and a possible extension).
 */

export const CANCEL_GROUNDS = [
  "MISSING_REPORT",
  "NOT_REGISTERED",
  "NOT_CLASSIFIABLE",
  "ABNORMAL_LISTED",
  "SERIOUS_VIOLATION_LISTED",
  "TAX_ABNORMAL",
  "SUSPENDED",
  "ACTIVE_PENALTY",
  "DISHONEST_DEBTOR",
  "REPORT_NOT_CONFIRMED",
  "SPOT_CHECK_FAILED",
] as const;
export type CancelGround = (typeof CANCEL_GROUNDS)[number];

export const CANCEL_GROUND_LABELS: Readonly<Record<CancelGround, string>> = {
  MISSING_REPORT: "未于7月底前完成年度信息报告（三(二)2）",
  NOT_REGISTERED:
    "个体工商户已不在册（吊销、注销或撤销），已不符合分型基础标准（三(一)1、三(二)2）",
  NOT_CLASSIFIABLE: "当前分型结果为“不符合分型条件”，已不符合分型和分类基础标准（三(二)2）",
  ABNORMAL_LISTED:
    "被市场监管部门标记为经营异常状态，尚未恢复正常经营状态，已不符合分型基础标准（三(一)1 基础标准 A、三(二)2）",
  SERIOUS_VIOLATION_LISTED:
    "被列入市场监督管理严重违法失信名单，未实施信用修复，已不符合分型基础标准（三(一)1 基础标准 B、三(二)2）",
  TAX_ABNORMAL:
    "被税务部门列为“非正常户”尚未解除，已不符合分型基础标准（三(一)1 基础标准 C、三(二)2）",
  SUSPENDED:
    "已办理歇业备案，尚在法定最长歇业期内（非季节性经营），已不符合分型基础标准（三(一)1 基础标准 D、三(二)2）",
  ACTIVE_PENALTY:
    "2年内有罚款及以上行政处罚尚未完成信用修复，已不符合分类基础标准（三(二)1 A、三(二)2）",
  DISHONEST_DEBTOR: "经营者被人民法院列为失信被执行人，已不符合分类基础标准（三(二)1 B、三(二)2）",
  REPORT_NOT_CONFIRMED: "信息报告经审核未予确认，已不符合标准（三(二)2 认定部门应当审核信息报告）",
  SPOT_CHECK_FAILED: "省局抽查实地核实不符合认定条件（三(二)2 按照3%的比例进行抽查）",
};

/** What upkeep reads about one recognition besides its dates. */
export interface UpkeepFacts {
  /** Years with an annual report. */
  reportedYears: readonly number[];
  /** The latest reviewed report was not confirmed. */
  reportNotConfirmed: boolean;
  /** A spot check's field verification did not confirm it. */
  spotCheckFailed: boolean;
  /**
   * The household's records (household-facts.ts). Its register status, current type, the typing
   * base standard's A–D and the classification base standard's A and B are their facts as of the
   * date upkeep is looked at (factsOf), the same facts entry and the rules read.
   */
  household: HouseholdSnapshot;
}

/**
 * 三(二)2 是否继续符合分型…基础标准: the typing base standard's A–D (三(一)1 基础标准) on the
 * household's facts as of the date, not as of the last typing run — a household put on the
 * 经营异常名录 after the run is listed at once. The facts are those the typing standard's base
 * conditions read (policies-data/typing: BASE_ABNORMAL, BASE_SERIOUS_VIOLATION, BASE_TAX_ABNORMAL,
 * BASE_SUSPENDED), computed by factsOf: the 歇业 period and its legal maximum are its own.
 * 登记在册 is NOT_REGISTERED. The standard's other item, 上一年度已报送年度报告, is left to the
 * run: it is judged after the reporting period (三(一)2 每年7月份个体工商户年度报告结束后), and
 * read on an earlier day it would list every household whose report is not yet due.
 */
export function baseStandardGrounds(
  facts: Pick<
    HouseholdFacts,
    "abnormalListed" | "seriousViolationListed" | "taxAbnormal" | "suspended" | "seasonal"
  >,
): CancelGround[] {
  const grounds: CancelGround[] = [];
  // 三(一)1 基础标准 A: 被市场监管部门标记为经营异常状态，尚未恢复正常经营状态的.
  if (facts.abnormalListed) grounds.push("ABNORMAL_LISTED");
  // 三(一)1 基础标准 B: 被列入市场监督管理严重违法失信名单，未实施信用修复的.
  if (facts.seriousViolationListed) grounds.push("SERIOUS_VIOLATION_LISTED");
  // 三(一)1 基础标准 C: 被税务部门列为“非正常户”尚未解除的.
  if (facts.taxAbnormal) grounds.push("TAX_ABNORMAL");
  // 三(一)1 基础标准 D: 已办理歇业备案，尚在法定最长歇业期内的（季节性经营的个体工商户除外）.
  if (facts.suspended && !facts.seasonal) grounds.push("SUSPENDED");
  return grounds;
}

export interface UpkeepStatus {
  grounds: CancelGround[];
  missingReportYears: number[];
  inLastYear: boolean;
}

/** The grounds to cancel a standing recognition on `date` (none when it does not stand). */
export function upkeepOf(r: RecognitionDates, facts: UpkeepFacts, date: string): UpkeepStatus {
  if (!recognitionStands(r, date))
    return { grounds: [], missingReportYears: [], inLastYear: false };
  const missing = missingReportYears(r, facts.reportedYears, date);
  const grounds: CancelGround[] = [];
  // 三(二)2 于每年7月底前完成信息报告.
  if (missing.length > 0) grounds.push("MISSING_REPORT");
  // 三(二)2 是否继续符合分型和分类基础标准进行确认。对已不符合标准的，取消认定: what entry
  // required still holds — in the register (三(一)1), not 不符合分型条件 in the current run, the
  // typing base standard's A–D (三(一)1) and the classification base standard's A and B (三(二)1)
  // as of the date.
  const household = factsOf(facts.household, date);
  if (household.status !== "ACTIVE") grounds.push("NOT_REGISTERED");
  if (household.type === "NOT_CLASSIFIABLE") grounds.push("NOT_CLASSIFIABLE");
  grounds.push(...baseStandardGrounds(household));
  if (household.hasActivePenalty) grounds.push("ACTIVE_PENALTY");
  if (household.proprietorDishonestDebtor) grounds.push("DISHONEST_DEBTOR");
  if (facts.reportNotConfirmed) grounds.push("REPORT_NOT_CONFIRMED");
  if (facts.spotCheckFailed) grounds.push("SPOT_CHECK_FAILED");
  return { grounds, missingReportYears: missing, inLastYear: inLastYear(r, date) };
}

/** 生存型 < 成长型 < 发展型: the order condition C's 提升 climbs. */
const TYPE_RANK: Readonly<Record<string, number>> = { SURVIVAL: 1, GROWTH: 2, DEVELOPMENT: 3 };

/**
 * 三(二)2 C: 由认定时的“成长型”提升为“发展型”，或者由“生存型”提升为“成长型” — a higher type now than
 * the one stored at recognition (生存型 to 发展型 climbs past 成长型, so it counts too); the other
 * conditions rest on the evidence the operator records.
 */
export function extensionConditionHolds(
  condition: ExtensionCondition,
  recognition: { source: string | null; type_at_recognition: string | null },
  currentType: string | null,
): { holds: true } | { holds: false; reason: string } {
  switch (condition) {
    case "A":
    case "B":
      return { holds: true };
    case "C": {
      const from = recognition.type_at_recognition;
      const before = from === null ? undefined : TYPE_RANK[from];
      const now = currentType === null ? undefined : TYPE_RANK[currentType];
      const upgraded = before !== undefined && now !== undefined && now > before;
      return upgraded
        ? { holds: true }
        : {
            holds: false,
            reason: `condition C needs 成长型→发展型 or 生存型→成长型 since recognition; type at recognition ${from ?? "unknown"}, now ${currentType ?? "unknown"}`,
          };
    }
    case "D":
      return recognition.source === "DEPARTMENT"
        ? { holds: true }
        : {
            holds: false,
            reason:
              "condition D applies only to a household recognised on a department's recommendation",
          };
    default:
      return unreachable(condition);
  }
}
