import { createHash } from "node:crypto";
import { canonicalJson } from "../canonical-json.ts";
import { isCalendarDate } from "../dates.ts";
import { factByName } from "../matching/fact-catalog.ts";
import type { Facts, FactValue, Outcome, RuleIssue, ValidRule } from "../matching/rule-types.ts";
import { pointerSegment, validateRule } from "../matching/validate-rule.ts";

/**
 * What a policy says, independent of where it is stored: the pure core that both the GraphQL
 * mutations and the policies-data loader go through. Nothing here reads the database.
 */

/** 三(一)3 帮扶措施 and 三(二)3 培育政策: the kinds of support the seed names. */
export const POLICY_KINDS = [
  "TAX_RELIEF",
  "GUARANTEED_LOAN",
  "RENT_AID",
  "TRAINING",
  "IP_SUPPORT",
  "SUBSIDY",
  "SOCIAL_INSURANCE",
  "FINANCING",
  "PROMOTION",
  "REGULATORY_RELIEF",
  // 三(一)3 发展型: 个转企 — keep the 字号 and founding date, fastest licence conversion.
  "TRANSFORMATION",
  // 三(一)3 发展型 标准化管理、产品质量提升; 三(二)3 特色类 技术研发、检验检测、质量追溯.
  "TECHNICAL_SERVICE",
] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

/** AUTO: 免申即享, granted without an application; APPLY: the household applies (howToApply). */
export const POLICY_MODES = ["AUTO", "APPLY"] as const;
export type PolicyMode = (typeof POLICY_MODES)[number];

/**
 * The period one grant covers: a calendar year unless the policy says otherwise; ONCE is one grant
 * per household for the whole life of the policy (e.g. a one-off 个转企 reward).
 */
export const GRANT_PERIODS = [
  "CALENDAR_YEAR",
  "CALENDAR_QUARTER",
  "CALENDAR_MONTH",
  "ONCE",
] as const;
export type GrantPeriod = (typeof GRANT_PERIODS)[number];

export const OUTCOMES = ["ELIGIBLE", "INELIGIBLE", "UNDETERMINED"] as const;

/** A policy code: stable, upper case, e.g. `TAX_SURVIVAL_FEE_RELIEF`. */
export const POLICY_CODE_PATTERN = /^[A-Z][A-Z0-9_]{2,63}$/;
/** A department code as tokens carry it, e.g. `SAMR_ZZ`. */
export const DEPARTMENT_CODE_PATTERN = /^[A-Z][A-Z0-9_]{1,31}$/;

export interface LegalBasis {
  /** Document number, e.g. 郑市监〔2025〕6号. */
  document: string;
  /** The clause, e.g. 三(一)3 生存型. */
  clause: string;
}

/** A sample household: its facts and the outcome (and amount) the policy must give it. */
export interface PolicyExample {
  name: string;
  facts: Facts;
  expected: Outcome;
  /** For an eligible example of a policy with an amount: the amount in 元 it must give. */
  expectedAmount: number | null;
}

/** null: no money; a number of 元; or a rule over facts that gives the number. */
export type PolicyAmount = number | Record<string, unknown> | null;

export interface PolicyContent {
  title: string;
  kind: PolicyKind;
  mode: PolicyMode;
  /** Required for APPLY: where and how to apply. */
  howToApply: string | null;
  /** The eligibility rule (JSON-logic over catalog facts). */
  rule: unknown;
  benefit: string;
  amount: PolicyAmount;
  legalBasis: LegalBasis;
  effectiveFrom: string;
  /** Inclusive last day; null: open-ended. */
  effectiveUntil: string | null;
  grantPeriod: GrantPeriod;
  examples: PolicyExample[];
  notes: string | null;
}

/** A whole policy as a policies-data file holds it. */
export interface PolicyDefinition extends PolicyContent {
  code: string;
  department: string;
}

/** Content that passed validation, with its rules validated once. */
export interface CheckedContent<T extends PolicyContent = PolicyContent> {
  content: T;
  rule: ValidRule;
  /** The amount rule, when the amount is a rule. */
  amountRule: ValidRule | null;
}

export type CheckResult<T extends PolicyContent> =
  | { ok: true; value: CheckedContent<T> }
  | { ok: false; issues: RuleIssue[] };

