// Typing run benchmark (docs/performance.md, "## Typing").
//
//   npx tsx bench/typing.ts [--households 1000000] [--engine postgres|pglite] [--repeat 3]
//                           [--batch-size N] [--regenerate]
//
// Generates households in SQL (generate_series; deterministic), then alternates the reference —
// one hand-written INSERT … SELECT with the standard's logic into typing_result — with runTyping
// (the standard file compiled to SQL, plus its run row, counts, audit and lock), and prints the
// medians, their ratio, and Node's memory during the runs. PostgreSQL: BENCH_DATABASE_URL or
// postgres://postgres@127.0.0.1:5432/typing_bench (created when absent). PGlite: a data folder
// under /tmp.
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { type Kysely, sql } from "kysely";
import pg from "pg";
import { openDatabase } from "../src/db/database.ts";
import { migrateToLatest } from "../src/db/migrate.ts";
import type { Database } from "../src/db/types.ts";
import { runTyping } from "../src/typing/run-typing.ts";

const { values } = parseArgs({
  options: {
    households: { type: "string", default: "1000000" },
    engine: { type: "string", default: "postgres" },
    repeat: { type: "string", default: "3" },
    "batch-size": { type: "string" },
    regenerate: { type: "boolean", default: false },
  },
});
const households = Number(values.households);
const repeat = Number(values.repeat);
const batchSize = values["batch-size"] ? Number(values["batch-size"]) : undefined;
const AS_OF = "2025-08-01";

async function openBench() {
  if (values.engine === "pglite") {
    return openDatabase({ dataDir: `/tmp/zhixiang-bench-typing-${households}` });
  }
  const url = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/typing_bench";
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, "/postgres") });
  await admin.connect();
  const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  return openDatabase({ url, poolSize: 2 });
}

/** r(i, k): a deterministic pseudo-random number in [0, 1) for household i and stream k. */
const r = (i: ReturnType<typeof sql>, k: number) =>
  sql`((hashint8((${i})::bigint * 131 + ${sql.lit(k)}) & 2147483647)::double precision / 2147483648.0)`;

/**
 * N households over 12 counties, registered 2000–2025; 95% active, 90% with their reports, a
 * few on each list; figures for 2023 and 2024 for 85% of them, each figure absent 10–15% of the
 * time; 2% with a suspension, 1% with a penalty.
 */
async function generate(db: Kysely<Database>, n: number): Promise<void> {
  const i = sql`i`;
  await sql`TRUNCATE household, household_year, household_suspension, household_penalty,
    typing_result, typing_run, typing_correction`.execute(db);
  await sql`
    INSERT INTO household (uscc, name, proprietor_id_hash, county_code, industry_code, registered_on,
      status, annual_reports, abnormal_listed, serious_violation_listed, tax_abnormal, seasonal, record_hash)
    SELECT '92' || c.code || lpad(i::text, 9, '0') || '0', '商户' || i, 'sha256:' || i, c.code, 'F5211',
      g.reg, CASE WHEN ${r(i, 2)} < 0.95 THEN 'ACTIVE' ELSE 'REVOKED' END,
      CASE WHEN ${r(i, 3)} < 0.9
        THEN ARRAY(SELECT y::smallint FROM generate_series(greatest(2022, extract(year from g.reg)::int), 2024) y)
        ELSE '{}' END,
      ${r(i, 4)} < 0.03, ${r(i, 5)} < 0.005, ${r(i, 6)} < 0.01, ${r(i, 7)} < 0.02, md5(i::text)
    FROM generate_series(1, ${n}::int) i,
      LATERAL (SELECT (ARRAY['410102','410103','410104','410105','410106','410108','410122',
        '410171','410172','410173','410181','410182'])[1 + (i % 12)] AS code) c,
      LATERAL (SELECT date '2000-01-01' + (${r(i, 1)} * 9300)::int AS reg) g`.execute(db);
  const n9 = sql`substr(uscc, 9, 9)::int`;
  const y = sql`y`;
  await sql`
    INSERT INTO household_year (uscc, year, tax_paid, insured_employees, revenue)
    SELECT uscc, y,
      CASE WHEN ${r(n9, 1)} + 0 * y < 0.1 THEN NULL ELSE round((${r(sql`${n9} + ${y} * 7`, 2)} * 30000)::numeric, 2) END,
      CASE WHEN ${r(sql`${n9} + ${y} * 7`, 3)} < 0.15 THEN NULL ELSE (${r(sql`${n9} + ${y} * 7`, 4)} * 9)::int END,
      CASE WHEN ${r(sql`${n9} + ${y} * 7`, 5)} < 0.1 THEN NULL ELSE round((${r(sql`${n9} + ${y} * 7`, 6)} * 1200000)::numeric, 2) END
    FROM household, generate_series(2023, 2024) y
    WHERE extract(year from registered_on) <= y AND ${r(sql`${n9} + ${y} * 7`, 8)} < 0.85`.execute(
    db,
  );
  await sql`
    INSERT INTO household_suspension (uscc, seq, from_on, to_on)
    SELECT uscc, 1, date '2021-01-01' + (${r(n9, 20)} * 1600)::int,
      CASE WHEN ${r(n9, 21)} < 0.5 THEN NULL
        ELSE date '2021-01-01' + (${r(n9, 20)} * 1600)::int + (${r(n9, 22)} * 400)::int END
    FROM household WHERE ${r(n9, 19)} < 0.02`.execute(db);
  await sql`
    INSERT INTO household_penalty (uscc, seq, decided_on, kind, repaired_on)
    SELECT uscc, 1, date '2021-01-01' + (${r(n9, 30)} * 1600)::int, 'FINE', NULL
    FROM household WHERE ${r(n9, 29)} < 0.01`.execute(db);
  await sql`ANALYZE`.execute(db);
}

