/**
 * fast-check arbitraries of household records exactly as the exchange contract carries them
 * (shared/contracts/household-record.schema.json), of the service's own typing and category
 * state, and helpers that store both. Dates lean on the boundaries that break date code:
 * 29 February, 28 February, 1 March, year ends.
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import type { Insertable, Kysely } from "kysely";
import { CATEGORY_KINDS } from "../../src/categories/category-conditions.ts";
import { addYears, isCalendarDate } from "../../src/dates.ts";
import type {
  CategoryRecognitionTable,
  Database,
  HouseholdPenaltyTable,
  HouseholdSuspensionTable,
  HouseholdTable,
  HouseholdYearTable,
} from "../../src/db/types.ts";
import { ZHENGZHOU_AREAS } from "../../src/households/areas.ts";
import {
  HOUSEHOLD_STATUSES,
  type HouseholdRecordInput,
  PENALTY_KINDS,
  PROPRIETOR_GROUPS,
} from "../../src/ingest/household-record.ts";
import { USCC_CHARSET, withCheckCharacter } from "../../src/ingest/uscc.ts";
import type {
  CategoryRecognitionRow,
  CurrentTyping,
  HouseholdSnapshot,
} from "../../src/matching/household-facts.ts";
import { TYPE_CODES } from "../../src/typing/typing-standard.ts";

// ── The contract's record ────────────────────────────────────────────────────

/** One line of a household import file (JSON Lines), field for field as the contract names them. */
export type HouseholdRecord = HouseholdRecordInput;

// ── Dates ────────────────────────────────────────────────────────────────────
const DAY_MS = 86_400_000;

/** `date` plus `days` (negative: minus), as a calendar date. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Calendar dates from `fromYear` to `toYear`, half of them on a boundary: 29 February (of a leap
 * year), 28 February, 1 March, 1 January, 31 December.
 */
export function calendarDateArb(fromYear: number, toYear: number): fc.Arbitrary<string> {
  const first = Date.parse(`${fromYear}-01-01T00:00:00Z`) / DAY_MS;
  const last = Date.parse(`${toYear}-12-31T00:00:00Z`) / DAY_MS;
  const uniform = fc
    .integer({ min: first, max: last })
    .map((day) => new Date(day * DAY_MS).toISOString().slice(0, 10));
  const leapYears: number[] = [];
  for (let y = fromYear; y <= toYear; y++) if (isLeapYear(y)) leapYears.push(y);
  const boundary = fc.oneof(
    fc.constantFrom(...leapYears).map((y) => `${y}-02-29`),
    fc
      .tuple(
        fc.integer({ min: fromYear, max: toYear }),
        fc.constantFrom("02-28", "03-01", "01-01", "12-31"),
      )
      .map(([y, md]) => `${y}-${md}`),
  );
  return fc.oneof(uniform, boundary);
}

// ── USCC (GB 32100-2015) ─────────────────────────────────────────────────────
/** Zhengzhou's county-level areas (GB/T 2260), development zones left out. */
export const ZHENGZHOU_COUNTIES = ZHENGZHOU_AREAS.filter((a) => a.kind !== "ZONE").map(
  (a) => a.code,
);

/** A valid individual business USCC (92, the county, a 9-character body, the check character). */
export function usccArb(countyCode: string): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...USCC_CHARSET), { minLength: 9, maxLength: 9 }).map((body) => {
    return withCheckCharacter(`92${countyCode}${body.join("")}`);
  });
}

// ── Records ──────────────────────────────────────────────────────────────────
export interface HouseholdRecordOptions {
  /** Years of registration, figures and events (default 2012–2027). */
  fromYear?: number;
  toYear?: number;
}

const optionalFigure = (figure: fc.Arbitrary<number>) => fc.option(figure, { nil: null, freq: 4 });

