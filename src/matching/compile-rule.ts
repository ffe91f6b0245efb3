import { unreachable } from "../auth/principal.ts";
import {
  type Display,
  displayOf,
  displayOfOperands,
  factLabel,
  formatValue,
  holdsText,
  isConstant,
  operatorSymbol,
  QUANTIFIER_TEXT,
  staticText,
} from "./explain-text.ts";
import type { CompareNode, RuleNode } from "./rule-node.ts";
import { factsRead } from "./rule-node.ts";
import type {
  CompiledRule,
  Decision,
  ExplainedCondition,
  Facts,
  FactValue,
  Outcome,
  ValidRule,
} from "./rule-types.ts";

/**
 * The JS evaluator. A valid rule is compiled once into closures; deciding a household is then
 * a few function calls with no look at the JSON. Unknown (null) follows Kleene logic, as SQL
 * NULL does: docs/rule-language.md lists every difference from json-logic-js.
 */

/** A compiled node: its value for the facts and, inside some/all/none, the current item. */
type Evaluate = (facts: Facts, item: unknown) => unknown;
/** A compiled condition: true, false or null (unknown). */
type Test = (facts: Facts, item: unknown) => boolean | null;
/** A condition evaluated for an explanation: appends what it saw to `out`. */
type ExplainTest = (facts: Facts, item: unknown, out: ExplainedCondition[]) => boolean | null;
type ExplainValue = (facts: Facts, item: unknown, out: ExplainedCondition[]) => unknown;

/** json-logic-js truthiness (an empty list is false), with null kept as unknown. */
function truthy(value: unknown): boolean | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.length > 0;
  return !!value;
}

/** Reads a dotted path as json-logic-js's `var` does; absent is null. Own properties only. */
function readPath(data: unknown, segments: readonly string[]): unknown {
  let current = data;
  for (const segment of segments) {
    if (current === null || current === undefined) return null;
    if (typeof current !== "object" && typeof current !== "string") return null;
    const boxed = Object(current) as Record<string, unknown>;
    if (!Object.hasOwn(boxed, segment)) return null;
    current = boxed[segment];
    if (current === undefined) return null;
  }
  return current ?? null;
}

/** In JSON-logic `missing`, null and the empty string are both missing. */
function isMissing(value: unknown): boolean {
  return value === null || value === "";
}

const ELIGIBLE: Outcome = "ELIGIBLE";
const INELIGIBLE: Outcome = "INELIGIBLE";
/**
 * The two decided decisions, shared (and frozen, list included): deciding allocates nothing
 * unless the outcome is unknown.
 */
const NO_MISSING_FACTS = Object.freeze([]) as unknown as string[];
const DECIDED_ELIGIBLE: Decision = Object.freeze({
  outcome: ELIGIBLE,
  missingFacts: NO_MISSING_FACTS,
});
const DECIDED_INELIGIBLE: Decision = Object.freeze({
  outcome: INELIGIBLE,
  missingFacts: NO_MISSING_FACTS,
});

export function compileRule(valid: ValidRule): CompiledRule {
  const compiler = new Compiler(valid.untyped);
  const root = valid.root;
  const value = compiler.value(root);
  const test = compiler.test(root);
  const boolean = root.type.kind === "boolean";
  const explainRoot: ExplainValue = boolean
    ? compiler.explainTest(root)
    : compiler.explainValue(root);

  return {
    rule: valid,
    decide(facts: Facts): Decision {
      const holds = test(facts, undefined);
      if (holds === true) return DECIDED_ELIGIBLE;
      if (holds === false) return DECIDED_INELIGIBLE;
      return { outcome: "UNDETERMINED", missingFacts: compiler.missingOf(root, facts, undefined) };
    },
    explain(facts: Facts) {
      const conditions: ExplainedCondition[] = [];
      const result = explainRoot(facts, undefined, conditions);
      const holds = truthy(result);
      const outcome: Outcome =
        holds === true ? ELIGIBLE : holds === false ? INELIGIBLE : "UNDETERMINED";
      const missingFacts = holds === null ? compiler.missingOf(root, facts, undefined) : [];
      let text = "";
      for (let i = 0; i < conditions.length; i++) {
        text +=
          i === 0
            ? (conditions[i] as ExplainedCondition).text
            : `\n${(conditions[i] as ExplainedCondition).text}`;
      }
      return { outcome, missingFacts, value: (result ?? null) as FactValue, conditions, text };
    },
    value(facts: Facts): FactValue {
      return (value(facts, undefined) ?? null) as FactValue;
    },
  };
}

