import fc from "fast-check";
import jsonLogic from "json-logic-js";
import { type Kysely, sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { compileRule } from "../../src/matching/compile-rule.ts";
import { FACTS } from "../../src/matching/fact-catalog.ts";
import { ruleOutcomeSql, ruleValueToSql } from "../../src/matching/rule-to-sql.ts";
import type { CompiledRule, FactValue, Outcome } from "../../src/matching/rule-types.ts";
import { formatIssue, validateRule } from "../../src/matching/validate-rule.ts";
import { describeEachEngine } from "../support/databases.ts";
import { amountRule, conditionRule, factRow, knownFactRow } from "./rule-arbitraries.ts";

type Row = Record<string, FactValue>;

function compiled(rule: unknown, expect: "boolean" | "number" = "boolean"): CompiledRule {
  const result = validateRule(rule, { expect });
  if (!result.ok) {
    throw new Error(`${JSON.stringify(rule)}\n${result.issues.map(formatIssue).join("\n")}`);
  }
  return compileRule(result.rule);
}

/** json-logic-js's outcome for a row where every fact is known. */
function reference(rule: unknown, row: Row): Outcome {
  return jsonLogic.truthy(jsonLogic.apply(rule as jsonLogic.RulesLogic, row))
    ? "ELIGIBLE"
    : "INELIGIBLE";
}

/** Numbers from the two sides are equal (0 and -0 alike), or both unknown. */
function sameNumber(a: unknown, b: unknown): boolean {
  if (a === null || b === null) return a === b;
  return typeof a === "number" && typeof b === "number" && a === b;
}

describe("the JS evaluator against json-logic-js", () => {
  it("validates every generated rule", () => {
    fc.assert(
      fc.property(conditionRule, (rule) => {
        expect(validateRule(rule).ok, JSON.stringify(rule)).toBe(true);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(amountRule, (rule) => {
        expect(validateRule(rule, { expect: "number" }).ok, JSON.stringify(rule)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("decides as json-logic-js wherever every fact is known", () => {
    fc.assert(
      fc.property(
        conditionRule,
        fc.array(knownFactRow, { minLength: 1, maxLength: 5 }),
        (rule, rows) => {
          const rule$ = compiled(rule);
          for (const row of rows) {
            const decision = rule$.decide(row);
            if (decision.outcome === "UNDETERMINED") {
              // Known facts leave a rule unknown only through a division by zero.
              expect(decision.missingFacts).toEqual([]);
              expect(JSON.stringify(rule)).toContain('"/"');
              continue;
            }
            expect(decision.outcome, JSON.stringify({ rule, row })).toBe(reference(rule, row));
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("computes amounts as json-logic-js wherever every fact is known", () => {
    fc.assert(
      fc.property(amountRule, knownFactRow, (rule, row) => {
        const value = compiled(rule, "number").value(row);
        if (value === null) return;
        const expected = jsonLogic.apply(rule as jsonLogic.RulesLogic, row);
        // Equal as numbers: json-logic-js's parseFloat turns -0 into 0 on the way.
        expect(sameNumber(value, expected), JSON.stringify({ rule, row, value, expected })).toBe(
          true,
        );
      }),
      { numRuns: 500 },
    );
  });

  it("never lets an unknown fact decide, and names the unknown facts it needs", () => {
    fc.assert(
      fc.property(conditionRule, factRow, knownFactRow, (rule, row, other) => {
        const rule$ = compiled(rule);
        const decision = rule$.decide(row);
        const explanation = rule$.explain(row);
        expect(explanation.outcome).toBe(decision.outcome);
        expect(explanation.missingFacts).toEqual(decision.missingFacts);
        for (const name of decision.missingFacts) {
          expect(row[name]).toBeNull();
          expect(rule$.rule.facts).toContain(name);
        }
        if (decision.outcome === "UNDETERMINED") return;
        expect(decision.missingFacts).toEqual([]);
        // Kleene logic: a decided outcome holds whatever the unknown facts turn out to be
        // (except where the rule asks whether a fact is unknown: null comparisons, missing).
        const text = JSON.stringify(rule);
        if (text.includes("null") || text.includes("missing")) return;
        const filled = { ...row };
        for (const fact of FACTS) filled[fact.name] ??= other[fact.name] ?? null;
        expect(rule$.decide(filled).outcome, JSON.stringify({ rule, row, filled })).toBe(
          decision.outcome,
        );
      }),
      { numRuns: 1000 },
    );
  });
});

/** One column per fact, named like the fact, typed as the facts relation types it. */
function columnType(type: (typeof FACTS)[number]["type"]): string {
  switch (type) {
    case "number":
      return "double precision";
    case "integer":
      return "integer";
    case "string":
    case "enum":
      return "text";
    case "boolean":
      return "boolean";
    case "stringList":
      return "text[]";
  }
}

const TABLE = "rule_agreement_facts";

describeEachEngine("the compiled SQL against the JS evaluator", (getDb) => {
  let db: Kysely<Record<string, Row & { id: number }>>;

  beforeAll(async () => {
    db = getDb().db as unknown as typeof db;
    const columns = FACTS.map((f) => `"${f.name}" ${columnType(f.type)}`).join(", ");
    await sql.raw(`CREATE TABLE ${TABLE} (id integer PRIMARY KEY, ${columns})`).execute(db);
  });

  async function load(rows: Row[]) {
    await sql.raw(`TRUNCATE ${TABLE}`).execute(db);
    await db
      .insertInto(TABLE)
      .values(rows.map((row, id) => ({ id, ...row })))
      .execute();
  }

  it("gives the outcome of the JS evaluator on every row, unknown facts included", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(conditionRule, { minLength: 1, maxLength: 4 }),
        fc.array(factRow, { minLength: 1, maxLength: 8 }),
        async (rules, rows) => {
          await load(rows);
          const valid = rules.map((rule) => compiled(rule));
          const result = await db
            .selectFrom(`${TABLE} as f`)
            .select("id")
            .select(valid.map((rule, i) => ruleOutcomeSql(rule.rule, "f").as(`r${i}`)))
            .orderBy("id")
            .execute();
          for (const line of result as unknown as Record<string, unknown>[]) {
            const row = rows[line.id as number] as Row;
            valid.forEach((rule, i) => {
              expect(line[`r${i}`], JSON.stringify({ rule: rules[i], row })).toBe(
                rule.decide(row).outcome,
              );
            });
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("computes the amount of the JS evaluator on every row", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(amountRule, { minLength: 1, maxLength: 4 }),
        fc.array(factRow, { minLength: 1, maxLength: 8 }),
        async (rules, rows) => {
          await load(rows);
          const valid = rules.map((rule) => compiled(rule, "number"));
          const result = await db
            .selectFrom(`${TABLE} as f`)
            .select("id")
            .select(valid.map((rule, i) => ruleValueToSql(rule.rule, "f").as(`v${i}`)))
            .orderBy("id")
            .execute();
          for (const line of result as unknown as Record<string, unknown>[]) {
            const row = rows[line.id as number] as Row;
            valid.forEach((rule, i) => {
              const js = rule.value(row);
              const fromSql = line[`v${i}`];
              expect(
                sameNumber(js, fromSql),
                JSON.stringify({ rule: rules[i], row, js, fromSql }),
              ).toBe(true);
            });
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
