import { factByName } from "./fact-catalog.ts";
import type { RuleNode } from "./rule-node.ts";
import type { Decision } from "./rule-types.ts";

/**
 * Chinese rendering of rule explanations: values with the catalog's units (money in 万元 from
 * 10,000 元), enum values with their labels, conditions as people read them.
 */

/** Chinese labels of enum and list values, by fact. */
export const VALUE_LABELS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  type: {
    SURVIVAL: "生存型",
    GROWTH: "成长型",
    DEVELOPMENT: "发展型",
    NOT_CLASSIFIABLE: "不符合分型条件",
  },
  category: {
    NONE: "无",
    FAMOUS: "知名",
    DISTINCTIVE: "特色",
    QUALITY: "优质",
    EMERGING: "新兴",
  },
  // 三(二)1 基础标准: 退役军人、高校毕业生、残疾人、返乡创业农民工 may be classified more leniently.
  proprietorGroups: {
    VETERAN: "退役军人",
    GRADUATE: "高校毕业生",
    DISABLED: "残疾人",
    RETURNING_MIGRANT: "返乡创业农民工",
  },
  // 三(一)1 基础标准: 登记在册 (not 吊销, 注销 or 撤销).
  status: {
    ACTIVE: "登记在册",
    REVOKED: "吊销",
    DEREGISTERED: "注销",
    CANCELLED: "撤销",
  },
};

/** How to show a value: its unit, and which fact's value labels apply. */
export interface Display {
  unit: string | null;
  labelsOf: string | null;
}

export const PLAIN: Display = { unit: null, labelsOf: null };

export function valueLabel(fact: string | null, value: string): string {
  if (fact === null) return value;
  return VALUE_LABELS[fact]?.[value] ?? value;
}

/** `452000` 元 → `45.2万元`; `9500` 元 → `9500元`; `3` 人 → `3人`. */
export function formatNumber(n: number, unit: string | null): string {
  if (unit === "元") {
    // Rounded to the fen (0.01 元); an integer number of fen divided by a power of ten prints
    // as its decimal (45.2, not 45.199999…).
    const fen = Math.round(n * 100);
    if (Math.abs(n) >= 10_000) return `${fen / 1_000_000}万元`;
    return `${fen / 100}元`;
  }
  const text = Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)));
  return unit ? `${text}${unit}` : text;
}

/** Any value as a person reads it; null is 未知. */
export function formatValue(value: unknown, display: Display): string {
  if (value === null || value === undefined) return "未知";
  if (typeof value === "number") return formatNumber(value, display.unit);
  if (typeof value === "boolean") return value ? "是" : "否";
  if (typeof value === "string") {
    return value === "" ? "（空）" : valueLabel(display.labelsOf, value);
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return "无";
    return value.map((item) => formatValue(item, display)).join("、");
  }
  return JSON.stringify(value);
}

export function operatorSymbol(op: string): string {
  switch (op) {
    case "==":
    case "===":
      return "=";
    case "!=":
    case "!==":
      return "≠";
    case "<=":
      return "≤";
    case ">=":
      return "≥";
    default:
      return op;
  }
}

/** The Chinese label of a fact (the name itself when it is not in the catalog). */
export function factLabel(name: string): string {
  return factByName(name)?.labelZh ?? name;
}

/** `满足`, `不满足`, or `未知（缺少上年度营业收入）`. */
export function holdsText(holds: boolean | null, missingFacts: readonly string[]): string {
  if (holds === true) return "满足";
  if (holds === false) return "不满足";
  if (missingFacts.length === 0) return "未知";
  return `未知（缺少${missingFacts.map(factLabel).join("、")}）`;
}

/** A decision in one phrase: `符合`, `不符合`, `无法判定（缺少上年度营业收入）`. */
export function outcomeText(decision: Decision): string {
  switch (decision.outcome) {
    case "ELIGIBLE":
      return "符合";
    case "INELIGIBLE":
      return "不符合";
    case "UNDETERMINED":
      return decision.missingFacts.length === 0
        ? "无法判定"
        : `无法判定（缺少${decision.missingFacts.map(factLabel).join("、")}）`;
  }
}

/** The unit of what a node computes, when it has one (`上年度营业收入 × 0.05` is in 元). */
export function unitOf(node: RuleNode): string | null {
  switch (node.kind) {
    case "var":
      return node.fact?.unit ?? null;
    case "arithmetic": {
      const measured = node.operands.filter((o) => !isConstant(o));
      if (node.op === "+" || node.op === "-") return commonUnit(measured);
      // A measure scaled by constants keeps its unit; a ratio of two measures has none.
      return measured.length === 1 ? unitOf(measured[0] as RuleNode) : null;
    }
    case "minMax":
      return commonUnit(node.operands.filter((o) => !isConstant(o)));
    case "if":
      return commonUnit(
        node.operands.filter(
          (o, i) => (i % 2 === 1 || i === node.operands.length - 1) && !isConstant(o),
        ),
      );
    default:
      return null;
  }
}

