import { describe, expect, it } from "vitest";
import { consentFactsOf, criteriaHash, validateCriteria } from "../../src/banks/credit-criteria.ts";
import {
  conjunctsOf,
  householdRowConjuncts,
  requiresCategory,
} from "../../src/banks/pre-credit-candidates.ts";
import { canonicalJson } from "../../src/canonical-json.ts";
import { BadInputError } from "../../src/errors.ts";
import { FACTS } from "../../src/matching/fact-catalog.ts";

describe("credit criteria", () => {
  it("hashes the same criteria alike whatever the key order, and different criteria apart", () => {
    const a = { and: [{ ">=": [{ var: "revenueLastYear" }, 300000] }, { "==": [1, 1] }] };
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: null }] })).toBe('{"a":[{"c":null,"d":2}],"b":1}');
    expect(criteriaHash(a)).toBe(criteriaHash(JSON.parse(JSON.stringify(a))));
    expect(criteriaHash({ x: 1, y: 2 })).toBe(criteriaHash({ y: 2, x: 1 }));
    expect(criteriaHash(a)).not.toBe(
      criteriaHash({ and: [{ ">=": [{ var: "revenueLastYear" }, 300001] }, { "==": [1, 1] }] }),
    );
  });

  it("names the BANK facts that call for consent", () => {
    expect(
      consentFactsOf(["type", "revenueLastYear", "countyCode", "insuredEmployeesLastYear"]),
    ).toEqual(["revenueLastYear", "insuredEmployeesLastYear"]);
  });

  it("accepts every PUBLIC and BANK fact and refuses every INTERNAL one with its path", () => {
    for (const fact of FACTS) {
      const criteria = { and: [true, { "==": [{ var: fact.name }, null] }] };
      if (fact.level === "INTERNAL") {
        let error: unknown;
        try {
          validateCriteria(criteria);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(BadInputError);
        expect((error as BadInputError).argument).toBe("criteria");
        expect((error as Error).message).toContain(fact.name);
        expect((error as Error).message).toContain("/and/1/==/0");
      } else {
        expect(validateCriteria(criteria).facts).toEqual([fact.name]);
      }
    }
  });
});

describe("where candidates are looked for", () => {
  const rule = (json: unknown) => validateCriteria(json);

  it("takes top-level conjuncts, nested ands flattened, and prunes by household-row facts only", () => {
    const criteria = rule({
      and: [
        { "==": [{ var: "countyCode" }, "410103"] },
        { and: [{ ">=": [{ var: "registeredYears" }, 2] }, { "==": [{ var: "type" }, "GROWTH"] }] },
        {
          or: [
            { "==": [{ var: "industrySection" }, "F"] },
            { ">": [{ var: "revenueLastYear" }, 1] },
          ],
        },
      ],
    });
    expect(conjunctsOf(criteria).map((c) => c.json)).toEqual([
      { "==": [{ var: "countyCode" }, "410103"] },
      { ">=": [{ var: "registeredYears" }, 2] },
      { "==": [{ var: "type" }, "GROWTH"] },
      {
        or: [{ "==": [{ var: "industrySection" }, "F"] }, { ">": [{ var: "revenueLastYear" }, 1] }],
      },
    ]);
    expect(householdRowConjuncts(criteria).map((c) => c.facts)).toEqual([
      ["countyCode"],
      ["registeredYears"],
    ]);
    // An `or` at the top prunes nothing.
    expect(
      conjunctsOf(
        rule({
          or: [{ "==": [{ var: "countyCode" }, "410103"] }, { "==": [{ var: "type" }, "GROWTH"] }],
        }),
      ),
    ).toHaveLength(1);
    expect(
      householdRowConjuncts(
        rule({
          or: [{ "==": [{ var: "countyCode" }, "410103"] }, { "==": [{ var: "type" }, "GROWTH"] }],
        }),
      ),
    ).toEqual([]);
  });

  it("knows when the criteria need a 名特优新 category", () => {
    const category = { var: "category" };
    expect(requiresCategory(rule({ "!=": [category, "NONE"] }))).toBe(true);
    expect(requiresCategory(rule({ in: [category, ["FAMOUS", "QUALITY"]] }))).toBe(true);
    expect(requiresCategory(rule({ and: [true, { "==": [category, "EMERGING"] }] }))).toBe(true);
    expect(requiresCategory(rule({ "==": [category, "NONE"] }))).toBe(false);
    expect(requiresCategory(rule({ in: [category, ["NONE", "FAMOUS"]] }))).toBe(false);
    expect(requiresCategory(rule({ or: [{ "!=": [category, "NONE"] }, true] }))).toBe(false);
  });
});
