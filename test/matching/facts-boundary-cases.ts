/**
 * The boundaries of each fact's definition, as examples: a household record, an as-of date and
 * the facts expected. facts-of.test.ts checks them in TypeScript, facts-relation.test.ts in SQL.
 */

import { withCheckCharacter } from "../../src/ingest/uscc.ts";
import type { HouseholdFacts } from "../../src/matching/household-facts.ts";
import type { HouseholdRecord } from "../support/household-arbitraries.ts";

export interface FactsCase {
  name: string;
  record: HouseholdRecord;
  asOf: string;
  expected: Partial<HouseholdFacts>;
}

/** A distinct valid USCC per case number. */
export function caseUscc(n: number): string {
  return withCheckCharacter(`92410103${String(n).padStart(9, "0")}`);
}

function record(overrides: Partial<HouseholdRecord>): HouseholdRecord {
  return {
    uscc: caseUscc(0),
    name: "二七区老街烩面馆",
    proprietor: { idHash: "sha256:4f1c9a0e77d2" },
    countyCode: "410103",
    industryCode: "H6210",
    registeredOn: "2014-05-20",
    status: "ACTIVE",
    ...overrides,
  };
}

const reg = (registeredOn: string, asOf: string, registeredYears: number): FactsCase => ({
  name: `registered ${registeredOn}, as of ${asOf}: ${registeredYears} whole years`,
  record: record({ registeredOn }),
  asOf,
  expected: { registeredYears },
});

const suspension = (
  from: string,
  to: string | null,
  asOf: string,
  suspended: boolean,
): FactsCase => ({
  name: `suspension ${from}..${to ?? "open"}, as of ${asOf}: ${suspended ? "" : "not "}suspended`,
  record: record({ suspensions: [{ from, to }], seasonal: true }),
  asOf,
  expected: { suspended, seasonal: true },
});

const penalty = (
  decidedOn: string,
  kind: NonNullable<HouseholdRecord["penalties"]>[number]["kind"],
  repairedOn: string | null,
  asOf: string,
  hasActivePenalty: boolean,
): FactsCase => ({
  name: `${kind} decided ${decidedOn}, repaired ${repairedOn ?? "never"}, as of ${asOf}: ${hasActivePenalty ? "" : "not "}active`,
  record: record({ penalties: [{ decidedOn, kind, repairedOn }] }),
  asOf,
  expected: { hasActivePenalty },
});

const yearly = [
  { year: 2023, taxPaid: 3200, insuredEmployees: 2, revenue: 410_000 },
  { year: 2024, taxPaid: 0, insuredEmployees: null, revenue: 452_000.5 },
];

