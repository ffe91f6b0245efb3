// Household import benchmark (docs/performance.md, "## Import").
//
//   npx tsx bench/import.ts [--households 1000000] [--seed 1] [--pglite-households 100000]
//                           [--batch-size 2000] [--skip-pglite] [--regenerate]
//
// Generates N households (generateHouseholds, deterministic) to a JSON Lines file under
// bench/out/, then on PostgreSQL (BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/
// import_bench, dropped and created afresh):
//   1. the reference: psql `\copy` of the same lines into a one-column text table, no index;
//   2. `zhixiang import households FILE` into the empty schema (all new);
//   3. the same file again (all unchanged: the idempotent re-import);
//   4. the target's reference: \copy of the households the import stored into one flat table.
// Each import runs as a child process under /usr/bin/time -v, which gives its peak RSS; the rate
// is the one the command reports for the import itself (start-up and migrations excluded).
// Then the same on PGlite (a data folder under /tmp) with the first --pglite-households lines.
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import pg from "pg";
import { generateHouseholds } from "../src/ingest/generate-households.ts";
import { householdJson } from "../src/ingest/household-record.ts";

const { values } = parseArgs({
  options: {
    households: { type: "string", default: "1000000" },
    seed: { type: "string", default: "1" },
    "pglite-households": { type: "string", default: "100000" },
    "batch-size": { type: "string", default: "2000" },
    "skip-pglite": { type: "boolean", default: false },
    regenerate: { type: "boolean", default: false },
  },
});
const households = Number(values.households);
const seed = Number(values.seed);
const pgliteHouseholds = Math.min(households, Number(values["pglite-households"]));
const root = new URL("..", import.meta.url).pathname;
const outDir = `${root}bench/out`;

async function dataFile(count: number): Promise<string> {
  const file = `${outDir}/households-${count}-seed${seed}.jsonl`;
  if (existsSync(file) && !values.regenerate) return file;
  mkdirSync(outDir, { recursive: true });
  const started = performance.now();
  const out = createWriteStream(file);
  for (const record of generateHouseholds({ count, seed })) {
    if (!out.write(`${householdJson(record)}\n`)) await once(out, "drain");
  }
  await new Promise<void>((resolve) => out.end(resolve));
  const seconds = (performance.now() - started) / 1000;
  console.log(`generated ${count} households in ${seconds.toFixed(1)} s → ${file}`);
  return file;
}

interface Run {
  seconds: number;
  rate: number;
  peakRssMb: number;
  summary: string;
}

/** Runs `zhixiang ARGS` under /usr/bin/time -v; returns its output and peak RSS in MB. */
function zhixiang(args: string[], env: Record<string, string>) {
  const result = spawnSync(
    "/usr/bin/time",
    ["-v", process.execPath, "--import", "tsx", "src/cli/main.ts", ...args],
    { cwd: root, encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 1 << 26 },
  );
  if (result.status !== 0) {
    throw new Error(
      `zhixiang ${args.join(" ")} failed (${result.status}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  const rssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr)?.[1]);
  return { stdout: result.stdout, peakRssMb: Math.round(rssKb / 1024) };
}

/**
 * The floor: `zhixiang db migrate` opens the database and does nothing else, so its peak RSS is
 * what Node, tsx and the driver (and PGlite's WASM heap) take before any import work.
 */
function floor(label: string, env: Record<string, string>): void {
  console.log(
    `${label}, \`db migrate\` alone (memory floor): peak RSS ${zhixiang(["db", "migrate"], env).peakRssMb} MB`,
  );
}

/** Runs `zhixiang import households FILE`. */
function importRun(file: string, env: Record<string, string>): Run {
  const result = zhixiang(
    ["import", "households", file, "--batch-size", String(values["batch-size"])],
    env,
  );
  const line = result.stdout.split("\n").find((l) => l.startsWith("imported")) ?? "";
  const seconds = Number(/ in ([\d.]+) s/.exec(line)?.[1]);
  const rate = Number(/\((\d+) households\/s\)/.exec(line)?.[1]);
  return { seconds, rate, peakRssMb: result.peakRssMb, summary: line };
}

function report(label: string, run: Run, reference?: number): void {
  const ratio = reference ? ` — ${(reference / run.rate).toFixed(1)}× the reference's time` : "";
  console.log(
    `${label}: ${run.rate.toLocaleString("en")} households/s (${run.seconds} s), peak RSS ${run.peakRssMb} MB${ratio}`,
  );
  console.log(`  ${run.summary}`);
}

async function freshDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, "/postgres") });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
}

