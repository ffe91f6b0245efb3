import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import {
  compiledPolicyOf,
  createPolicyRuleCache,
  evaluatePolicy,
  failingExamples,
} from "../../src/policies/compiled-policy.ts";
import {
  DEFAULT_POLICIES_DIR,
  loadPolicyFiles,
  PolicyFilesError,
  readPolicyFiles,
} from "../../src/policies/load-policy-files.ts";
import { POLICY_KINDS } from "../../src/policies/policy-content.ts";
import { policiesInForce, policyHistory } from "../../src/policies/policy-queries.ts";
import { describeEachEngine } from "../support/databases.ts";

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "policies-"));
  cpSync(DEFAULT_POLICIES_DIR, dir, { recursive: true });
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function editFile(name: string, edit: (json: Record<string, unknown>) => void): void {
  const path = join(dir, name);
  const json = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  edit(json);
  writeFileSync(path, JSON.stringify(json, null, 2));
}

function problemsOf(read: () => unknown) {
  try {
    read();
  } catch (error) {
    if (error instanceof PolicyFilesError) return error.problems;
    throw error;
  }
  throw new Error("expected a PolicyFilesError");
}

it("policies-data: at least 25 policies, every type and category covered, examples passing", () => {
  const files = readPolicyFiles(DEFAULT_POLICIES_DIR);
  expect(files.length).toBeGreaterThanOrEqual(25);
  const texts = files.map((f) => JSON.stringify(f.definition.rule));
  // 三(一)3 per type and 三(二)3 per category.
  for (const value of [
    "SURVIVAL",
    "GROWTH",
    "DEVELOPMENT",
    "FAMOUS",
    "DISTINCTIVE",
    "QUALITY",
    "EMERGING",
  ]) {
    expect(texts.filter((t) => t.includes(`"${value}"`)).length, value).toBeGreaterThanOrEqual(2);
  }
  const cache = createPolicyRuleCache();
  for (const { file, definition } of files) {
    expect(file).toBe(`${definition.code}.json`);
    expect(definition.legalBasis.document).toBe("郑市监〔2025〕6号");
    expect(definition.legalBasis.clause).toMatch(/^[一二三四]\(/);
    expect(POLICY_KINDS).toContain(definition.kind);
    const outcomes = definition.examples.map((e) => e.expected);
    expect(outcomes).toContain("ELIGIBLE");
    expect(outcomes).toContain("INELIGIBLE");
    const compiled = compiledPolicyOf(cache, { id: definition.code, ...definition });
    expect(failingExamples(compiled, definition.examples), definition.code).toEqual([]);
  }
  const departments = new Set(files.map((f) => f.definition.department));
  for (const d of [
    "SAMR_ZZ",
    "TAX_ZZ",
    "HRSS_ZZ",
    "FIN_ZZ",
    "COMMERCE_ZZ",
    "CULTURE_ZZ",
    "STI_ZZ",
    "MIIT_ZZ",
  ]) {
    expect(departments).toContain(d);
  }
});

it("三(二)3: every measure of 成长型 or 发展型 reaches a 名特优新 household of any type", () => {
  // “名特优新”个体工商户享受“成长型”和“发展型”个体工商户的各项支持政策措施.
  const cache = createPolicyRuleCache();
  const typeMeasures = readPolicyFiles(DEFAULT_POLICIES_DIR).filter(({ definition }) =>
    /\{"var":"type"\},(\[[^\]]*)?"(GROWTH|DEVELOPMENT)"/.test(JSON.stringify(definition.rule)),
  );
  expect(typeMeasures.length).toBeGreaterThanOrEqual(10);
  for (const { definition } of typeMeasures) {
    const compiled = compiledPolicyOf(cache, { id: definition.code, ...definition });
    const eligible = definition.examples.filter((e) => e.expected === "ELIGIBLE");
    for (const example of eligible) {
      for (const category of ["FAMOUS", "DISTINCTIVE", "QUALITY", "EMERGING"]) {
        const facts = { ...example.facts, type: "SURVIVAL", category };
        expect(evaluatePolicy(compiled, facts).outcome, `${definition.code} ${category}`).toBe(
          "ELIGIBLE",
        );
      }
    }
  }
});

it("a malformed file's error names the file, the JSON path and the reason", () => {
  editFile("SAMR_FAMOUS_PROMOTION.json", (json) => {
    json.rule = {
      and: [{ "==": [{ var: "status" }, "ACTIVE"] }, { "==": [{ var: "categroy" }, "FAMOUS"] }],
    };
  });
  editFile("TAX_SURVIVAL_FEE_RELIEF.json", (json) => {
    json.mode = "SOMETIMES";
  });
  writeFileSync(join(dir, "BROKEN.json"), "{ not json");
  const problems = problemsOf(() => readPolicyFiles(dir));
  expect(problems).toEqual([
    { file: "BROKEN.json", path: "", message: expect.stringMatching(/^not JSON/) },
    {
      file: "SAMR_FAMOUS_PROMOTION.json",
      path: "/rule/and/1/==/0",
      message: expect.stringContaining('"categroy"'),
    },
    {
      file: "TAX_SURVIVAL_FEE_RELIEF.json",
      path: "/mode",
      message: expect.stringContaining("AUTO, APPLY"),
    },
  ]);
  expect(() => readPolicyFiles(dir)).toThrow(
    /SAMR_FAMOUS_PROMOTION\.json \/rule\/and\/1\/==\/0: unknown fact "categroy"/,
  );
});

it("a file whose examples fail is refused with each failing example", () => {
  editFile("HRSS_GROWTH_JOB_RETENTION.json", (json) => {
    json.amount = { "*": [{ var: "insuredEmployeesLastYear" }, 500] };
  });
  const problems = problemsOf(() => readPolicyFiles(dir));
  expect(problems).toEqual([
    {
      file: "HRSS_GROWTH_JOB_RETENTION.json",
      path: "/examples/0",
      message: expect.stringContaining("expects 2400 元 but the amount is 2000"),
    },
    {
      file: "HRSS_GROWTH_JOB_RETENTION.json",
      path: "/examples/4",
      message: expect.stringContaining("expects 2400 元 but the amount is 2000"),
    },
  ]);
});

describeEachEngine("loading policies-data", (getDb) => {
  beforeEach(async () => {
    await getDb().reset();
  });

  it("publishes every file once; a re-start changes nothing; a changed file makes a new version", async () => {
    const { db } = getDb();
    const first = await loadPolicyFiles(db, dir, { today: "2026-03-01" });
    const count = readPolicyFiles(dir).length;
    expect(first.created.length).toBe(count);
    expect((await policiesInForce(db, "2025-02-18")).length).toBe(count);
    expect(await policiesInForce(db, "2025-02-17")).toEqual([]);

    const again = await loadPolicyFiles(db, dir, { today: "2026-03-02" });
    expect(again).toEqual({ created: [], versioned: [], unchanged: first.created });
    const versions = await db.selectFrom("policy_version").select("id").execute();
    expect(versions.length).toBe(count);

    editFile("HOUSING_SURVIVAL_RENT_RELIEF.json", (json) => {
      json.amount = 4000;
      for (const example of json.examples as { expectedAmount?: number }[]) {
        if (example.expectedAmount !== undefined) example.expectedAmount = 4000;
      }
    });
    const changed = await loadPolicyFiles(db, dir, { today: "2026-03-03" });
    expect(changed.versioned).toEqual(["HOUSING_SURVIVAL_RENT_RELIEF"]);
    const history = await policyHistory(db, "HOUSING_SURVIVAL_RENT_RELIEF");
    // The published version keeps its term up to the day before; the new one starts on the day.
    expect(
      history.map((v) => [v.version, v.status, v.effectiveFrom, v.inForceUntil, v.amount]),
    ).toEqual([
      [1, "SUPERSEDED", "2025-02-18", "2026-03-02", 3000],
      [2, "PUBLISHED", "2026-03-03", null, 4000],
    ]);
    expect((await loadPolicyFiles(db, dir, { today: "2026-03-04" })).versioned).toEqual([]);
  });

  it("refuses a file that moves a policy to another department, writing nothing", async () => {
    const { db } = getDb();
    await loadPolicyFiles(db, dir, { today: "2026-03-01" });
    editFile("FIN_GROWTH_CREDIT_LOAN.json", (json) => {
      json.department = "TAX_ZZ";
      json.title = "改";
    });
    editFile("HRSS_GROWTH_VOCATIONAL_TRAINING.json", (json) => {
      json.title = "订单式、定向式职业技能培训（修订）";
    });
    await expect(loadPolicyFiles(db, dir, { today: "2026-03-05" })).rejects.toThrow(
      /FIN_GROWTH_CREDIT_LOAN.json \/department: policy FIN_GROWTH_CREDIT_LOAN belongs to FIN_ZZ/,
    );
    // One transaction: the other changed file was not loaded either.
    expect((await policyHistory(db, "HRSS_GROWTH_VOCATIONAL_TRAINING")).length).toBe(1);
  });
});
