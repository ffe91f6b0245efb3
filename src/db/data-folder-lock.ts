import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConflictError } from "../errors.ts";

/** The file in a PGlite data folder naming the process that has it open. */
export const LOCK_FILE = "zhixiang.pid";

/**
 * Embedded PostgreSQL (PGlite) keeps its data folder in one process's memory and writes it back on
 * its own: a second process opening the same folder (a CLI command while `npm start` runs) would
 * not see the first one's writes, and whichever closes last overwrites the other's. So a process
 * claims the folder with a file holding its pid, and another is refused while that process lives.
 * A file left by a process that died (or by this very pid, reused after a restart) is taken over.
 * Returns the release, which removes the file if it is still ours.
 */
export function claimDataFolder(dataDir: string): () => void {
  const path = join(dataDir, LOCK_FILE);
  const mine = String(process.pid);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, mine, { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw error;
      const holder = Number(readFileSync(path, "utf8").trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new ConflictError(
          `the embedded database in ${dataDir} is in use by another Zhixiang process (pid ${holder}): ` +
            "stop it first (a server started with `npm start`, or a command still running), " +
            `or set DATABASE_URL to work on PostgreSQL. If no such process uses it, delete ${path}.`,
        );
      }
      rmSync(path, { force: true });
    }
  }
  return () => {
    try {
      if (readFileSync(path, "utf8").trim() === mine) rmSync(path, { force: true });
    } catch {
      // Already gone: nothing to release.
    }
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
