import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import ajvFormats from "ajv-formats";
import { addYears, isCalendarDate } from "../dates.ts";
import { areaByCode } from "../households/areas.ts";
import schema from "./household-record.schema.json" with { type: "json" };
import {
  canonicalHousehold,
  type HouseholdRecord,
  type HouseholdRecordInput,
} from "./household-record.ts";
import { isValidUscc, usccCheckCharacter } from "./uscc.ts";

/** One problem in one record: `field` is a JSON-pointer-like path (`yearly/1/taxPaid`), "" for the whole line. */
export interface FieldError {
  field: string;
  reason: string;
}

export type ValidationResult =
  | { ok: true; record: HouseholdRecord }
  | { ok: false; errors: FieldError[] };

/** Validates one JSON Lines line; returns the canonical record or every error found in it. */
export type HouseholdLineValidator = (text: string) => ValidationResult;

const USCC_SHAPE = /^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

/** Reasons for the schema's patterns, which ajv would only quote. */
const PATTERN_REASONS: Record<string, string> = {
  uscc: "must be 18 characters from 0-9 and A-Z without I, O, S, V, Z (positions 3-8 digits)",
  countyCode: "must be a six-digit GB/T 2260 code",
  industryCode:
    "must be a GB/T 4754-2017 code: a section letter A-T, optionally followed by 2, 3 or 4 digits",
};

/**
 * Compiles the contract's JSON Schema once (ajv, draft 2020-12, formats in full mode so that
 * `date` means a real calendar date) and returns a validator for lines. Beyond the schema it
 * checks what a careful importer must (documented in docs/import.md):
 * the USCC check character (GB 32100-2015) and the 92 prefix of individual businesses,
 * a county-level area of Zhengzhou, suspensions (ordered dates, at most 3 years, at most one open,
 * no overlap, not before registration), each year once and not before registration, and
 * penalties not repaired before they were decided nor decided before registration.
 */
export function createHouseholdValidator(): HouseholdLineValidator {
  const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true, strict: true });
  ajvFormats.default(ajv, { mode: "full", formats: ["date"] });
  const validateSchema = ajv.compile(schema);

  return (text: string): ValidationResult => {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return { ok: false, errors: [{ field: "", reason: `not valid JSON (${detail})` }] };
    }
    const schemaValid = validateSchema(data);
    const errors = schemaValid ? [] : (validateSchema.errors ?? []).map(fieldErrorOf);
    if (typeof data === "object" && data !== null && !Array.isArray(data)) {
      errors.push(...checkFacts(data as Record<string, unknown>));
    }
    if (errors.length > 0) return { ok: false, errors: dedupe(errors) };
    return { ok: true, record: canonicalHousehold(data as HouseholdRecordInput) };
  };
}

function fieldErrorOf(error: ErrorObject): FieldError {
  const base = error.instancePath.slice(1);
  const join = (name: string) => (base ? `${base}/${name}` : name);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return { field: join(String(params.missingProperty)), reason: "is required" };
    case "additionalProperties":
      return {
        field: join(String(params.additionalProperty)),
        reason: "unknown field (the contract allows no other fields)",
      };
    case "type": {
      if (base === "") return { field: "", reason: "must be a JSON object (one household a line)" };
      const types = String(params.type).split(",");
      return { field: base, reason: `must be ${types.map(article).join(" or ")}` };
    }
    case "format":
      return { field: base, reason: "must be a real calendar date written YYYY-MM-DD" };
    case "pattern":
      return { field: base, reason: PATTERN_REASONS[base] ?? `must match ${params.pattern}` };
    case "enum":
      return {
        field: base,
        reason: `must be one of ${(params.allowedValues as unknown[]).join(", ")}`,
      };
    case "uniqueItems": {
      const [earlier, later] = [params.i, params.j].map(Number).sort((a, b) => a - b);
      return { field: `${base}/${later}`, reason: `repeats ${base}/${earlier}` };
    }
    case "minLength":
      return {
        field: base,
        reason:
          params.limit === 1
            ? "must not be empty"
            : `must have at least ${params.limit} characters`,
      };
    case "maxLength":
      return { field: base, reason: `must have at most ${params.limit} characters` };
    default:
      return { field: base, reason: error.message ?? error.keyword };
  }
}

function article(type: string): string {
  switch (type) {
    case "null":
      return "null";
    case "integer":
    case "object":
    case "array":
      return `an ${type}`;
    default:
      return `a ${type}`;
  }
}

