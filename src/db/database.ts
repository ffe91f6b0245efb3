import { mkdirSync } from "node:fs";
import { Kysely, PGliteDialect, PostgresDialect } from "kysely";
import pg from "pg";
import { claimDataFolder } from "./data-folder-lock.ts";
import { PreparingClient } from "./prepared-statements.ts";
import type { Database } from "./types.ts";

export type Engine = "postgres" | "pglite";

export interface DatabaseHandle {
  db: Kysely<Database>;
  engine: Engine;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL connection string; when absent, embedded PGlite is used. */
  url?: string | undefined;
  /** PGlite data folder; `memory://` (or undefined with `inMemory`) keeps it in memory. */
  dataDir?: string | undefined;
  /** PostgreSQL schema to use (tests give each file its own). */
  searchPath?: string | undefined;
  poolSize?: number | undefined;
}

const OID = { int8: 20, numeric: 1700, date: 1082 } as const;

/**
 * Both engines return dates as `YYYY-MM-DD` text (never a JS Date shifted by the time zone)
 * and int8/numeric as JS numbers, so results are the same whichever engine runs.
 */
const pgTypes = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === OID.date) return (value: string) => value;
    if (oid === OID.int8 || oid === OID.numeric) return (value: string) => Number(value);
    // biome-ignore lint/suspicious/noExplicitAny: pg's overloads are not expressible here
    return (pg.types.getTypeParser as any)(oid, format);
  },
};

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.url) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      types: pgTypes,
      Client: PreparingClient,
      ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}),
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, engine: "postgres", close: () => db.destroy() };
  }
  // Loaded only when used: the embedded engine's module costs about 45 MB of memory, which a
  // command working on PostgreSQL should not carry.
  const { PGlite, types: pgliteTypes } = await import("@electric-sql/pglite");
  const dataDir = options.dataDir ?? "./data";
  const inMemory = dataDir.startsWith("memory://");
  // The folder is claimed until close, or until the process exits without closing it.
  let release = () => {};
  if (!inMemory) {
    mkdirSync(dataDir, { recursive: true });
    release = claimDataFolder(dataDir);
    process.once("exit", release);
  }
  const letGo = () => {
    release();
    process.removeListener("exit", release);
  };
  try {
    const pglite = await PGlite.create(inMemory ? undefined : dataDir, {
      parsers: {
        [pgliteTypes.DATE]: (value: string) => value,
        [pgliteTypes.INT8]: (value: string) => Number(value),
        [pgliteTypes.NUMERIC]: (value: string) => Number(value),
      },
    });
    const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
    return {
      db,
      engine: "pglite",
      close: async () => {
        try {
          await db.destroy();
          if (!pglite.closed) await pglite.close();
        } finally {
          letGo();
        }
      },
    };
  } catch (error) {
    letGo();
    throw error;
  }
}
