import { BadInputError } from "../errors.ts";
import { FACTS, factByName } from "./fact-catalog.ts";
import { nearestName } from "./nearest-name.ts";
import type {
  ArithmeticNode,
  CompareNode,
  InNode,
  MissingNode,
  RuleNode,
  ValueDomain,
  ValueType,
  VarNode,
} from "./rule-node.ts";
import { factsRead } from "./rule-node.ts";
import type {
  FactDefinition,
  FactLevel,
  RuleIssue,
  ValidateOptions,
  ValidationResult,
  ValidRule,
} from "./rule-types.ts";

/** Operators nested deeper than this are refused (the root operator is level 1). */
export const MAX_RULE_DEPTH = 32;
/** Operators and literals in one rule. */
export const MAX_RULE_NODES = 2000;

/** The operators of the rule language (docs/rule-language.md). */
export const RULE_OPERATORS = [
  "var",
  "==",
  "===",
  "!=",
  "!==",
  "<",
  "<=",
  ">",
  ">=",
  "!",
  "!!",
  "and",
  "or",
  "if",
  "?:",
  "in",
  "+",
  "-",
  "*",
  "/",
  "min",
  "max",
  "some",
  "all",
  "none",
  "missing",
] as const;
type Operator = (typeof RULE_OPERATORS)[number];
const SUPPORTED = new Set<string>(RULE_OPERATORS);

/** json-logic-js operators deliberately left out of the rule language (docs/rule-language.md). */
const LEFT_OUT = new Set([
  "%",
  "cat",
  "substr",
  "merge",
  "map",
  "filter",
  "reduce",
  "missing_some",
  "log",
]);

const ALL_LEVELS: readonly FactLevel[] = ["PUBLIC", "BANK", "INTERNAL"];

/** A JSON pointer segment (RFC 6901): `/` and `~` are escaped, so `{"/": …}` is `/~1`. */
export function pointerSegment(name: string | number): string {
  return String(name).replaceAll("~", "~0").replaceAll("/", "~1");
}

/** `issue.path: message`, the root shown as `/`. */
export function formatIssue(issue: RuleIssue): string {
  return `${issue.path === "" ? "/" : issue.path}: ${issue.message}`;
}

/**
 * Checks a rule against the fact catalog and types it. Returns every issue found (each with
 * the JSON pointer of the place), or the valid rule with its typed tree. Nothing may be
 * compiled or stored without passing here.
 */
export function validateRule(rule: unknown, options: ValidateOptions = {}): ValidationResult {
  const limits = measure(rule);
  if (limits.length > 0) return { ok: false, issues: limits };
  const checker = new Checker(options);
  const root = checker.check(rule, "", null);
  const issues = checker.issues;
  if (root) {
    const expect = options.expect ?? "boolean";
    const kind = root.type.kind;
    if (expect === "boolean" && kind !== "boolean" && kind !== "any") {
      issues.push({
        path: "",
        message: `the rule must give true or false (a condition), but gives ${typeName(root.type)}`,
      });
    } else if (expect === "number" && kind !== "number" && kind !== "any") {
      issues.push({
        path: "",
        message: `the rule must give a number (an amount), but gives ${typeName(root.type)}`,
      });
    }
  }
  if (!root || issues.length > 0) return { ok: false, issues };
  const valid: ValidRule = {
    // A copy: what is stored is what was checked, whatever the caller does with its object.
    json: structuredClone(rule),
    facts: factsRead(root),
    resultType: resultTypeOf(root.type),
    root,
    untyped: options.anyFacts === true,
  };
  return { ok: true, rule: valid };
}

/** validateRule for callers that refuse bad input: throws BadInputError listing every issue. */
export function requireValidRule(
  rule: unknown,
  options: ValidateOptions = {},
  argument = "rule",
  /** Where the rule sits in the request (`/input/criteria`): each issue's path starts with it. */
  at = "",
): ValidRule {
  const result = validateRule(rule, options);
  if (result.ok) return result.rule;
  const issues = result.issues.map((i) => ({ ...i, path: `${at}${i.path}` }));
  throw new BadInputError(`invalid rule: ${issues.map(formatIssue).join("; ")}`, argument, {
    issues,
  });
}

