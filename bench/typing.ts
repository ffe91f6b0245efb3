// Typing run benchmark (docs/performance.md, "## Typing").
//
//   npx tsx bench/typing.ts [--households 1000000] [--engine postgres|pglite] [--repeat 3]
//                           [--batch-size N] [--regenerate]
//
// Generates households in SQL (generate_series; deterministic), then alternates the references —
// one hand-written INSERT … SELECT with the standard's logic into a plain results table, and into
// one with a primary key — with runTyping (the standard file compiled to SQL, its own partition
// indexed once, the run row, counts, audit and lock), in one statement and in batches, and prints
// the medians, their ratio to the plain reference, and Node's memory during the runs.
// PostgreSQL: BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/typing_bench (created when
// absent; drop it when a new migration comes before the ones it has run). PGlite: a data folder
// under /tmp.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { type Kysely, sql } from "kysely";
import { openDatabase } from "../src/db/database.ts";
import { migrateToLatest } from "../src/db/migrate.ts";
import type { Database } from "../src/db/types.ts";
import { runTyping } from "../src/typing/run-typing.ts";
import {
  generateUnlessPresent,
  insertSuspensions,
  median,
  openBenchDatabase,
  r,
} from "./_support.ts";

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
  // Named, so that the server processes serving the bench can be found (their CPU is measured).
  return openBenchDatabase("typing_bench", { applicationName: APPLICATION });
}

const APPLICATION = "zhixiang_typing_bench";

/**
 * CPU seconds used so far by the server processes serving this bench (PostgreSQL on this host,
 * read from /proc), or by this process itself (PGlite). On a machine shared with other work,
 * CPU time is what a quiet machine's wall time would be, near enough; both are reported.
 */
async function cpuSeconds(db: Kysely<Database>, engine: string): Promise<Map<string, number>> {
  if (engine !== "postgres") {
    const u = process.cpuUsage();
    return new Map([["self", (u.user + u.system) / 1e6]]);
  }
  const { rows } = await sql<{ pid: number }>`
    SELECT pid FROM pg_stat_activity WHERE application_name = ${APPLICATION}`.execute(db);
  const ticks = 100; // USER_HZ
  const cpu = new Map<string, number>();
  for (const { pid } of rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      cpu.set(String(pid), (Number(fields[11]) + Number(fields[12])) / ticks);
    } catch {
      // Not on this host, or gone: CPU time is not measured.
    }
  }
  return cpu;
}

function cpuSpent(before: Map<string, number>, after: Map<string, number>): number {
  let spent = 0;
  for (const [pid, seconds] of after) spent += seconds - (before.get(pid) ?? 0);
  return spent;
}

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
      CASE WHEN ${r(sql`${n9} + ${y} * 7`, 1)} < 0.1 THEN NULL ELSE round((${r(sql`${n9} + ${y} * 7`, 2)} ^ 4 * 50000)::numeric, 2) END,
      CASE WHEN ${r(sql`${n9} + ${y} * 7`, 3)} < 0.15 THEN NULL ELSE (${r(sql`${n9} + ${y} * 7`, 4)} * 9)::int END,
      CASE WHEN ${r(sql`${n9} + ${y} * 7`, 5)} < 0.1 THEN NULL ELSE round((${r(sql`${n9} + ${y} * 7`, 6)} ^ 2 * 1500000)::numeric, 2) END
    FROM household, generate_series(2023, 2024) y
    WHERE extract(year from registered_on) <= y AND ${r(sql`${n9} + ${y} * 7`, 8)} < 0.85`.execute(
    db,
  );
  await insertSuspensions(n9, 1600).execute(db);
  await sql`
    INSERT INTO household_penalty (uscc, seq, decided_on, kind, repaired_on)
    SELECT uscc, 1, date '2021-01-01' + (${r(n9, 30)} * 1600)::int, 'FINE', NULL
    FROM household WHERE ${r(n9, 29)} < 0.01`.execute(db);
  await sql`ANALYZE`.execute(db);
}

class Rollback extends Error {}

/**
 * The reference: the standard of policies-data/typing/standard-2025-1.json written by hand as one
 * INSERT … SELECT over the base tables, into a results table made for it (with the primary key
 * (run_id, uscc) when `indexed`), with the same memory settings as a run; rolled back.
 */
async function reference(db: Kysely<Database>, indexed: boolean): Promise<void> {
  await db
    .transaction()
    .execute(async (trx) => {
      await sql`SET LOCAL work_mem = '64MB'`.execute(trx);
      await sql`CREATE TABLE bench_results (LIKE typing_result INCLUDING DEFAULTS)`.execute(trx);
      if (indexed) await sql`ALTER TABLE bench_results ADD PRIMARY KEY (run_id, uscc)`.execute(trx);
      const result = await sql`
        INSERT INTO bench_results (run_id, uscc, county_code, type, codes)
        SELECT ${"00000000-0000-4000-8000-000000000001"}::uuid, uscc, county_code,
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