class Compiler {
  private readonly values = new Map<RuleNode, Evaluate>();

  constructor(private readonly untyped: boolean) {}

  /** The closure computing a node's value (memoised: explanations reuse them). */
  value(node: RuleNode): Evaluate {
    let compiled = this.values.get(node);
    if (!compiled) {
      compiled = this.compileValue(node);
      this.values.set(node, compiled);
    }
    return compiled;
  }

  /** The closure giving a node's truth value (true, false, null). */
  test(node: RuleNode): Test {
    if (node.kind === "missing" && node.scope === "facts" && !this.untyped) {
      // Is any of them missing? Answered without building the list.
      const names = node.names;
      return (facts) => {
        for (const name of names) {
          const x = facts[name];
          if (x == null || x === "") return true;
        }
        return false;
      };
    }
    const evaluate = this.value(node);
    if (node.type.kind === "boolean") return evaluate as Test;
    return (facts, item) => truthy(evaluate(facts, item));
  }

  private compileValue(node: RuleNode): Evaluate {
    switch (node.kind) {
      case "literal": {
        const constant = node.value;
        return () => constant;
      }
      case "list": {
        const constant = Object.freeze([...node.values]);
        return () => constant;
      }
      case "var":
        return this.variable(node);
      case "isNull": {
        const operand = this.value(node.operand);
        return node.negated
          ? (facts, item) => operand(facts, item) !== null
          : (facts, item) => operand(facts, item) === null;
      }
      case "compare":
        return this.compare(node);
      case "not": {
        const inner = node.operand;
        // The usual `{"!": {"var": flag}}` reads the fact directly.
        if (
          node.op === "!" &&
          !this.untyped &&
          inner.kind === "var" &&
          inner.scope === "facts" &&
          inner.type.kind === "boolean"
        ) {
          const name = inner.name;
          return (facts) => {
            const x = facts[name];
            return x == null ? null : !x;
          };
        }
        const operand = this.test(inner);
        if (node.op === "!!") return operand;
        return (facts, item) => {
          const t = operand(facts, item);
          return t === null ? null : !t;
        };
      }
      case "logic":
        return this.logic(
          node.op,
          node.operands.map((o) => this.test(o)),
        );
      case "if": {
        const operands = node.operands;
        const conditions: Test[] = [];
        const results: Evaluate[] = [];
        for (let i = 0; i + 1 < operands.length; i += 2) {
          conditions.push(this.test(operands[i] as RuleNode));
          results.push(this.value(operands[i + 1] as RuleNode));
        }
        const otherwise = this.value(operands[operands.length - 1] as RuleNode);
        const count = conditions.length;
        return (facts, item) => {
          for (let i = 0; i < count; i++) {
            const t = (conditions[i] as Test)(facts, item);
            // An unknown condition leaves the value unknown (SQL: CASE c WHEN true … WHEN false …).
            if (t === null) return null;
            if (t) return (results[i] as Evaluate)(facts, item);
          }
          return otherwise(facts, item);
        };
      }
      case "in":
        return this.membership(node);
      case "arithmetic":
        return this.arithmetic(
          node.op,
          node.operands.map((o) => this.value(o)),
        );
      case "minMax": {
        const operands = node.operands.map((o) => this.value(o));
        const pick = node.op === "min" ? Math.min : Math.max;
        if (operands.length === 2) {
          const [a, b] = operands as [Evaluate, Evaluate];
          return (facts, item) => {
            const x = a(facts, item);
            if (x === null) return null;
            const y = b(facts, item);
            if (y === null) return null;
            return pick(x as number, y as number);
          };
        }
        return (facts, item) => {
          const seen: number[] = [];
          for (const operand of operands) {
            const v = operand(facts, item);
            if (v === null) return null;
            seen.push(v as number);
          }
          return pick(...seen);
        };
      }
      case "quantifier":
        return this.quantifier(node.op, this.value(node.list), this.test(node.predicate));
      case "missing": {
        const names = node.names;
        const paths = names.map((name) => (this.untyped ? name.split(".") : [name]));
        const fromItem = node.scope === "element";
        return (facts, item) => {
          const missing: string[] = [];
          const data = fromItem ? item : facts;
          for (let i = 0; i < names.length; i++) {
            if (isMissing(readPath(data, paths[i] as string[]))) missing.push(names[i] as string);
          }
          return missing;
        };
      }
      default:
        return unreachable(node);
    }
  }

