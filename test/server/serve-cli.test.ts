import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, expect, it } from "vitest";
import { LOCK_FILE } from "../../src/db/data-folder-lock.ts";

const root = new URL("../..", import.meta.url).pathname;
const folder = mkdtempSync(join(tmpdir(), "zhixiang-serve-cli-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
// NODE_ENV as a deployment has it, not vitest's "test" (Apollo acts on signals only outside tests).
const env = {
  ...process.env,
  NODE_ENV: "production",
  ZHIXIANG_DATA_DIR: join(folder, "data"),
  DATABASE_URL: "",
  PORT: "0",
};

function zhixiang(...args: string[]) {
  const result = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: root,
    encoding: "utf8",
    env,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

// The embedded database lives in one process: while `serve` holds the folder, a command on it is
// refused (it would lose the server's writes); on SIGINT the server closes it and lets it go.
it("refuses a command on the folder a server holds, and stops cleanly on SIGINT", async () => {
  const server = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "serve"], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const output: string[] = [];
  const lines = createInterface({ input: server.stdout });
  const serving = new Promise<void>((resolve) =>
    lines.on("line", (line) => {
      output.push(line);
      if (line.includes("serving GraphQL")) resolve();
    }),
  );
  await serving;

  const refused = zhixiang("token", "create", "--role", "BANK", "--scope", "ZZBANK");
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain(`in use by another Zhixiang process (pid ${server.pid})`);

  server.kill("SIGINT");
  const [code] = await once(server, "exit");
  expect(code).toBe(0);
  expect(output).toContain("stopped");
  expect(existsSync(join(folder, "data", LOCK_FILE))).toBe(false);

  const created = zhixiang("token", "create", "--role", "BANK", "--scope", "ZZBANK");
  expect(created.code).toBe(0);
  expect(created.stdout).toMatch(/^token: zx_bank_/m);
}, 120_000);
