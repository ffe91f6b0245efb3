/**
 * The rule engine's public types. Everything that decides eligibility (the typing standard,
 * policies, banks' credit products) is a rule of this language over the facts of the catalog.
 *
 * Modules (each file named for what it exports):
 * - fact-catalog.ts     FACTS, factByName(name): the catalog (name, type, labels, unit, level)
 * - household-facts.ts  factsOf(snapshot, asOf) in TypeScript; loadFacts(db, usccs, asOf)
 * - facts-relation.ts   factsRelation(db, asOf): the same facts in SQL, one row per household
 * - validate-rule.ts    validateRule(rule, options) → ValidRule or RuleIssue[] with JSON paths
 * - compile-rule.ts     compileRule(valid) → CompiledRule (closures: decide, explain, value)
 * - rule-to-sql.ts      ruleToSql(valid, alias) → Kysely boolean expression (NULL = unknown);
 *                       ruleOutcomeSql (ELIGIBLE/INELIGIBLE/UNDETERMINED), ruleValueToSql (amounts)
 * - explain-text.ts     the Chinese rendering of explanations (units, 万元, enum labels)
 *
 * The language, its semantics and every difference from json-logic-js: docs/rule-language.md.
 */

import type { RuleNode } from "./rule-node.ts";

/** A fact's value; `null` is unknown (never zero). */
export type FactValue = number | string | boolean | readonly string[] | null;

/** The facts of one household as of a date, keyed by fact name. */
export type Facts = Readonly<Record<string, FactValue>>;

export type FactType = "number" | "integer" | "string" | "enum" | "boolean" | "stringList";

/** Who may filter on a fact: anyone, banks (with the household's consent), or staff only. */
export type FactLevel = "PUBLIC" | "BANK" | "INTERNAL";

export interface FactDefinition {
  name: string;
  type: FactType;
  /** For `enum` and `stringList`: the values that exist. */
  values?: readonly string[];
  labelZh: string;
  labelEn: string;
  /** 元, 人, 年 … or null. */
  unit: string | null;
  level: FactLevel;
  /** Only what can truly be unknown is nullable. */
  nullable: boolean;
}

export interface RuleIssue {
  /** JSON pointer into the rule, e.g. `/and/1/>=/0`. */
  path: string;
  message: string;
}

/** A rule that passed validation: only these can be compiled or stored. */
export interface ValidRule {
  readonly json: unknown;
  /** The facts it reads. */
  readonly facts: readonly string[];
  /** The value type of the whole rule (boolean for eligibility, number for amounts). */
  readonly resultType: "boolean" | "number" | "string" | "stringList" | "any";
  /** The typed tree the evaluator and the SQL compiler walk (see rule-node.ts). */
  readonly root: RuleNode;
  /** Validated with `anyFacts`: JS evaluation only, no SQL. */
  readonly untyped: boolean;
}

export type ValidationResult = { ok: true; rule: ValidRule } | { ok: false; issues: RuleIssue[] };

export interface ValidateOptions {
  /** Fact levels the rule may read (default: all). A bank's product may not read INTERNAL facts. */
  allowedLevels?: readonly FactLevel[];
  /** What the rule must produce (default boolean); `any` accepts whatever it gives. */
  expect?: "boolean" | "number" | "any";
  /**
   * Untyped mode: any `var` name is accepted and read from the data as json-logic-js does
   * (dotted paths, items inside some/all/none). For conformance with the JSON-logic suite;
   * such rules cannot be compiled to SQL.
   */
  anyFacts?: boolean;
}

export type Outcome = "ELIGIBLE" | "INELIGIBLE" | "UNDETERMINED";

export interface Decision {
  outcome: Outcome;
  /** For UNDETERMINED: the unknown facts that the outcome depends on. */
  missingFacts: string[];
}

/** One condition as a person and a program read it. */
export interface ExplainedCondition {
  /** JSON pointer of the condition in the rule. */
  path: string;
  fact: string | null;
  /** The value seen (null: unknown). */
  value: FactValue;
  operator: string;
  threshold: unknown;
  /** The condition is negated by `!` (`holds` is already the negated outcome). */
  negated: boolean;
  /** true, false, or null when unknown. */
  holds: boolean | null;
  /** e.g. `上年度营业收入 45.2万元 ≥ 30万元：满足`. */
  text: string;
}

export interface Explanation extends Decision {
  /** The rule's value (the amount of an amount rule; true/false/null for a condition). */
  value: FactValue;
  conditions: ExplainedCondition[];
  /** The whole explanation in Chinese, one line per condition. */
  text: string;
}

export interface CompiledRule {
  readonly rule: ValidRule;
  /** Outcome only: the fast path. */
  decide(facts: Facts): Decision;
  /** Outcome with each condition explained. */
  explain(facts: Facts): Explanation;
  /** The rule's value (for amount rules); null when unknown. */
  value(facts: Facts): FactValue;
}