function resultTypeOf(type: ValueType): ValidRule["resultType"] {
  switch (type.kind) {
    case "number":
      return "number";
    case "string":
      return "string";
    case "boolean":
      return "boolean";
    case "stringList":
    case "numberList":
      return "stringList";
    case "any":
      return "any";
  }
}

function typeName(type: ValueType): string {
  switch (type.kind) {
    case "number":
      return "a number";
    case "string":
      return type.domain ? `a value of "${type.domain.fact}"` : "a string";
    case "boolean":
      return "true or false";
    case "stringList":
      return "a list of strings";
    case "numberList":
      return "a list of numbers";
    case "any":
      return "any value";
  }
}

function isOperation(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Counts operators and literals and measures operator nesting before anything else, so a huge
 * or deeply nested rule is refused without being walked recursively.
 */
function measure(rule: unknown): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const stack: { value: unknown; depth: number; path: string }[] = [
    { value: rule, depth: 0, path: "" },
  ];
  let nodes = 0;
  let tooDeep: string | null = null;
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop() as { value: unknown; depth: number; path: string };
    nodes++;
    if (nodes > MAX_RULE_NODES) {
      issues.push({
        path: "",
        message: `the rule has more than ${MAX_RULE_NODES} operators and values`,
      });
      break;
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        stack.push({ value: item, depth, path: `${path}/${i}` });
      });
    } else if (isOperation(value)) {
      const keys = Object.keys(value);
      if (keys.length !== 1) continue;
      const op = keys[0] as string;
      if (depth + 1 > MAX_RULE_DEPTH) {
        tooDeep ??= path;
        continue;
      }
      const args = value[op];
      const base = `${path}/${pointerSegment(op)}`;
      if (Array.isArray(args)) {
        args.forEach((item, i) => {
          stack.push({ value: item, depth: depth + 1, path: `${base}/${i}` });
        });
      } else {
        stack.push({ value: args, depth: depth + 1, path: base });
      }
    }
  }
  if (tooDeep !== null) {
    issues.push({
      path: tooDeep,
      message: `operators are nested more than ${MAX_RULE_DEPTH} levels deep`,
    });
  }
  return issues;
}

function typeOfFact(fact: FactDefinition): ValueType {
  switch (fact.type) {
    case "number":
      return { kind: "number", integer: false };
    case "integer":
      return { kind: "number", integer: true };
    case "string":
      return { kind: "string", domain: null };
    case "enum":
      return { kind: "string", domain: { fact: fact.name, values: fact.values ?? [] } };
    case "boolean":
      return { kind: "boolean" };
    case "stringList":
      return {
        kind: "stringList",
        domain: fact.values ? { fact: fact.name, values: fact.values } : null,
      };
  }
}

/** Inside some/all/none: what `{"var": ""}` is (null at the top level). */
type Scope = ValueType | null;

const NUMBER: ValueType = { kind: "number", integer: false };
const BOOLEAN: ValueType = { kind: "boolean" };
const ANY: ValueType = { kind: "any" };

class Checker {
  readonly issues: RuleIssue[] = [];
  private readonly untyped: boolean;
  private readonly allowed: readonly FactLevel[];
  private readonly aliases: Map<string, string>;

  constructor(options: ValidateOptions) {
    this.untyped = options.anyFacts === true;
    this.allowed = options.allowedLevels ?? ALL_LEVELS;
    // A Chinese or English label typed in place of the name points to the name.
    this.aliases = new Map();
    for (const fact of FACTS) {
      this.aliases.set(fact.labelZh, fact.name);
      this.aliases.set(fact.labelEn, fact.name);
    }
  }

  private issue(path: string, message: string): null {
    this.issues.push({ path, message });
    return null;
  }