/** A record the contract accepts; optional fields are sometimes absent, sometimes present. */
export function householdRecordArb(
  options: HouseholdRecordOptions = {},
): fc.Arbitrary<HouseholdRecord> {
  const fromYear = options.fromYear ?? 2012;
  const toYear = options.toYear ?? 2027;
  const date = calendarDateArb(fromYear, toYear);
  const year = fc.integer({ min: fromYear, max: toYear });
  const industryCode = fc
    .tuple(
      fc.constantFrom(..."ABCDEFGHIJKLMNOPQRST".split("")),
      fc.constantFrom("", "62", "621", "6210"),
    )
    .map(([section, digits]) => section + digits);
  return fc.constantFrom(...ZHENGZHOU_COUNTIES).chain((countyCode) =>
    fc.record(
      {
        uscc: usccArb(countyCode),
        name: fc.string({ minLength: 1, maxLength: 20 }),
        proprietor: fc.record(
          {
            idHash: fc.stringMatching(/^sha256:[0-9a-f]{12}$/),
            name: fc.string({ maxLength: 10 }),
            groups: fc.subarray([...PROPRIETOR_GROUPS]),
            dishonestDebtor: fc.boolean(),
          },
          { requiredKeys: ["idHash"] },
        ),
        countyCode: fc.constant(countyCode),
        industryCode,
        registeredOn: date,
        status: fc.constantFrom(...HOUSEHOLD_STATUSES),
        annualReports: fc.uniqueArray(year, { maxLength: 5 }),
        abnormalListed: fc.boolean(),
        seriousViolationListed: fc.boolean(),
        taxAbnormal: fc.boolean(),
        seasonal: fc.boolean(),
        suspensions: fc.array(
          fc.record({ from: date, to: fc.option(date, { nil: null }) }, { requiredKeys: ["from"] }),
          { maxLength: 3 },
        ),
        yearly: fc.uniqueArray(
          fc.record(
            {
              year,
              taxPaid: optionalFigure(fc.double({ min: 0, max: 50_000, noNaN: true })),
              insuredEmployees: optionalFigure(fc.integer({ min: 0, max: 12 })),
              revenue: optionalFigure(fc.double({ min: 0, max: 2_000_000, noNaN: true })),
            },
            { requiredKeys: ["year"] },
          ),
          { selector: (y) => y.year, maxLength: 6 },
        ),
        penalties: fc.array(
          fc.record(
            {
              decidedOn: date,
              kind: fc.constantFrom(...PENALTY_KINDS),
              repairedOn: fc.option(date, { nil: null }),
            },
            { requiredKeys: ["decidedOn", "kind"] },
          ),
          { maxLength: 3 },
        ),
      },
      { requiredKeys: ["uscc", "name", "proprietor", "countyCode", "registeredOn", "status"] },
    ),
  );
}

/** Records with distinct USCCs. */
export function householdRecordsArb(
  constraints: { minLength?: number; maxLength?: number } & HouseholdRecordOptions = {},
): fc.Arbitrary<HouseholdRecord[]> {
  return fc.uniqueArray(householdRecordArb(constraints), {
    selector: (r) => r.uscc,
    minLength: constraints.minLength ?? 0,
    maxLength: constraints.maxLength ?? 8,
  });
}

/**
 * The dates on which a record's facts change, and the day before each: registration and its
 * anniversaries that rules test (1, 2, 6, 10 years), 1 January of the year after each event,
 * a suspension's start, filed end (and the day after) and 3-year maximum, a penalty's decision,
 * 2-year window and repair. As-of dates drawn from these hit every boundary of the facts.
 */
export function boundaryDatesOf(records: readonly HouseholdRecord[]): string[] {
  const dates = new Set<string>();
  const change = (date: string) => {
    dates.add(addDays(date, -1));
    dates.add(date);
  };
  for (const r of records) {
    for (const years of [0, 1, 2, 6, 10]) change(addYears(r.registeredOn, years));
    change(`${Number(r.registeredOn.slice(0, 4)) + 1}-01-01`);
    for (const s of r.suspensions ?? []) {
      change(s.from);
      change(addYears(s.from, 3));
      if (s.to) change(addDays(s.to, 1));
    }
    for (const p of r.penalties ?? []) {
      change(p.decidedOn);
      change(addYears(p.decidedOn, 2));
      if (p.repairedOn) change(p.repairedOn);
    }
  }
  return [...dates].filter(isCalendarDate).sort();
}

// ── The service's own state: typing runs, corrections, recognitions ─────────
/** Timestamps that differ by a microsecond, and one equal to the first in another time zone. */
export const FACTS_CHANGED_AT = [
  "2025-03-01 00:00:00.000001+00",
  "2025-03-01 00:00:00.000002+00",
  "2025-03-01 08:00:00.000001+08",
] as const;

export interface TypingRunSeed {
  id: string;
  asOf: string;
  /** null: a run that never finished (it never happened). */
  finishedAt: string | null;
}

export interface TypingState {
  /** Each household's facts_changed_at (one of FACTS_CHANGED_AT). */
  factsChangedAt: Record<string, string>;
  runs: TypingRunSeed[];
  results: { runId: string; uscc: string; type: string; codes: string[] }[];
  corrections: { uscc: string; type: string; factsChangedAt: string; objectionId: string }[];
  recognitions: Omit<Insertable<CategoryRecognitionTable>, "id">[];
}