export const FACTS_CASES: FactsCase[] = [
  // 三(一)1 注册时间: whole years, PostgreSQL `+ interval` semantics.
  reg("2023-08-01", "2025-07-31", 1),
  reg("2023-08-01", "2025-08-01", 2),
  reg("2015-08-01", "2025-07-31", 9),
  reg("2015-08-01", "2025-08-01", 10),
  reg("2020-02-29", "2021-02-27", 0),
  reg("2020-02-29", "2021-02-28", 1),
  reg("2020-02-29", "2024-02-28", 3),
  reg("2020-02-29", "2024-02-29", 4),
  reg("2019-02-28", "2020-02-28", 1),
  reg("2019-03-01", "2020-02-29", 0),
  reg("2019-12-31", "2020-01-01", 0),
  // Before registration: the same definition, negative.
  reg("2025-05-20", "2025-05-20", 0),
  reg("2025-05-20", "2025-05-19", -1),
  reg("2025-05-20", "2024-05-20", -1),
  reg("2025-05-20", "2024-05-19", -2),
  {
    name: "registered on the first day of the as-of year: registered this year",
    record: record({ registeredOn: "2025-01-01" }),
    asOf: "2025-12-31",
    expected: { registeredThisYear: true, registeredYears: 0 },
  },
  {
    name: "registered on the last day of the year before: not registered this year",
    record: record({ registeredOn: "2024-12-31" }),
    asOf: "2025-01-01",
    expected: { registeredThisYear: false, registeredYears: 0 },
  },
  {
    name: "registered after the as-of year: not registered this year",
    record: record({ registeredOn: "2026-01-01" }),
    asOf: "2025-12-31",
    expected: { registeredThisYear: false, registeredYears: -1 },
  },
  // 三(一)1 上年度: the calendar year before the as-of date's year; absent is unknown.
  {
    name: "as of 1 January 2025, last year is 2024 (a zero stays zero, a null stays null)",
    record: record({ yearly, annualReports: [2023, 2024] }),
    asOf: "2025-01-01",
    expected: {
      taxPaidLastYear: 0,
      insuredEmployeesLastYear: null,
      revenueLastYear: 452_000.5,
      annualReportFiledLastYear: true,
    },
  },
  {
    name: "as of 31 December 2024, last year is 2023",
    record: record({ yearly, annualReports: [2024] }),
    asOf: "2024-12-31",
    expected: {
      taxPaidLastYear: 3200,
      insuredEmployeesLastYear: 2,
      revenueLastYear: 410_000,
      annualReportFiledLastYear: false,
    },
  },
  {
    name: "a year absent from the record is unknown, not zero",
    record: record({ yearly, annualReports: [2023, 2024] }),
    asOf: "2026-03-01",
    expected: {
      taxPaidLastYear: null,
      insuredEmployeesLastYear: null,
      revenueLastYear: null,
      annualReportFiledLastYear: false,
    },
  },
  {
    name: "no yearly figures and no annual reports at all",
    record: record({}),
    asOf: "2025-08-01",
    expected: {
      taxPaidLastYear: null,
      insuredEmployeesLastYear: null,
      revenueLastYear: null,
      annualReportFiledLastYear: false,
    },
  },
  // 三(一)1 基础标准 D: 歇业备案 within the legal maximum of 3 years.
  suspension("2022-03-01", null, "2022-02-28", false),
  suspension("2022-03-01", null, "2022-03-01", true),
  suspension("2022-03-01", null, "2025-02-28", true),
  suspension("2022-03-01", null, "2025-03-01", false),
  suspension("2024-02-29", null, "2027-02-27", true),
  suspension("2024-02-29", null, "2027-02-28", false),
  suspension("2025-01-10", "2025-03-10", "2025-03-10", true),
  suspension("2025-01-10", "2025-03-10", "2025-03-11", false),
  suspension("2025-01-10", "2025-01-10", "2025-01-10", true),
  suspension("2021-01-01", "2030-01-01", "2023-12-31", true),
  suspension("2021-01-01", "2030-01-01", "2024-01-01", false),
  {
    name: "two suspensions: covered by the second",
    record: record({
      suspensions: [
        { from: "2020-01-01", to: "2020-06-30" },
        { from: "2024-11-01", to: null },
      ],
    }),
    asOf: "2025-08-01",
    expected: { suspended: true, seasonal: false },
  },
  // 三(二)1 A: 前2年内 罚款及以上 not repaired.
  penalty("2023-06-02", "FINE", null, "2023-06-01", false),
  penalty("2023-06-02", "FINE", null, "2023-06-02", true),
  penalty("2023-06-02", "FINE", null, "2025-06-01", true),
  penalty("2023-06-02", "FINE", null, "2025-06-02", false),
  penalty("2020-02-29", "FINE", null, "2022-02-27", true),
  penalty("2020-02-29", "FINE", null, "2022-02-28", false),
  penalty("2023-06-02", "FINE", "2023-12-01", "2023-11-30", true),
  penalty("2023-06-02", "FINE", "2023-12-01", "2023-12-01", false),
  penalty("2024-01-01", "WARNING", null, "2024-06-01", false),
  penalty("2024-01-01", "CONFISCATION", null, "2024-06-01", true),
  penalty("2024-01-01", "LICENCE_ACTION", null, "2024-06-01", true),
  penalty("2024-01-01", "BUSINESS_RESTRICTION", null, "2024-06-01", true),
  penalty("2024-01-01", "DETENTION", null, "2024-06-01", true),
  {
    name: "a repaired fine and an unrepaired warning: no active penalty",
    record: record({
      penalties: [
        { decidedOn: "2024-03-01", kind: "FINE", repairedOn: "2024-09-01" },
        { decidedOn: "2024-10-01", kind: "WARNING" },
      ],
    }),
    asOf: "2025-01-01",
    expected: { hasActivePenalty: false },
  },
  // Lists, industry and the stored flags.
  {
    name: "flags and lists as stored",
    record: record({
      industryCode: "O8122",
      proprietor: {
        idHash: "sha256:91bd02c4e5aa",
        groups: ["GRADUATE", "VETERAN"],
        dishonestDebtor: true,
      },
      status: "REVOKED",
      abnormalListed: true,
      seriousViolationListed: true,
      taxAbnormal: true,
      seasonal: true,
    }),
    asOf: "2025-08-01",
    expected: {
      countyCode: "410103",
      industryCode: "O8122",
      industrySection: "O",
      proprietorGroups: ["GRADUATE", "VETERAN"],
      proprietorDishonestDebtor: true,
      status: "REVOKED",
      abnormalListed: true,
      seriousViolationListed: true,
      taxAbnormal: true,
      seasonal: true,
    },
  },
  {
    name: "no industry code, no groups: section unknown, groups empty (never null)",
    record: { ...record({}), industryCode: undefined },
    asOf: "2025-08-01",
    expected: {
      industryCode: null,
      industrySection: null,
      proprietorGroups: [],
      proprietorDishonestDebtor: false,
      abnormalListed: false,
      seriousViolationListed: false,
      taxAbnormal: false,
      suspended: false,
      seasonal: false,
      hasActivePenalty: false,
      type: null,
      category: "NONE",
    },
  },
  {
    name: "a section letter alone",
    record: record({ industryCode: "A" }),
    asOf: "2025-08-01",
    expected: { industryCode: "A", industrySection: "A" },
  },
].map((c, i) => ({ ...c, record: { ...c.record, uscc: caseUscc(i + 1) } }));
