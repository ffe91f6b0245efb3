import { type RawBuilder, type SqlBool, sql } from "kysely";
import { unreachable } from "../auth/principal.ts";
import type { LiteralNode, RuleNode, VarNode } from "./rule-node.ts";
import { canBeUnknown } from "./rule-node.ts";
import type { Outcome, ValidRule } from "./rule-types.ts";

/**
 * The SQL compiler: a valid rule as a Kysely expression over a relation with one column per
 * fact, named like the fact (double precision, integer, text, boolean, text[]). NULL is
 * unknown, exactly where the JS evaluator says null. Every literal of the rule is a bound
 * parameter; the SQL stays plain (`"revenueLastYear" >= $1`, `"type" = ANY($2)`) so the
 * planner can use indexes.
 */

/**
 * The rule as a condition: true, false, or NULL when unknown. Use it in WHERE (selects the
 * eligible), in SELECT, in counts and in INSERT … SELECT.
 */
export function ruleToSql(valid: ValidRule, alias?: string): RawBuilder<SqlBool> {
  return new SqlCompiler(valid, alias).truth(valid.root) as RawBuilder<SqlBool>;
}

/** The rule's value (an amount rule's amount as double precision); NULL when unknown. */
export function ruleValueToSql(valid: ValidRule, alias?: string): RawBuilder<number | null> {
  const compiler = new SqlCompiler(valid, alias);
  const root = valid.root;
  return (root.type.kind === "number" ? compiler.number(root) : compiler.value(root)) as RawBuilder<
    number | null
  >;
}

/** 'ELIGIBLE', 'INELIGIBLE' or 'UNDETERMINED' per row; the rule is evaluated once per row. */
export function ruleOutcomeSql(valid: ValidRule, alias?: string): RawBuilder<Outcome> {
  const condition = ruleToSql(valid, alias);
  return sql<Outcome>`CASE ${condition} WHEN true THEN ${sql.lit("ELIGIBLE")} WHEN false THEN ${sql.lit(
    "INELIGIBLE",
  )} ELSE ${sql.lit("UNDETERMINED")} END`;
}

const INT4_MAX = 2_147_483_647;

const SQL_OPERATOR = {
  "==": "=",
  "===": "=",
  "!=": "<>",
  "!==": "<>",
  "<": "<",
  "<=": "<=",
  ">": ">",
  ">=": ">=",
} as const;

const ARITHMETIC = { "+": " + ", "-": " - ", "*": " * " } as const;

class SqlCompiler {
  /** Aliases of the items of the some/all/none being compiled, innermost last. */
  private readonly items: string[] = [];
  private itemCount = 0;

  constructor(
    valid: ValidRule,
    private readonly alias: string | undefined,
  ) {
    if (valid.untyped) {
      throw new Error(
        "a rule validated with anyFacts has no SQL form: validate it against the catalog",
      );
    }
  }

  private column(node: VarNode): RawBuilder<unknown> {
    if (node.scope === "element") {
      const item = this.items[this.items.length - 1];
      if (!item) throw new Error(`${node.path}: the current item outside some/all/none`);
      return sql.ref(`${item}.v`);
    }
    return sql.ref(this.alias ? `${this.alias}.${node.name}` : node.name);
  }

  /** A literal with its SQL type spelled out (PostgreSQL cannot infer a lone parameter's type). */
  private literal(node: LiteralNode): RawBuilder<unknown> {
    switch (typeof node.value) {
      case "number":
        return sql`${node.value}::double precision`;
      case "string":
        return sql`${node.value}::text`;
      case "boolean":
        return sql`${node.value}::boolean`;
    }
  }

  /** The node's value as double precision (integer facts are cast: 7 / 2 is 3.5, not 3). */
  number(node: RuleNode): RawBuilder<unknown> {
    if (node.kind === "var" && node.type.kind === "number" && node.type.integer) {
      return sql`CAST(${this.column(node)} AS double precision)`;
    }
    return this.value(node);
  }

  /** True, false or NULL: json-logic truthiness (0, '' and an empty list are false). */
  truth(node: RuleNode): RawBuilder<unknown> {
    if (node.kind === "missing") {
      if (node.names.length === 0) return sql`false`;
      return sql`(${sql.join(this.missingTests(node), sql` OR `)})`;
    }
    switch (node.type.kind) {
      case "boolean":
        return this.value(node);
      case "number":
        return sql`(${this.value(node)} <> 0)`;
      case "string":
        return sql`(${this.value(node)} <> '')`;
      case "stringList":
        return sql`(cardinality(${this.value(node)}) > 0)`;
      case "numberList":
      case "any":
        throw new Error(`${node.path}: no truth value in SQL for ${node.type.kind}`);
    }
  }