/**
 * Typing runs (some unfinished, some finishing at the same instant), results for random subsets
 * of the households, corrections stamped with the household's facts_changed_at or another one,
 * and 名特优新 recognitions (overlapping, ended early, or not yet in force) for these USCCs.
 */
export function typingStateArb(usccs: readonly string[]): fc.Arbitrary<TypingState> {
  const finishedAt = fc.option(
    fc.constantFrom(
      "2025-01-10 10:00:00.000001+00",
      "2025-01-10 10:00:00.000002+00",
      "2025-07-31 23:59:59.999999+00",
    ),
    { nil: null, freq: 4 },
  );
  const run = fc.record({
    id: fc.uuid(),
    asOf: calendarDateArb(2023, 2026),
    finishedAt,
  });
  const type = fc.constantFrom(...TYPE_CODES);
  const changedAt = fc.constantFrom(...FACTS_CHANGED_AT);
  const recognition = (uscc: string) =>
    fc
      .record({
        category: fc.constantFrom(...CATEGORY_KINDS),
        recognizedOn: calendarDateArb(2018, 2026),
        // Usually the seed's: from 1 January of the next year until 3 years after recognition.
        shape: fc.constantFrom("standard", "standard", "short", "open-ended"),
        endedAfterDays: fc.option(fc.integer({ min: 0, max: 1200 }), { nil: null }),
      })
      .map(({ category, recognizedOn, shape, endedAfterDays }) => {
        const validFrom = `${Number(recognizedOn.slice(0, 4)) + 1}-01-01`;
        const validUntil =
          shape === "short"
            ? addDays(validFrom, 200)
            : addYears(recognizedOn, shape === "open-ended" ? 6 : 3);
        return {
          uscc,
          category,
          recognized_on: recognizedOn,
          valid_from: validFrom,
          valid_until: validUntil,
          ended_on: endedAfterDays === null ? null : addDays(recognizedOn, endedAfterDays),
          end_reason: endedAfterDays === null ? null : "CANCELLED",
        };
      });
  return fc
    .record({
      factsChangedAt: fc.tuple(...usccs.map(() => changedAt)),
      runs: fc.uniqueArray(run, { selector: (r) => r.id, maxLength: 3 }),
      corrections: fc.tuple(
        ...usccs.map(() => fc.option(fc.record({ type, changedAt, objectionId: fc.uuid() }))),
      ),
      recognitions: fc.tuple(...usccs.map((uscc) => fc.array(recognition(uscc), { maxLength: 2 }))),
    })
    .chain(({ factsChangedAt, runs, corrections, recognitions }) =>
      fc
        .tuple(
          ...runs.map((r) =>
            fc.subarray([...usccs]).chain((typed) =>
              fc.tuple(...typed.map(() => type)).map((types) =>
                typed.map((uscc, i) => ({
                  runId: r.id,
                  uscc,
                  type: types[i] ?? "SURVIVAL",
                  codes: [`${types[i]}_A`],
                })),
              ),
            ),
          ),
        )
        .map((resultsPerRun) => ({
          factsChangedAt: Object.fromEntries(usccs.map((u, i) => [u, factsChangedAt[i] ?? ""])),
          runs,
          results: resultsPerRun.flat(),
          corrections: usccs.flatMap((uscc, i) => {
            const c = corrections[i];
            return c
              ? [{ uscc, type: c.type, factsChangedAt: c.changedAt, objectionId: c.objectionId }]
              : [];
          }),
          recognitions: recognitions.flat(),
        })),
    );
}

// ── Storing ──────────────────────────────────────────────────────────────────
export interface HouseholdRows {
  household: Insertable<HouseholdTable>;
  years: Insertable<HouseholdYearTable>[];
  suspensions: Insertable<HouseholdSuspensionTable>[];
  penalties: Insertable<HouseholdPenaltyTable>[];
}

/** The snapshot loadSnapshots would give for the record once stored. */
export function snapshotOf(
  record: HouseholdRecord,
  typing: CurrentTyping | null = null,
  recognitions: CategoryRecognitionRow[] = [],
): HouseholdSnapshot {
  const rows = householdRowsOf(record);
  const at = new Date("2025-03-01T00:00:00Z");
  return {
    household: {
      ...rows.household,
      proprietor_name: rows.household.proprietor_name ?? null,
      proprietor_groups: rows.household.proprietor_groups ?? [],
      proprietor_dishonest_debtor: rows.household.proprietor_dishonest_debtor ?? false,
      industry_code: rows.household.industry_code ?? null,
      annual_reports: rows.household.annual_reports ?? [],
      abnormal_listed: rows.household.abnormal_listed ?? false,
      serious_violation_listed: rows.household.serious_violation_listed ?? false,
      tax_abnormal: rows.household.tax_abnormal ?? false,
      seasonal: rows.household.seasonal ?? false,
      facts_changed_at: at,
      imported_at: at,
    },
    years: rows.years.map((y) => ({
      ...y,
      tax_paid: y.tax_paid ?? null,
      insured_employees: y.insured_employees ?? null,
      revenue: y.revenue ?? null,
    })),
    suspensions: rows.suspensions.map((s) => ({ ...s, to_on: s.to_on ?? null })),
    penalties: rows.penalties.map((p) => ({ ...p, repaired_on: p.repaired_on ?? null })),
    typing,
    recognitions,
  };
}