  private variable(node: RuleNode & { kind: "var" }): Evaluate {
    const segments = node.segments;
    if (node.scope === "element") {
      if (segments.length === 0) return (_facts, item) => item ?? null;
      return (_facts, item) => readPath(item, segments);
    }
    if (!this.untyped) {
      const name = node.name;
      return (facts) => facts[name] ?? null;
    }
    return (facts) => readPath(facts, segments);
  }

  private compare(node: CompareNode): Evaluate {
    const [a, b, c] = node.operands.map((o) => this.value(o)) as [Evaluate, Evaluate, Evaluate?];
    // Operands of one type (the validator sees to it) compare alike with == and ===; only
    // untyped values get json-logic-js's loose equality.
    const loose =
      this.untyped && node.operands.some((o) => o.type.kind === "any") && node.op.length === 2;
    const relation = relationOf(node.op, loose);
    if (c) {
      return (facts, item) => {
        const x = a(facts, item);
        const y = b(facts, item);
        const z = c(facts, item);
        const first = x === null || y === null ? null : relation(x, y);
        const second = y === null || z === null ? null : relation(y, z);
        if (first === false || second === false) return false;
        return first === null || second === null ? null : true;
      };
    }
    const right = node.operands[1] as RuleNode;
    const left = node.operands[0] as RuleNode;
    // The usual shape, a fact against a literal, gets a closure of its own.
    if (
      right.kind === "literal" &&
      left.kind === "var" &&
      left.scope === "facts" &&
      !this.untyped
    ) {
      const name = left.name;
      const k = right.value;
      switch (node.op) {
        case ">=":
          return (facts) => {
            const x = facts[name];
            return x == null ? null : (x as number) >= (k as number);
          };
        case ">":
          return (facts) => {
            const x = facts[name];
            return x == null ? null : (x as number) > (k as number);
          };
        case "<=":
          return (facts) => {
            const x = facts[name];
            return x == null ? null : (x as number) <= (k as number);
          };
        case "<":
          return (facts) => {
            const x = facts[name];
            return x == null ? null : (x as number) < (k as number);
          };
        case "==":
        case "===":
          return (facts) => {
            const x = facts[name];
            return x == null ? null : x === k;
          };
        case "!=":
        case "!==":
          return (facts) => {
            const x = facts[name];
            return x == null ? null : x !== k;
          };
      }
    }
    return (facts, item) => {
      const x = a(facts, item);
      if (x === null) return null;
      const y = b(facts, item);
      if (y === null) return null;
      return relation(x, y);
    };
  }

  private logic(op: "and" | "or", operands: Test[]): Evaluate {
    // Kleene: and is false as soon as one operand is false, else unknown if one is unknown.
    const decisive = op === "or";
    if (operands.length === 1) return operands[0] as Test;
    if (operands.length === 2) {
      const [a, b] = operands as [Test, Test];
      return (facts, item) => {
        const x = a(facts, item);
        if (x === decisive) return decisive;
        const y = b(facts, item);
        if (y === decisive) return decisive;
        return x === null || y === null ? null : !decisive;
      };
    }
    const count = operands.length;
    return (facts, item) => {
      let unknown = false;
      for (let i = 0; i < count; i++) {
        const t = (operands[i] as Test)(facts, item);
        if (t === decisive) return decisive;
        if (t === null) unknown = true;
      }
      return unknown ? null : !decisive;
    };
  }