  /** Types one JSON value. Returns null after recording issues, so errors do not cascade. */
  check(value: unknown, path: string, scope: Scope): RuleNode | null {
    if (typeof value === "number") {
      if (!Number.isFinite(value)) return this.issue(path, "numbers must be finite");
      return { kind: "literal", path, value, type: NUMBER };
    }
    if (typeof value === "string") {
      return { kind: "literal", path, value, type: { kind: "string", domain: null } };
    }
    if (typeof value === "boolean") return { kind: "literal", path, value, type: BOOLEAN };
    if (value === null) {
      return this.issue(
        path,
        'null may only be compared with a fact: {"==": [{"var": "…"}, null]} asks whether it is unknown',
      );
    }
    if (Array.isArray(value)) {
      return this.issue(
        path,
        'a list of values may only be the second argument of "in" or the names of "missing"',
      );
    }
    if (!isOperation(value)) return this.issue(path, "not a JSON value");
    const keys = Object.keys(value);
    if (keys.length !== 1) {
      return this.issue(
        path,
        `an operation is an object with exactly one key (the operator), found ${keys.length}`,
      );
    }
    const op = keys[0] as string;
    const raw = value[op];
    const base = `${path}/${pointerSegment(op)}`;
    const args: unknown[] = Array.isArray(raw) ? raw : [raw];
    const argPath = (i: number) => (Array.isArray(raw) ? `${base}/${i}` : base);
    if (!SUPPORTED.has(op)) {
      if (LEFT_OUT.has(op)) {
        return this.issue(
          path,
          `operator "${op}" is not part of the rule language (see docs/rule-language.md)`,
        );
      }
      const near = nearestName(op, RULE_OPERATORS);
      return this.issue(path, `unknown operator "${op}"${near ? `; did you mean "${near}"?` : ""}`);
    }
    return this.operation(op as Operator, args, path, argPath, scope);
  }

  private arity(
    op: string,
    args: unknown[],
    path: string,
    min: number,
    max: number,
    what: string,
  ): boolean {
    if (args.length < min || args.length > max) {
      this.issue(path, `"${op}" takes ${what}, got ${args.length}`);
      return false;
    }
    return true;
  }

  private checkAll(args: unknown[], argPath: (i: number) => string, scope: Scope) {
    const nodes = args.map((arg, i) => this.check(arg, argPath(i), scope));
    return nodes.every((n) => n !== null) ? (nodes as RuleNode[]) : null;
  }

  private operation(
    op: Operator,
    args: unknown[],
    path: string,
    argPath: (i: number) => string,
    scope: Scope,
  ): RuleNode | null {
    switch (op) {
      case "var":
        return this.variable(args, path, scope);
      case "==":
      case "===":
      case "!=":
      case "!==":
        return this.equality(op, args, path, argPath, scope);
      case "<":
      case "<=":
      case ">":
      case ">=":
        return this.ordering(op, args, path, argPath, scope);
      case "!":
      case "!!": {
        const ok = this.arity(op, args, path, 1, 1, "1 argument");
        const nodes = this.checkAll(args, argPath, scope);
        if (!ok || !nodes) return null;
        const operand = nodes[0] as RuleNode;
        if (!this.truthTestable(operand)) return null;
        return { kind: "not", op, path, operand, type: BOOLEAN };
      }
      case "and":
      case "or": {
        const ok = this.arity(op, args, path, 1, Number.POSITIVE_INFINITY, "at least 1 argument");
        const nodes = this.checkAll(args, argPath, scope);
        if (!ok || !nodes) return null;
        let typed = true;
        for (const node of nodes) {
          if (node.type.kind !== "boolean" && node.type.kind !== "any") {
            // json-logic-js would return the operand itself; the rule language keeps and/or
            // to conditions so that their result is always true, false or unknown.
            this.issue(
              node.path,
              `"${op}" combines conditions (true or false), not ${typeName(node.type)}; test a value with {"!!": …}`,
            );
            typed = false;
          }
        }
        return typed ? { kind: "logic", op, path, operands: nodes, type: BOOLEAN } : null;
      }
      case "if":
      case "?:":
        return this.conditional(op, args, path, argPath, scope);
      case "in":
        return this.membership(args, path, argPath, scope);
      case "+":
      case "*":
        return this.arithmetic(op, args, path, argPath, scope, 1, Number.POSITIVE_INFINITY);
      case "-":
        return this.arithmetic(op, args, path, argPath, scope, 1, 2);
      case "/":
        return this.arithmetic(op, args, path, argPath, scope, 2, 2);
      case "min":
      case "max": {
        const ok = this.arity(op, args, path, 1, Number.POSITIVE_INFINITY, "at least 1 argument");
        const nodes = this.checkAll(args, argPath, scope);
        if (!ok || !nodes) return null;
        if (!nodes.every((n) => this.numeric(op, n))) return null;
        return { kind: "minMax", op, path, operands: nodes, type: NUMBER };
      }
      case "some":
      case "all":
      case "none":
        return this.quantifier(op, args, path, argPath, scope);
      case "missing":
        return this.missing(args, path, argPath, scope);
    }
  }