/** The rows a record is stored as (defaults as the contract gives them). */
export function householdRowsOf(record: HouseholdRecord, factsChangedAt?: string): HouseholdRows {
  const recordHash = createHash("sha256").update(JSON.stringify(record)).digest("hex");
  return {
    household: {
      uscc: record.uscc,
      name: record.name,
      proprietor_id_hash: record.proprietor.idHash,
      proprietor_name: record.proprietor.name ?? null,
      proprietor_groups: record.proprietor.groups ?? [],
      proprietor_dishonest_debtor: record.proprietor.dishonestDebtor ?? false,
      county_code: record.countyCode,
      industry_code: record.industryCode ?? null,
      registered_on: record.registeredOn,
      status: record.status,
      annual_reports: record.annualReports ?? [],
      abnormal_listed: record.abnormalListed ?? false,
      serious_violation_listed: record.seriousViolationListed ?? false,
      tax_abnormal: record.taxAbnormal ?? false,
      seasonal: record.seasonal ?? false,
      record_hash: recordHash,
      ...(factsChangedAt ? { facts_changed_at: factsChangedAt } : {}),
    },
    years: (record.yearly ?? []).map((y) => ({
      uscc: record.uscc,
      year: y.year,
      tax_paid: y.taxPaid ?? null,
      insured_employees: y.insuredEmployees ?? null,
      revenue: y.revenue ?? null,
    })),
    suspensions: (record.suspensions ?? []).map((s, i) => ({
      uscc: record.uscc,
      seq: i + 1,
      from_on: s.from,
      to_on: s.to ?? null,
    })),
    penalties: (record.penalties ?? []).map((p, i) => ({
      uscc: record.uscc,
      seq: i + 1,
      decided_on: p.decidedOn,
      kind: p.kind,
      repaired_on: p.repairedOn ?? null,
    })),
  };
}

async function insertChunked<T extends keyof Database>(
  db: Kysely<Database>,
  table: T,
  rows: readonly Insertable<Database[T]>[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insertInto(table)
      // Kysely cannot relate the rows of a generic table to it.
      .values(rows.slice(i, i + 500) as any)
      .execute();
  }
}

/** Stores the records (not through the importer: test data only). */
export async function insertHouseholdRecords(
  db: Kysely<Database>,
  records: readonly HouseholdRecord[],
  factsChangedAt: Readonly<Record<string, string>> = {},
): Promise<void> {
  const rows = records.map((r) => householdRowsOf(r, factsChangedAt[r.uscc]));
  await insertChunked(
    db,
    "household",
    rows.map((r) => r.household),
  );
  await insertChunked(
    db,
    "household_year",
    rows.flatMap((r) => r.years),
  );
  await insertChunked(
    db,
    "household_suspension",
    rows.flatMap((r) => r.suspensions),
  );
  await insertChunked(
    db,
    "household_penalty",
    rows.flatMap((r) => r.penalties),
  );
}

/** Stores typing runs, results, corrections and recognitions. */
export async function insertTypingState(db: Kysely<Database>, state: TypingState): Promise<void> {
  await insertChunked(
    db,
    "typing_run",
    state.runs.map((r) => ({
      id: r.id,
      as_of: r.asOf,
      standard_version: "test",
      started_at: "2025-01-01 00:00:00+00",
      finished_at: r.finishedAt,
      created_by: "test",
    })),
  );
  await insertChunked(
    db,
    "typing_result",
    state.results.map((r) => ({ run_id: r.runId, uscc: r.uscc, type: r.type, codes: r.codes })),
  );
  await insertChunked(
    db,
    "typing_correction",
    state.corrections.map((c) => ({
      uscc: c.uscc,
      type: c.type,
      facts_changed_at: c.factsChangedAt,
      objection_id: c.objectionId,
      reason: "accepted objection",
    })),
  );
  await insertChunked(db, "category_recognition", state.recognitions);
}