/** Empties the runs and results: every measurement starts from the same state. */
async function clearRuns(db: Kysely<Database>): Promise<void> {
  await sql`TRUNCATE typing_result, typing_run, typing_correction`.execute(db);
  await sql`DELETE FROM audit_log WHERE action = 'typing.run'`.execute(db);
}

const handle = await openBench();
const { db } = handle;
await migrateToLatest(db);
await generateUnlessPresent(
  db,
  households,
  values.regenerate,
  () => generate(db, households),
  `${households} households (${handle.engine})`,
);

// Node's memory while runTyping runs: sampled every 20 ms.
let peakRss = 0;
let peakHeap = 0;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
}, 20);
const before = process.memoryUsage();

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const variants = [
  "reference, plain results table",
  "reference, results table with its primary key",
  "runTyping",
  ...(handle.engine === "postgres" ? ["runTyping with progress polled (the CLI)"] : []),
  ...(batchSize ? [`runTyping in batches of ${batchSize}`] : []),
];
const times: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v, []]));
const cpus: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v, []]));
const timed = async (label: string, work: () => Promise<unknown>) => {
  await clearRuns(db);
  const c = await cpuSeconds(db, handle.engine);
  const t = performance.now();
  await work();
  const ms = performance.now() - t;
  const cpu = cpuSpent(c, await cpuSeconds(db, handle.engine));
  times[label]?.push(ms);
  cpus[label]?.push(cpu * 1000);
  return { ms, cpu };
};
let lastCounts: unknown = null;
console.log(`  columns: ${variants.join(" | ")}`);
for (let k = 0; k < repeat; k++) {
  const line: string[] = [];
  for (const label of Object.keys(times)) {
    const { ms, cpu } = await timed(label, async () => {
      if (label.startsWith("reference, plain")) return reference(db, false);
      if (label.startsWith("reference, results")) return reference(db, true);
      const run = await runTyping(db, {
        asOf: AS_OF,
        actor: "bench",
        now: new Date(),
        ...(label.includes("batches") && batchSize ? { batchSize } : {}),
        ...(label.includes("polled")
          ? { pollProgress: { pollMs: 500 }, onProgress: () => undefined }
          : {}),
      });
      lastCounts = run.counts;
    });
    line.push(`${seconds(ms)} (cpu ${cpu.toFixed(2)})`);
  }
  console.log(`  #${k + 1}: ${line.join(" | ")}`);
}
clearInterval(sampler);
await clearRuns(db);

const base = median(times["reference, plain results table"] ?? []);
const baseCpu = median(cpus["reference, plain results table"] ?? []);
const keyed = median(times["reference, results table with its primary key"] ?? []);
const keyedCpu = median(cpus["reference, results table with its primary key"] ?? []);
console.log(`\n${handle.engine}, ${households} households, as of ${AS_OF}, median of ${repeat}`);
console.log(
  `  ${"".padEnd(52)} ${"wall".padStart(8)} ${"÷ plain".padStart(8)} ${"÷ keyed".padStart(8)}  ${"cpu".padStart(8)} ${"÷ plain".padStart(8)} ${"÷ keyed".padStart(8)}`,
);
for (const label of variants) {
  const m = median(times[label] ?? []);
  const c = median(cpus[label] ?? []);
  console.log(
    `  ${label.padEnd(52)} ${seconds(m).padStart(8)} ${`×${(m / base).toFixed(2)}`.padStart(8)} ${`×${(m / keyed).toFixed(2)}`.padStart(8)}  ${seconds(c).padStart(8)} ${`×${(c / baseCpu).toFixed(2)}`.padStart(8)} ${`×${(c / keyedCpu).toFixed(2)}`.padStart(8)}`,
  );
}
console.log(`  counts: ${JSON.stringify((lastCounts as { byType: unknown } | null)?.byType)}`);
const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
console.log(
  `  Node memory: rss ${mb(before.rss)} → peak ${mb(peakRss)}, heap ${mb(before.heapUsed)} → peak ${mb(peakHeap)}`,
);
await handle.close();
