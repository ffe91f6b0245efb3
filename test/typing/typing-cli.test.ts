import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.ts";
import { DEFAULT_STANDARDS_DIR } from "../../src/typing/load-typing-standards.ts";
import { AS_OF, jsonLines, TYPING_CASES } from "./typing-cases.ts";

const root = new URL("../..", import.meta.url).pathname;
const folder = mkdtempSync(join(tmpdir(), "zhixiang-typing-cli-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const dataDir = join(folder, "data");

function zhixiang(...args: string[]) {
  const result = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ZHIXIANG_DATA_DIR: dataDir, DATABASE_URL: "" },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("npx zhixiang type (end to end, embedded database)", () => {
  it("types imported households as the seed says, reports progress, refuses bad input", async () => {
    const file = join(folder, "households.jsonl");
    writeFileSync(file, jsonLines(TYPING_CASES.map((c) => c.record)));
    const imported = zhixiang("import", "households", file);
    expect(imported.code, imported.stderr).toBe(0);

    // Bad input first: nothing is written.
    const future = zhixiang("type", "--as-of", "2999-01-01");
    expect(future.code).not.toBe(0);
    expect(future.stderr).toContain("error: asOf 2999-01-01 is in the future");
    const standards = join(folder, "standards");
    mkdirSync(standards);
    writeFileSync(
      join(standards, "standard-2025-1.json"),
      readFileSync(join(DEFAULT_STANDARDS_DIR, "standard-2025-1.json"), "utf8").replace(
        '"code": "GROWTH_D_AGE"',
        '"code": "GROWTH_A_TAX"',
      ),
    );
    const broken = zhixiang("type", "--as-of", AS_OF, "--standards", standards);
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toContain(
      `${join(standards, "standard-2025-1.json")}: /types/2/conditions/3/code: code "GROWTH_A_TAX" is already used at /types/2/conditions/0/code`,
    );

    const run = zhixiang("type", "--as-of", AS_OF, "--kind", "yearly", "--batch-size", "10");
    expect(run.code, run.stderr).toBe(0);
    // Progress, batch by batch (stderr is not a terminal here: one line per batch).
    expect(run.stderr).toMatch(/typing: 10\/\d+ households/);
    expect(run.stderr).toContain(
      `typing: ${TYPING_CASES.length}/${TYPING_CASES.length} households (100%)`,
    );
    expect(run.stdout).toMatch(
      new RegExp(`YEARLY as of ${AS_OF}, standard 2025-1, ${TYPING_CASES.length} households`),
    );
    expect(run.stdout).toMatch(/410103 二七区\t\d+\t\d+\t\d+\t\d+\t\d+/);

    const show = zhixiang("typing", "show", TYPING_CASES[3]?.record.uscc ?? "");
    expect(show.stdout).toContain("上年度实际缴纳税款 1万元 ≤ 1万元：满足");
    expect(show.stdout).toContain("codes: GROWTH_A_TAX");

    // Every household typed as the seed says.
    const handle = await openDatabase({ dataDir });
    try {
      const rows = await handle.db
        .selectFrom("typing_result")
        .select(["uscc", "type", "codes"])
        .execute();
      const byUscc = new Map(rows.map((r) => [r.uscc, r]));
      for (const c of TYPING_CASES) {
        expect(byUscc.get(c.record.uscc), c.name).toEqual({
          uscc: c.record.uscc,
          type: c.type,
          codes: c.codes,
        });
      }
    } finally {
      await handle.close();
    }
  }, 600_000);
});
