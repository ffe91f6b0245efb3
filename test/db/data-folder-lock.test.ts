import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { claimDataFolder, LOCK_FILE } from "../../src/db/data-folder-lock.ts";
import { openDatabase } from "../../src/db/database.ts";
import { ConflictError } from "../../src/errors.ts";

describe("the embedded database's data folder, one process at a time", () => {
  let dir: string;
  let other: ChildProcess | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "zhixiang-lock-"));
  });
  afterEach(async () => {
    if (other && other.exitCode === null && other.signalCode === null) {
      other.kill();
      await once(other, "exit");
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const lockFile = () => join(dir, LOCK_FILE);
  /** Another live process, as a server holding the folder would be. */
  const liveProcess = async () => {
    other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
    await once(other, "spawn");
    return other.pid as number;
  };

  it("claims a free folder with this process's pid and releases it", () => {
    const release = claimDataFolder(dir);
    expect(readFileSync(lockFile(), "utf8")).toBe(String(process.pid));
    release();
    expect(existsSync(lockFile())).toBe(false);
  });

  it("refuses a folder another live process holds, naming it and the way out", async () => {
    const pid = await liveProcess();
    writeFileSync(lockFile(), String(pid));
    expect(() => claimDataFolder(dir)).toThrow(ConflictError);
    expect(() => claimDataFolder(dir)).toThrow(
      new RegExp(`in use by another Zhixiang process \\(pid ${pid}\\).*DATABASE_URL`),
    );
    // openDatabase refuses before it opens anything, and leaves the holder's file alone.
    await expect(openDatabase({ dataDir: dir })).rejects.toThrow(`pid ${pid}`);
    expect(readFileSync(lockFile(), "utf8")).toBe(String(pid));
  });

  it("takes over the file of a process that died, and does not remove another's on release", async () => {
    const pid = await liveProcess();
    (other as ChildProcess).kill("SIGKILL");
    await once(other as ChildProcess, "exit");
    writeFileSync(lockFile(), String(pid));
    const release = claimDataFolder(dir);
    expect(readFileSync(lockFile(), "utf8")).toBe(String(process.pid));
    // Someone else's claim (the file rewritten meanwhile) is not ours to remove.
    writeFileSync(lockFile(), "1");
    release();
    expect(readFileSync(lockFile(), "utf8")).toBe("1");
  });
});