const CONTENT_KEYS = [
  "title",
  "kind",
  "mode",
  "howToApply",
  "rule",
  "benefit",
  "amount",
  "legalBasis",
  "effectiveFrom",
  "effectiveUntil",
  "grantPeriod",
  "examples",
  "notes",
] as const;
const DEFINITION_KEYS = ["code", "department", ...CONTENT_KEYS] as const;
const EXAMPLE_KEYS = ["name", "facts", "expected", "expectedAmount"] as const;
const LEGAL_KEYS = ["document", "clause"] as const;

/** An issue path: JSON pointer segments, escaped as RFC 6901 says. */
export function pointer(...segments: (string | number)[]): string {
  return segments.map((s) => `/${pointerSegment(s)}`).join("");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Collects issues while reading an untrusted JSON object field by field. */
class Reader {
  readonly issues: RuleIssue[] = [];

  issue(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  unknownKeys(value: Record<string, unknown>, known: readonly string[], path: string): void {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        this.issue(pointer(...splitPath(path), key), `unknown field "${key}"`);
      }
    }
  }

  text(value: unknown, path: string, max: number): string | null {
    if (typeof value !== "string" || value.trim() === "") {
      this.issue(path, "must be a non-empty string");
      return null;
    }
    if (value.length > max) {
      this.issue(path, `must be at most ${max} characters`);
      return null;
    }
    return value.trim();
  }

  optionalText(value: unknown, path: string, max: number): string | null {
    if (value === undefined || value === null) return null;
    return this.text(value, path, max);
  }

  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T | null {
    if (typeof value === "string" && (allowed as readonly string[]).includes(value)) {
      return value as T;
    }
    this.issue(path, `must be one of ${allowed.join(", ")}; got ${JSON.stringify(value)}`);
    return null;
  }

  date(value: unknown, path: string): string | null {
    if (typeof value === "string" && isCalendarDate(value)) return value;
    this.issue(path, `must be a calendar date YYYY-MM-DD; got ${JSON.stringify(value)}`);
    return null;
  }
}

