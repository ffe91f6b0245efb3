import type { FactDefinition } from "./rule-types.ts";

/**
 * The typed tree of a validated rule. validateRule builds it once; the JS evaluator, the
 * explanation and the SQL compiler all walk it, so none of them re-reads the JSON.
 */

/** Where string values come from, so a value can be checked and shown with its Chinese label. */
export interface ValueDomain {
  /** The catalog fact whose values these are (labels are looked up by fact and value). */
  fact: string;
  values: readonly string[];
}

export type ValueType =
  /** `integer`: read straight from an integer fact (the SQL column is `integer`). */
  | { kind: "number"; integer: boolean }
  | { kind: "string"; domain: ValueDomain | null }
  | { kind: "boolean" }
  | { kind: "stringList"; domain: ValueDomain | null }
  /** A literal list of numbers: only the second argument of `in`. */
  | { kind: "numberList" }
  /** Untyped mode (`anyFacts`): whatever the data holds, as json-logic-js sees it. */
  | { kind: "any" };

interface NodeBase {
  /** JSON pointer of this node in the rule. */
  path: string;
  type: ValueType;
}

export interface LiteralNode extends NodeBase {
  kind: "literal";
  value: number | string | boolean;
}

/** A literal list, `["GROWTH", "DEVELOPMENT"]`: only as the list of `in`. */
export interface ListNode extends NodeBase {
  kind: "list";
  values: readonly (string | number)[];
}

export interface VarNode extends NodeBase {
  kind: "var";
  /** The name as written (`revenueLastYear`, or `""` for the current item of some/all/none). */
  name: string;
  /** The name split on dots (untyped mode reads nested data like json-logic-js). */
  segments: readonly string[];
  /** `element`: the current item of the innermost some/all/none. */
  scope: "facts" | "element";
  /** The catalog entry (null in untyped mode and for the current item). */
  fact: FactDefinition | null;
}

/** `{"==": [{"var": f}, null]}` and its negations: is the fact unknown? Always decided. */
export interface IsNullNode extends NodeBase {
  kind: "isNull";
  op: "==" | "===" | "!=" | "!==";
  negated: boolean;
  operand: VarNode;
}

export interface CompareNode extends NodeBase {
  kind: "compare";
  op: "==" | "===" | "!=" | "!==" | "<" | "<=" | ">" | ">=";
  /** Two operands, or three for the between form of `<` and `<=`. */
  operands: readonly RuleNode[];
}

export interface NotNode extends NodeBase {
  kind: "not";
  op: "!" | "!!";
  operand: RuleNode;
}

export interface LogicNode extends NodeBase {
  kind: "logic";
  op: "and" | "or";
  operands: readonly RuleNode[];
}

export interface IfNode extends NodeBase {
  kind: "if";
  op: "if" | "?:";
  /** condition, value, condition, value, …, else value (odd length, at least 3). */
  operands: readonly RuleNode[];
}

export interface InNode extends NodeBase {
  kind: "in";
  /**
   * list: membership in a literal list; substring: the needle occurs in a string;
   * member: membership in a list-valued expression (a stringList fact);
   * dynamic: untyped mode, decided at run time exactly like json-logic-js.
   */
  mode: "list" | "substring" | "member" | "dynamic";
  needle: RuleNode;
  haystack: RuleNode;
}

export interface ArithmeticNode extends NodeBase {
  kind: "arithmetic";
  op: "+" | "-" | "*" | "/";
  operands: readonly RuleNode[];
}

export interface MinMaxNode extends NodeBase {
  kind: "minMax";
  op: "min" | "max";
  operands: readonly RuleNode[];
}

export interface QuantifierNode extends NodeBase {
  kind: "quantifier";
  op: "some" | "all" | "none";
  list: RuleNode;
  /** Evaluated for each item; `{"var": ""}` inside it is the item. */
  predicate: RuleNode;
}

export interface MissingNode extends NodeBase {
  kind: "missing";
  /** The names asked for, in order. */
  names: readonly string[];
  /** Their catalog entries (null in untyped mode). */
  facts: readonly (FactDefinition | null)[];
  /** Untyped mode inside some/all/none: json-logic-js looks the names up in the item. */
  scope: "facts" | "element";
}

export type RuleNode =
  | LiteralNode
  | ListNode
  | VarNode
  | IsNullNode
  | CompareNode
  | NotNode
  | LogicNode
  | IfNode
  | InNode
  | ArithmeticNode
  | MinMaxNode
  | QuantifierNode
  | MissingNode;

/** Can this node's value be unknown (null)? Used to keep generated SQL small. */
export function canBeUnknown(node: RuleNode): boolean {
  switch (node.kind) {
    case "literal":
    case "list":
    case "isNull":
    case "missing":
      return false;
    case "var":
      // The current item of a list is never null; any fact may be (robust even for facts the
      // catalog marks non-nullable).
      return node.scope === "facts" || node.type.kind === "any";
    case "compare":
    case "logic":
    case "if":
    case "minMax":
      return node.operands.some(canBeUnknown);
    case "arithmetic":
      // x / 0 is unknown.
      return node.op === "/" || node.operands.some(canBeUnknown);
    case "not":
      return canBeUnknown(node.operand);
    case "in":
      return canBeUnknown(node.needle) || canBeUnknown(node.haystack);
    case "quantifier":
      return canBeUnknown(node.list) || canBeUnknown(node.predicate);
  }
}

/** The facts a node reads, in rule order, each once. */
export function factsRead(node: RuleNode, into: string[] = []): string[] {
  const add = (name: string) => {
    if (!into.includes(name)) into.push(name);
  };
  switch (node.kind) {
    case "literal":
    case "list":
      break;
    case "var":
      if (node.scope === "facts") add(node.name);
      break;
    case "isNull":
      factsRead(node.operand, into);
      break;
    case "missing":
      if (node.scope === "facts") for (const name of node.names) add(name);
      break;
    case "compare":
    case "logic":
    case "if":
    case "minMax":
    case "arithmetic":
      for (const operand of node.operands) factsRead(operand, into);
      break;
    case "not":
      factsRead(node.operand, into);
      break;
    case "in":
      factsRead(node.needle, into);
      factsRead(node.haystack, into);
      break;
    case "quantifier":
      factsRead(node.list, into);
      factsRead(node.predicate, into);
      break;
  }
  return into;
}
