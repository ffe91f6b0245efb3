import { type HouseholdRecord, householdHash, householdJson } from "./household-record.ts";
import type { FieldError, HouseholdLineValidator } from "./household-validator.ts";

/** A line the import refuses: its number (1-based, blank lines counted), text and errors. */
export interface RejectedLine {
  line: number;
  text: string;
  errors: FieldError[];
}

/** Non-blank input lines and their numbers, as read. */
export interface LineBatch {
  texts: string[];
  lines: number[];
}

/**
 * A batch of lines validated and laid out for the database. The valid households are in USCC
 * order, and each column is one PostgreSQL array literal over them (`{"…","…"}`), ready to bind as
 * a `text[]`, `bool[]`, `date[]`… parameter of `unnest`: building the literal once here costs
 * less than having the driver escape an array of values, and a literal is a plain string, which
 * crosses from a parser thread to the writer without being copied value by value.
 */
export interface ParsedBatch {
  /** Invalid lines, and lines repeating a USCC of an earlier line of the batch, in line order. */
  rejected: RejectedLine[];
  usccs: string[];
  /** The line of each valid household. */
  lines: number[];
  /** `record_hash` of each valid household. */
  hashes: string[];
  household: HouseholdColumns;
  years: {
    count: number;
    uscc: string;
    year: string;
    tax: string;
    insured: string;
    revenue: string;
  };
  suspensions: { count: number; uscc: string; seq: string; from: string; to: string };
  penalties: {
    count: number;
    uscc: string;
    seq: string;
    decided: string;
    kind: string;
    repaired: string;
  };
}

/** The record's columns of `household`; lists (groups, annual reports) as comma-joined text. */
export interface HouseholdColumns {
  uscc: string;
  name: string;
  idHash: string;
  proprietorName: string;
  groups: string;
  dishonest: string;
  county: string;
  industry: string;
  registered: string;
  status: string;
  reports: string;
  abnormal: string;
  serious: string;
  taxAbnormal: string;
  seasonal: string;
  hash: string;
}

export function repeatedUscc(where: string): FieldError {
  return {
    field: "uscc",
    reason: `repeats the household of ${where}; a USCC may appear once in an input`,
  };
}

/**
 * Validates a batch of lines (createHouseholdValidator), refuses a USCC repeated within it, and
 * lays the valid households out as array literals in USCC order (sorted, the index entries of a
 * batch land near each other). Pure: runs in a parser thread or in the importing one alike.
 */
export function parseBatch(validate: HouseholdLineValidator, batch: LineBatch): ParsedBatch {
  const rejected: RejectedLine[] = [];
  const valid: { line: number; record: HouseholdRecord; hash: string }[] = [];
  const lineOf = new Map<string, number>();
  for (let i = 0; i < batch.texts.length; i++) {
    const text = batch.texts[i] as string;
    const line = batch.lines[i] as number;
    const result = validate(text);
    if (!result.ok) {
      rejected.push({ line, text, errors: result.errors });
      continue;
    }
    const { record } = result;
    const earlier = lineOf.get(record.uscc);
    if (earlier !== undefined) {
      rejected.push({ line, text, errors: [repeatedUscc(`line ${earlier}`)] });
      continue;
    }
    lineOf.set(record.uscc, line);
    valid.push({ line, record, hash: householdHash(householdJson(record)) });
  }
  valid.sort((a, b) => (a.record.uscc < b.record.uscc ? -1 : 1));
  const records = valid.map((v) => v.record);
  const hashes = valid.map((v) => v.hash);
  const column = <T>(pick: (r: HouseholdRecord) => T, literal: (values: T[]) => string) =>
    literal(records.map(pick));
  return {
    rejected,
    usccs: records.map((r) => r.uscc),
    lines: valid.map((v) => v.line),
    hashes,
    household: {
      uscc: column((r) => r.uscc, textArray),
      name: column((r) => r.name, textArray),
      idHash: column((r) => r.proprietor.idHash, textArray),
      proprietorName: column((r) => r.proprietor.name, textArray),
      groups: column((r) => r.proprietor.groups.join(","), textArray),
      dishonest: column((r) => r.proprietor.dishonestDebtor, boolArray),
      county: column((r) => r.countyCode, textArray),
      industry: column((r) => r.industryCode, textArray),
      registered: column((r) => r.registeredOn, textArray),
      status: column((r) => r.status, textArray),
      reports: column((r) => r.annualReports.join(","), textArray),
      abnormal: column((r) => r.abnormalListed, boolArray),
      serious: column((r) => r.seriousViolationListed, boolArray),
      taxAbnormal: column((r) => r.taxAbnormal, boolArray),
      seasonal: column((r) => r.seasonal, boolArray),
      hash: textArray(hashes),
    },
    ...childColumns(records),
  };
}

