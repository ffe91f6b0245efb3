import { readFileSync } from "node:fs";
import jsonLogic from "json-logic-js";
import { describe, expect, it } from "vitest";
import { compileRule } from "../../src/matching/compile-rule.ts";
import type { Facts } from "../../src/matching/rule-types.ts";
import { formatIssue, validateRule } from "../../src/matching/validate-rule.ts";

/**
 * The JSON-logic project's test suite (json-logic/json-logic-js tests/tests.json, as
 * published at jsonlogic.com/tests.json) run against the JS evaluator in untyped mode: every
 * case inside the rule language must give json-logic-js's answer; the cases outside it are
 * listed here and in docs/rule-language.md.
 */

type Case = [rule: unknown, data: unknown, expected: unknown];

const suite = JSON.parse(
  readFileSync(new URL("./jsonlogic-tests.json", import.meta.url), "utf8"),
) as unknown[];
const cases = suite.filter((entry): entry is Case => Array.isArray(entry));

const UNTYPED = { anyFacts: true, expect: "any" } as const;

/** Outside the rule language, each refused by validation with a JSON path (see the docs). */
const OUTSIDE = [
  "null",
  '["a","b"]',
  '{"==":[1,"1"]}',
  '{"===":[1,"1"]}',
  '{"!=":[1,"1"]}',
  '{"!==":[1,"1"]}',
  '{">":["2",1]}',
  '{">=":["2",1]}',
  '{"<":["1",2]}',
  '{"<=":["1",2]}',
  '{"or":[1,3]}',
  '{"or":[3,false]}',
  '{"or":[false,3]}',
  '{"and":[1,3]}',
  '{"and":[3,false]}',
  '{"and":[false,3]}',
  '{"cat":"ice"}',
  '{"cat":["ice"]}',
  '{"cat":["ice","cream"]}',
  '{"cat":[1,2]}',
  '{"cat":["Robocop",2]}',
  '{"cat":["we all scream for ","ice","cream"]}',
  '{"%":[1,2]}',
  '{"%":[2,2]}',
  '{"%":[3,2]}',
  '{"+":["1",1]}',
  '{"*":["1",1]}',
  '{"-":["1",1]}',
  '{"/":["1",1]}',
  '{"substr":["jsonlogic",4]}',
  '{"substr":["jsonlogic",-5]}',
  '{"substr":["jsonlogic",0,1]}',
  '{"substr":["jsonlogic",-1,1]}',
  '{"substr":["jsonlogic",4,5]}',
  '{"substr":["jsonlogic",-5,5]}',
  '{"substr":["jsonlogic",-5,-2]}',
  '{"substr":["jsonlogic",1,-5]}',
  '{"merge":[]}',
  '{"merge":[[1]]}',
  '{"merge":[[1],[]]}',
  '{"merge":[[1],[2]]}',
  '{"merge":[[1],[2],[3]]}',
  '{"merge":[[1,2],[3]]}',
  '{"merge":[[1],[2,3]]}',
  '{"merge":1}',
  '{"merge":[1,2]}',
  '{"merge":[1,[2]]}',
  '{"if":[]}',
  '{"if":[true]}',
  '{"if":[false]}',
  '{"if":["apple"]}',
  '{"if":[true,"apple"]}',
  '{"if":[false,"apple"]}',
  '{"if":[[],"apple","banana"]}',
  '{"if":[[1],"apple","banana"]}',
  '{"if":[[1,2,3,4],"apple","banana"]}',
  '{"===":[0,"0"]}',
  '{"===":[0,{"+":"0"}]}',
  '{"if":[{"+":"0"},"apple","banana"]}',
  '{"if":[{"+":"1"},"apple","banana"]}',
  '{"!":[[]]}',
  '{"!!":[[]]}',
  '{"and":[[],true]}',
  '{"or":[[],true]}',
  '{"and":[0,true]}',
  '{"or":[0,true]}',
  '{"and":["",true]}',
  '{"or":["",true]}',
  '{"and":["0",true]}',
  '{"or":["0",true]}',
  '{"if":[true,{"cat":["ap","ple"]},{"cat":["ba","na","na"]}]}',
  '{"if":[false,{"cat":["ap","ple"]},{"cat":["ba","na","na"]}]}',
  '{"if":[true,"apple",true,"banana"]}',
  '{"if":[true,"apple",false,"banana"]}',
  '{"if":[false,"apple",true,"banana"]}',
  '{"if":[false,"apple",false,"banana"]}',
  '{"if":[false,"apple",false,"banana",false,"carrot"]}',
  '[1,{"var":"x"},3]',
  '{"if":[{"var":"x"},[{"var":"y"}],99]}',
  '{"var":["a",1]}',
  '{"var":["b",2]}',
  '{"var":["a.q",9]}',
  '{"var":1}',
  '{"var":[{"?:":[{"<":[{"var":"temp"},110]},"pie.filling","pie.eta"]}]}',
  '{"var":""}',
  '{"var":null}',
  '{"var":[]}',
  '{"missing_some":[1,["a","b"]]}',
  '{"missing_some":[1,["a","b"]]}',
  '{"missing_some":[1,["a","b"]]}',
  '{"missing_some":[1,["a","b"]]}',
  '{"missing_some":[2,["a","b","c"]]}',
  '{"missing_some":[2,["a","b","c"]]}',
  '{"missing_some":[2,["a","b","c"]]}',
  '{"missing_some":[2,["a","b","c"]]}',
  '{"missing_some":[2,["a","b","c"]]}',
  '{"missing":{"merge":["vin",{"if":[{"var":"financing"},["apr"],[]]}]}}',
  '{"missing":{"merge":["vin",{"if":[{"var":"financing"},["apr"],[]]}]}}',
  '{"filter":[{"var":"integers"},true]}',
  '{"filter":[{"var":"integers"},false]}',
  '{"filter":[{"var":"integers"},{">=":[{"var":""},2]}]}',
  '{"filter":[{"var":"integers"},{"%":[{"var":""},2]}]}',
  '{"map":[{"var":"integers"},{"*":[{"var":""},2]}]}',
  '{"map":[{"var":"integers"},{"*":[{"var":""},2]}]}',
  '{"map":[{"var":"desserts"},{"var":"qty"}]}',
  '{"reduce":[{"var":"integers"},{"+":[{"var":"current"},{"var":"accumulator"}]},0]}',
  '{"reduce":[{"var":"integers"},{"+":[{"var":"current"},{"var":"accumulator"}]},0]}',
  '{"reduce":[{"var":"integers"},{"*":[{"var":"current"},{"var":"accumulator"}]},1]}',
  '{"reduce":[{"var":"integers"},{"*":[{"var":"current"},{"var":"accumulator"}]},0]}',
  '{"reduce":[{"var":"desserts"},{"+":[{"var":"accumulator"},{"var":"current.qty"}]},0]}',
];