/**
 * The reference: the standard of policies-data/typing/standard-2025-1.json written by hand as
 * one INSERT … SELECT over the base tables, into typing_result, in a transaction.
 */
class Rollback extends Error {}

async function reference(db: Kysely<Database>): Promise<void> {
  // Rolled back afterwards (by throwing): the reference leaves nothing behind.
  await db
    .transaction()
    .execute(async (trx) => {
      const run = await trx
        .insertInto("typing_run")
        .values({
          as_of: AS_OF,
          standard_version: "reference",
          started_at: new Date(),
          created_by: "bench",
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      const result = await sql`
      INSERT INTO typing_result (run_id, uscc, county_code, type, codes)
      SELECT ${run.id}::uuid, uscc, county_code,
        CASE WHEN NOT (b1 AND b2 AND b3 AND b4 AND b5 AND b6) THEN 'NOT_CLASSIFIABLE'
             WHEN age < 2 THEN 'SURVIVAL'
             WHEN tax > 10000 OR emp > 5 OR rev >= 600000 OR age >= 10 THEN 'DEVELOPMENT'
             WHEN tax <= 10000 OR emp BETWEEN 3 AND 5 OR (rev >= 300000 AND rev < 600000)
               OR (age >= 6 AND age < 10) THEN 'GROWTH'
             ELSE 'NOT_CLASSIFIABLE' END,
        CASE WHEN NOT (b1 AND b2 AND b3 AND b4 AND b5 AND b6) THEN array_remove(ARRAY[
               CASE WHEN b1 THEN NULL ELSE 'BASE_STATUS' END, CASE WHEN b2 THEN NULL ELSE 'BASE_ANNUAL_REPORT' END,
               CASE WHEN b3 THEN NULL ELSE 'BASE_ABNORMAL' END, CASE WHEN b4 THEN NULL ELSE 'BASE_SERIOUS_VIOLATION' END,
               CASE WHEN b5 THEN NULL ELSE 'BASE_TAX_ABNORMAL' END, CASE WHEN b6 THEN NULL ELSE 'BASE_SUSPENDED' END], NULL)
             WHEN age < 2 THEN ARRAY['SURVIVAL_AGE']
             WHEN coalesce(tax > 10000 OR emp > 5 OR rev >= 600000 OR age >= 10 OR tax <= 10000
               OR emp BETWEEN 3 AND 5 OR (rev >= 300000 AND rev < 600000) OR (age >= 6 AND age < 10), false)
             THEN array_remove(ARRAY[
               CASE WHEN tax > 10000 THEN 'DEVELOPMENT_A_TAX' END, CASE WHEN emp > 5 THEN 'DEVELOPMENT_B_INSURED' END,
               CASE WHEN rev >= 600000 THEN 'DEVELOPMENT_C_REVENUE' END, CASE WHEN age >= 10 THEN 'DEVELOPMENT_D_AGE' END,
               CASE WHEN tax <= 10000 THEN 'GROWTH_A_TAX' END, CASE WHEN emp BETWEEN 3 AND 5 THEN 'GROWTH_B_INSURED' END,
               CASE WHEN rev >= 300000 AND rev < 600000 THEN 'GROWTH_C_REVENUE' END,
               CASE WHEN age >= 6 AND age < 10 THEN 'GROWTH_D_AGE' END], NULL)
             ELSE ARRAY['INSUFFICIENT_DATA'] END
      FROM (
        SELECT h.uscc, h.county_code,
          h.status = 'ACTIVE' AS b1,
          (2024::smallint = any(h.annual_reports) OR extract(year from h.registered_on) = 2025) AS b2,
          NOT h.abnormal_listed AS b3, NOT h.serious_violation_listed AS b4, NOT h.tax_abnormal AS b5,
          (s.uscc IS NULL OR h.seasonal) AS b6,
          (2025 - extract(year from h.registered_on)::int)
            - (h.registered_on + make_interval(years => 2025 - extract(year from h.registered_on)::int)
               > date '2025-08-01')::int AS age,
          y.tax_paid AS tax, y.insured_employees AS emp, y.revenue AS rev
        FROM household h
        LEFT JOIN household_year y ON y.uscc = h.uscc AND y.year = 2024
        LEFT JOIN (SELECT DISTINCT uscc FROM household_suspension
                   WHERE from_on <= date '2025-08-01' AND (to_on IS NULL OR to_on >= date '2025-08-01')
                     AND date '2025-08-01' < (from_on + interval '3 years')::date) s ON s.uscc = h.uscc
        WHERE h.registered_on <= date '2025-08-01'
        OFFSET 0) t`.execute(trx);
      if (Number(result.numAffectedRows) === 0) throw new Error("the reference typed nobody");
      throw new Rollback();
    })
    .catch((error) => {
      if (!(error instanceof Rollback)) throw error;
    });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

const handle = await openBench();
const { db } = handle;
await migrateToLatest(db);
const present = await db
  .selectFrom("household")
  .select(sql<number>`count(*)::int`.as("n"))
  .executeTakeFirstOrThrow();
if (values.regenerate || present.n !== households) {
  const t = performance.now();
  console.log(`generating ${households} households (${handle.engine})…`);
  await generate(db, households);
  console.log(`  generated in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

// Node's memory while runTyping runs: sampled every 20 ms.
let peakRss = 0;
let peakHeap = 0;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
}, 20);
const before = process.memoryUsage();

const referenceTimes: number[] = [];
const runTimes: number[] = [];
for (let k = 0; k < repeat; k++) {
  // A clean table each time: earlier runs' rows and dead tuples would weigh on later inserts.
  await sql`DELETE FROM typing_result`.execute(db);
  await sql`DELETE FROM typing_run`.execute(db);
  await sql`VACUUM typing_result`.execute(db);
  let t = performance.now();
  await reference(db);
  referenceTimes.push(performance.now() - t);

  await sql`DELETE FROM typing_result`.execute(db);
  await sql`VACUUM typing_result`.execute(db);
  t = performance.now();
  const run = await runTyping(db, {
    asOf: AS_OF,
    actor: "bench",
    now: new Date(),
    ...(batchSize ? { batchSize } : {}),
  });
  runTimes.push(performance.now() - t);
  const counts = run.counts as { total: number; byType: Record<string, number> };
  console.log(
    `  #${k + 1}: reference ${(referenceTimes[k]! / 1000).toFixed(2)} s, runTyping ${(runTimes[k]! / 1000).toFixed(2)} s`,
    JSON.stringify(counts.byType),
  );
}
clearInterval(sampler);

const ref = median(referenceTimes);
const ours = median(runTimes);
const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
console.log(
  `\n${handle.engine}, ${households} households, as of ${AS_OF}${batchSize ? `, batches of ${batchSize}` : ""}`,
);
console.log(`  reference INSERT … SELECT  median ${(ref / 1000).toFixed(2)} s`);
console.log(
  `  runTyping                  median ${(ours / 1000).toFixed(2)} s  (×${(ours / ref).toFixed(2)})`,
);
console.log(
  `  Node memory: rss ${mb(before.rss)} → peak ${mb(peakRss)}, heap ${mb(before.heapUsed)} → peak ${mb(peakHeap)}`,
);
await handle.close();