/** The reference: psql \copy of the raw lines into one text column (no parsing, no index). */
function copyReference(url: string, file: string): number {
  const control = "CSV QUOTE E'\\x01' DELIMITER E'\\x02'"; // neither byte occurs in the JSON
  return psql(
    url,
    `DROP TABLE IF EXISTS copy_reference;
    CREATE TABLE copy_reference (line text);
    \\copy copy_reference FROM '${file}' WITH ${control}`,
  );
}

function psql(url: string, script: string): number {
  const started = performance.now();
  const result = spawnSync("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", url], {
    input: script,
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`psql failed: ${result.stderr}`);
  return (performance.now() - started) / 1000;
}

/**
 * A second reference, PostgreSQL's own floor for these rows: the COPYed lines turned into the
 * same four tables (same columns, same indexes, in a schema of their own) by INSERT … SELECT
 * over jsonb, in one transaction. No validation, no canonical form, no hash: what any loader
 * must at least pay for the schema.
 */
function sqlReference(url: string): number {
  const bool = (path: string) => `coalesce((j#>>'{${path}}')::boolean, false)`;
  return psql(
    url,
    `DROP SCHEMA IF EXISTS sql_reference CASCADE;
    CREATE SCHEMA sql_reference;
    CREATE TABLE sql_reference.household (LIKE public.household INCLUDING ALL);
    CREATE TABLE sql_reference.household_year (LIKE public.household_year INCLUDING ALL);
    CREATE TABLE sql_reference.household_suspension (LIKE public.household_suspension INCLUDING ALL);
    CREATE TABLE sql_reference.household_penalty (LIKE public.household_penalty INCLUDING ALL);
    BEGIN;
    CREATE TEMP TABLE parsed ON COMMIT DROP AS SELECT line::jsonb AS j, md5(line) AS hash FROM copy_reference;
    INSERT INTO sql_reference.household (uscc, name, proprietor_id_hash, proprietor_name,
      proprietor_groups, proprietor_dishonest_debtor, county_code, industry_code, registered_on,
      status, annual_reports, abnormal_listed, serious_violation_listed, tax_abnormal, seasonal,
      record_hash)
    SELECT j->>'uscc', j->>'name', j#>>'{proprietor,idHash}', j#>>'{proprietor,name}',
      ARRAY(SELECT jsonb_array_elements_text(coalesce(j#>'{proprietor,groups}', '[]'))),
      ${bool("proprietor,dishonestDebtor")}, j->>'countyCode', j->>'industryCode',
      (j->>'registeredOn')::date, j->>'status',
      ARRAY(SELECT jsonb_array_elements_text(coalesce(j->'annualReports', '[]'))::smallint),
      ${bool("abnormalListed")}, ${bool("seriousViolationListed")}, ${bool("taxAbnormal")},
      ${bool("seasonal")}, hash
    FROM parsed;
    INSERT INTO sql_reference.household_year
    SELECT j->>'uscc', (y->>'year')::smallint, (y->>'taxPaid')::float8,
      (y->>'insuredEmployees')::int, (y->>'revenue')::float8
    FROM parsed, jsonb_array_elements(coalesce(j->'yearly', '[]')) y;
    INSERT INTO sql_reference.household_suspension
    SELECT j->>'uscc', n - 1, (s->>'from')::date, (s->>'to')::date
    FROM parsed, jsonb_array_elements(coalesce(j->'suspensions', '[]')) WITH ORDINALITY AS x(s, n);
    INSERT INTO sql_reference.household_penalty
    SELECT j->>'uscc', n - 1, (p->>'decidedOn')::date, p->>'kind', (p->>'repairedOn')::date
    FROM parsed, jsonb_array_elements(coalesce(j->'penalties', '[]')) WITH ORDINALITY AS x(p, n);
    COMMIT;
    DROP SCHEMA sql_reference CASCADE;`,
  );
}

