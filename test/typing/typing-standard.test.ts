import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileTypingStandard, decideType } from "../../src/typing/decide-type.ts";
import {
  DEFAULT_STANDARDS_DIR,
  loadTypingStandards,
  standardFor,
} from "../../src/typing/load-typing-standards.ts";
import { standardTextEn, standardTextZh } from "../../src/typing/standard-text.ts";
import {
  parseTypingStandard,
  standardCodes,
  TypingStandardError,
} from "../../src/typing/typing-standard.ts";

const folder = mkdtempSync(join(tmpdir(), "zhixiang-standard-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const FILE = join(DEFAULT_STANDARDS_DIR, "standard-2025-1.json");
const json = () => JSON.parse(readFileSync(FILE, "utf8"));

/** The problems of a standard JSON, as "path: message" lines. */
function problems(definition: unknown): string[] {
  try {
    parseTypingStandard(definition, "x.json");
  } catch (error) {
    if (error instanceof TypingStandardError) {
      return error.issues.map((i) => `${i.path}: ${i.message}`);
    }
    throw error;
  }
  return [];
}

describe("the typing standard as data", () => {
  it("is the seed's standard: its codes, in order", async () => {
    const [standard] = await loadTypingStandards();
    expect(standard?.version).toBe("2025-1");
    expect(standardCodes(standard as never)).toEqual([
      "BASE_STATUS",
      "BASE_ANNUAL_REPORT",
      "BASE_ABNORMAL",
      "BASE_SERIOUS_VIOLATION",
      "BASE_TAX_ABNORMAL",
      "BASE_SUSPENDED",
      "SURVIVAL_AGE",
      "DEVELOPMENT_A_TAX",
      "DEVELOPMENT_B_INSURED",
      "DEVELOPMENT_C_REVENUE",
      "DEVELOPMENT_D_AGE",
      "GROWTH_A_TAX",
      "GROWTH_B_INSURED",
      "GROWTH_C_REVENUE",
      "GROWTH_D_AGE",
      "INSUFFICIENT_DATA",
    ]);
  });

  it("reads in Chinese and in English", async () => {
    const [standard] = await loadTypingStandards();
    const zh = standardTextZh(standard as never);
    expect(zh).toContain(
      "BASE_SUSPENDED　不在歇业备案的法定最长歇业期内（季节性经营的除外）［（歇业备案期内 = 否） 或 （季节性经营 = 是）］",
    );
    expect(zh).toContain(
      "GROWTH_B_INSURED　上年度（以单位形式）为3-5名员工（含经营者本人）缴纳过社保［3人 ≤ 上年度参保人数 ≤ 5人］",
    );
    expect(zh).toContain(
      "发展型（三(一)1 发展型）：成立2年（含）以上［注册年限 ≥ 2年］，且满足以下任一条件：",
    );
    expect(standardTextEn(standard as never)).toContain(
      "DEVELOPMENT_C_REVENUE  previous-year sales or revenue of 600,000 yuan or more",
    );
  });

  it("changes an indicator by a new version, not by code", async () => {
    const next = json();
    next.version = "2026-1";
    next.effectiveFrom = "2026-01-01";
    // The province raises 成长型 A / 发展型 A to 2万元.
    next.types[1].conditions[0].rule = { ">": [{ var: "taxPaidLastYear" }, 20000] };
    next.types[2].conditions[0].rule = { "<=": [{ var: "taxPaidLastYear" }, 20000] };
    const dir = join(folder, "two-versions");
    mkdirSync(dir);
    writeFileSync(join(dir, "standard-2025-1.json"), readFileSync(FILE));
    writeFileSync(join(dir, "standard-2026-1.json"), JSON.stringify(next));
    const standards = await loadTypingStandards(dir);
    expect(standards.map((s) => s.version)).toEqual(["2025-1", "2026-1"]);
    expect(standardFor(standards, "2025-12-31").version).toBe("2025-1");
    expect(standardFor(standards, "2026-01-01").version).toBe("2026-1");
    expect(standardFor(standards, "2026-08-01", "2025-1").version).toBe("2025-1");
    const facts = {
      status: "ACTIVE",
      annualReportFiledLastYear: true,
      registeredThisYear: false,
      abnormalListed: false,
      seriousViolationListed: false,
      taxAbnormal: false,
      suspended: false,
      seasonal: false,
      registeredYears: 4,
      taxPaidLastYear: 15000,
      insuredEmployeesLastYear: null,
      revenueLastYear: null,
    };
    const decide = (version: string) =>
      decideType(compileTypingStandard(standardFor(standards, "2026-08-01", version)), facts);
    expect(decide("2025-1")).toMatchObject({ type: "DEVELOPMENT", codes: ["DEVELOPMENT_A_TAX"] });
    expect(decide("2026-1")).toMatchObject({ type: "GROWTH", codes: ["GROWTH_A_TAX"] });
  });

  it("stops on a file that does not validate, naming the file, the JSON path and the reason", async () => {
    const broken = json();
    broken.types[2].conditions[1].rule = { "<=": [3, { var: "insuredEmployees" }, 5] };
    const dir = join(folder, "broken");
    mkdirSync(dir);
    writeFileSync(join(dir, "standard-2025-1.json"), JSON.stringify(broken));
    const error = await loadTypingStandards(dir).catch((e) => e);
    expect(error).toBeInstanceOf(TypingStandardError);
    expect(error.message).toContain(
      'standard-2025-1.json: /types/2/conditions/1/rule/<=/1: unknown fact "insuredEmployees"',
    );

    writeFileSync(join(dir, "standard-2025-1.json"), "{ not json");
    await expect(loadTypingStandards(dir)).rejects.toThrow(
      /standard-2025-1\.json: \/: is not JSON/,
    );
  });

  it("names every problem of a malformed standard", () => {
    const s = json();
    delete s.version;
    s.base.conditions[0].code = "BASE_ABNORMAL";
    s.base.conditions[1].rule = { "+": [1, 2] };
    s.types[0].conditions[0].colour = "red";
    s.types.pop();
    s.otherwise = { code: "lower case" };
    s.effectiveFrom = "2025-02-30";
    expect(problems(s)).toEqual([
      "/version: is required",
      "/effectiveFrom: must be a calendar date YYYY-MM-DD or null",
      "/base/conditions/1/rule: the rule must give true or false (a condition), but gives a number",
      '/base/conditions/2/code: code "BASE_ABNORMAL" is already used at /base/conditions/0/code',
      '/types/0/conditions/0/colour: unknown field "colour"; expected code, labelZh, labelEn, clause, rule',
      "/types: type GROWTH is missing",
      '/otherwise/code: code "lower case" must be upper-case letters, digits and _',
      "/otherwise/labelZh: is required",
      "/otherwise/labelEn: is required",
    ]);
    expect(problems({ ...json(), types: [{ type: "GIANT" }] })).toContain(
      "/types/0/type: must be one of SURVIVAL, GROWTH, DEVELOPMENT",
    );
    expect(problems([])).toEqual(["/: must be an object"].map((p) => p.replace("/: ", ": ")));
  });
});