function dedupe(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.field}\u0000${e.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const isDate = (value: unknown): value is string =>
  typeof value === "string" && isCalendarDate(value);
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Checks across fields that the schema cannot express. Each check reads only values that have
 * the right shape, so a record with schema errors still gets all of its other errors reported.
 */
function checkFacts(record: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  const { uscc, countyCode, registeredOn } = record;

  if (typeof uscc === "string" && USCC_SHAPE.test(uscc)) {
    if (!isValidUscc(uscc)) {
      errors.push({
        field: "uscc",
        reason: `check character is ${uscc[17]}, GB 32100-2015 gives ${usccCheckCharacter(uscc.slice(0, 17))}`,
      });
    }
    // GB 32100-2015: registration authority 9 (market regulation), kind 2 (个体工商户).
    if (!uscc.startsWith("92")) {
      errors.push({ field: "uscc", reason: "must start with 92 (an individual business)" });
    }
  }
  if (typeof countyCode === "string" && /^[0-9]{6}$/.test(countyCode)) {
    if (!areaByCode(countyCode)) {
      errors.push({
        field: "countyCode",
        reason: `${countyCode} is not a county-level area of Zhengzhou`,
      });
    }
  }

  const registered = isDate(registeredOn) ? registeredOn : null;
  const registeredYear = registered ? Number(registered.slice(0, 4)) : null;

  if (Array.isArray(record.annualReports) && registeredYear !== null) {
    record.annualReports.forEach((year, i) => {
      if (Number.isInteger(year) && (year as number) < registeredYear) {
        errors.push({
          field: `annualReports/${i}`,
          reason: `${year} is before the year of registration (${registered})`,
        });
      }
    });
  }

  if (Array.isArray(record.suspensions)) {
    checkSuspensions(record.suspensions, registered, errors);
  }

  if (Array.isArray(record.yearly)) {
    const firstIndexOfYear = new Map<number, number>();
    record.yearly.forEach((entry, i) => {
      if (!isObject(entry) || !Number.isInteger(entry.year)) return;
      const year = entry.year as number;
      const earlier = firstIndexOfYear.get(year);
      if (earlier !== undefined) {
        errors.push({
          field: `yearly/${i}/year`,
          reason: `${year} is listed twice (also yearly/${earlier})`,
        });
      } else {
        firstIndexOfYear.set(year, i);
      }
      if (registeredYear !== null && year < registeredYear) {
        errors.push({
          field: `yearly/${i}/year`,
          reason: `${year} is before the year of registration (${registered})`,
        });
      }
    });
  }

  if (Array.isArray(record.penalties)) {
    record.penalties.forEach((penalty, i) => {
      if (!isObject(penalty) || !isDate(penalty.decidedOn)) return;
      if (registered && penalty.decidedOn < registered) {
        errors.push({
          field: `penalties/${i}/decidedOn`,
          reason: `${penalty.decidedOn} is before registration (${registered})`,
        });
      }
      if (isDate(penalty.repairedOn) && penalty.repairedOn < penalty.decidedOn) {
        errors.push({
          field: `penalties/${i}/repairedOn`,
          reason: `${penalty.repairedOn} is before the penalty was decided (${penalty.decidedOn})`,
        });
      }
    });
  }
  return errors;
}

function checkSuspensions(
  suspensions: unknown[],
  registered: string | null,
  errors: FieldError[],
): void {
  // Intervals of the well-formed filings, an open one ending at "~" (after every date).
  const intervals: { i: number; from: string; to: string }[] = [];
  suspensions.forEach((s, i) => {
    if (!isObject(s) || !isDate(s.from)) return;
    const from = s.from;
    if (registered && from < registered) {
      errors.push({
        field: `suspensions/${i}/from`,
        reason: `${from} is before registration (${registered})`,
      });
    }
    if (s.to === null || s.to === undefined) {
      intervals.push({ i, from, to: "~" });
      return;
    }
    if (!isDate(s.to)) return;
    if (s.to < from) {
      errors.push({ field: `suspensions/${i}/to`, reason: `${s.to} is before from (${from})` });
      return;
    }
    // 歇业 lasts at most 3 years (the contract: "The legal maximum period is 3 years from 'from'").
    if (s.to > addYears(from, 3)) {
      errors.push({
        field: `suspensions/${i}/to`,
        reason: `${s.to} is more than the legal maximum of 3 years after from (${from})`,
      });
    }
    intervals.push({ i, from, to: s.to });
  });
  const open = intervals.filter((x) => x.to === "~");
  for (const extra of open.slice(1)) {
    errors.push({
      field: `suspensions/${extra.i}/to`,
      reason: `a second open suspension (suspensions/${open[0]?.i} is open too)`,
    });
  }
  for (let a = 0; a < intervals.length; a++) {
    for (let b = a + 1; b < intervals.length; b++) {
      const x = intervals[a] as (typeof intervals)[number];
      const y = intervals[b] as (typeof intervals)[number];
      if (x.to === "~" && y.to === "~") continue; // already reported as a second open one
      if (x.from <= y.to && y.from <= x.to) {
        errors.push({
          field: `suspensions/${y.i}`,
          reason: `overlaps suspensions/${x.i}`,
        });
      }
    }
  }
}
