import type { FactDefinition } from "./rule-types.ts";

export const TYPES = ["SURVIVAL", "GROWTH", "DEVELOPMENT", "NOT_CLASSIFIABLE"] as const;
export const CATEGORIES = ["NONE", "FAMOUS", "DISTINCTIVE", "QUALITY", "EMERGING"] as const;
export const PROPRIETOR_GROUPS = ["VETERAN", "GRADUATE", "DISABLED", "RETURNING_MIGRANT"] as const;
export const STATUSES = ["ACTIVE", "REVOKED", "DEREGISTERED", "CANCELLED"] as const;
export const INDUSTRY_SECTIONS = "ABCDEFGHIJKLMNOPQRST".split("");

/**
 * The fact catalog: every fact a rule may read. 上年度 (last year) is the calendar year before the
 * as-of date's year; a figure absent for that year is unknown (null), never zero.
 */
export const FACTS: readonly FactDefinition[] = [
  // ── PUBLIC: anyone may filter on these (banks without consent too) ──
  {
    name: "type",
    type: "enum",
    values: TYPES,
    labelZh: "分型结果",
    labelEn: "type",
    unit: null,
    level: "PUBLIC",
    // Unknown before any typing run.
    nullable: true,
  },
  {
    name: "category",
    type: "enum",
    values: CATEGORIES,
    labelZh: "名特优新类别",
    labelEn: "名特优新 category",
    unit: null,
    level: "PUBLIC",
    nullable: false,
  },
  {
    name: "countyCode",
    type: "string",
    labelZh: "登记区县",
    labelEn: "county code (GB/T 2260)",
    unit: null,
    level: "PUBLIC",
    nullable: false,
  },
  {
    name: "industryCode",
    type: "string",
    labelZh: "行业代码",
    labelEn: "industry code (GB/T 4754)",
    unit: null,
    level: "PUBLIC",
    nullable: true,
  },
  {
    name: "industrySection",
    type: "enum",
    values: INDUSTRY_SECTIONS,
    labelZh: "行业门类",
    labelEn: "industry section (GB/T 4754)",
    unit: null,
    level: "PUBLIC",
    nullable: true,
  },
  {
    name: "registeredYears",
    type: "integer",
    labelZh: "注册年限",
    labelEn: "whole years since registration",
    unit: "年",
    level: "PUBLIC",
    nullable: false,
  },
  // ── BANK: banks may filter on these only with the household's consent ──
  {
    name: "taxPaidLastYear",
    type: "number",
    labelZh: "上年度实际缴纳税款",
    labelEn: "tax paid last year",
    unit: "元",
    level: "BANK",
    nullable: true,
  },
  {
    name: "insuredEmployeesLastYear",
    type: "integer",
    labelZh: "上年度参保人数",
    labelEn: "insured employees last year (proprietor included)",
    unit: "人",
    level: "BANK",
    nullable: true,
  },
  {
    name: "revenueLastYear",
    type: "number",
    labelZh: "上年度营业收入",
    labelEn: "revenue last year",
    unit: "元",
    level: "BANK",
    nullable: true,
  },
  // ── INTERNAL: staff and departments only ──
  {
    name: "status",
    type: "enum",
    values: STATUSES,
    labelZh: "登记状态",
    labelEn: "registration status",
    unit: null,
    level: "INTERNAL",
    nullable: false,
  },
  {
    name: "annualReportFiledLastYear",
    type: "boolean",
    labelZh: "上年度已报送年报",
    labelEn: "annual report filed for last year",
    unit: null,
    level: "INTERNAL",
    nullable: false,
  },
  {
    name: "registeredThisYear",
    type: "boolean",
    labelZh: "当年新成立",
    labelEn: "registered in the as-of year",
    unit: null,
    level: "INTERNAL",
    nullable: false,
  },
  {
    name: "proprietorGroups",
    type: "stringList",
    values: PROPRIETOR_GROUPS,
    labelZh: "经营者所属群体",
    labelEn: "proprietor's relaxed groups",
    unit: null,
    level: "INTERNAL",
    nullable: false,
  },
  {
    name: "abnormalListed",
    type: "boolean",
    labelZh: "经营异常状态",
    labelEn: "marked 经营异常",
    unit: null,
    level: "INTERNAL",
    nullable: false,
  },
  {
    name: "seriousViolationListed",
    type: "boolean",
    labelZh: "列入严重违法失信名单",
    labelEn: "on the serious violation list",
    unit: null,
    level: "INTERNAL",
    nullable: false,
  },
  {
    name: "taxAbnormal",
    type: "boolean",
    labelZh: "税务非正常户",
    labelEn: "tax 非正常户",
    unit: null,
    level: "INTERNAL",
    nullable: false,
  },
  {
    name: "suspended",
    type: "boolean",
    labelZh: "歇业备案期内",
    labelEn: "within a suspension (歇业备案)",
    unit: null,
    level: "INTERNAL",
    nullable: false,
  },
  {
    name: "seasonal",
    type: "boolean",
    labelZh: "季节性经营",
    labelEn: "seasonal business",
    unit: null,
    level: "INTERNAL",
    nullable: false,
  },
  {
    name: "hasActivePenalty",
    type: "boolean",
    labelZh: "2年内有未修复的罚款及以上行政处罚",
    labelEn: "a fine or above within 2 years, not repaired",
    unit: null,
    level: "INTERNAL",
    nullable: false,
  },
  {
    name: "proprietorDishonestDebtor",
    type: "boolean",
    labelZh: "经营者为失信被执行人",
    labelEn: "proprietor is a dishonest debtor",
    unit: null,
    level: "INTERNAL",
    nullable: false,
  },
];

const BY_NAME = new Map(FACTS.map((fact) => [fact.name, fact]));

export function factByName(name: string): FactDefinition | undefined {
  return BY_NAME.get(name);
}