  private membership(node: RuleNode & { kind: "in" }): Evaluate {
    const needle = this.value(node.needle);
    const haystack = this.value(node.haystack);
    switch (node.mode) {
      case "list": {
        const values = (node.haystack as RuleNode & { kind: "list" }).values;
        if (values.length === 0) return () => false;
        // indexOf (strict equality) as json-logic-js; a Set when the list is long.
        if (values.length > 8) {
          const set = new Set<unknown>(values);
          return (facts, item) => {
            const x = needle(facts, item);
            return x === null ? null : set.has(x);
          };
        }
        return (facts, item) => {
          const x = needle(facts, item);
          return x === null ? null : values.indexOf(x as string) !== -1;
        };
      }
      case "substring":
        return (facts, item) => {
          const h = haystack(facts, item);
          if (h === null) return null;
          // json-logic-js finds nothing in an empty string (`if (!b) return false`), not even "".
          if (h === "") return false;
          const x = needle(facts, item);
          if (x === null) return null;
          return (h as string).indexOf(x as string) !== -1;
        };
      case "member":
        return (facts, item) => {
          const h = haystack(facts, item) as readonly unknown[] | null;
          if (h === null) return null;
          // Nothing is in an empty list, even an unknown value (SQL: NULL = ANY('{}') is false).
          if (h.length === 0) return false;
          const x = needle(facts, item);
          if (x === null) return null;
          return h.indexOf(x) !== -1;
        };
      case "dynamic":
        return (facts, item) => {
          const h = haystack(facts, item) as { indexOf?: (x: unknown) => number } | null;
          if (h === null) return null;
          const x = needle(facts, item);
          if (x === null) return null;
          // json-logic-js: `if (!b || typeof b.indexOf === "undefined") return false`.
          if (!h || typeof h.indexOf === "undefined") return false;
          return h.indexOf(x) !== -1;
        };
    }
  }

  private arithmetic(op: "+" | "-" | "*" | "/", operands: Evaluate[]): Evaluate {
    const untyped = this.untyped;
    const count = operands.length;
    switch (op) {
      case "+":
        return (facts, item) => {
          // json-logic-js: arguments.reduce((a, b) => parseFloat(a) + parseFloat(b), 0).
          let sum = 0;
          for (let i = 0; i < count; i++) {
            const v = (operands[i] as Evaluate)(facts, item);
            if (v === null) return null;
            sum += untyped ? Number.parseFloat(v as string) : (v as number);
          }
          return sum;
        };
      case "*": {
        if (count === 1) return operands[0] as Evaluate;
        return (facts, item) => {
          const first = (operands[0] as Evaluate)(facts, item);
          if (first === null) return null;
          let product = untyped ? Number.parseFloat(first as string) : (first as number);
          for (let i = 1; i < count; i++) {
            const v = (operands[i] as Evaluate)(facts, item);
            if (v === null) return null;
            product *= untyped ? Number.parseFloat(v as string) : (v as number);
          }
          return product;
        };
      }
      case "-": {
        const [a, b] = operands as [Evaluate, Evaluate?];
        if (!b) {
          return (facts, item) => {
            const x = a(facts, item);
            return x === null ? null : -(x as number);
          };
        }
        return (facts, item) => {
          const x = a(facts, item);
          if (x === null) return null;
          const y = b(facts, item);
          if (y === null) return null;
          return (x as number) - (y as number);
        };
      }
      case "/": {
        const [a, b] = operands as [Evaluate, Evaluate];
        return (facts, item) => {
          const x = a(facts, item);
          if (x === null) return null;
          const y = b(facts, item);
          if (y === null) return null;
          // Division by zero is unknown, as in SQL (x / NULLIF(y, 0)); JS would give Infinity.
          if (y === 0 || (untyped && Number(y) === 0)) return null;
          return (x as number) / (y as number);
        };
      }
    }
  }

  private quantifier(op: "some" | "all" | "none", list: Evaluate, predicate: Test): Evaluate {
    return (facts, item) => {
      const items = list(facts, item);
      if (items === null) return null;
      // json-logic-js: not a list, or empty: some and all are false, none is true.
      if (!Array.isArray(items) || items.length === 0) return op === "none";
      let unknown = false;
      for (let i = 0; i < items.length; i++) {
        const t = predicate(facts, items[i]);
        if (t === null) unknown = true;
        else if (op === "all" ? !t : t) return op === "some";
      }
      if (unknown) return null;
      return op !== "some";
    };
  }