const inside = cases.filter(([rule]) => validateRule(rule, UNTYPED).ok);
const outside = cases.filter(([rule]) => !validateRule(rule, UNTYPED).ok);

describe("the JSON-logic test suite", () => {
  it("has 277 cases, 167 of them inside the rule language", () => {
    expect(cases).toHaveLength(277);
    expect(inside).toHaveLength(167);
  });

  it("refuses exactly the known cases outside the rule language, each with its reason", () => {
    const refused = outside.map(([rule]) => {
      const result = validateRule(rule, UNTYPED);
      const reasons = result.ok ? [] : result.issues.map(formatIssue);
      expect(reasons.length).toBeGreaterThan(0);
      return `${JSON.stringify(rule)}  ← ${reasons.join("; ")}`;
    });
    console.log(`Outside the rule language (${refused.length}):\n${refused.join("\n")}`);
    expect(outside.map(([rule]) => JSON.stringify(rule))).toEqual(OUTSIDE);
  });

  it.each(inside.map((c) => [JSON.stringify(c[0]), JSON.stringify(c[1]), c]))(
    "%s on %s",
    (_rule, _data, [rule, data, expected]) => {
      const result = validateRule(rule, UNTYPED);
      if (!result.ok) throw new Error(result.issues.map(formatIssue).join("; "));
      const compiled = compileRule(result.rule);
      const facts = (data ?? {}) as Facts;
      expect(compiled.value(facts)).toEqual(expected);
      // The reference's outcome; a null result is unknown here, not false (docs: "Unknown").
      const outcome =
        expected === null ? "UNDETERMINED" : jsonLogic.truthy(expected) ? "ELIGIBLE" : "INELIGIBLE";
      expect(compiled.decide(facts).outcome).toBe(outcome);
      expect(jsonLogic.apply(rule as jsonLogic.RulesLogic, data)).toEqual(expected);
    },
  );
});
