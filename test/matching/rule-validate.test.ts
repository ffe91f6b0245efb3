import { describe, expect, it } from "vitest";
import { BadInputError } from "../../src/errors.ts";
import type { RuleIssue } from "../../src/matching/rule-types.ts";
import {
  formatIssue,
  MAX_RULE_DEPTH,
  MAX_RULE_NODES,
  requireValidRule,
  validateRule,
} from "../../src/matching/validate-rule.ts";

function issues(rule: unknown, options = {}): string[] {
  const result = validateRule(rule, options);
  if (result.ok) throw new Error(`expected issues for ${JSON.stringify(rule)}`);
  return result.issues.map(formatIssue);
}

function valid(rule: unknown, options = {}) {
  const result = validateRule(rule, options);
  if (!result.ok) throw new Error(result.issues.map(formatIssue).join("\n"));
  return result.rule;
}

const v = (name: string) => ({ var: name });

describe("validateRule", () => {
  it("names an unknown fact with its JSON path and the nearest fact", () => {
    const rule = { and: [{ "==": [v("type"), "GROWTH"] }, { ">=": [v("revenu"), 300000] }] };
    expect(issues(rule)).toEqual([
      '/and/1/>=/0: unknown fact "revenu"; did you mean "revenueLastYear"?',
    ]);
    expect(issues({ "<": [v("registerdYears"), 2] })).toEqual([
      '/</0: unknown fact "registerdYears"; did you mean "registeredYears"?',
    ]);
    // A Chinese label in place of the name points to the name.
    expect(issues({ "!": v("经营异常状态") })).toEqual([
      '/!: unknown fact "经营异常状态"; did you mean "abnormalListed"?',
    ]);
    expect(issues({ "!": v("zzzzzz") })).toEqual(['/!: unknown fact "zzzzzz"']);
  });

  it("refuses an enum value that does not exist, suggesting the nearest", () => {
    expect(issues({ "===": [v("type"), "GROWN"] })).toEqual([
      '/===/1: "GROWN" is not a value of fact "type" (SURVIVAL, GROWTH, DEVELOPMENT, NOT_CLASSIFIABLE); did you mean "GROWTH"?',
    ]);
    expect(issues({ in: [v("category"), ["FAMOUS", "QUALTY"]] })).toEqual([
      '/in/1/1: "QUALTY" is not a value of fact "category" (NONE, FAMOUS, DISTINCTIVE, QUALITY, EMERGING); did you mean "QUALITY"?',
    ]);
    expect(issues({ some: [v("proprietorGroups"), { "==": [v(""), "VETERANS"] }] })).toEqual([
      '/some/1/==/1: "VETERANS" is not a value of fact "proprietorGroups" (VETERAN, GRADUATE, DISABLED, RETURNING_MIGRANT); did you mean "VETERAN"?',
    ]);
    expect(issues({ in: ["SOLDIER", v("proprietorGroups")] })[0]).toMatch(
      /^\/in\/0: "SOLDIER" is not a value of fact "proprietorGroups"/,
    );
  });

  it("refuses unknown and left-out operators", () => {
    expect(issues({ "=>": [v("registeredYears"), 2] })).toEqual([
      '/: unknown operator "=>"; did you mean "=="?',
    ]);
    expect(issues({ and: [true, { cat: ["a", "b"] }] })).toEqual([
      '/and/1: operator "cat" is not part of the rule language (see docs/rule-language.md)',
    ]);
    expect(issues({ and: [true, { "%": [v("registeredYears"), 2] }] })[0]).toContain(
      'operator "%" is not part of the rule language',
    );
    expect(issues({ ">=": [1, 2], "<": [1, 2] })).toEqual([
      "/: an operation is an object with exactly one key (the operator), found 2",
    ]);
  });

  it("checks the number of arguments", () => {
    expect(issues({ ">=": [v("registeredYears")] })).toEqual(['/: ">=" takes 2 arguments, got 1']);
    expect(issues({ ">": [1, 2, 3] })).toEqual(['/: ">" takes 2 arguments, got 3']);
    expect(issues({ "<": [1, 2, 3, 4] })).toEqual([
      '/: "<" takes 2 arguments, or 3 for the between form, got 4',
    ]);
    expect(issues({ "!": [true, false] })).toEqual(['/: "!" takes 1 argument, got 2']);
    expect(issues({ if: [true, true] })[0]).toContain(
      "an odd number of at least 3 arguments, got 2",
    );
    expect(issues({ "/": [1] }, { expect: "number" })).toEqual(['/: "/" takes 2 arguments, got 1']);
    expect(issues({ in: ["GROWTH"] })[0]).toContain('"in" takes 2 arguments');
    expect(issues({ and: [] })).toEqual(['/: "and" takes at least 1 argument, got 0']);
    expect(issues({ some: [v("proprietorGroups")] })[0]).toContain('"some" takes 2 arguments');
  });

  it("refuses comparisons between incompatible types", () => {
    expect(issues({ "==": [v("revenueLastYear"), "300000"] })).toEqual([
      '/==/1: "==" cannot compare fact "revenueLastYear" (a number) with "300000" (a string): the types differ',
    ]);
    expect(issues({ "==": [v("abnormalListed"), 0] })[0]).toContain("the types differ");
    expect(issues({ "<": [v("countyCode"), "4101"] })).toEqual([
      '/</0: "<" compares numbers, not fact "countyCode" (a string)',
      '/</1: "<" compares numbers, not "4101" (a string)',
    ]);
    expect(issues({ "==": [v("proprietorGroups"), "VETERAN"] })[0]).toContain(
      '"==" does not compare lists',
    );
    expect(issues({ "+": [v("type"), 1] }, { expect: "number" })).toEqual([
      '/+/0: "+" computes with numbers, not fact "type" (a value of "type")',
    ]);
    expect(issues({ and: [v("registeredYears"), true] })[0]).toContain(
      '"and" combines conditions (true or false), not a number',
    );
    expect(issues({ if: [true, 1, "a"] }, { expect: "any" })).toEqual([
      '/: the values of "if" must all have one type: a number at /if/1, a string at /if/2',
    ]);
    expect(issues({ in: [v("registeredYears"), ["1", "2"]] })[0]).toContain(
      'cannot look for fact "registeredYears" (a number) in a list of strings',
    );
    expect(issues({ in: [v("countyCode"), ["4101", 2]] })[0]).toContain("all of one type");
  });

  it("allows null only against a fact, where it asks whether the fact is unknown", () => {
    expect(valid({ "==": [v("industryCode"), null] }).root.kind).toBe("isNull");
    expect(valid({ "!==": [null, v("industryCode")] }).root.kind).toBe("isNull");
    expect(issues({ "==": [{ "+": [v("registeredYears"), 1] }, null] })[0]).toContain(
      "only a fact can be compared with null",
    );
    expect(issues({ "<": [v("registeredYears"), null] })).toEqual([
      '/</1: null may only be compared with a fact: {"==": [{"var": "…"}, null]} asks whether it is unknown',
    ]);
    expect(issues({ var: ["revenueLastYear", 0] }, { expect: "number" })[0]).toContain(
      'a default value in "var" is not supported',
    );
  });

  it("reads only the current item inside some/all/none, and the item only there", () => {
    expect(issues({ some: [v("proprietorGroups"), { ">=": [v("registeredYears"), 1] }] })).toEqual([
      '/some/1/>=/0: inside "some", "all" and "none" only the current item {"var": ""} can be read, not "registeredYears"',
    ]);
    expect(issues({ "==": [v(""), "VETERAN"] })[0]).toContain(
      'is the current item of "some", "all" or "none"',
    );
    expect(issues({ all: [v("countyCode"), true] })[0]).toContain(
      '"all" goes through a list, not fact "countyCode" (a string)',
    );
  });

  it("restricts fact levels, naming the fact and its level", () => {
    const bank = { allowedLevels: ["PUBLIC", "BANK"] as const };
    expect(valid({ ">=": [v("revenueLastYear"), 300000] }, bank).facts).toEqual([
      "revenueLastYear",
    ]);
    expect(
      issues({ and: [{ "!": v("abnormalListed") }, { "!": { missing: ["status"] } }] }, bank),
    ).toEqual([
      '/and/0/!: fact "abnormalListed" (经营异常状态) is INTERNAL; this rule may read only PUBLIC, BANK facts',
      '/and/1/!/missing/0: fact "status" (登记状态) is INTERNAL; this rule may read only PUBLIC, BANK facts',
    ]);
    expect(issues({ "==": [v("type"), "GROWTH"] }, { allowedLevels: [] })[0]).toContain(
      'fact "type" (分型结果) is PUBLIC',
    );
  });

  it("checks the result type the rule must give", () => {
    expect(issues({ "*": [v("revenueLastYear"), 0.05] })).toEqual([
      "/: the rule must give true or false (a condition), but gives a number",
    ]);
    expect(issues({ ">=": [v("revenueLastYear"), 1] }, { expect: "number" })).toEqual([
      "/: the rule must give a number (an amount), but gives true or false",
    ]);
    expect(valid({ "*": [v("revenueLastYear"), 0.05] }, { expect: "number" }).resultType).toBe(
      "number",
    );
    expect(valid(v("countyCode"), { expect: "any" }).resultType).toBe("string");
  });

  it("returns every issue, not only the first", () => {
    const rule = {
      and: [
        { ">=": [v("revenu"), 1] },
        { "===": [v("type"), "GROWN"] },
        { "<": [v("countyCode"), 3] },
        { merge: [] },
      ],
    };
    expect(issues(rule).map((line) => line.split(":")[0])).toEqual([
      "/and/0/>=/0",
      "/and/1/===/1",
      "/and/2/</0",
      "/and/3",
    ]);
  });

  it("escapes JSON pointer segments", () => {
    expect(issues({ "/": [v("revenueLastYear"), "x"] }, { expect: "number" })).toEqual([
      '/~1/1: "/" computes with numbers, not "x" (a string)',
    ]);
  });

  it("refuses rules nested too deep or too large, without walking them", () => {
    let deep: unknown = v("abnormalListed");
    for (let i = 0; i < MAX_RULE_DEPTH - 1; i++) deep = { "!": deep };
    expect(validateRule(deep).ok).toBe(true);
    const tooDeep = { "!": deep };
    const result = validateRule(tooDeep);
    expect(result.ok).toBe(false);
    const found = (result as { issues: RuleIssue[] }).issues;
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toBe("operators are nested more than 32 levels deep");
    expect(found[0]?.path).toBe(`${"/!".repeat(MAX_RULE_DEPTH)}`);

    let huge: unknown = v("abnormalListed");
    for (let i = 0; i < 100_000; i++) huge = { "!": huge };
    expect(validateRule(huge).ok).toBe(false);

    const wide = { or: Array.from({ length: MAX_RULE_NODES }, () => true) };
    expect(issues(wide)).toEqual(["/: the rule has more than 2000 operators and values"]);
    const list = Array.from({ length: MAX_RULE_NODES - 10 }, (_, i) => `41${i}`);
    expect(validateRule({ in: [v("countyCode"), list] }).ok).toBe(true);
  });

  it("records the facts read and the typed tree", () => {
    const rule = valid({
      or: [
        { "<=": [300000, v("revenueLastYear"), 600000] },
        { in: ["VETERAN", v("proprietorGroups")] },
        { "!": { missing: ["industryCode", "revenueLastYear"] } },
      ],
    });
    expect(rule.facts).toEqual(["revenueLastYear", "proprietorGroups", "industryCode"]);
    expect(rule.resultType).toBe("boolean");
    expect(rule.untyped).toBe(false);
    expect(rule.root.kind).toBe("logic");
  });

  it("accepts any var name in untyped mode, for the JSON-logic suite", () => {
    const rule = valid({ "<": [v("temp"), 110] }, { anyFacts: true });
    expect(rule.untyped).toBe(true);
    expect(rule.facts).toEqual(["temp"]);
    expect(valid({ all: [v("items"), { ">=": [v("qty"), 1] }] }, { anyFacts: true }).facts).toEqual(
      ["items"],
    );
  });

  it("throws a BadInputError listing every issue for callers that refuse bad input", () => {
    try {
      requireValidRule(
        { and: [{ ">=": [v("revenu"), 1] }, { "==": [v("type"), "X"] }] },
        {},
        "eligibility",
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(BadInputError);
      const bad = error as BadInputError;
      expect(bad.argument).toBe("eligibility");
      expect(bad.message).toContain('/and/0/>=/0: unknown fact "revenu"');
      expect(bad.message).toContain('/and/1/==/1: "X" is not a value of fact "type"');
      expect((bad.details as { issues: RuleIssue[] }).issues).toHaveLength(2);
    }
  });
});