  /**
   * The unknown facts that make an unknown node unknown: knowing them could decide it. For a
   * decided node, none. and(false, unknown) is decided, so its unknown side does not count.
   */
  missingOf(node: RuleNode, facts: Facts, item: unknown, into: string[] = []): string[] {
    const unknown = (n: RuleNode) => this.value(n)(facts, item) === null;
    if (!unknown(node)) return into;
    const add = (name: string) => {
      if (!into.includes(name)) into.push(name);
    };
    switch (node.kind) {
      case "var":
        if (node.scope === "facts") add(node.name);
        break;
      case "compare":
      case "arithmetic":
      case "minMax":
      case "logic":
        for (const operand of node.operands) {
          if (node.kind !== "logic" ? unknown(operand) : this.test(operand)(facts, item) === null) {
            this.missingOf(operand, facts, item, into);
          }
        }
        break;
      case "not":
        this.missingOf(node.operand, facts, item, into);
        break;
      case "if": {
        const operands = node.operands;
        let i = 0;
        for (; i + 1 < operands.length; i += 2) {
          const condition = operands[i] as RuleNode;
          const t = this.test(condition)(facts, item);
          if (t === null) return this.missingOf(condition, facts, item, into);
          if (t) return this.missingOf(operands[i + 1] as RuleNode, facts, item, into);
        }
        this.missingOf(operands[i] as RuleNode, facts, item, into);
        break;
      }
      case "in":
        this.missingOf(node.needle, facts, item, into);
        this.missingOf(node.haystack, facts, item, into);
        break;
      case "quantifier":
        this.missingOf(node.list, facts, item, into);
        break;
      case "literal":
      case "list":
      case "isNull":
      case "missing":
        break;
      default:
        unreachable(node);
    }
    return into;
  }

  // ── Explanations ──────────────────────────────────────────────────────────────────────

  /** A node in a true/false position: connectives are walked, anything else is a condition. */
  explainTest(node: RuleNode): ExplainTest {
    switch (node.kind) {
      case "logic": {
        // Every operand is shown, even after the outcome is settled: people want to see all
        // that fails, not only the first.
        const operands = node.operands.map((o) => this.explainTest(o));
        const and = node.op === "and";
        const count = operands.length;
        return (facts, item, out) => {
          let unknown = false;
          let decided = false;
          for (let i = 0; i < count; i++) {
            const t = (operands[i] as ExplainTest)(facts, item, out);
            if (t === null) unknown = true;
            else if (t !== and) decided = true;
          }
          if (decided) return !and;
          return unknown ? null : and;
        };
      }
      case "not": {
        const inner = node.operand;
        if (isConnective(inner)) {
          const operand = this.explainTest(inner);
          if (node.op === "!!") return operand;
          return (facts, item, out) => {
            const t = operand(facts, item, out);
            return t === null ? null : !t;
          };
        }
        return this.condition(inner, node.op === "!", node.op === "!" ? node.path : inner.path);
      }
      case "if":
        return this.explainIf(node, (branch) => this.explainTest(branch));
      default:
        // A constant (the `true` of {"if": [c, true, false]}) tells nothing about the household.
        if (isConstant(node)) return this.test(node);
        return this.condition(node, false, node.path);
    }
  }

  /**
   * An `if` explained: its conditions are explained in turn until one holds (an unknown one
   * leaves the whole unknown), then the branch it selects, explained by `branch`.
   */
  private explainIf<T extends ExplainValue>(
    node: RuleNode & { kind: "if" },
    branch: (node: RuleNode) => T,
  ): T {
    const operands = node.operands;
    const conditions: ExplainTest[] = [];
    const results: T[] = [];
    for (let i = 0; i + 1 < operands.length; i += 2) {
      conditions.push(this.explainTest(operands[i] as RuleNode));
      results.push(branch(operands[i + 1] as RuleNode));
    }
    const otherwise = branch(operands[operands.length - 1] as RuleNode);
    const explained: ExplainValue = (facts, item, out) => {
      for (let i = 0; i < conditions.length; i++) {
        const t = (conditions[i] as ExplainTest)(facts, item, out);
        if (t === null) return null;
        if (t) return (results[i] as T)(facts, item, out);
      }
      return otherwise(facts, item, out);
    };
    return explained as T;
  }

  /** A node whose value is used (an amount): the conditions of its `if`s are explained. */
  explainValue(node: RuleNode): ExplainValue {
    const evaluate = this.value(node);
    switch (node.kind) {
      case "if":
        return this.explainIf(node, (branch) => this.explainValue(branch));
      case "arithmetic":
      case "minMax":
      case "compare": {
        const operands = node.operands.filter(containsIf).map((o) => this.explainValue(o));
        if (operands.length === 0) return (facts, item) => evaluate(facts, item);
        return (facts, item, out) => {
          for (const operand of operands) operand(facts, item, out);
          return evaluate(facts, item);
        };
      }
      case "logic":
      case "not":
        return this.explainTest(node);
      default:
        return (facts, item) => evaluate(facts, item);
    }
  }

