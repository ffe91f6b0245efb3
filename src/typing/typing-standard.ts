import { isCalendarDate } from "../dates.ts";
import { BadInputError } from "../errors.ts";
import type { RuleIssue, ValidRule } from "../matching/rule-types.ts";
import { formatIssue, pointerSegment, validateRule } from "../matching/validate-rule.ts";

/**
 * 三(一)1 分型标准 as data: the typing standard is a JSON file under policies-data/typing/ in the
 * rule language, one file per version. A new indicator is a new version of the file, never a
 * change of code. This module checks a file's shape and every rule in it (pure: no database, no
 * file system) and gives the standard with its rules validated.
 */

/** The types a standard assigns; NOT_CLASSIFIABLE is what the base standard or no condition gives. */
export const CLASSIFIED_TYPES = ["SURVIVAL", "GROWTH", "DEVELOPMENT"] as const;
export type ClassifiedType = (typeof CLASSIFIED_TYPES)[number];
export const NOT_CLASSIFIABLE = "NOT_CLASSIFIABLE";
export type TypeCode = ClassifiedType | typeof NOT_CLASSIFIABLE;
export const TYPE_CODES: readonly TypeCode[] = [...CLASSIFIED_TYPES, NOT_CLASSIFIABLE];

/** Chinese and English names of the results (design.md Names). */
export const TYPE_LABELS: Readonly<Record<TypeCode, { zh: string; en: string }>> = {
  SURVIVAL: { zh: "生存型", en: "survival" },
  GROWTH: { zh: "成长型", en: "growth" },
  DEVELOPMENT: { zh: "发展型", en: "development" },
  NOT_CLASSIFIABLE: { zh: "不符合分型条件", en: "not classifiable" },
};

export function isTypeCode(value: string): value is TypeCode {
  return (TYPE_CODES as readonly string[]).includes(value);
}

/** One condition of the standard: a code that results record, labels, the seed's clause, a rule. */
export interface StandardCondition {
  code: string;
  labelZh: string;
  labelEn: string;
  clause: string;
  rule: ValidRule;
}

/** A type: it applies when its requirement holds and any of its conditions holds. */
export interface StandardType {
  type: ClassifiedType;
  labelZh: string;
  labelEn: string;
  clause: string;
  descriptionZh: string | null;
  /** What every condition of the type presupposes (成立2年（含）以上), or null. */
  requires: { labelZh: string; labelEn: string; rule: ValidRule } | null;
  conditions: StandardCondition[];
}

export interface TypingStandard {
  version: string;
  titleZh: string;
  titleEn: string;
  source: string;
  /** In force from this date (YYYY-MM-DD); null: from the start, until a later version. */
  effectiveFrom: string | null;
  notesZh: string[];
  notesEn: string[];
  /** 基础标准: every condition must hold; each one that does not is recorded by its code. */
  base: { labelZh: string; labelEn: string; clause: string; conditions: StandardCondition[] };
  /**
   * In precedence order: the first type that applies is the result (发展型 before 成长型: a
   * household meeting conditions of both is 发展型).
   */
  types: StandardType[];
  /** A household that passes the base standard but to which no type applies. */
  otherwise: { code: string; labelZh: string; labelEn: string };
  /** The file's JSON as read: what a run records, so the version's meaning is kept. */
  definition: unknown;
  /** The file it was read from (as shown in errors). */
  file: string;
}

/** A standard file that does not validate: names the file and, for each problem, the JSON path. */
export class TypingStandardError extends BadInputError {
  constructor(
    readonly file: string,
    readonly issues: RuleIssue[],
  ) {
    // One line per problem, each naming the file, the JSON path and the reason.
    super(
      [
        `typing standard ${file} is invalid:`,
        ...issues.map((i) => `  ${file}: ${formatIssue(i)}`),
      ].join("\n"),
      "standard",
      { file, issues },
    );
  }
}

const CODE_PATTERN = /^[A-Z][A-Z0-9_]*$/;
const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Walks the JSON, collecting every problem with its JSON pointer (RFC 6901). */
class ShapeChecker {
  readonly issues: RuleIssue[] = [];