/** household_year, household_suspension and household_penalty rows of the records. */
function childColumns(records: HouseholdRecord[]) {
  const years = { uscc: [] as string[], year: [] as number[], tax: [] as (number | null)[] };
  const insured: (number | null)[] = [];
  const revenue: (number | null)[] = [];
  const suspensions = { uscc: [] as string[], seq: [] as number[], from: [] as string[] };
  const suspensionTo: (string | null)[] = [];
  const penalties = { uscc: [] as string[], seq: [] as number[], decided: [] as string[] };
  const penaltyKind: string[] = [];
  const repaired: (string | null)[] = [];
  for (const r of records) {
    for (const y of r.yearly) {
      years.uscc.push(r.uscc);
      years.year.push(y.year);
      years.tax.push(y.taxPaid);
      insured.push(y.insuredEmployees);
      revenue.push(y.revenue);
    }
    // seq is the position in the canonical (sorted) list, so it is a function of the facts.
    r.suspensions.forEach((s, seq) => {
      suspensions.uscc.push(r.uscc);
      suspensions.seq.push(seq);
      suspensions.from.push(s.from);
      suspensionTo.push(s.to);
    });
    r.penalties.forEach((p, seq) => {
      penalties.uscc.push(r.uscc);
      penalties.seq.push(seq);
      penalties.decided.push(p.decidedOn);
      penaltyKind.push(p.kind);
      repaired.push(p.repairedOn);
    });
  }
  return {
    years: {
      count: years.uscc.length,
      uscc: textArray(years.uscc),
      year: numberArray(years.year),
      tax: numberArray(years.tax),
      insured: numberArray(insured),
      revenue: numberArray(revenue),
    },
    suspensions: {
      count: suspensions.uscc.length,
      uscc: textArray(suspensions.uscc),
      seq: numberArray(suspensions.seq),
      from: textArray(suspensions.from),
      to: textArray(suspensionTo),
    },
    penalties: {
      count: penalties.uscc.length,
      uscc: textArray(penalties.uscc),
      seq: numberArray(penalties.seq),
      decided: textArray(penalties.decided),
      kind: textArray(penaltyKind),
      repaired: textArray(repaired),
    },
  };
}

const NEEDS_ESCAPE = /["\\]/g;

/** A PostgreSQL array literal of text (or date) values: every element quoted, NULL for none. */
export function textArray(values: readonly (string | null | undefined)[]): string {
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ",";
    const value = values[i];
    out += value == null ? "NULL" : `"${value.replace(NEEDS_ESCAPE, "\\$&")}"`;
  }
  return `${out}}`;
}

function boolArray(values: readonly boolean[]): string {
  let out = "{";
  for (let i = 0; i < values.length; i++)
    out += i > 0 ? (values[i] ? ",t" : ",f") : values[i] ? "t" : "f";
  return `${out}}`;
}

/** Numbers as JavaScript writes them (shortest exact form), which PostgreSQL reads back exactly. */
function numberArray(values: readonly (number | null)[]): string {
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ",";
    const value = values[i];
    out += value === null || value === undefined ? "NULL" : String(value);
  }
  return `${out}}`;
}