function commonUnit(nodes: readonly RuleNode[]): string | null {
  const units = new Set(nodes.map(unitOf));
  return units.size === 1 ? ([...units][0] ?? null) : null;
}

/** Reads no fact and no list item: its value is the same for every household. */
export function isConstant(node: RuleNode): boolean {
  switch (node.kind) {
    case "literal":
    case "list":
      return true;
    case "var":
    case "isNull":
    case "missing":
      return false;
    case "compare":
    case "logic":
    case "if":
    case "arithmetic":
    case "minMax":
      return node.operands.every(isConstant);
    case "not":
      return isConstant(node.operand);
    case "in":
      return isConstant(node.needle) && isConstant(node.haystack);
    case "quantifier":
      return isConstant(node.list);
  }
}

/** How values of a node are shown: unit and value labels. */
export function displayOf(node: RuleNode): Display {
  const type = node.type;
  const labelsOf =
    (type.kind === "string" || type.kind === "stringList") && type.domain ? type.domain.fact : null;
  return { unit: unitOf(node), labelsOf };
}

const ARITHMETIC_SYMBOL = { "+": " + ", "-": " − ", "*": " × ", "/": " ÷ " } as const;

/**
 * A node written out in Chinese without values: `上年度实际缴纳税款 ÷ 上年度营业收入`,
 * `该项 = 退役军人`. Literals are shown with `display` (the unit of what they are compared to).
 */
export function staticText(node: RuleNode, display: Display = PLAIN): string {
  switch (node.kind) {
    case "literal":
      return typeof node.value === "string" && display.labelsOf === null
        ? `"${node.value}"`
        : formatValue(node.value, display);
    case "list":
      return `（${node.values.map((v) => formatValue(v, display)).join("、")}）`;
    case "var":
      if (node.scope === "element") return node.name === "" ? "该项" : `该项的${node.name}`;
      return node.fact ? node.fact.labelZh : node.name;
    case "isNull":
      return `${staticText(node.operand)}${node.negated ? "已知" : "缺失"}`;
    case "compare": {
      const shown = displayOfOperands(node.operands);
      return node.operands
        .map((o) => wrap(o, staticText(o, shown)))
        .join(` ${operatorSymbol(node.op)} `);
    }
    case "not":
      return node.op === "!" ? `并非（${staticText(node.operand)}）` : staticText(node.operand);
    case "logic":
      return node.operands
        .map((o) => wrap(o, staticText(o)))
        .join(node.op === "and" ? " 且 " : " 或 ");
    case "if":
      return "（按条件取值）";
    case "in": {
      const shown = displayOf(node.needle);
      if (node.mode === "list") {
        return `${staticText(node.needle)} 属于${staticText(node.haystack, shown)}`;
      }
      const inner = displayOf(node.haystack);
      return `${staticText(node.haystack)} 包含 ${staticText(node.needle, {
        unit: null,
        labelsOf: inner.labelsOf,
      })}`;
    }
    case "arithmetic": {
      const unit = node.op === "+" || node.op === "-" ? unitOf(node) : null;
      const parts = node.operands.map((o) =>
        wrap(o, staticText(o, { unit: isConstant(o) ? unit : null, labelsOf: null })),
      );
      if (node.op === "-" && parts.length === 1) return `−${parts[0]}`;
      return parts.join(ARITHMETIC_SYMBOL[node.op]);
    }
    case "minMax": {
      const unit = unitOf(node);
      const parts = node.operands.map((o) => staticText(o, { unit, labelsOf: null }));
      return `${node.op === "min" ? "较小值" : "较大值"}（${parts.join("，")}）`;
    }
    case "quantifier":
      return `${staticText(node.list)}${QUANTIFIER_TEXT[node.op]}「${staticText(node.predicate)}」`;
    case "missing":
      return `${node.names.map(factLabel).join("、")} 有缺失`;
  }
}

export const QUANTIFIER_TEXT = {
  some: " 中至少一项满足",
  all: " 中每一项都满足",
  none: " 中没有一项满足",
} as const;

/** Literals in a comparison take the unit and labels of the side that reads facts. */
export function displayOfOperands(operands: readonly RuleNode[]): Display {
  const subject = operands.find((o) => !isConstant(o)) ?? operands[0];
  return subject ? displayOf(subject) : PLAIN;
}

function wrap(node: RuleNode, text: string): string {
  const compound =
    (node.kind === "arithmetic" && node.operands.length > 1) ||
    node.kind === "logic" ||
    node.kind === "compare";
  return compound ? `（${text}）` : text;
}
