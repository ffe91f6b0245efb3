import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = new URL("../..", import.meta.url).pathname;
const folder = mkdtempSync(join(tmpdir(), "zhixiang-ingest-cli-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const example = readFileSync(
  new URL("./fixtures/example-households.jsonl", import.meta.url),
  "utf8",
)
  .trim()
  .split("\n");

function zhixiang(...args: string[]) {
  const result = spawnSync("npx", ["tsx", "src/cli/main.ts", ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ZHIXIANG_DATA_DIR: join(folder, "data"), DATABASE_URL: "" },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("zhixiang import / export households (end to end, embedded database)", () => {
  it("refuses a file with mistakes, imports with --skip-invalid, exports what it holds", () => {
    const file = join(folder, "households.jsonl");
    writeFileSync(
      file,
      `${[
        example[0],
        example[1]?.replace('"status": "ACTIVE"', '"status": "OPEN"'),
        example[2],
        "not json",
      ].join("\n")}\n`,
    );

    const refused = zhixiang("import", "households", file);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      "line 2: status: must be one of ACTIVE, REVOKED, DEREGISTERED, CANCELLED",
    );
    expect(refused.stderr).toMatch(/line 4: not valid JSON/);
    expect(refused.stderr).toContain("2 of 4 lines");
    expect(refused.stdout).not.toContain("imported");

    const rejects = join(folder, "rejects.jsonl");
    const skipped = zhixiang("import", "households", file, "--skip-invalid", "--rejects", rejects);
    expect(skipped.stderr).toBe("");
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toContain(
      "imported 2 households (2 new, 0 changed, 0 unchanged; first load: indexes built at the end)",
    );
    expect(skipped.stdout).toContain(`rejected 2 invalid lines, written to ${rejects}`);
    const rejected = readFileSync(rejects, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(rejected.map((r) => [r.line, r.errors[0].field])).toEqual([
      [2, "status"],
      [4, ""],
    ]);
    expect(rejected[1].text).toBe("not json");

    const exported = zhixiang("export", "households");
    expect(exported.code).toBe(0);
    expect(
      exported.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line).uscc),
    ).toEqual(["92410103A1JDY3TFAL", "9241018502FHWLG3Q7"]);
  }, 300_000);
});
