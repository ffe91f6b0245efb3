import { describe, expect, it } from "vitest";
import { compileRule } from "../../src/matching/compile-rule.ts";
import { formatNumber, outcomeText } from "../../src/matching/explain-text.ts";
import type { CompiledRule, Facts } from "../../src/matching/rule-types.ts";
import { formatIssue, validateRule } from "../../src/matching/validate-rule.ts";

function compile(rule: unknown, expect: "boolean" | "number" = "boolean"): CompiledRule {
  const result = validateRule(rule, { expect });
  if (!result.ok) throw new Error(result.issues.map(formatIssue).join("\n"));
  return compileRule(result.rule);
}

const v = (name: string) => ({ var: name });
const lines = (rule: unknown, facts: Facts) => compile(rule).explain(facts).text.split("\n");

describe("explanations", () => {
  it("show money in 万元 from 10,000 元, with the outcome of each condition", () => {
    const rule = { ">=": [v("revenueLastYear"), 300000] };
    expect(lines(rule, { revenueLastYear: 452000 })).toEqual([
      "上年度营业收入 45.2万元 ≥ 30万元：满足",
    ]);
    expect(lines(rule, { revenueLastYear: 9500 })).toEqual([
      "上年度营业收入 9500元 ≥ 30万元：不满足",
    ]);
    expect(lines(rule, { revenueLastYear: null })).toEqual([
      "上年度营业收入 未知 ≥ 30万元：未知（缺少上年度营业收入）",
    ]);
  });

  it("give each condition as structured data", () => {
    const explanation = compile({
      and: [{ ">=": [v("registeredYears"), 2] }, { "<=": [300000, v("revenueLastYear"), 600000] }],
    }).explain({ registeredYears: 1, revenueLastYear: null });
    expect(explanation.outcome).toBe("INELIGIBLE");
    expect(explanation.missingFacts).toEqual([]);
    expect(explanation.value).toBe(false);
    expect(explanation.conditions).toEqual([
      {
        path: "/and/0",
        fact: "registeredYears",
        value: 1,
        operator: ">=",
        threshold: 2,
        negated: false,
        holds: false,
        text: "注册年限 1年 ≥ 2年：不满足",
      },
      {
        path: "/and/1",
        fact: "revenueLastYear",
        value: null,
        operator: "<=",
        threshold: [300000, 600000],
        negated: false,
        holds: null,
        text: "30万元 ≤ 上年度营业收入 未知 ≤ 60万元：未知（缺少上年度营业收入）",
      },
    ]);
    expect(explanation.text).toBe(explanation.conditions.map((c) => c.text).join("\n"));
  });

  it("show enum values with their Chinese labels", () => {
    expect(lines({ "==": [v("type"), "DEVELOPMENT"] }, { type: "GROWTH" })).toEqual([
      "分型结果 成长型 = 发展型：不满足",
    ]);
    expect(
      lines(
        { in: [v("category"), ["FAMOUS", "DISTINCTIVE", "QUALITY", "EMERGING"]] },
        { category: "NONE" },
      ),
    ).toEqual(["名特优新类别 无 属于（知名、特色、优质、新兴）：不满足"]);
    expect(lines({ "!=": [v("type"), "NOT_CLASSIFIABLE"] }, { type: "SURVIVAL" })).toEqual([
      "分型结果 生存型 ≠ 不符合分型条件：满足",
    ]);
    expect(
      lines(
        { some: [v("proprietorGroups"), { "==": [v(""), "VETERAN"] }] },
        {
          proprietorGroups: ["GRADUATE", "VETERAN"],
        },
      ),
    ).toEqual(["经营者所属群体 高校毕业生、退役军人 中至少一项满足「该项 = 退役军人」：满足"]);
    expect(lines({ in: ["DISABLED", v("proprietorGroups")] }, { proprietorGroups: [] })).toEqual([
      "经营者所属群体 无 包含 残疾人：不满足",
    ]);
  });

  it("read a negation as the requirement it states", () => {
    expect(lines({ "!": v("abnormalListed") }, { abnormalListed: false })).toEqual([
      "经营异常状态 否 = 否：满足",
    ]);
    expect(lines(v("annualReportFiledLastYear"), { annualReportFiledLastYear: false })).toEqual([
      "上年度已报送年报 否 = 是：不满足",
    ]);
    const negated = compile({ "!": { ">=": [v("taxPaidLastYear"), 10000] } }).explain({
      taxPaidLastYear: 8000,
    });
    expect(negated.text).toBe("上年度实际缴纳税款 8000元 < 1万元：满足");
    expect(negated.conditions[0]).toMatchObject({
      path: "",
      operator: ">=",
      negated: true,
      holds: true,
    });
    expect(
      lines(
        { "!": { "<=": [3, v("insuredEmployeesLastYear"), 5] } },
        {
          insuredEmployeesLastYear: 4,
        },
      ),
    ).toEqual(["并非（3人 ≤ 上年度参保人数 4人 ≤ 5人）：不满足"]);
    expect(lines({ "!": { in: [v("type"), ["SURVIVAL"]] } }, { type: "GROWTH" })).toEqual([
      "分型结果 成长型 不属于（生存型）：满足",
    ]);
  });

  it("explain null comparisons and missing facts", () => {
    expect(lines({ "==": [v("industryCode"), null] }, { industryCode: null })).toEqual([
      "行业代码（未知）缺失：满足",
    ]);
    expect(lines({ "!=": [v("industryCode"), null] }, { industryCode: "5311" })).toEqual([
      "行业代码（5311）已知：满足",
    ]);
    expect(
      lines(
        { "!": { missing: ["industryCode", "revenueLastYear"] } },
        {
          industryCode: "5311",
          revenueLastYear: null,
        },
      ),
    ).toEqual(["行业代码、上年度营业收入 均已知（缺失：上年度营业收入）：不满足"]);
  });

  it("show every condition of and/or, and the chosen branch of if", () => {
    const rule = {
      or: [
        { "<=": [v("taxPaidLastYear"), 10000] },
        { "<=": [3, v("insuredEmployeesLastYear"), 5] },
        { if: [{ "==": [v("type"), "GROWTH"] }, { ">=": [v("registeredYears"), 6] }, false] },
      ],
    };
    expect(
      lines(rule, {
        taxPaidLastYear: 5000,
        insuredEmployeesLastYear: 2,
        type: "GROWTH",
        registeredYears: 7,
      }),
    ).toEqual([
      "上年度实际缴纳税款 5000元 ≤ 1万元：满足",
      "3人 ≤ 上年度参保人数 2人 ≤ 5人：不满足",
      "分型结果 成长型 = 成长型：满足",
      "注册年限 7年 ≥ 6年：满足",
    ]);
  });

  it("explain an amount: the conditions that chose it and its value", () => {
    const amount = compile(
      {
        if: [
          { ">=": [v("revenueLastYear"), 1_000_000] },
          { min: [{ "*": [v("revenueLastYear"), 0.05] }, 50_000] },
          20_000,
        ],
      },
      "number",
    );
    const explanation = amount.explain({ revenueLastYear: 1_200_000 });
    expect(explanation.value).toBe(50_000);
    expect(explanation.outcome).toBe("ELIGIBLE");
    expect(explanation.text).toBe("上年度营业收入 120万元 ≥ 100万元：满足");
    const ratio = compile({ ">": [{ "/": [v("taxPaidLastYear"), v("revenueLastYear")] }, 0.01] });
    expect(ratio.explain({ taxPaidLastYear: 6000, revenueLastYear: 452000 }).text).toBe(
      "上年度实际缴纳税款 ÷ 上年度营业收入 0.0132743 > 0.01：满足",
    );
  });

  it("agree with decide", () => {
    const rule = compile({
      and: [{ ">=": [v("registeredYears"), 2] }, { "!": v("abnormalListed") }],
    });
    for (const facts of [
      { registeredYears: 3, abnormalListed: false },
      { registeredYears: 3, abnormalListed: null },
      { registeredYears: 1, abnormalListed: null },
    ]) {
      const { outcome, missingFacts } = rule.explain(facts);
      expect({ outcome, missingFacts }).toEqual(rule.decide(facts));
    }
  });

  it("format numbers and outcomes for people", () => {
    expect(formatNumber(452000, "元")).toBe("45.2万元");
    expect(formatNumber(10000, "元")).toBe("1万元");
    expect(formatNumber(1234567.89, "元")).toBe("123.456789万元");
    expect(formatNumber(9999.5, "元")).toBe("9999.5元");
    expect(formatNumber(-20000, "元")).toBe("-2万元");
    expect(formatNumber(3, "人")).toBe("3人");
    expect(formatNumber(0.1 + 0.2, null)).toBe("0.3");
    expect(outcomeText({ outcome: "ELIGIBLE", missingFacts: [] })).toBe("符合");
    expect(outcomeText({ outcome: "INELIGIBLE", missingFacts: [] })).toBe("不符合");
    expect(
      outcomeText({ outcome: "UNDETERMINED", missingFacts: ["revenueLastYear", "type"] }),
    ).toBe("无法判定（缺少上年度营业收入、分型结果）");
  });
});