  value(node: RuleNode): RawBuilder<unknown> {
    switch (node.kind) {
      case "literal":
        return this.literal(node);
      case "list":
        return node.type.kind === "numberList"
          ? sql`${[...node.values]}::double precision[]`
          : sql`${[...node.values]}::text[]`;
      case "var":
        return this.column(node);
      case "isNull":
        return node.negated
          ? sql`(${this.column(node.operand)} IS NOT NULL)`
          : sql`(${this.column(node.operand)} IS NULL)`;
      case "compare": {
        const op = sql.raw(SQL_OPERATOR[node.op]);
        const [a, b, c] = node.operands as [RuleNode, RuleNode, RuleNode?];
        if (c) {
          // The between form: a < b AND b < c, both Kleene like the JS evaluator.
          return sql`(${this.operand(a, b)} ${op} ${this.operand(b, a)} AND ${this.operand(
            b,
            c,
          )} ${op} ${this.operand(c, b)})`;
        }
        return sql`(${this.operand(a, b)} ${op} ${this.operand(b, a)})`;
      }
      case "not":
        return node.op === "!" ? sql`(NOT ${this.truth(node.operand)})` : this.truth(node.operand);
      case "logic": {
        const parts = node.operands.map((o) => this.truth(o));
        if (parts.length === 1) return parts[0] as RawBuilder<unknown>;
        return sql`(${sql.join(parts, node.op === "and" ? sql` AND ` : sql` OR `)})`;
      }
      case "if":
        return this.conditional(node, 0);
      case "in":
        return this.membership(node);
      case "arithmetic": {
        const parts = node.operands.map((o) => this.number(o));
        const [a, b] = parts as [RawBuilder<unknown>, RawBuilder<unknown>?];
        switch (node.op) {
          case "/":
            // x / 0 is unknown (the JS evaluator agrees) rather than an error.
            return sql`(${a} / NULLIF(${b}, 0))`;
          case "-":
            return b ? sql`(${a} - ${b})` : sql`(- ${a})`;
          default:
            if (parts.length === 1) return a;
            return sql`(${sql.join(parts, sql.raw(ARITHMETIC[node.op]))})`;
        }
      }
      case "minMax": {
        const parts = node.operands.map((o) => this.number(o));
        if (parts.length === 1) return parts[0] as RawBuilder<unknown>;
        const fn = sql.raw(node.op === "min" ? "LEAST" : "GREATEST");
        const picked = sql`${fn}(${sql.join(parts)})`;
        // LEAST and GREATEST skip NULLs; an unknown operand must make the result unknown.
        const guards = node.operands
          .map((o, i) => (canBeUnknown(o) ? sql`${parts[i]} IS NOT NULL` : null))
          .filter((g) => g !== null);
        if (guards.length === 0) return picked;
        return sql`(CASE WHEN ${sql.join(guards, sql` AND `)} THEN ${picked} END)`;
      }
      case "quantifier":
        return this.quantifier(node);
      case "missing": {
        if (node.names.length === 0) return sql`ARRAY[]::text[]`;
        const entries = node.names.map(
          (name, i) => sql`CASE WHEN ${this.missingTests(node)[i]} THEN ${name}::text END`,
        );
        return sql`array_remove(ARRAY[${sql.join(entries)}], NULL)`;
      }
      default:
        return unreachable(node);
    }
  }

  /**
   * One side of a comparison. Against a fact's column a literal stays a bare parameter, typed
   * by PostgreSQL from the column (`"revenueLastYear" >= $1`), which keeps indexes usable.
   */
  private operand(node: RuleNode, other: RuleNode): RawBuilder<unknown> {
    if (node.kind === "literal" && other.kind === "var" && fitsColumn(node, other)) {
      return sql`${node.value}`;
    }
    if (node.kind === "var") return this.column(node);
    return node.type.kind === "number" ? this.number(node) : this.value(node);
  }

  private conditional(node: RuleNode & { kind: "if" }, from: number): RawBuilder<unknown> {
    const operands = node.operands;
    const branch = (n: RuleNode) => (node.type.kind === "number" ? this.number(n) : this.value(n));
    if (from === operands.length - 1) return branch(operands[from] as RuleNode);
    // A simple CASE tests the condition once; when it is NULL neither WHEN matches and the
    // result is NULL, as the JS evaluator's unknown condition.
    return sql`CASE ${this.truth(operands[from] as RuleNode)} WHEN true THEN ${branch(
      operands[from + 1] as RuleNode,
    )} WHEN false THEN ${this.conditional(node, from + 2)} END`;
  }