  private variable(args: unknown[], path: string, scope: Scope): VarNode | null {
    if (args.length === 2) {
      return this.issue(
        path,
        'a default value in "var" is not supported: an unknown fact stays unknown (test it with {"==": [{"var": …}, null]} or "missing")',
      );
    }
    if (args.length !== 1) return this.issue(path, `"var" takes 1 fact name, got ${args.length}`);
    const name = args[0];
    if (typeof name !== "string") {
      return this.issue(path, '"var" takes a fact name (a string)');
    }
    if (scope !== null) {
      if (name === "") {
        return { kind: "var", path, name, segments: [], scope: "element", fact: null, type: scope };
      }
      if (this.untyped) {
        return {
          kind: "var",
          path,
          name,
          segments: name.split("."),
          scope: "element",
          fact: null,
          type: ANY,
        };
      }
      return this.issue(
        path,
        `inside "some", "all" and "none" only the current item {"var": ""} can be read, not "${name}"`,
      );
    }
    if (name === "") {
      return this.issue(
        path,
        '{"var": ""} is the current item of "some", "all" or "none" and is only allowed inside them',
      );
    }
    if (this.untyped) {
      return {
        kind: "var",
        path,
        name,
        segments: name.split("."),
        scope: "facts",
        fact: null,
        type: ANY,
      };
    }
    const fact = this.fact(name, path);
    if (!fact) return null;
    return {
      kind: "var",
      path,
      name,
      segments: [name],
      scope: "facts",
      fact,
      type: typeOfFact(fact),
    };
  }

  /** Looks a fact up in the catalog and checks its level. */
  private fact(name: string, path: string): FactDefinition | null {
    const fact = factByName(name);
    if (!fact) {
      const near = nearestName(
        name,
        FACTS.map((f) => f.name),
        this.aliases,
      );
      return this.issue(path, `unknown fact "${name}"${near ? `; did you mean "${near}"?` : ""}`);
    }
    if (!this.allowed.includes(fact.level)) {
      return this.issue(
        path,
        `fact "${name}" (${fact.labelZh}) is ${fact.level}; this rule may read only ${this.allowed.join(", ")} facts`,
      );
    }
    return fact;
  }

  private equality(
    op: "==" | "===" | "!=" | "!==",
    args: unknown[],
    path: string,
    argPath: (i: number) => string,
    scope: Scope,
  ): RuleNode | null {
    if (!this.arity(op, args, path, 2, 2, "2 arguments")) {
      this.checkAll(
        args.filter((a) => a !== null),
        argPath,
        scope,
      );
      return null;
    }
    const nullAt = args.indexOf(null);
    const negated = op === "!=" || op === "!==";
    if (nullAt >= 0) {
      const otherAt = 1 - nullAt;
      const other = args[otherAt];
      if (other === null) return this.issue(path, "comparing null with null says nothing");
      const node = this.check(other, argPath(otherAt), scope);
      if (!node) return null;
      if (node.kind !== "var") {
        return this.issue(
          path,
          'only a fact can be compared with null ({"==": [{"var": …}, null]} asks whether it is unknown)',
        );
      }
      return { kind: "isNull", op, negated, operand: node, path, type: BOOLEAN };
    }
    const nodes = this.checkAll(args, argPath, scope);
    if (!nodes) return null;
    const [a, b] = nodes as [RuleNode, RuleNode];
    if (!this.comparable(op, a, b)) return null;
    return { kind: "compare", op, path, operands: nodes, type: BOOLEAN };
  }