  /** One condition as people read it, with the values seen. */
  private condition(node: RuleNode, negated: boolean, path: string): ExplainTest {
    const test = this.test(node);
    const fact = factsRead(node)[0] ?? null;
    const describe = this.describer(node, negated);
    // Conditions inside the operands (an `if` choosing a threshold) are explained first.
    const nested =
      node.kind === "compare" || node.kind === "arithmetic" || node.kind === "minMax"
        ? node.operands.filter(containsIf).map((o) => this.explainValue(o))
        : [];
    const operator = conditionOperator(node);
    const count = nested.length;
    return (facts, item, out) => {
      for (let i = 0; i < count; i++) (nested[i] as ExplainValue)(facts, item, out);
      const t = test(facts, item);
      const holds = t === null ? null : negated ? !t : t;
      const seen = describe(facts, item);
      const outcome =
        holds === true
          ? "满足"
          : holds === false
            ? "不满足"
            : holdsText(null, this.missingOf(node, facts, item));
      out.push({
        path,
        fact,
        value: seen.value,
        operator,
        threshold: seen.threshold,
        negated,
        holds,
        text: `${seen.text}：${outcome}`,
      });
      return holds;
    };
  }

  /** What a condition shows: its text with the values seen, the subject value, the threshold. */
  private describer(
    node: RuleNode,
    negated: boolean,
  ): (facts: Facts, item: unknown) => { text: string; value: FactValue; threshold: unknown } {
    const shown = (n: RuleNode, display: Display) => {
      const evaluate = this.value(n);
      if (isConstant(n)) {
        // Reads no fact: its value and text are known now, once.
        const constant = evaluate({}, undefined);
        const text = formatValue(constant, display);
        return { evaluate: () => constant, text: (_v: unknown) => text };
      }
      const label = staticText(n);
      return { evaluate, text: (v: unknown) => `${label} ${formatValue(v, display)}` };
    };
    const asFact = (v: unknown) => (v ?? null) as FactValue;
    switch (node.kind) {
      case "compare": {
        const display = displayOfOperands(node.operands);
        const parts = node.operands.map((o) => shown(o, display));
        const subjectAt = Math.max(
          0,
          node.operands.findIndex((o) => !isConstant(o)),
        );
        // not (a ≥ b) is a < b in all three values, so a negated comparison reads as its
        // opposite; the between form is written out as 并非（…）.
        const flipped = negated && parts.length === 2 ? OPPOSITE[node.op] : node.op;
        const symbol = ` ${operatorSymbol(flipped)} `;
        const wrapNegated = negated && parts.length !== 2;
        if (parts.length === 2) {
          const [p, q] = parts as [(typeof parts)[0], (typeof parts)[0]];
          const first = subjectAt === 0;
          return (facts, item) => {
            const x = p.evaluate(facts, item);
            const y = q.evaluate(facts, item);
            return {
              text: `${p.text(x)}${symbol}${q.text(y)}`,
              value: asFact(first ? x : y),
              threshold: first ? y : x,
            };
          };
        }
        return (facts, item) => {
          const values = parts.map((p) => p.evaluate(facts, item));
          const text = parts.map((p, i) => p.text(values[i])).join(symbol);
          const others = values.filter((_, i) => i !== subjectAt);
          return {
            text: wrapNegated ? `并非（${text}）` : text,
            value: asFact(values[subjectAt]),
            threshold: others.length === 1 ? others[0] : others,
          };
        };
      }
      case "isNull": {
        const operand = shown(node.operand, displayOf(node.operand));
        const known = node.negated !== negated;
        const label = staticText(node.operand);
        const display = displayOf(node.operand);
        return (facts, item) => {
          const v = operand.evaluate(facts, item);
          return {
            text: `${label}（${formatValue(v, display)}）${known ? "已知" : "缺失"}`,
            value: asFact(v),
            threshold: null,
          };
        };
      }
      case "in": {
        const needleDisplay = displayOf(node.needle);
        const needle = shown(node.needle, needleDisplay);
        if (node.mode === "list") {
          const list = (node.haystack as RuleNode & { kind: "list" }).values;
          const items = list.map((v) => formatValue(v, needleDisplay)).join("、");
          const word = negated ? "不属于" : "属于";
          return (facts, item) => {
            const v = needle.evaluate(facts, item);
            return {
              text: `${needle.text(v)} ${word}（${items}）`,
              value: asFact(v),
              threshold: list,
            };
          };
        }
        const hayDisplay = displayOf(node.haystack);
        const haystack = shown(node.haystack, hayDisplay);
        const needleAsItem = shown(node.needle, { unit: null, labelsOf: hayDisplay.labelsOf });
        const word = negated ? "不包含" : "包含";
        const subjectIsNeedle = isConstant(node.haystack) && !isConstant(node.needle);
        return (facts, item) => {
          const h = haystack.evaluate(facts, item);
          const v = needle.evaluate(facts, item);
          return {
            text: `${haystack.text(h)} ${word} ${needleAsItem.text(v)}`,
            value: asFact(subjectIsNeedle ? v : h),
            threshold: subjectIsNeedle ? h : v,
          };
        };
      }
      case "quantifier": {
        const list = shown(node.list, displayOf(node.list));
        const predicate = staticText(node.predicate);
        const words = QUANTIFIER_TEXT[node.op];
        return (facts, item) => {
          const v = list.evaluate(facts, item);
          const text = `${list.text(v)}${words}「${predicate}」`;
          return { text: negated ? `并非（${text}）` : text, value: asFact(v), threshold: null };
        };
      }
      case "missing": {
        const evaluate = this.value(node);
        const names = node.names.map(factLabel).join("、");
        return (facts, item) => {
          const missing = evaluate(facts, item) as string[];
          const which = missing.length === 0 ? "无" : missing.map(factLabel).join("、");
          return {
            text: `${names} ${negated ? "均已知" : "有缺失"}（缺失：${which}）`,
            value: missing,
            threshold: node.names,
          };
        };
      }
      default: {
        // A value tested for truth: a yes/no fact, a number (≠ 0), a string or a list (not empty).
        const display = displayOf(node);
        const subject = shown(node, display);
        const kind = node.type.kind;
        const requirement =
          kind === "boolean"
            ? `= ${negated ? "否" : "是"}`
            : kind === "number"
              ? `${negated ? "=" : "≠"} 0`
              : kind === "any"
                ? negated
                  ? "为假"
                  : "为真"
                : negated
                  ? "为空"
                  : "非空";
        const constantLabel = isConstant(node) ? "常量 " : "";
        return (facts, item) => {
          const v = subject.evaluate(facts, item);
          return {
            text: `${constantLabel}${subject.text(v)} ${requirement}`,
            value: asFact(v),
            threshold: kind === "boolean" ? !negated : null,
          };
        };
      }
    }
  }
}

