/**
 * Hand-made households at every boundary of the typing standard (郑市监〔2025〕6号 三(一)1), as
 * contract records (shared/contracts/household-record.schema.json), each with the type and the
 * reason codes the seed gives as of the case's date. The acceptance tests import them through
 * the contract and type them through the API and the CLI.
 */

import { withCheckCharacter } from "../../src/ingest/uscc.ts";
import type { HouseholdRecord } from "../support/household-arbitraries.ts";

export interface TypingCase {
  name: string;
  record: HouseholdRecord;
  type: "SURVIVAL" | "GROWTH" | "DEVELOPMENT" | "NOT_CLASSIFIABLE";
  codes: string[];
}

/** The main date: 上年度 is 2024. */
export const AS_OF = "2025-08-01";

/** A distinct valid USCC per case number, in 二七区 (410103). */
export function typingUscc(n: number, county = "410103"): string {
  return withCheckCharacter(`92${county}T${String(n).padStart(8, "0")}`);
}

let next = 1;

/**
 * A household 5 years old on 2025-08-01 (no age condition holds), active, its 2024 report
 * filed, on no list, with no figures: alone it is INSUFFICIENT_DATA; each case changes one thing.
 */
function household(name: string, overrides: Partial<HouseholdRecord>): HouseholdRecord {
  const n = next++;
  return {
    uscc: typingUscc(n),
    name: `二七区分型测试${String(n).padStart(2, "0")}号${name}`,
    proprietor: { idHash: `sha256:typing${n}` },
    countyCode: "410103",
    industryCode: "H6210",
    registeredOn: "2020-03-15",
    status: "ACTIVE",
    annualReports: [2020, 2021, 2022, 2023, 2024],
    ...overrides,
  };
}

const y2024 = (figures: {
  taxPaid?: number | null;
  insuredEmployees?: number | null;
  revenue?: number | null;
}) => [{ year: 2024, ...figures }];

const c = (
  name: string,
  overrides: Partial<HouseholdRecord>,
  type: TypingCase["type"],
  codes: string[],
): TypingCase => ({ name, record: household(name.slice(0, 12), overrides), type, codes });