  /** Equality needs two values of one type; a string literal must be a value of an enum. */
  private comparable(op: string, a: RuleNode, b: RuleNode): boolean {
    const ka = a.type.kind;
    const kb = b.type.kind;
    if (ka === "stringList" || ka === "numberList" || kb === "stringList" || kb === "numberList") {
      const list = ka === "stringList" || ka === "numberList" ? a : b;
      this.issue(
        list.path,
        `"${op}" does not compare lists; use "in" or "some" to look inside ${describe(list)}`,
      );
      return false;
    }
    if (ka === "any" || kb === "any") return true;
    if (ka !== kb) {
      this.issue(
        b.path,
        `"${op}" cannot compare ${describe(a)} with ${describe(b)}: the types differ`,
      );
      return false;
    }
    return this.inDomain(a, b) && this.inDomain(b, a);
  }

  /** If `value` is a string literal compared with an enum, it must be one of its values. */
  private inDomain(value: RuleNode, against: RuleNode): boolean {
    if (value.kind !== "literal" || typeof value.value !== "string") return true;
    const type = against.type;
    const domain = type.kind === "string" || type.kind === "stringList" ? type.domain : null;
    return this.checkValue(value.value, value.path, domain);
  }

  private checkValue(value: string, path: string, domain: ValueDomain | null): boolean {
    if (!domain || domain.values.includes(value)) return true;
    const near = nearestName(value, domain.values);
    const whose = domain.fact;
    this.issue(
      path,
      `"${value}" is not a value of fact "${whose}" (${domain.values.join(", ")})${near ? `; did you mean "${near}"?` : ""}`,
    );
    return false;
  }

  private ordering(
    op: "<" | "<=" | ">" | ">=",
    args: unknown[],
    path: string,
    argPath: (i: number) => string,
    scope: Scope,
  ): CompareNode | null {
    // "<" and "<=" also take the between form: {"<": [a, b, c]} is a < b < c.
    const between = op === "<" || op === "<=";
    const what = between ? "2 arguments, or 3 for the between form" : "2 arguments";
    if (!this.arity(op, args, path, 2, between ? 3 : 2, what)) {
      this.checkAll(args, argPath, scope);
      return null;
    }
    const nodes = this.checkAll(args, argPath, scope);
    if (!nodes) return null;
    let ok = true;
    for (const node of nodes) {
      if (node.type.kind !== "number" && node.type.kind !== "any") {
        // Strings would compare by collation in SQL but by UTF-16 code units in JS.
        this.issue(node.path, `"${op}" compares numbers, not ${describe(node)}`);
        ok = false;
      }
    }
    return ok ? { kind: "compare", op, path, operands: nodes, type: BOOLEAN } : null;
  }

  /** The operand of `!`, `!!` or an `if` condition: anything with a truth value. */
  private truthTestable(node: RuleNode): boolean {
    if (node.type.kind === "numberList") {
      this.issue(node.path, "a literal list has no truth value here");
      return false;
    }
    return true;
  }

  private conditional(
    op: "if" | "?:",
    args: unknown[],
    path: string,
    argPath: (i: number) => string,
    scope: Scope,
  ): RuleNode | null {
    let ok: boolean;
    if (op === "?:") {
      ok = this.arity(op, args, path, 3, 3, "3 arguments (condition, then, else)");
    } else {
      ok = args.length >= 3 && args.length % 2 === 1;
      if (!ok) {
        this.issue(
          path,
          `"if" takes condition, then, [condition, then, …] else: an odd number of at least 3 arguments, got ${args.length}`,
        );
      }
    }
    const nodes = this.checkAll(args, argPath, scope);
    if (!ok || !nodes) return null;
    const values = nodes.filter((_, i) => i % 2 === 1 || i === nodes.length - 1);
    const type = this.unify(op, values, path);
    if (!type) return null;
    return { kind: "if", op, path, operands: nodes, type };
  }

