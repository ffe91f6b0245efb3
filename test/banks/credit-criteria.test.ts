import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  consentFactsOf,
  criteriaHash,
  validateCriteria,
} from "../../src/banks/credit-criteria.ts";
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