/**
 * The target's reference: plain COPY of the same households into one flat table. The rows the
 * import stored are written out as COPY text (the household table's columns, one row a
 * household), then \copy'd into a table of the same columns without index.
 */
function flatCopyReference(url: string): number {
  const rows = `${outDir}/flat-households.tsv`;
  psql(url, `\\copy (SELECT * FROM household) TO '${rows}'`);
  try {
    return psql(
      url,
      `DROP TABLE IF EXISTS flat_reference;
      CREATE TABLE flat_reference (LIKE household);
      \\copy flat_reference FROM '${rows}'`,
    );
  } finally {
    psql(url, "DROP TABLE IF EXISTS flat_reference;");
    rmSync(rows, { force: true });
  }
}

async function main(): Promise<void> {
  const file = await dataFile(households);
  const megabytes = statSync(file).size / 1e6;
  console.log(`input: ${households} households, ${megabytes.toFixed(0)} MB of JSON Lines`);

  const url = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/import_bench";
  await freshDatabase(url);
  const copySeconds = copyReference(url, file);
  const copyRate = Math.round(households / copySeconds);
  console.log(
    `PostgreSQL reference, \\copy of the lines: ${copyRate.toLocaleString("en")} lines/s (${copySeconds.toFixed(1)} s)`,
  );
  const env = { DATABASE_URL: url };
  floor("PostgreSQL", env);
  const sqlSeconds = sqlReference(url);
  const sqlRate = Math.round(households / sqlSeconds);
  console.log(
    `PostgreSQL reference, the same rows into the same tables by INSERT … SELECT over jsonb: ${sqlRate.toLocaleString("en")} households/s (${sqlSeconds.toFixed(1)} s)`,
  );
  psql(url, "DROP TABLE copy_reference;");
  const imported = importRun(file, env);
  report("PostgreSQL import, all new", imported, copyRate);
  console.log(`  ${(sqlRate / imported.rate).toFixed(1)}× the time of the SQL-only load`);
  report("PostgreSQL re-import, all unchanged", importRun(file, env), copyRate);
  const flatSeconds = flatCopyReference(url);
  const flatRate = Math.round(households / flatSeconds);
  console.log(
    `PostgreSQL reference, \\copy of the households into one flat table: ${flatRate.toLocaleString("en")} rows/s (${flatSeconds.toFixed(1)} s); the import takes ${(flatRate / imported.rate).toFixed(1)}× its time (the target, 50,000 against about 345,000 rows a second, is 6.9×)`,
  );

  if (!values["skip-pglite"]) {
    const small = pgliteHouseholds === households ? file : await dataFile(pgliteHouseholds);
    const dataDir = `/tmp/zhixiang-bench-import-pglite`;
    rmSync(dataDir, { recursive: true, force: true });
    const pgliteEnv = { DATABASE_URL: "", ZHIXIANG_DATA_DIR: dataDir };
    console.log(`PGlite: ${pgliteHouseholds} households`);
    // The first open creates the cluster (initdb), which peaks far above an import: done apart.
    zhixiang(["db", "migrate"], pgliteEnv);
    floor("PGlite", pgliteEnv);
    report("PGlite import, all new", importRun(small, pgliteEnv));
    report("PGlite re-import, all unchanged", importRun(small, pgliteEnv));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