  /** The one type of all the values an `if` can give. */
  private unify(op: string, values: RuleNode[], path: string): ValueType | null {
    const kinds = new Set(values.map((v) => v.type.kind));
    if (kinds.has("any")) return ANY;
    if (kinds.size !== 1) {
      const list = values.map((v) => `${typeName(v.type)} at ${v.path}`).join(", ");
      return this.issue(path, `the values of "${op}" must all have one type: ${list}`);
    }
    const first = values[0]?.type as ValueType;
    switch (first.kind) {
      case "number":
        return {
          kind: "number",
          integer: values.every((v) => v.type.kind === "number" && v.type.integer),
        };
      case "string":
      case "stringList": {
        const facts = new Set(
          values.map((v) =>
            (v.type.kind === "string" || v.type.kind === "stringList") && v.type.domain
              ? v.type.domain.fact
              : null,
          ),
        );
        const domain = facts.size === 1 && first.domain ? first.domain : null;
        return first.kind === "string"
          ? { kind: "string", domain }
          : { kind: "stringList", domain };
      }
      case "numberList":
        return this.issue(path, `"${op}" cannot give a literal list`);
      default:
        return first;
    }
  }

  private membership(
    args: unknown[],
    path: string,
    argPath: (i: number) => string,
    scope: Scope,
  ): InNode | null {
    if (!this.arity("in", args, path, 2, 2, "2 arguments (a value and a list or a string)")) {
      return null;
    }
    const needle = this.check(args[0], argPath(0), scope);
    const rawList = args[1];
    let haystack: RuleNode | null;
    if (Array.isArray(rawList)) {
      haystack = this.literalList(rawList, argPath(1));
    } else {
      haystack = this.check(rawList, argPath(1), scope);
    }
    if (!needle || !haystack) return null;
    const n = needle.type;
    const h = haystack.type;
    if (n.kind === "stringList" || n.kind === "numberList") {
      return this.issue(needle.path, `"in" looks for one value, not ${describe(needle)}`);
    }
    if (haystack.kind === "list") {
      if (haystack.values.length === 0) {
        return { kind: "in", mode: "list", needle, haystack, path, type: BOOLEAN };
      }
      const listOfNumbers = h.kind === "numberList";
      if (n.kind !== "any" && (listOfNumbers ? n.kind !== "number" : n.kind !== "string")) {
        return this.issue(
          needle.path,
          `"in" cannot look for ${describe(needle)} in a list of ${listOfNumbers ? "numbers" : "strings"}`,
        );
      }
      if (n.kind === "string" && n.domain) {
        let ok = true;
        haystack.values.forEach((v, i) => {
          ok = this.checkValue(String(v), `${haystack.path}/${i}`, n.domain) && ok;
        });
        if (!ok) return null;
      }
      return { kind: "in", mode: "list", needle, haystack, path, type: BOOLEAN };
    }
    if (h.kind === "any") {
      return { kind: "in", mode: "dynamic", needle, haystack, path, type: BOOLEAN };
    }
    if (h.kind === "string") {
      if (n.kind !== "string" && n.kind !== "any") {
        return this.issue(
          needle.path,
          `"in" looks for a string inside ${describe(haystack)}, not ${describe(needle)}`,
        );
      }
      return { kind: "in", mode: "substring", needle, haystack, path, type: BOOLEAN };
    }
    if (h.kind === "stringList") {
      if (n.kind !== "string" && n.kind !== "any") {
        return this.issue(
          needle.path,
          `"in" looks for a string in ${describe(haystack)}, not ${describe(needle)}`,
        );
      }
      if (!this.inDomain(needle, haystack)) return null;
      return { kind: "in", mode: "member", needle, haystack, path, type: BOOLEAN };
    }
    return this.issue(
      haystack.path,
      `"in" needs a list or a string as its second argument, not ${describe(haystack)}`,
    );
  }