  private membership(node: RuleNode & { kind: "in" }): RawBuilder<unknown> {
    const { needle, haystack } = node;
    switch (node.mode) {
      case "list": {
        if (haystack.kind !== "list") throw new Error(`${node.path}: expected a literal list`);
        const values = [...haystack.values];
        // Nothing is in an empty list, not even an unknown value.
        if (values.length === 0) return sql`false`;
        if (needle.kind === "var" && listFitsColumn(values, needle)) {
          return sql`(${this.column(needle)} = ANY(${values}))`;
        }
        return haystack.type.kind === "numberList"
          ? sql`(${this.number(needle)} = ANY(${values}::double precision[]))`
          : sql`(${this.value(needle)} = ANY(${values}::text[]))`;
      }
      case "substring": {
        // json-logic-js finds nothing in an empty string (`if (!b) return false`), not even "".
        const text = this.value(haystack);
        return sql`(${text} <> '' AND strpos(${text}, ${this.value(needle)}) > 0)`;
      }
      case "member":
        // NULL = ANY('{}') is false and x = ANY(NULL) is NULL: the JS evaluator does the same.
        return sql`(${this.value(needle)} = ANY(${this.value(haystack)}))`;
      case "dynamic":
        throw new Error(`${node.path}: an untyped "in" has no SQL form`);
    }
  }

  private quantifier(node: RuleNode & { kind: "quantifier" }): RawBuilder<unknown> {
    const list = this.value(node.list);
    // The usual item tests, "the item is X" and "the item is one of […]", are array operators
    // with the same three values (items are never NULL): some = overlap, all = contained and
    // not empty (json-logic: all of nothing is false), none = no overlap.
    const values = itemValues(node.predicate);
    if (values) {
      switch (node.op) {
        case "some":
          return sql`(${list} && ${values}::text[])`;
        case "none":
          return sql`(NOT (${list} && ${values}::text[]))`;
        case "all":
          return sql`(cardinality(${list}) > 0 AND ${list} <@ ${values}::text[])`;
      }
    }
    this.itemCount += 1;
    const item = `item${this.itemCount}`;
    this.items.push(item);
    const test = this.truth(node.predicate);
    this.items.pop();
    // Kleene over the items: some = or, all = and, none = not or; an unknown item counts only
    // when no item decides. An unknown list is unknown; an empty one gives json-logic's answer.
    const unknownItem = canBeUnknown(node.predicate)
      ? sql`WHEN bool_or((${test}) IS NULL) THEN NULL`
      : sql``;
    let body: RawBuilder<unknown>;
    switch (node.op) {
      case "some":
        body = sql`WHEN bool_or(${test}) THEN true ${unknownItem} ELSE false`;
        break;
      case "all":
        body = sql`WHEN count(*) = 0 THEN false WHEN bool_or(NOT (${test})) THEN false ${unknownItem} ELSE true`;
        break;
      case "none":
        body = sql`WHEN bool_or(${test}) THEN false ${unknownItem} ELSE true`;
        break;
    }
    return sql`(SELECT CASE WHEN ${list} IS NULL THEN NULL ${body} END FROM unnest(${list}) AS ${sql.id(
      item,
    )}(v))`;
  }

  /** Per name of `missing`: unknown, or (as json-logic-js counts it) the empty string. */
  private missingTests(node: RuleNode & { kind: "missing" }): RawBuilder<unknown>[] {
    return node.names.map((name, i) => {
      const column = sql.ref(this.alias ? `${this.alias}.${name}` : name);
      const fact = node.facts[i];
      const text = fact?.type === "string" || fact?.type === "enum";
      return text ? sql`(${column} IS NULL OR ${column} = '')` : sql`(${column} IS NULL)`;
    });
  }
}

/** For `{"==": [{"var": ""}, "X"]}` → ["X"]; `{"in": [{"var": ""}, ["X", "Y"]]}` → ["X", "Y"]. */
function itemValues(predicate: RuleNode): string[] | null {
  const isItem = (n: RuleNode) =>
    n.kind === "var" && n.scope === "element" && n.segments.length === 0;
  if (predicate.kind === "compare" && (predicate.op === "==" || predicate.op === "===")) {
    const [a, b] = predicate.operands as [RuleNode, RuleNode];
    const literal = isItem(a) ? b : isItem(b) ? a : null;
    if (literal?.kind === "literal" && typeof literal.value === "string") return [literal.value];
    return null;
  }
  if (predicate.kind === "in" && predicate.mode === "list" && isItem(predicate.needle)) {
    const list = predicate.haystack;
    if (list.kind === "list" && list.values.every((x) => typeof x === "string")) {
      return list.values as string[];
    }
  }
  return null;
}

/** Can this literal be a bare parameter typed by the column it is compared with? */
function fitsColumn(literal: LiteralNode, column: VarNode): boolean {
  const type = column.type;
  const v = literal.value;
  switch (type.kind) {
    case "number":
      return (
        typeof v === "number" && (!type.integer || (Number.isInteger(v) && Math.abs(v) <= INT4_MAX))
      );
    case "string":
      return typeof v === "string";
    case "boolean":
      return typeof v === "boolean";
    default:
      return false;
  }
}

function listFitsColumn(values: readonly (string | number)[], column: VarNode): boolean {
  const type = column.type;
  if (type.kind === "string") return values.every((v) => typeof v === "string");
  if (type.kind === "number") {
    return values.every(
      (v) =>
        typeof v === "number" &&
        (!type.integer || (Number.isInteger(v) && Math.abs(v) <= INT4_MAX)),
    );
  }
  return false;
}