  issue(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  object(value: unknown, path: string, keys: readonly string[]): Record<string, unknown> | null {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.issue(path, "must be an object");
      return null;
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!keys.includes(key) && key !== "$comment") {
        this.issue(
          `${path}/${pointerSegment(key)}`,
          `unknown field "${key}"; expected ${keys.join(", ")}`,
        );
      }
    }
    return record;
  }

  text(record: Record<string, unknown>, key: string, path: string): string {
    const value = record[key];
    if (typeof value !== "string" || value.trim() === "") {
      this.issue(`${path}/${key}`, value === undefined ? "is required" : "must be non-empty text");
      return "";
    }
    return value;
  }

  optionalText(record: Record<string, unknown>, key: string, path: string): string | null {
    const value = record[key];
    if (value === undefined || value === null) return null;
    return this.text(record, key, path);
  }

  texts(record: Record<string, unknown>, key: string, path: string): string[] {
    const value = record[key];
    if (value === undefined) return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
      this.issue(`${path}/${key}`, "must be a list of texts");
      return [];
    }
    return value as string[];
  }

  list(record: Record<string, unknown>, key: string, path: string): unknown[] {
    const value = record[key];
    if (!Array.isArray(value) || value.length === 0) {
      this.issue(
        `${path}/${key}`,
        value === undefined ? "is required" : "must be a non-empty list",
      );
      return [];
    }
    return value;
  }

  rule(value: unknown, path: string): ValidRule | null {
    if (value === undefined) {
      this.issue(path, "is required");
      return null;
    }
    const result = validateRule(value, { expect: "boolean" });
    if (!result.ok) {
      for (const issue of result.issues) this.issue(`${path}${issue.path}`, issue.message);
      return null;
    }
    return result.rule;
  }
}

/**
 * Checks a standard file's JSON and returns the standard, or throws TypingStandardError listing
 * every problem with its JSON path (`/types/2/conditions/0/rule/<=/1: unknown fact "taxPaid"`).
 */