  private literalList(values: unknown[], path: string): RuleNode | null {
    if (values.every((v) => typeof v === "string")) {
      return {
        kind: "list",
        path,
        values: values as string[],
        type: { kind: "stringList", domain: null },
      };
    }
    if (values.every((v) => typeof v === "number" && Number.isFinite(v))) {
      return { kind: "list", path, values: values as number[], type: { kind: "numberList" } };
    }
    return this.issue(
      path,
      'the list of "in" holds literal strings or literal numbers, all of one type',
    );
  }

  private numeric(op: string, node: RuleNode): boolean {
    if (node.type.kind === "number" || node.type.kind === "any") return true;
    this.issue(node.path, `"${op}" computes with numbers, not ${describe(node)}`);
    return false;
  }

  private arithmetic(
    op: ArithmeticNode["op"],
    args: unknown[],
    path: string,
    argPath: (i: number) => string,
    scope: Scope,
    min: number,
    max: number,
  ): ArithmeticNode | null {
    const what =
      max === 2 && min === 2
        ? "2 arguments"
        : max === 2
          ? "1 or 2 arguments"
          : "at least 1 argument";
    const ok = this.arity(op, args, path, min, max, what);
    const nodes = this.checkAll(args, argPath, scope);
    if (!ok || !nodes) return null;
    let typed = true;
    for (const node of nodes) typed = this.numeric(op, node) && typed;
    return typed ? { kind: "arithmetic", op, path, operands: nodes, type: NUMBER } : null;
  }

  private quantifier(
    op: "some" | "all" | "none",
    args: unknown[],
    path: string,
    argPath: (i: number) => string,
    scope: Scope,
  ): RuleNode | null {
    if (!this.arity(op, args, path, 2, 2, "2 arguments (a list and a condition on its items)")) {
      return null;
    }
    const list = this.check(args[0], argPath(0), scope);
    if (!list) return null;
    let item: ValueType;
    if (list.type.kind === "stringList") {
      item = { kind: "string", domain: list.type.domain };
    } else if (list.type.kind === "any") {
      item = ANY;
    } else {
      return this.issue(list.path, `"${op}" goes through a list, not ${describe(list)}`);
    }
    const predicate = this.check(args[1], argPath(1), item);
    if (!predicate || !this.truthTestable(predicate)) return null;
    return { kind: "quantifier", op, path, list, predicate, type: BOOLEAN };
  }

  private missing(
    args: unknown[],
    path: string,
    argPath: (i: number) => string,
    scope: Scope,
  ): MissingNode | null {
    if (scope !== null && !this.untyped) {
      return this.issue(path, '"missing" reads facts and cannot be used inside some/all/none');
    }
    const names: string[] = [];
    const facts: (FactDefinition | null)[] = [];
    let ok = true;
    args.forEach((arg, i) => {
      if (typeof arg !== "string" || arg === "") {
        this.issue(argPath(i), '"missing" takes fact names (strings)');
        ok = false;
        return;
      }
      if (this.untyped) {
        names.push(arg);
        facts.push(null);
        return;
      }
      const fact = this.fact(arg, argPath(i));
      if (!fact) {
        ok = false;
        return;
      }
      names.push(arg);
      facts.push(fact);
    });
    if (!ok) return null;
    return {
      kind: "missing",
      path,
      names,
      facts,
      scope: scope === null ? "facts" : "element",
      type: { kind: "stringList", domain: null },
    };
  }
}

/** How an operand is named in a message: `fact "countyCode" (a string)`. */
function describe(node: RuleNode): string {
  if (node.kind === "var") {
    if (node.scope === "element") return `the current item (${typeName(node.type)})`;
    return `fact "${node.name}" (${typeName(node.type)})`;
  }
  if (node.kind === "literal") return `${JSON.stringify(node.value)} (${typeName(node.type)})`;
  if (node.kind === "list") return `a literal list (${typeName(node.type)})`;
  const op = "op" in node ? node.op : node.kind;
  return `the "${op}" result (${typeName(node.type)})`;
}
