import jsonLogic from "json-logic-js";
import { describe, expect, it } from "vitest";
import { compileRule } from "../../src/matching/compile-rule.ts";
import type { CompiledRule, Facts } from "../../src/matching/rule-types.ts";
import { formatIssue, validateRule } from "../../src/matching/validate-rule.ts";

function compile(rule: unknown, expect: "boolean" | "number" | "any" = "boolean"): CompiledRule {
  const result = validateRule(rule, { expect });
  if (!result.ok) throw new Error(result.issues.map(formatIssue).join("\n"));
  return compileRule(result.rule);
}

const v = (name: string) => ({ var: name });
const outcome = (rule: unknown, facts: Facts) => compile(rule).decide(facts).outcome;

describe("the JS evaluator", () => {
  it("follows Kleene logic for and, or and ! (SQL NULL logic)", () => {
    const a = v("abnormalListed");
    const b = v("taxAbnormal");
    const table: [boolean | null, boolean | null, string, string][] = [
      [false, null, "INELIGIBLE", "UNDETERMINED"],
      [true, null, "UNDETERMINED", "ELIGIBLE"],
      [null, null, "UNDETERMINED", "UNDETERMINED"],
      [true, true, "ELIGIBLE", "ELIGIBLE"],
      [true, false, "INELIGIBLE", "ELIGIBLE"],
      [false, false, "INELIGIBLE", "INELIGIBLE"],
    ];
    for (const [x, y, and, or] of table) {
      for (const facts of [
        { abnormalListed: x, taxAbnormal: y },
        { abnormalListed: y, taxAbnormal: x },
      ]) {
        expect(outcome({ and: [a, b] }, facts)).toBe(and);
        expect(outcome({ or: [a, b] }, facts)).toBe(or);
        expect(outcome({ and: [a, b, true] }, facts)).toBe(and);
        expect(outcome({ or: [a, false, b] }, facts)).toBe(or);
      }
    }
    expect(outcome({ "!": a }, { abnormalListed: null })).toBe("UNDETERMINED");
    expect(outcome({ "!": a }, { abnormalListed: false })).toBe("ELIGIBLE");
    expect(outcome({ "!!": a }, { abnormalListed: true })).toBe("ELIGIBLE");
  });

  it("treats an unknown fact as unknown, not zero, and names it", () => {
    const rule = compile({ ">=": [v("revenueLastYear"), 300000] });
    expect(rule.decide({ revenueLastYear: null })).toEqual({
      outcome: "UNDETERMINED",
      missingFacts: ["revenueLastYear"],
    });
    // An absent key is unknown too.
    expect(rule.decide({}).outcome).toBe("UNDETERMINED");
    expect(rule.decide({ revenueLastYear: 300000 }).outcome).toBe("ELIGIBLE");
    expect(rule.decide({ revenueLastYear: 299999.99 }).outcome).toBe("INELIGIBLE");
    // json-logic-js reads null as 0 here: null < 5 is true. Ours is unknown.
    expect(jsonLogic.apply({ "<": [v("revenueLastYear"), 5] }, { revenueLastYear: null })).toBe(
      true,
    );
    expect(outcome({ "<": [v("revenueLastYear"), 5] }, { revenueLastYear: null })).toBe(
      "UNDETERMINED",
    );
  });

  it("lists only the unknown facts the outcome depends on", () => {
    const rule = compile({
      and: [
        { ">=": [v("registeredYears"), 2] },
        { or: [{ "<=": [v("taxPaidLastYear"), 10000] }, { ">=": [v("revenueLastYear"), 300000] }] },
        { "!": v("abnormalListed") },
      ],
    });
    const facts = {
      registeredYears: 3,
      taxPaidLastYear: null,
      revenueLastYear: null,
      abnormalListed: null,
    };
    expect(rule.decide(facts)).toEqual({
      outcome: "UNDETERMINED",
      missingFacts: ["taxPaidLastYear", "revenueLastYear", "abnormalListed"],
    });
    // One known false condition decides, whatever the unknowns.
    expect(rule.decide({ ...facts, registeredYears: 1 })).toEqual({
      outcome: "INELIGIBLE",
      missingFacts: [],
    });
    // A true side of the or makes its unknown side irrelevant.
    expect(rule.decide({ ...facts, revenueLastYear: 400000 })).toEqual({
      outcome: "UNDETERMINED",
      missingFacts: ["abnormalListed"],
    });
    // An unknown if-condition: knowing it is what matters, not the branches.
    const conditional = compile({
      if: [
        { "==": [v("type"), "GROWTH"] },
        { ">=": [v("revenueLastYear"), 300000] },
        { ">=": [v("taxPaidLastYear"), 10000] },
      ],
    });
    expect(
      conditional.decide({ type: null, revenueLastYear: null, taxPaidLastYear: null }),
    ).toEqual({ outcome: "UNDETERMINED", missingFacts: ["type"] });
    expect(
      conditional.decide({ type: "GROWTH", revenueLastYear: null, taxPaidLastYear: null }),
    ).toEqual({ outcome: "UNDETERMINED", missingFacts: ["revenueLastYear"] });
  });

  it("decides comparisons with a literal null: is the fact unknown?", () => {
    for (const op of ["==", "==="]) {
      expect(outcome({ [op]: [v("industryCode"), null] }, { industryCode: null })).toBe("ELIGIBLE");
      expect(outcome({ [op]: [null, v("industryCode")] }, { industryCode: "5311" })).toBe(
        "INELIGIBLE",
      );
    }
    for (const op of ["!=", "!=="]) {
      expect(outcome({ [op]: [v("industryCode"), null] }, { industryCode: null })).toBe(
        "INELIGIBLE",
      );
      expect(outcome({ [op]: [v("industryCode"), null] }, { industryCode: "" })).toBe("ELIGIBLE");
    }
  });

  it("decides missing; the empty string counts as missing, as in json-logic-js", () => {
    const rule = compile({ "!": { missing: ["industryCode", "revenueLastYear"] } });
    expect(rule.decide({ industryCode: "5311", revenueLastYear: 0 }).outcome).toBe("ELIGIBLE");
    expect(rule.decide({ industryCode: "", revenueLastYear: 0 }).outcome).toBe("INELIGIBLE");
    expect(rule.decide({ industryCode: "5311", revenueLastYear: null }).outcome).toBe("INELIGIBLE");
    const value = compile({ missing: ["industryCode", "revenueLastYear"] }, "any");
    expect(value.value({ industryCode: null, revenueLastYear: 1 })).toEqual(["industryCode"]);
  });

  it("computes amounts; division by zero and unknown operands are unknown", () => {
    const amount = compile(
      {
        if: [
          { ">=": [v("revenueLastYear"), 1_000_000] },
          { min: [{ "*": [v("revenueLastYear"), 0.05] }, 50_000] },
          { "*": [v("insuredEmployeesLastYear"), 1000] },
        ],
      },
      "number",
    );
    expect(amount.value({ revenueLastYear: 2_000_000, insuredEmployeesLastYear: 3 })).toBe(50_000);
    expect(amount.value({ revenueLastYear: 500_000, insuredEmployeesLastYear: 3 })).toBe(3000);
    expect(amount.value({ revenueLastYear: null, insuredEmployeesLastYear: 3 })).toBeNull();
    const ratio = compile({ "/": [v("taxPaidLastYear"), v("revenueLastYear")] }, "number");
    expect(ratio.value({ taxPaidLastYear: 100, revenueLastYear: 0 })).toBeNull();
    expect(ratio.value({ taxPaidLastYear: 0.3, revenueLastYear: 0.1 })).toBe(0.3 / 0.1);
    expect(
      compile({ ">": [{ "/": [v("taxPaidLastYear"), v("revenueLastYear")] }, 0.01] }).decide({
        taxPaidLastYear: 100,
        revenueLastYear: 0,
      }),
    ).toEqual({ outcome: "UNDETERMINED", missingFacts: [] });
    expect(
      compile({ max: [v("taxPaidLastYear"), 5] }, "number").value({ taxPaidLastYear: null }),
    ).toBeNull();
    expect(compile({ "-": [v("registeredYears")] }, "number").value({ registeredYears: 4 })).toBe(
      -4,
    );
    expect(
      compile({ "+": [v("registeredYears"), 0.1, 0.2] }, "number").value({ registeredYears: 0 }),
    ).toBe(0.1 + 0.2);
  });

  it("tests membership in a literal list, substrings and list facts", () => {
    const inList = { in: [v("type"), ["GROWTH", "DEVELOPMENT"]] };
    expect(outcome(inList, { type: "GROWTH" })).toBe("ELIGIBLE");
    expect(outcome(inList, { type: "SURVIVAL" })).toBe("INELIGIBLE");
    expect(outcome(inList, { type: null })).toBe("UNDETERMINED");
    // Nothing is in an empty list, not even an unknown value.
    expect(outcome({ in: [v("type"), []] }, { type: null })).toBe("INELIGIBLE");
    const long = Array.from({ length: 20 }, (_, i) => 4101 + i);
    expect(outcome({ in: [v("registeredYears"), long] }, { registeredYears: 4110 })).toBe(
      "ELIGIBLE",
    );

    const substring = { in: ["53", v("industryCode")] };
    expect(outcome(substring, { industryCode: "5311" })).toBe("ELIGIBLE");
    expect(outcome(substring, { industryCode: "5211" })).toBe("INELIGIBLE");
    expect(outcome(substring, { industryCode: null })).toBe("UNDETERMINED");
    // json-logic-js finds nothing in an empty string, not even "".
    expect(outcome({ in: ["", v("industryCode")] }, { industryCode: "" })).toBe("INELIGIBLE");

    const member = { in: ["VETERAN", v("proprietorGroups")] };
    expect(outcome(member, { proprietorGroups: ["GRADUATE", "VETERAN"] })).toBe("ELIGIBLE");
    expect(outcome(member, { proprietorGroups: [] })).toBe("INELIGIBLE");
    expect(outcome(member, { proprietorGroups: null })).toBe("UNDETERMINED");
    expect(
      outcome(
        { in: [v("category"), v("proprietorGroups")] },
        { category: null, proprietorGroups: [] },
      ),
    ).toBe("INELIGIBLE");
  });

  it("goes through list facts with some, all and none", () => {
    const veteran = { "==": [v(""), "VETERAN"] };
    const cases: [unknown, string, string, string][] = [
      [["VETERAN", "GRADUATE"], "ELIGIBLE", "INELIGIBLE", "INELIGIBLE"],
      [["VETERAN"], "ELIGIBLE", "ELIGIBLE", "INELIGIBLE"],
      [["GRADUATE"], "INELIGIBLE", "INELIGIBLE", "ELIGIBLE"],
      // json-logic-js: all of an empty list is false, none of it is true.
      [[], "INELIGIBLE", "INELIGIBLE", "ELIGIBLE"],
      [null, "UNDETERMINED", "UNDETERMINED", "UNDETERMINED"],
    ];
    for (const [groups, some, all, none] of cases) {
      const facts = { proprietorGroups: groups as string[] | null };
      expect(outcome({ some: [v("proprietorGroups"), veteran] }, facts)).toBe(some);
      expect(outcome({ all: [v("proprietorGroups"), veteran] }, facts)).toBe(all);
      expect(outcome({ none: [v("proprietorGroups"), veteran] }, facts)).toBe(none);
    }
    expect(outcome({ "!": v("proprietorGroups") }, { proprietorGroups: [] })).toBe("ELIGIBLE");
  });

  it("chooses with if; an unknown condition leaves the value unknown", () => {
    const rule = compile(
      {
        if: [
          { "==": [v("type"), "DEVELOPMENT"] },
          30_000,
          { "==": [v("type"), "GROWTH"] },
          20_000,
          0,
        ],
      },
      "number",
    );
    expect(rule.value({ type: "DEVELOPMENT" })).toBe(30_000);
    expect(rule.value({ type: "GROWTH" })).toBe(20_000);
    expect(rule.value({ type: "SURVIVAL" })).toBe(0);
    expect(rule.value({ type: null })).toBeNull();
    // json-logic-js takes the else branch when the condition reads null.
    expect(jsonLogic.apply(rule.rule.json as jsonLogic.RulesLogic, { type: null })).toBe(0);
    expect(rule.decide({ type: "SURVIVAL" }).outcome).toBe("INELIGIBLE");
    expect(
      compile({ "?:": [v("seasonal"), true, { "!": v("suspended") }] }).decide({
        seasonal: false,
        suspended: true,
      }).outcome,
    ).toBe("INELIGIBLE");
  });

  it("tests truth as json-logic-js: 0, the empty string and the empty list are false", () => {
    expect(outcome({ "!!": v("registeredYears") }, { registeredYears: 0 })).toBe("INELIGIBLE");
    expect(outcome({ "!": v("countyCode") }, { countyCode: "" })).toBe("ELIGIBLE");
    expect(outcome({ if: [v("insuredEmployeesLastYear"), true, false] }, {})).toBe("UNDETERMINED");
    expect(compile(true).decide({}).outcome).toBe("ELIGIBLE");
  });

  it("compares floating point numbers as doubles", () => {
    const rule = { "==": [{ "+": [v("taxPaidLastYear"), 0.2] }, 0.3] };
    expect(outcome(rule, { taxPaidLastYear: 0.1 })).toBe("INELIGIBLE");
    expect(jsonLogic.apply(rule as jsonLogic.RulesLogic, { taxPaidLastYear: 0.1 })).toBe(false);
    expect(outcome({ "<=": [0.1, v("taxPaidLastYear"), 0.1] }, { taxPaidLastYear: 0.1 })).toBe(
      "ELIGIBLE",
    );
  });

  it("keeps a compiled rule independent of the JSON it came from", () => {
    const json = { ">=": [v("registeredYears"), 2] as unknown[] };
    const rule = compile(json);
    (json[">="] as unknown[])[1] = 100;
    expect(rule.decide({ registeredYears: 3 }).outcome).toBe("ELIGIBLE");
  });
});
