import { compileRule } from "../matching/compile-rule.ts";
import type {
  CompiledRule,
  Explanation,
  Facts,
  Outcome,
  ValidRule,
} from "../matching/rule-types.ts";
import { validateRule } from "../matching/validate-rule.ts";
import {
  amountValue,
  type PolicyAmount,
  type PolicyContent,
  type PolicyExample,
  pointer,
} from "./policy-content.ts";

/** A policy's rules compiled to JS closures: eligibility, and the amount when it has one. */
export interface CompiledPolicy {
  eligibility: CompiledRule;
  /** The amount rule, compiled; null for a fixed amount or none. */
  amountRule: CompiledRule | null;
  /** The fixed amount in 元, when the amount is a number. */
  fixedAmount: number | null;
  /** Whether the policy gives money at all. */
  hasAmount: boolean;
}

/** One household's result under a policy version. */
export interface PolicyEvaluation {
  outcome: Outcome;
  missingFacts: string[];
  /** The amount in 元 for an eligible household; null when none or unknown. */
  amount: number | null;
  explanation: Explanation;
}

/**
 * Compiled policies by version (content hash, else id). Versions never change once published, so
 * compiling once per version and process is enough; the cache is an object its owner creates and
 * passes in (one per server, one per grant run), never module state.
 */
export type PolicyRuleCache = Map<string, CompiledPolicy>;

export function createPolicyRuleCache(): PolicyRuleCache {
  return new Map();
}

/** Compiles rules that passed validation (checkPolicyContent gives them). */
export function compilePolicy(
  rule: ValidRule,
  amountRule: ValidRule | null,
  amount: PolicyAmount,
): CompiledPolicy {
  return {
    eligibility: compileRule(rule),
    amountRule: amountRule ? compileRule(amountRule) : null,
    fixedAmount: typeof amount === "number" ? amount : null,
    hasAmount: amount !== null,
  };
}

/** The stored rules validated again (they were valid when written, so this cannot fail). */
export function validatedRules(content: Pick<PolicyContent, "rule" | "amount">): {
  rule: ValidRule;
  amountRule: ValidRule | null;
} {
  const rule = validateRule(content.rule, { expect: "boolean" });
  if (!rule.ok) throw new Error(`stored rule is invalid: ${JSON.stringify(rule.issues)}`);
  if (content.amount === null || typeof content.amount === "number") {
    return { rule: rule.rule, amountRule: null };
  }
  const amount = validateRule(content.amount, { expect: "number" });
  if (!amount.ok) throw new Error(`stored amount is invalid: ${JSON.stringify(amount.issues)}`);
  return { rule: rule.rule, amountRule: amount.rule };
}

/**
 * The version's compiled rules, compiled on first use and kept in `cache`. Keyed by the content
 * hash when the version has one: a published version never changes, but a draft keeps its id
 * while it is edited, and must not be decided with the rules it had before.
 */
export function compiledPolicyOf(
  cache: PolicyRuleCache,
  version: { id: string; contentHash?: string } & Pick<PolicyContent, "rule" | "amount">,
): CompiledPolicy {
  const key = version.contentHash ?? version.id;
  const cached = cache.get(key);
  if (cached) return cached;
  const { rule, amountRule } = validatedRules(version);
  const compiled = compilePolicy(rule, amountRule, version.amount);
  cache.set(key, compiled);
  return compiled;
}

/** The amount for facts under which the policy holds: the fixed sum, or the amount rule's value. */
export function amountFor(compiled: CompiledPolicy, facts: Facts): number | null {
  if (compiled.fixedAmount !== null) return compiled.fixedAmount;
  if (compiled.amountRule) return amountValue(compiled.amountRule.value(facts));
  return null;
}

/** The outcome, explained, and the amount when eligible. */
export function evaluatePolicy(compiled: CompiledPolicy, facts: Facts): PolicyEvaluation {
  const explanation = compiled.eligibility.explain(facts);
  return {
    outcome: explanation.outcome,
    missingFacts: explanation.missingFacts,
    amount: explanation.outcome === "ELIGIBLE" ? amountFor(compiled, facts) : null,
    explanation,
  };
}

/** An example whose outcome (or amount) differs from what it expects. */
export interface ExampleFailure {
  /** JSON pointer of the example, e.g. `/examples/1`. */
  path: string;
  name: string;
  expected: Outcome;
  actual: Outcome;
  expectedAmount: number | null;
  actualAmount: number | null;
  /** The explanation of the actual outcome, one line per condition. */
  explanation: string;
  message: string;
}

/** Amounts are money: equal to the fen. */
const AMOUNT_TOLERANCE = 0.005;

/** 8: runs every example through the compiled rules; returns the ones that fail. */
export function failingExamples(
  compiled: CompiledPolicy,
  examples: readonly PolicyExample[],
): ExampleFailure[] {
  const failures: ExampleFailure[] = [];
  examples.forEach((example, i) => {
    const result = evaluatePolicy(compiled, example.facts);
    const amountWrong =
      example.expectedAmount !== null &&
      result.outcome === "ELIGIBLE" &&
      (result.amount === null ||
        Math.abs(result.amount - example.expectedAmount) > AMOUNT_TOLERANCE);
    if (result.outcome === example.expected && !amountWrong) return;
    const message =
      result.outcome !== example.expected
        ? `example "${example.name}" expects ${example.expected} but the rule gives ${result.outcome}`
        : `example "${example.name}" expects ${example.expectedAmount} 元 but the amount is ${result.amount ?? "unknown"}`;
    failures.push({
      path: pointer("examples", i),
      name: example.name,
      expected: example.expected,
      actual: result.outcome,
      expectedAmount: example.expectedAmount,
      actualAmount: result.amount,
      explanation: result.explanation.text,
      message,
    });
  });
  return failures;
}
