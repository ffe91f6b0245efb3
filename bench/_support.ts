// Shared by the benchmark scripts: their PostgreSQL database, the deterministic pseudo-random
// numbers their generated households are drawn from, and the figures they print.
import { performance } from "node:perf_hooks";
import { type CompiledQuery, type Kysely, type RawBuilder, sql } from "kysely";
import pg from "pg";
import { type DatabaseHandle, openDatabase } from "../src/db/database.ts";
import type { Database } from "../src/db/types.ts";

/** A bench's PostgreSQL URL: BENCH_DATABASE_URL, or the bench's own database on this host. */
export function benchDatabaseUrl(name: string): string {
  return process.env.BENCH_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/${name}`;
}

/** Creates the database a URL names when the server does not have it yet. */
async function createDatabaseIfAbsent(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  await client.end();
}

/**
 * Opens a bench's PostgreSQL database (benchDatabaseUrl(name)), created when absent. With an
 * application name, the server processes serving the bench can be found in pg_stat_activity.
 */
export async function openBenchDatabase(
  name: string,
  options: { poolSize?: number; applicationName?: string } = {},
): Promise<DatabaseHandle> {
  const url = benchDatabaseUrl(name);
  await createDatabaseIfAbsent(url);
  const poolSize = options.poolSize ?? 2;
  if (!options.applicationName) return openDatabase({ url, poolSize });
  const named = new URL(url);
  named.searchParams.set("application_name", options.applicationName);
  return openDatabase({ url: named.toString(), poolSize });
}

/** Empties the households and all that the benches draw from them (figures, typing, recognitions). */
export const truncateHouseholds = sql`TRUNCATE household, household_year, household_suspension,
  household_penalty, typing_result, typing_run, typing_correction, category_recognition CASCADE`;

/** r(i, k): a deterministic pseudo-random number in [0, 1) for row i and stream k. */
export const r = (i: RawBuilder<unknown>, k: number) =>
  sql`((hashint8((${i})::bigint * 131 + ${sql.lit(k)}) & 2147483647)::double precision / 2147483648.0)`;

/**
 * FROM households i = 1…n, each in county `c.code`: 12 counties of Zhengzhou in turn (their
 * uscc, name and proprietor_id_hash: householdIdentity).
 */
export const householdsOver12Counties = (n: number) => sql`generate_series(1, ${n}::int) i,
      LATERAL (SELECT (ARRAY['410102','410103','410104','410105','410106','410108','410122',
        '410181','410182','410183','410184','410185'])[1 + (i % 12)] AS code) c`;

/** uscc, name, proprietor_id_hash of household i of householdsOver12Counties. */
export const householdIdentity = sql`'92' || c.code || lpad(i::text, 10, '0'), '商户' || i, 'sha256:' || i`;

/** The i of a household of householdsOver12Counties, read back from its USCC (householdIdentity). */
export const householdNumber = sql`substr(uscc, 9, 10)::bigint`;

/** industry_code of household i: none for 5%, else a section A–T and four digits. */
export const industryCode = (i: RawBuilder<unknown>) => sql`CASE WHEN ${r(i, 11)} < 0.05 THEN NULL
        ELSE chr(65 + (${r(i, 12)} * 20)::int % 20) || lpad(((${r(i, 13)} * 9000)::int + 1000)::text, 4, '0') END`;

/** tax_paid, insured_employees, revenue of a household_year row drawn for `key`, each absent 10–15%. */
export const yearFigures = (key: RawBuilder<unknown>) => sql`
        CASE WHEN ${r(key, 1)} < 0.1 THEN NULL ELSE round((${r(key, 2)} * 30000)::numeric, 2) END,
        CASE WHEN ${r(key, 3)} < 0.15 THEN NULL ELSE (${r(key, 4)} * 9)::int END,
        CASE WHEN ${r(key, 5)} < 0.1 THEN NULL ELSE round((${r(key, 6)} * 1200000)::numeric, 2) END`;

/**
 * INSERT of suspensions for 2% of the households (`key`: a household's number): each from a day of
 * the `days` after 2021-01-01, half of them open-ended, the others up to 400 days long.
 */
export const insertSuspensions = (key: RawBuilder<unknown>, days: number) => sql`
    INSERT INTO household_suspension (uscc, seq, from_on, to_on)
    SELECT uscc, 1, date '2021-01-01' + (${r(key, 20)} * ${sql.lit(days)})::int,
      CASE WHEN ${r(key, 21)} < 0.5 THEN NULL
        ELSE date '2021-01-01' + (${r(key, 20)} * ${sql.lit(days)})::int + (${r(key, 22)} * 400)::int END
    FROM household WHERE ${r(key, 19)} < 0.02`;

/**
 * Generates the bench's households unless the database holds exactly `households` already (a
 * bench database is kept between runs) or `regenerate` asks for it; prints how long it took.
 */
export async function generateUnlessPresent(
  db: Kysely<Database>,
  households: number,
  regenerate: boolean,
  generate: () => Promise<void>,
  what = `${households} households`,
): Promise<void> {
  const present = await db
    .selectFrom("household")
    .select(sql<number>`count(*)::int`.as("n"))
    .executeTakeFirstOrThrow();
  if (!regenerate && present.n === households) return;
  const started = performance.now();
  console.log(`generating ${what}…`);
  await generate();
  console.log(`  generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** The middle of some figures (the upper one of the two middles of an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/** The plan EXPLAIN (ANALYZE, BUFFERS) gives for a compiled query, run with its parameters. */
export async function explainAnalyze(
  db: Kysely<Database>,
  compiled: CompiledQuery,
): Promise<string> {
  const result = await db.executeQuery<{ "QUERY PLAN": string }>({
    ...compiled,
    sql: `EXPLAIN (ANALYZE, BUFFERS) ${compiled.sql}`,
  });
  return result.rows.map((row) => row["QUERY PLAN"]).join("\n");
}

/** The server's execution time (ms) that a plan of explainAnalyze reports. */
export function executionTime(plan: string): number {
  return Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? Number.NaN);
}
