import { mkdirSync } from "node:fs";
import { Kysely, PGliteDialect, PostgresDialect } from "kysely";
import pg from "pg";
import { DomainError } from "../errors.ts";
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
    try {
      await pool.query("SELECT 1");
    } catch (error) {
      await db.destroy();
      throw new DatabaseUnavailableError(unavailable(options.url, error));
    }
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

/** PostgreSQL cannot be used as DATABASE_URL says: the message says why and what to do. */
export class DatabaseUnavailableError extends DomainError {}

function unavailable(url: string, error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  let where = "DATABASE_URL";
  let database = "";
  let host = "";
  try {
    const parsed = new URL(url);
    parsed.password = parsed.password ? "***" : "";
    where = parsed.toString();
    database = decodeURIComponent(parsed.pathname.slice(1));
    host = `-h ${parsed.hostname} -p ${parsed.port || "5432"}${parsed.username ? ` -U ${decodeURIComponent(parsed.username)}` : ""}`;
  } catch {
    // Not a URL: pg reads key=value strings too; say no more than the variable's name.
  }
  switch (code) {
    case "3D000":
      return `database "${database}" does not exist on the server of ${where}: create it first (createdb ${host} ${database}), or point DATABASE_URL at another`;
    case "ECONNREFUSED":
    case "ENOTFOUND":
      return `no PostgreSQL server answers at ${where} (${code}): start it, or unset DATABASE_URL to use the embedded database`;
    case "28P01":
    case "28000":
      return `PostgreSQL refused the credentials of ${where}: ${message}`;
    default:
      return `cannot use PostgreSQL at ${where}: ${message ?? String(error)}`;
  }
}