export const TYPING_CASES: TypingCase[] = [
  // ── 三(一)1 生存型: 注册时间小于2年; 成立2年（含）以上 ──
  c(
    "age 1 year 364 days",
    { registeredOn: "2023-08-02", annualReports: [2023, 2024], yearly: y2024({ taxPaid: 500 }) },
    "SURVIVAL",
    ["SURVIVAL_AGE"],
  ),
  c(
    "age exactly 2 years",
    { registeredOn: "2023-08-01", annualReports: [2023, 2024], yearly: y2024({ taxPaid: 500 }) },
    "GROWTH",
    ["GROWTH_A_TAX"],
  ),
  c(
    "age exactly 2 years, no figures",
    { registeredOn: "2023-08-01", annualReports: [2023, 2024] },
    "NOT_CLASSIFIABLE",
    ["INSUFFICIENT_DATA"],
  ),
  // ── 成长型 A / 发展型 A: 1万元（含）以下 / 以上 ──
  c("tax 10000", { yearly: y2024({ taxPaid: 10000 }) }, "GROWTH", ["GROWTH_A_TAX"]),
  c("tax 10000.01", { yearly: y2024({ taxPaid: 10000.01 }) }, "DEVELOPMENT", ["DEVELOPMENT_A_TAX"]),
  c("tax 0 (known, not missing)", { yearly: y2024({ taxPaid: 0 }) }, "GROWTH", ["GROWTH_A_TAX"]),
  // ── 成长型 B / 发展型 B: 3-5名 / 5名以上, 含经营者本人 ──
  c("2 insured employees", { yearly: y2024({ insuredEmployees: 2 }) }, "NOT_CLASSIFIABLE", [
    "INSUFFICIENT_DATA",
  ]),
  c("3 insured employees", { yearly: y2024({ insuredEmployees: 3 }) }, "GROWTH", [
    "GROWTH_B_INSURED",
  ]),
  c("5 insured employees", { yearly: y2024({ insuredEmployees: 5 }) }, "GROWTH", [
    "GROWTH_B_INSURED",
  ]),
  c("6 insured employees", { yearly: y2024({ insuredEmployees: 6 }) }, "DEVELOPMENT", [
    "DEVELOPMENT_B_INSURED",
  ]),
  // ── 成长型 C / 发展型 C: 30万元（含）以上、60万元以下 / 60万元（含）以上 ──
  c("revenue 299999.99", { yearly: y2024({ revenue: 299999.99 }) }, "NOT_CLASSIFIABLE", [
    "INSUFFICIENT_DATA",
  ]),
  c("revenue 300000", { yearly: y2024({ revenue: 300000 }) }, "GROWTH", ["GROWTH_C_REVENUE"]),
  c("revenue 599999.99", { yearly: y2024({ revenue: 599999.99 }) }, "GROWTH", ["GROWTH_C_REVENUE"]),
  c("revenue 600000", { yearly: y2024({ revenue: 600000 }) }, "DEVELOPMENT", [
    "DEVELOPMENT_C_REVENUE",
  ]),
  // ── 成长型 D / 发展型 D: 6年（含）以上、10年以下 / 10年（含）以上 ──
  c("age 5 years 364 days", { registeredOn: "2019-08-02" }, "NOT_CLASSIFIABLE", [
    "INSUFFICIENT_DATA",
  ]),
  c("age exactly 6 years", { registeredOn: "2019-08-01" }, "GROWTH", ["GROWTH_D_AGE"]),
  c("age 9 years 364 days", { registeredOn: "2015-08-02" }, "GROWTH", ["GROWTH_D_AGE"]),
  c("age exactly 10 years", { registeredOn: "2015-08-01" }, "DEVELOPMENT", ["DEVELOPMENT_D_AGE"]),
  // ── Both: 同时满足成长型和发展型条件的，判定为发展型 (every condition that held is recorded) ──
  c(
    "growth tax and development employees",
    { yearly: y2024({ taxPaid: 500, insuredEmployees: 6 }) },
    "DEVELOPMENT",
    ["DEVELOPMENT_B_INSURED", "GROWTH_A_TAX"],
  ),
  c(
    "all figures, growth",
    { yearly: y2024({ taxPaid: 3600, insuredEmployees: 4, revenue: 452000 }) },
    "GROWTH",
    ["GROWTH_A_TAX", "GROWTH_B_INSURED", "GROWTH_C_REVENUE"],
  ),
  // ── Missing figures are unknown, never zero ──
  c(
    "2024 figures all absent",
    { yearly: y2024({ taxPaid: null, insuredEmployees: null, revenue: null }) },
    "NOT_CLASSIFIABLE",
    ["INSUFFICIENT_DATA"],
  ),
  c(
    "figures only for 2023",
    { yearly: [{ year: 2023, taxPaid: 500, insuredEmployees: 4, revenue: 450000 }] },
    "NOT_CLASSIFIABLE",
    ["INSUFFICIENT_DATA"],
  ),
  c(
    "missing figures but 10 years old",
    { registeredOn: "2012-01-01", yearly: y2024({ taxPaid: null }) },
    "DEVELOPMENT",
    ["DEVELOPMENT_D_AGE"],
  ),
  // ── 基础标准: each failure, and several at once ──
  c("revoked", { status: "REVOKED", yearly: y2024({ taxPaid: 500 }) }, "NOT_CLASSIFIABLE", [
    "BASE_STATUS",
  ]),
  c(
    "deregistered",
    { status: "DEREGISTERED", yearly: y2024({ taxPaid: 500 }) },
    "NOT_CLASSIFIABLE",
    ["BASE_STATUS"],
  ),
  c("cancelled", { status: "CANCELLED" }, "NOT_CLASSIFIABLE", ["BASE_STATUS"]),
  c(
    "no 2024 annual report",
    { annualReports: [2020, 2021, 2022, 2023], yearly: y2024({ taxPaid: 500 }) },
    "NOT_CLASSIFIABLE",
    ["BASE_ANNUAL_REPORT"],
  ),
  c(
    "registered 2024 without its 2024 report",
    { registeredOn: "2024-12-31", annualReports: [], yearly: y2024({ taxPaid: 0 }) },
    "NOT_CLASSIFIABLE",
    ["BASE_ANNUAL_REPORT"],
  ),
  c(
    "registered in 2025 without a report (当年新成立)",
    { registeredOn: "2025-03-01", annualReports: [] },
    "SURVIVAL",
    ["SURVIVAL_AGE"],
  ),
  c("经营异常", { abnormalListed: true, yearly: y2024({ taxPaid: 500 }) }, "NOT_CLASSIFIABLE", [
    "BASE_ABNORMAL",
  ]),
  c("严重违法失信名单", { seriousViolationListed: true }, "NOT_CLASSIFIABLE", [
    "BASE_SERIOUS_VIOLATION",
  ]),
  c("税务非正常户", { taxAbnormal: true }, "NOT_CLASSIFIABLE", ["BASE_TAX_ABNORMAL"]),
  c(
    "open suspension",
    { suspensions: [{ from: "2025-05-01", to: null }], yearly: y2024({ taxPaid: 500 }) },
    "NOT_CLASSIFIABLE",
    ["BASE_SUSPENDED"],
  ),
  c(
    "several base failures",
    {
      status: "REVOKED",
      annualReports: [2020],
      taxAbnormal: true,
      suspensions: [{ from: "2025-01-01" }],
    },
    "NOT_CLASSIFIABLE",
    ["BASE_STATUS", "BASE_ANNUAL_REPORT", "BASE_TAX_ABNORMAL", "BASE_SUSPENDED"],
  ),
  // ── 歇业备案: 季节性经营除外; the end day covered; the 3-year maximum ──
  c(
    "seasonal with a suspension",
    {
      seasonal: true,
      suspensions: [{ from: "2025-05-01", to: null }],
      yearly: y2024({ taxPaid: 500 }),
    },
    "GROWTH",
    ["GROWTH_A_TAX"],
  ),
  c(
    "suspension ending on the date",
    { suspensions: [{ from: "2025-01-01", to: AS_OF }], yearly: y2024({ taxPaid: 500 }) },
    "NOT_CLASSIFIABLE",
    ["BASE_SUSPENDED"],
  ),
  c(
    "suspension ended the day before",
    { suspensions: [{ from: "2025-01-01", to: "2025-07-31" }], yearly: y2024({ taxPaid: 500 }) },
    "GROWTH",
    ["GROWTH_A_TAX"],
  ),
  c(
    "suspension starting the day after",
    { suspensions: [{ from: "2025-08-02" }], yearly: y2024({ taxPaid: 500 }) },
    "GROWTH",
    ["GROWTH_A_TAX"],
  ),
  c(
    "suspension 3 years old (beyond the maximum)",
    { suspensions: [{ from: "2022-08-01", to: null }], yearly: y2024({ taxPaid: 500 }) },
    "GROWTH",
    ["GROWTH_A_TAX"],
  ),
  c(
    "suspension 3 years less a day old",
    { suspensions: [{ from: "2022-08-02", to: null }], yearly: y2024({ taxPaid: 500 }) },
    "NOT_CLASSIFIABLE",
    ["BASE_SUSPENDED"],
  ),
];

