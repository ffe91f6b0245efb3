import { compileRule } from "../matching/compile-rule.ts";
import type { CompiledRule, Facts } from "../matching/rule-types.ts";
import {
  type ClassifiedType,
  NOT_CLASSIFIABLE,
  type StandardCondition,
  TYPE_LABELS,
  type TypeCode,
  type TypingStandard,
} from "./typing-standard.ts";

/**
 * The typing standard applied to one household's facts, in TypeScript: the very decision the
 * run makes in SQL (typing-sql.ts) for every household at once, with its explanation. Pure.
 *
 * 三(一)1: a household that fails the base standard is 不符合分型条件, recorded with the code of
 * every base condition it fails. Otherwise the first type (in the standard's order) whose
 * requirement holds and one of whose conditions holds is the result; the codes are those of
 * every type condition that held, the result's first. When no type applies, the result is
 * 不符合分型条件 with the standard's `otherwise` code (INSUFFICIENT_DATA). A condition holds
 * only when it is true: an unknown figure (null) never makes one hold.
 */

interface CompiledCondition {
  condition: StandardCondition;
  rule: CompiledRule;
}

export interface CompiledStandard {
  standard: TypingStandard;
  base: CompiledCondition[];
  types: {
    type: ClassifiedType;
    labelZh: string;
    requires: { labelZh: string; rule: CompiledRule } | null;
    conditions: CompiledCondition[];
  }[];
}

export function compileTypingStandard(standard: TypingStandard): CompiledStandard {
  const compile = (condition: StandardCondition) => ({
    condition,
    rule: compileRule(condition.rule),
  });
  return {
    standard,
    base: standard.base.conditions.map(compile),
    types: standard.types.map((t) => ({
      type: t.type,
      labelZh: t.labelZh,
      requires: t.requires
        ? { labelZh: t.requires.labelZh, rule: compileRule(t.requires.rule) }
        : null,
      conditions: t.conditions.map(compile),
    })),
  };
}

/** One condition of the standard on this household's facts. */
export interface ConditionOutcome {
  code: string;
  labelZh: string;
  clause: string;
  /** true, false, or null when a figure it needs is unknown (which counts as not holding). */
  holds: boolean | null;
  /** The engine's explanation: each comparison with the figures, e.g. `上年度营业收入 45.2万元 ≥ 30万元：满足`. */
  text: string;
}

export interface TypeOutcome {
  type: ClassifiedType;
  labelZh: string;
  requires: { labelZh: string; holds: boolean | null; text: string } | null;
  /** The type's conditions; a condition counts only when the requirement holds too. */
  conditions: ConditionOutcome[];
  applies: boolean;
}

export interface TypingDecision {
  type: TypeCode;
  /** Base failures, or the type conditions that held (the result's first), or the otherwise code. */
  codes: string[];
  base: ConditionOutcome[];
  /** Empty when the base standard fails (types are not looked at). */
  types: TypeOutcome[];
  /** The explanation in Chinese, one line per condition. */
  text: string;
}

function outcome(compiled: CompiledCondition, facts: Facts): ConditionOutcome {
  const explanation = compiled.rule.explain(facts);
  const holds =
    explanation.outcome === "ELIGIBLE" ? true : explanation.outcome === "INELIGIBLE" ? false : null;
  return {
    code: compiled.condition.code,
    labelZh: compiled.condition.labelZh,
    clause: compiled.condition.clause,
    holds,
    text: explanation.text.split("\n").join("；"),
  };
}

const MARK = (holds: boolean | null) => (holds === true ? "✓" : holds === false ? "✗" : "?");

/** Types one household. Deterministic: the same facts and standard give the same decision. */
export function decideType(compiled: CompiledStandard, facts: Facts): TypingDecision {
  const { standard } = compiled;
  const base = compiled.base.map((c) => outcome(c, facts));
  const failures = base.filter((b) => b.holds !== true).map((b) => b.code);
  const lines = [
    `${standard.base.labelZh}（${standard.base.clause}）：${failures.length === 0 ? "符合" : "不符合"}`,
  ];
  for (const b of base) lines.push(`  ${MARK(b.holds)} ${b.labelZh}——${b.text}`);

  if (failures.length > 0) {
    lines.push(`结论：不符合基础标准，判定为${TYPE_LABELS[NOT_CLASSIFIABLE].zh}。`);
    return { type: NOT_CLASSIFIABLE, codes: failures, base, types: [], text: lines.join("\n") };
  }

  const types: TypeOutcome[] = [];
  const held: string[] = [];
  let result: ClassifiedType | null = null;
  for (const t of compiled.types) {
    let requires: TypeOutcome["requires"] = null;
    if (t.requires) {
      const e = t.requires.rule.explain(facts);
      const holds = e.outcome === "ELIGIBLE" ? true : e.outcome === "INELIGIBLE" ? false : null;
      requires = { labelZh: t.requires.labelZh, holds, text: e.text.split("\n").join("；") };
    }
    const gate = requires === null || requires.holds === true;
    const conditions = t.conditions.map((c) => outcome(c, facts));
    const typeHeld = gate ? conditions.filter((c) => c.holds === true).map((c) => c.code) : [];
    const applies = typeHeld.length > 0;
    if (applies && result === null) result = t.type;
    held.push(...typeHeld);
    types.push({ type: t.type, labelZh: t.labelZh, requires, conditions, applies });

    lines.push(
      `${t.labelZh}：${applies ? "满足" : "不满足"}` +
        (requires ? `（${requires.labelZh}——${requires.text}）` : ""),
    );
    if (gate) for (const c of conditions) lines.push(`  ${MARK(c.holds)} ${c.labelZh}——${c.text}`);
  }

  if (result === null) {
    lines.push(
      `结论：${standard.otherwise.labelZh}，判定为${TYPE_LABELS[NOT_CLASSIFIABLE].zh}（${standard.otherwise.code}）。`,
    );
    return {
      type: NOT_CLASSIFIABLE,
      codes: [standard.otherwise.code],
      base,
      types,
      text: lines.join("\n"),
    };
  }
  const alsoMet = types.filter((t) => t.applies && t.type !== result).map((t) => t.labelZh);
  lines.push(
    `结论：判定为${TYPE_LABELS[result].zh}` +
      (alsoMet.length > 0
        ? `（亦满足${alsoMet.join("、")}条件；同时满足时判定为${TYPE_LABELS[result].zh}）`
        : "") +
      "。",
  );
  // The types before the result did not apply, so its own codes come first in `held`.
  return { type: result, codes: held, base, types, text: lines.join("\n") };
}