export function parseTypingStandard(json: unknown, file: string): TypingStandard {
  const check = new ShapeChecker();
  const root = check.object(json, "", [
    "version",
    "titleZh",
    "titleEn",
    "source",
    "effectiveFrom",
    "notesZh",
    "notesEn",
    "base",
    "types",
    "otherwise",
  ]);
  if (!root) throw new TypingStandardError(file, check.issues);

  const version = check.text(root, "version", "");
  if (version && !VERSION_PATTERN.test(version)) {
    check.issue("/version", "must be letters, digits, '.', '_' or '-' (at most 64)");
  }
  const effectiveFrom = root.effectiveFrom ?? null;
  if (
    effectiveFrom !== null &&
    (typeof effectiveFrom !== "string" || !isCalendarDate(effectiveFrom))
  ) {
    check.issue("/effectiveFrom", "must be a calendar date YYYY-MM-DD or null");
  }

  const codes = new Map<string, string>();
  const claimCode = (code: string, path: string) => {
    if (!code) return;
    if (!CODE_PATTERN.test(code)) {
      check.issue(path, `code "${code}" must be upper-case letters, digits and _`);
      return;
    }
    const first = codes.get(code);
    if (first !== undefined) check.issue(path, `code "${code}" is already used at ${first}`);
    else codes.set(code, path);
  };

  const condition = (value: unknown, path: string): StandardCondition | null => {
    const record = check.object(value, path, ["code", "labelZh", "labelEn", "clause", "rule"]);
    if (!record) return null;
    const code = check.text(record, "code", path);
    claimCode(code, `${path}/code`);
    const labelZh = check.text(record, "labelZh", path);
    const labelEn = check.text(record, "labelEn", path);
    const clause = check.text(record, "clause", path);
    const rule = check.rule(record.rule, `${path}/rule`);
    return rule ? { code, labelZh, labelEn, clause, rule } : null;
  };
  const conditions = (record: Record<string, unknown>, path: string): StandardCondition[] =>
    check
      .list(record, "conditions", path)
      .map((c, i) => condition(c, `${path}/conditions/${i}`))
      .filter((c): c is StandardCondition => c !== null);

  let base: TypingStandard["base"] = { labelZh: "", labelEn: "", clause: "", conditions: [] };
  const baseRecord = check.object(root.base, "/base", [
    "labelZh",
    "labelEn",
    "clause",
    "conditions",
  ]);
  if (baseRecord) {
    base = {
      labelZh: check.text(baseRecord, "labelZh", "/base"),
      labelEn: check.text(baseRecord, "labelEn", "/base"),
      clause: check.text(baseRecord, "clause", "/base"),
      conditions: conditions(baseRecord, "/base"),
    };
  }

  const types: StandardType[] = [];
  const seen = new Set<string>();
  check.list(root, "types", "").forEach((value, i) => {
    const path = `/types/${i}`;
    const record = check.object(value, path, [
      "type",
      "labelZh",
      "labelEn",
      "clause",
      "descriptionZh",
      "requires",
      "conditions",
    ]);
    if (!record) return;
    const type = record.type;
    if (typeof type !== "string" || !(CLASSIFIED_TYPES as readonly string[]).includes(type)) {
      check.issue(`${path}/type`, `must be one of ${CLASSIFIED_TYPES.join(", ")}`);
      return;
    }
    if (seen.has(type)) check.issue(`${path}/type`, `type ${type} is listed twice`);
    seen.add(type);
    let requires: StandardType["requires"] = null;
    if (record.requires !== undefined && record.requires !== null) {
      const req = check.object(record.requires, `${path}/requires`, ["labelZh", "labelEn", "rule"]);
      if (req) {
        const labelZh = check.text(req, "labelZh", `${path}/requires`);
        const labelEn = check.text(req, "labelEn", `${path}/requires`);
        const rule = check.rule(req.rule, `${path}/requires/rule`);
        if (rule) requires = { labelZh, labelEn, rule };
      }
    }
    types.push({
      type: type as ClassifiedType,
      labelZh: check.text(record, "labelZh", path),
      labelEn: check.text(record, "labelEn", path),
      clause: check.text(record, "clause", path),
      descriptionZh: check.optionalText(record, "descriptionZh", path),
      requires,
      conditions: conditions(record, path),
    });
  });
  for (const type of CLASSIFIED_TYPES) {
    if (Array.isArray(root.types) && !seen.has(type)) {
      check.issue("/types", `type ${type} is missing`);
    }
  }

  let otherwise: TypingStandard["otherwise"] = { code: "", labelZh: "", labelEn: "" };
  const otherwiseRecord = check.object(root.otherwise, "/otherwise", [
    "code",
    "labelZh",
    "labelEn",
  ]);
  if (otherwiseRecord) {
    const code = check.text(otherwiseRecord, "code", "/otherwise");
    claimCode(code, "/otherwise/code");
    otherwise = {
      code,
      labelZh: check.text(otherwiseRecord, "labelZh", "/otherwise"),
      labelEn: check.text(otherwiseRecord, "labelEn", "/otherwise"),
    };
  }

  const standard: TypingStandard = {
    version,
    titleZh: check.text(root, "titleZh", ""),
    titleEn: check.text(root, "titleEn", ""),
    source: check.text(root, "source", ""),
    effectiveFrom: typeof effectiveFrom === "string" ? effectiveFrom : null,
    notesZh: check.texts(root, "notesZh", ""),
    notesEn: check.texts(root, "notesEn", ""),
    base,
    types,
    otherwise,
    definition: json,
    file,
  };
  if (check.issues.length > 0) throw new TypingStandardError(file, check.issues);
  return standard;
}

/** Every code a result of this standard can carry, in the standard's order. */
export function standardCodes(standard: TypingStandard): string[] {
  return [
    ...standard.base.conditions.map((c) => c.code),
    ...standard.types.flatMap((t) => t.conditions.map((c) => c.code)),
    standard.otherwise.code,
  ];
}

/** The label of a code in this standard (Chinese and English), or null when it has none. */
export function codeLabel(
  standard: TypingStandard,
  code: string,
): { zh: string; en: string; clause: string | null } | null {
  for (const c of standard.base.conditions) {
    if (c.code === code)
      return { zh: `不符合：${c.labelZh}`, en: `fails: ${c.labelEn}`, clause: c.clause };
  }
  for (const t of standard.types) {
    for (const c of t.conditions) {
      if (c.code === code) {
        return {
          zh: `${t.labelZh}：${c.labelZh}`,
          en: `${t.labelEn}: ${c.labelEn}`,
          clause: c.clause,
        };
      }
    }
  }
  if (standard.otherwise.code === code) {
    return { zh: standard.otherwise.labelZh, en: standard.otherwise.labelEn, clause: null };
  }
  return null;
}