/** Path segments of a pointer built by `pointer` (the root is ""). */
function splitPath(path: string): string[] {
  if (path === "") return [];
  return path
    .slice(1)
    .split("/")
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function prefixed(issues: readonly RuleIssue[], path: string): RuleIssue[] {
  return issues.map((i) => ({ path: `${path}${i.path}`, message: i.message }));
}

/**
 * Checks one example's facts against the catalog: known names, values of the fact's type, null
 * only for facts that can be unknown. Every fact the rules read must be given (null for unknown),
 * so that an example says exactly what it tests.
 */
function readFacts(
  reader: Reader,
  value: unknown,
  path: string,
  needed: readonly string[],
): Facts | null {
  if (!isObject(value)) {
    reader.issue(path, "must be an object of facts by name");
    return null;
  }
  const before = reader.issues.length;
  for (const [name, fact] of Object.entries(value)) {
    const at = pointer(...splitPath(path), name);
    const definition = factByName(name);
    if (!definition) {
      reader.issue(at, `unknown fact "${name}" (see the fact catalog)`);
      continue;
    }
    const problem = factValueProblem(definition.type, definition.values, fact);
    if (fact === null) {
      if (!definition.nullable) reader.issue(at, `fact "${name}" is never unknown: give a value`);
    } else if (problem) {
      reader.issue(at, problem);
    }
  }
  for (const name of needed) {
    if (!(name in value)) {
      reader.issue(path, `must give fact "${name}", which the rule reads (null for unknown)`);
    }
  }
  return reader.issues.length === before ? (value as Facts) : null;
}

function factValueProblem(
  type: string,
  values: readonly string[] | undefined,
  value: unknown,
): string | null {
  switch (type) {
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? null : "must be a number";
    case "integer":
      return Number.isInteger(value) ? null : "must be a whole number";
    case "string":
      return typeof value === "string" ? null : "must be a string";
    case "enum":
      return typeof value === "string" && (values ?? []).includes(value)
        ? null
        : `must be one of ${(values ?? []).join(", ")}`;
    case "boolean":
      return typeof value === "boolean" ? null : "must be true or false";
    case "stringList":
      return Array.isArray(value) &&
        value.every((v) => typeof v === "string" && (!values || values.includes(v)))
        ? null
        : `must be a list of ${values ? values.join(", ") : "strings"}`;
    default:
      return `unsupported fact type ${type}`;
  }
}

function readContent(reader: Reader, input: Record<string, unknown>, base: string) {
  const at = (key: string) => pointer(...splitPath(base), key);
  const title = reader.text(input.title, at("title"), 200);
  const kind = reader.oneOf(input.kind, at("kind"), POLICY_KINDS);
  const mode = reader.oneOf(input.mode, at("mode"), POLICY_MODES);
  const howToApply = reader.optionalText(input.howToApply, at("howToApply"), 2000);
  if (mode === "APPLY" && howToApply === null && input.howToApply == null) {
    reader.issue(at("howToApply"), "an APPLY policy must say how to apply");
  }
  const benefit = reader.text(input.benefit, at("benefit"), 2000);
  const notes = reader.optionalText(input.notes, at("notes"), 4000);

  // 8: the eligibility rule must be a valid condition over catalog facts.
  let rule: ValidRule | null = null;
  if (input.rule === undefined) {
    reader.issue(at("rule"), "is required");
  } else {
    const result = validateRule(input.rule, { expect: "boolean" });
    if (result.ok) rule = result.rule;
    else reader.issues.push(...prefixed(result.issues, at("rule")));
  }

  // 8: an optional amount, a number of 元 or a rule over facts giving it.
  let amount: PolicyAmount = null;
  let amountRule: ValidRule | null = null;
  let amountOk = true;
  if (typeof input.amount === "number") {
    if (!Number.isFinite(input.amount) || input.amount < 0) {
      reader.issue(at("amount"), "must be a number of 元, zero or more");
      amountOk = false;
    } else {
      amount = input.amount;
    }
  } else if (isObject(input.amount)) {
    const result = validateRule(input.amount, { expect: "number" });
    if (result.ok) {
      amount = input.amount;
      amountRule = result.rule;
    } else {
      reader.issues.push(...prefixed(result.issues, at("amount")));
      amountOk = false;
    }
  } else if (input.amount !== undefined && input.amount !== null) {
    reader.issue(at("amount"), "must be null, a number of 元, or a rule giving the number");
    amountOk = false;
  }

  let legalBasis: LegalBasis | null = null;
  if (isObject(input.legalBasis)) {
    reader.unknownKeys(input.legalBasis, LEGAL_KEYS, at("legalBasis"));
    const document = reader.text(input.legalBasis.document, `${at("legalBasis")}/document`, 200);
    const clause = reader.text(input.legalBasis.clause, `${at("legalBasis")}/clause`, 200);
    if (document && clause) legalBasis = { document, clause };
  } else {
    reader.issue(at("legalBasis"), "must be an object {document, clause}");
  }

  const effectiveFrom = reader.date(input.effectiveFrom, at("effectiveFrom"));
  const effectiveUntil =
    input.effectiveUntil == null ? null : reader.date(input.effectiveUntil, at("effectiveUntil"));
  if (effectiveFrom && effectiveUntil && effectiveUntil < effectiveFrom) {
    reader.issue(at("effectiveUntil"), "must not be before effectiveFrom");
  }
  const grantPeriod =
    input.grantPeriod == null
      ? "CALENDAR_YEAR"
      : reader.oneOf(input.grantPeriod, at("grantPeriod"), GRANT_PERIODS);

  // 8: examples — at least one eligible and one not, each giving every fact the rules read.
  const examples: PolicyExample[] = [];
  const examplesPath = at("examples");
  if (!Array.isArray(input.examples)) {
    reader.issue(examplesPath, "must be a list of sample households");
  } else {
    const needed = [...(rule?.facts ?? []), ...(amountRule?.facts ?? [])];
    input.examples.forEach((example: unknown, i: number) => {
      const path = `${examplesPath}/${i}`;
      if (!isObject(example)) {
        reader.issue(path, "must be an object {name, facts, expected}");
        return;
      }
      reader.unknownKeys(example, EXAMPLE_KEYS, path);
      const name = reader.text(example.name, `${path}/name`, 200);
      const expected = reader.oneOf(example.expected, `${path}/expected`, OUTCOMES);
      const facts = readFacts(reader, example.facts, `${path}/facts`, needed);
      let expectedAmount: number | null = null;
      if (example.expectedAmount !== undefined && example.expectedAmount !== null) {
        if (
          typeof example.expectedAmount !== "number" ||
          !Number.isFinite(example.expectedAmount)
        ) {
          reader.issue(`${path}/expectedAmount`, "must be a number of 元");
        } else if (expected !== "ELIGIBLE" || (amount === null && amountOk)) {
          reader.issue(
            `${path}/expectedAmount`,
            "only an ELIGIBLE example of a policy with an amount can expect an amount",
          );
        } else {
          expectedAmount = example.expectedAmount;
        }
      }
      if (name && expected && facts) examples.push({ name, facts, expected, expectedAmount });
    });
    const outcomes = new Set(
      input.examples.map((e: unknown) => (isObject(e) ? e.expected : undefined)),
    );
    if (!outcomes.has("ELIGIBLE") || !outcomes.has("INELIGIBLE")) {
      reader.issue(examplesPath, "needs at least one ELIGIBLE and one INELIGIBLE example");
    }
  }

  if (
    title === null ||
    kind === null ||
    mode === null ||
    benefit === null ||
    rule === null ||
    legalBasis === null ||
    effectiveFrom === null ||
    grantPeriod === null
  ) {
    return null;
  }
  const content: PolicyContent = {
    title,
    kind,
    mode,
    howToApply,
    rule: input.rule,
    benefit,
    amount,
    legalBasis,
    effectiveFrom,
    effectiveUntil,
    grantPeriod,
    examples,
    notes,
  };
  return { content, rule, amountRule };
}

/**
 * Checks facts given by hand (a what-if evaluation) against the catalog; issues carry JSON
 * pointers from `base`. Facts left out are unknown.
 */
export function checkFacts(
  value: unknown,
  base: string,
): { ok: true; facts: Facts } | { ok: false; issues: RuleIssue[] } {
  const reader = new Reader();
  const facts = readFacts(reader, value, base, []);
  return facts ? { ok: true, facts } : { ok: false, issues: reader.issues };
}

/** Validates a policy's content (what a draft holds); issues carry JSON pointers from `base`. */
export function checkPolicyContent(input: unknown, base = ""): CheckResult<PolicyContent> {
  const reader = new Reader();
  if (!isObject(input))
    return { ok: false, issues: [{ path: base, message: "must be an object" }] };
  reader.unknownKeys(input, CONTENT_KEYS, base);
  const read = readContent(reader, input, base);
  if (!read || reader.issues.length > 0) return { ok: false, issues: reader.issues };
  return { ok: true, value: read };
}

/** Validates a whole policy as a policies-data file holds it (code and department included). */
export function checkPolicyDefinition(input: unknown): CheckResult<PolicyDefinition> {
  const reader = new Reader();
  if (!isObject(input)) return { ok: false, issues: [{ path: "", message: "must be an object" }] };
  reader.unknownKeys(input, DEFINITION_KEYS, "");
  const code = checkCode(reader, input.code, "/code");
  const department = checkDepartment(reader, input.department, "/department");
  const read = readContent(reader, input, "");
  if (!read || !code || !department || reader.issues.length > 0) {
    return { ok: false, issues: reader.issues };
  }
  return { ok: true, value: { ...read, content: { code, department, ...read.content } } };
}

function checkCode(reader: Reader, value: unknown, path: string): string | null {
  if (typeof value === "string" && POLICY_CODE_PATTERN.test(value)) return value;
  reader.issue(
    path,
    `must be 3-64 of A-Z, 0-9 and _, starting with a letter; got ${JSON.stringify(value)}`,
  );
  return null;
}

function checkDepartment(reader: Reader, value: unknown, path: string): string | null {
  if (typeof value === "string" && DEPARTMENT_CODE_PATTERN.test(value)) return value;
  reader.issue(path, `must be a department code such as SAMR_ZZ; got ${JSON.stringify(value)}`);
  return null;
}

/** Throws unless `code` is a well-formed policy code (for arguments rather than files). */
export function policyCodeProblem(code: string): string | null {
  return POLICY_CODE_PATTERN.test(code)
    ? null
    : "a policy code is 3-64 of A-Z, 0-9 and _, starting with a letter";
}

/** sha256 of the canonical content: what makes two versions the same. */
export function contentHash(content: PolicyContent): string {
  return createHash("sha256").update(canonicalJson(content)).digest("hex");
}

/** The amount a fact value gives, as shown: a number or unknown. */
export function amountValue(value: FactValue): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