const OPPOSITE: Record<CompareNode["op"], CompareNode["op"]> = {
  "==": "!=",
  "===": "!==",
  "!=": "==",
  "!==": "===",
  "<": ">=",
  "<=": ">",
  ">": "<=",
  ">=": "<",
};

function relationOf(op: CompareNode["op"], loose: boolean): (x: unknown, y: unknown) => boolean {
  switch (op) {
    case "==":
      // biome-ignore lint/suspicious/noDoubleEquals: json-logic-js's loose equality, untyped mode only
      return loose ? (x, y) => x == y : (x, y) => x === y;
    case "!=":
      // biome-ignore lint/suspicious/noDoubleEquals: json-logic-js's loose equality, untyped mode only
      return loose ? (x, y) => x != y : (x, y) => x !== y;
    case "===":
      return (x, y) => x === y;
    case "!==":
      return (x, y) => x !== y;
    case "<":
      return (x, y) => (x as number) < (y as number);
    case "<=":
      return (x, y) => (x as number) <= (y as number);
    case ">":
      return (x, y) => (x as number) > (y as number);
    case ">=":
      return (x, y) => (x as number) >= (y as number);
  }
}

function isConnective(node: RuleNode): boolean {
  return node.kind === "logic" || node.kind === "not" || node.kind === "if";
}

function containsIf(node: RuleNode): boolean {
  switch (node.kind) {
    case "if":
      return true;
    case "arithmetic":
    case "minMax":
      return node.operands.some(containsIf);
    default:
      return false;
  }
}

function conditionOperator(node: RuleNode): string {
  switch (node.kind) {
    case "compare":
    case "isNull":
    case "quantifier":
      return node.op;
    case "in":
      return "in";
    case "missing":
      return "missing";
    default:
      // A value tested for truth, as json-logic-js's `!!` does.
      return "!!";
  }
}