/** 29 February: whole years from a leap day (PostgreSQL `+ interval`: 2020-02-29 + 2 years = 2022-02-28). */
export const LEAP_CASES: { asOf: string; cases: TypingCase[] }[] = (() => {
  const leap = (name: string, registeredOn: string): HouseholdRecord =>
    household(name, {
      registeredOn,
      annualReports: Array.from(
        { length: 2022 - Number(registeredOn.slice(0, 4)) },
        (_, i) => 2021 - i,
      ).reverse(),
      yearly: [{ year: 2021, taxPaid: null, insuredEmployees: 1, revenue: 100000 }],
    });
  const twoYears = leap("闰日两年", "2020-02-29");
  const sixYears = leap("闰日六年", "2016-02-29");
  const tenYears = leap("闰日十年", "2012-02-29");
  const on = (record: HouseholdRecord, type: TypingCase["type"], codes: string[]): TypingCase => ({
    name: `${record.registeredOn}`,
    record,
    type,
    codes,
  });
  return [
    {
      asOf: "2022-02-27",
      cases: [
        on(twoYears, "SURVIVAL", ["SURVIVAL_AGE"]),
        on(sixYears, "NOT_CLASSIFIABLE", ["INSUFFICIENT_DATA"]),
        on(tenYears, "GROWTH", ["GROWTH_D_AGE"]),
      ],
    },
    {
      asOf: "2022-02-28",
      cases: [
        on(twoYears, "NOT_CLASSIFIABLE", ["INSUFFICIENT_DATA"]),
        on(sixYears, "GROWTH", ["GROWTH_D_AGE"]),
        on(tenYears, "DEVELOPMENT", ["DEVELOPMENT_D_AGE"]),
      ],
    },
  ];
})();

/** One JSON Lines file of records, as the import reads it. */
export function jsonLines(records: readonly HouseholdRecord[]): string {
  return `${records.map((r) => JSON.stringify(r)).join("\n")}\n`;
}
