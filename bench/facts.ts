// Household facts benchmark (docs/performance.md, "## Household facts").
//
//   npx tsx bench/facts.ts [--households 1000000] [--repeat 3] [--regenerate] [--plans]
//                          [--batches 1,100,10000]
//
// Generates households in SQL (generate_series; deterministic) with yearly figures, suspensions,
// penalties, two finished typing runs and an unfinished one, corrections and recognitions; then,
// for each query shape the service runs over factsRelation, times EXPLAIN ANALYZE of it against
// a reference written by hand over the base tables, and prints the medians and their ratio
// (--plans prints the plans). Last, loadFacts (TypeScript) against factsRelation for batches of households.
// PostgreSQL only (scale figures): BENCH_DATABASE_URL or
// postgres://postgres@127.0.0.1:5432/facts_bench (created when absent).
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { type CompiledQuery, type Kysely, type RawBuilder, sql } from "kysely";
import { migrateToLatest } from "../src/db/migrate.ts";
import type { Database } from "../src/db/types.ts";
import { factsRelation } from "../src/matching/facts-relation.ts";
import { loadFacts } from "../src/matching/household-facts.ts";
import {
  executionTime,
  explainAnalyze,
  generateUnlessPresent,
  householdIdentity,
  householdNumber,
  householdsOver12Counties,
  industryCode,
  insertSuspensions,
  median,
  openBenchDatabase,
  r,
  truncateHouseholds,
  yearFigures,
} from "./_support.ts";

const { values } = parseArgs({
  options: {
    households: { type: "string", default: "1000000" },
    repeat: { type: "string", default: "3" },
    regenerate: { type: "boolean", default: false },
    plans: { type: "boolean", default: false },
    batches: { type: "string", default: "1,100,10000" },
  },
});
const households = Number(values.households);
const repeat = Number(values.repeat);
const batches = values.batches.split(",").map(Number);
const AS_OF = "2025-08-01";
const RUN_OLD = "00000000-0000-4000-8000-000000000001";
const RUN_CURRENT = "00000000-0000-4000-8000-000000000002";
const RUN_UNFINISHED = "00000000-0000-4000-8000-000000000003";

/**
 * N households over 12 counties, registered 1995–2025 (29 February included); figures for 2023
 * and 2024 for 85%, each absent 10–15% of the time; 2% with a suspension, 3% with a penalty of a
 * random kind, every household in the old and in the current typing run, 0.5% with a correction
 * (half of them stale), 3% with a recognition.
 */
async function generate(db: Kysely<Database>, n: number): Promise<void> {
  const i = sql`i`;
  const n10 = householdNumber;
  await truncateHouseholds.execute(db);
  await sql`
    INSERT INTO household (uscc, name, proprietor_id_hash, proprietor_groups,
      proprietor_dishonest_debtor, county_code, industry_code, registered_on, status, annual_reports,
      abnormal_listed, serious_violation_listed, tax_abnormal, seasonal, record_hash, facts_changed_at)
    SELECT ${householdIdentity},
      CASE WHEN ${r(i, 9)} < 0.05 THEN ARRAY['VETERAN'] ELSE '{}' END, ${r(i, 10)} < 0.01, c.code,
      ${industryCode(i)},
      date '1995-01-01' + (${r(i, 1)} * 11200)::int,
      CASE WHEN ${r(i, 2)} < 0.95 THEN 'ACTIVE' ELSE 'REVOKED' END,
      CASE WHEN ${r(i, 3)} < 0.9 THEN '{2022,2023,2024}'::smallint[] ELSE '{}' END,
      ${r(i, 4)} < 0.03, ${r(i, 5)} < 0.005, ${r(i, 6)} < 0.01, ${r(i, 7)} < 0.02, md5(i::text),
      timestamptz '2025-03-01 00:00:00+00' + (i % 1000) * interval '1 microsecond'
    FROM ${householdsOver12Counties(n)}`.execute(db);
  const k = (y: number) => sql`${n10} * 7 + ${sql.lit(y)}`;
  for (const year of [2023, 2024]) {
    await sql`
      INSERT INTO household_year (uscc, year, tax_paid, insured_employees, revenue)
      SELECT uscc, ${sql.lit(year)}, ${yearFigures(k(year))}
      FROM household WHERE ${r(k(year), 8)} < 0.85`.execute(db);
  }
  await insertSuspensions(n10, 1700).execute(db);
  await sql`
    INSERT INTO household_penalty (uscc, seq, decided_on, kind, repaired_on)
    SELECT uscc, 1, date '2021-01-01' + (${r(n10, 30)} * 1700)::int,
      (ARRAY['WARNING','FINE','CONFISCATION','LICENCE_ACTION','BUSINESS_RESTRICTION','DETENTION'])
        [1 + (${r(n10, 31)} * 6)::int % 6],
      CASE WHEN ${r(n10, 32)} < 0.3 THEN date '2021-01-01' + (${r(n10, 30)} * 1700)::int + 120 END
    FROM household WHERE ${r(n10, 29)} < 0.03`.execute(db);
  await sql`
    INSERT INTO typing_run (id, as_of, standard_version, kind, started_at, finished_at, created_by)
    VALUES (${RUN_OLD}, '2024-08-01', 'bench', 'YEARLY', '2024-08-02', '2024-08-02 01:00+08', 'bench'),
      (${RUN_CURRENT}, '2025-08-01', 'bench', 'YEARLY', '2025-08-02', '2025-08-02 01:00+08', 'bench'),
      (${RUN_UNFINISHED}, '2025-09-01', 'bench', 'ADHOC', '2025-09-02', NULL, 'bench')`.execute(db);
  for (const [run, stream] of [
    [RUN_OLD, 40],
    [RUN_CURRENT, 41],
  ] as const) {
    await sql`
      INSERT INTO typing_result (run_id, uscc, type, codes)
      SELECT ${run}::uuid, uscc,
        (ARRAY['SURVIVAL','GROWTH','DEVELOPMENT','NOT_CLASSIFIABLE'])[1 + (${r(n10, stream)} * 4)::int % 4],
        '{}'
      FROM household`.execute(db);
  }
  await sql`
    INSERT INTO typing_correction (uscc, type, facts_changed_at, objection_id, reason)
    SELECT uscc, 'DEVELOPMENT',
      CASE WHEN ${r(n10, 51)} < 0.5 THEN facts_changed_at ELSE facts_changed_at - interval '1 day' END,
      gen_random_uuid(), 'bench'
    FROM household WHERE ${r(n10, 50)} < 0.005`.execute(db);
  await sql`
    INSERT INTO category_recognition (uscc, category, recognized_on, valid_from, valid_until, ended_on)
    SELECT uscc, (ARRAY['FAMOUS','DISTINCTIVE','QUALITY','EMERGING'])[1 + (${r(n10, 61)} * 4)::int % 4],
      make_date(y, 10, 15), make_date(y + 1, 1, 1), make_date(y + 3, 10, 15),
      CASE WHEN ${r(n10, 62)} < 0.1 THEN make_date(y + 2, 6, 30) END
    FROM household, LATERAL (SELECT 2021 + (${r(n10, 63)} * 4)::int AS y) g
    WHERE ${r(n10, 60)} < 0.03`.execute(db);
  await sql`VACUUM ANALYZE`.execute(db);
}

/** EXPLAIN ANALYZE of a compiled query: its plan text and the server's execution time (ms). */
async function explainTimed(
  db: Kysely<Database>,
  compiled: CompiledQuery,
): Promise<{ plan: string; ms: number }> {
  const plan = await explainAnalyze(db, compiled);
  return { plan, ms: executionTime(plan) };
}

const handle = await openBenchDatabase("facts_bench");
const { db } = handle;
await migrateToLatest(db);
await generateUnlessPresent(db, households, values.regenerate, () => generate(db, households));

const facts = () => db.selectFrom(factsRelation(db, AS_OF).as("f"));
const oneUscc = (
  await db
    .selectFrom("household")
    .select("uscc")
    .orderBy("uscc")
    .offset(Math.floor(households / 2))
    .limit(1)
    .executeTakeFirstOrThrow()
).uscc;

const inForceSuspension = sql`EXISTS (SELECT 1 FROM household_suspension s WHERE s.uscc = h.uscc
  AND s.from_on <= date '2025-08-01' AND (s.to_on IS NULL OR s.to_on >= date '2025-08-01')
  AND date '2025-08-01' < (s.from_on + interval '3 years')::date)`;
const activePenalty = sql`EXISTS (SELECT 1 FROM household_penalty p WHERE p.uscc = h.uscc
  AND p.kind <> 'WARNING' AND p.decided_on <= date '2025-08-01'
  AND date '2025-08-01' < (p.decided_on + interval '2 years')::date
  AND (p.repaired_on IS NULL OR p.repaired_on > date '2025-08-01'))`;

/** Each shape: the query over factsRelation, and the same written by hand over the base tables. */
const shapes: {
  name: string;
  query: { compile(): CompiledQuery };
  reference: RawBuilder<unknown>;
}[] = [
  {
    // The reference: the same facts written the other obvious way, as correlated subqueries.
    name: "every fact of every household (a typing run's input)",
    query: facts().selectAll(),
    reference: sql`SELECT h.uscc,
      coalesce((SELECT c.type FROM typing_correction c
                WHERE c.uscc = h.uscc AND c.facts_changed_at = h.facts_changed_at),
               (SELECT r.type FROM typing_result r WHERE r.uscc = h.uscc AND r.run_id = (SELECT id
                  FROM typing_run WHERE finished_at IS NOT NULL ORDER BY finished_at DESC, id DESC LIMIT 1)))
        AS type,
      coalesce((SELECT cr.category FROM category_recognition cr WHERE cr.uscc = h.uscc
                AND cr.valid_from <= date '2025-08-01' AND cr.valid_until > date '2025-08-01'
                AND (cr.ended_on IS NULL OR cr.ended_on > date '2025-08-01')
                ORDER BY cr.valid_from DESC, cr.recognized_on DESC, cr.id DESC LIMIT 1), 'NONE') AS category,
      h.county_code, h.industry_code, nullif(left(h.industry_code, 1), '') AS industry_section,
      (2025 - extract(year from h.registered_on)::int)
        - (h.registered_on + make_interval(years => 2025 - extract(year from h.registered_on)::int)
           > date '2025-08-01')::int AS registered_years,
      y.tax_paid, y.insured_employees, y.revenue, h.status,
      2024::smallint = any(h.annual_reports) AS annual_report_filed,
      extract(year from h.registered_on)::int = 2025 AS registered_this_year,
      h.proprietor_groups, h.abnormal_listed, h.serious_violation_listed, h.tax_abnormal,
      ${inForceSuspension} AS suspended, h.seasonal, ${activePenalty} AS has_active_penalty,
      h.proprietor_dishonest_debtor
      FROM household h LEFT JOIN household_year y ON y.uscc = h.uscc AND y.year = 2024`,
  },
  {
    name: "typing base criteria, count (三(一)1 基础标准)",
    query: facts()
      .select(sql<number>`count(*)`.as("n"))
      .where("f.status", "=", "ACTIVE")
      .where((eb) =>
        eb.or([
          eb("f.annualReportFiledLastYear", "=", true),
          eb("f.registeredThisYear", "=", true),
        ]),
      )
      .where("f.abnormalListed", "=", false)
      .where("f.seriousViolationListed", "=", false)
      .where("f.taxAbnormal", "=", false)
      .where((eb) => eb.or([eb("f.suspended", "=", false), eb("f.seasonal", "=", true)])),
    reference: sql`SELECT count(*) FROM household h WHERE h.status = 'ACTIVE'
      AND (2024::smallint = any(h.annual_reports) OR extract(year from h.registered_on) = 2025)
      AND NOT h.abnormal_listed AND NOT h.serious_violation_listed AND NOT h.tax_abnormal
      AND (h.seasonal OR NOT ${inForceSuspension})`,
  },
  {
    name: "grant rule: one county, GROWTH or DEVELOPMENT, no active penalty",
    query: facts()
      .select("f.uscc")
      .where("f.countyCode", "=", "410103")
      .where("f.type", "in", ["GROWTH", "DEVELOPMENT"])
      .where("f.hasActivePenalty", "=", false),
    reference: sql`SELECT h.uscc FROM household h
      LEFT JOIN typing_result r ON r.uscc = h.uscc AND r.run_id = ${RUN_CURRENT}::uuid
      LEFT JOIN typing_correction c ON c.uscc = h.uscc AND c.facts_changed_at = h.facts_changed_at
      WHERE h.county_code = '410103' AND coalesce(c.type, r.type) IN ('GROWTH', 'DEVELOPMENT')
      AND NOT ${activePenalty}`,
  },
  {
    name: "bank listing: a category, revenue ≥ 300,000, proprietor not a dishonest debtor",
    query: facts()
      .select(["f.uscc", "f.category"])
      .where("f.category", "<>", "NONE")
      .where("f.revenueLastYear", ">=", 300_000)
      .where("f.proprietorDishonestDebtor", "=", false),
    reference: sql`SELECT h.uscc, cr.category FROM household h
      JOIN household_year y ON y.uscc = h.uscc AND y.year = 2024
      JOIN category_recognition cr ON cr.uscc = h.uscc AND cr.valid_from <= date '2025-08-01'
        AND cr.valid_until > date '2025-08-01' AND (cr.ended_on IS NULL OR cr.ended_on > date '2025-08-01')
      WHERE y.revenue >= 300000 AND NOT h.proprietor_dishonest_debtor`,
  },
  {
    name: "households with an active penalty, count",
    query: facts().select(sql<number>`count(*)`.as("n")).where("f.hasActivePenalty", "=", true),
    reference: sql`SELECT count(*) FROM household h WHERE ${activePenalty}`,
  },
  {
    name: "one household, every fact",
    query: facts().selectAll().where("f.uscc", "=", oneUscc),
    reference: sql`SELECT * FROM household h WHERE h.uscc = ${oneUscc}`,
  },
];

console.log(`households: ${households}; as of ${AS_OF}; medians of ${repeat} EXPLAIN ANALYZE runs`);
// The floor: reading every household row and nothing else.
const floor: number[] = [];
for (let k = 0; k < repeat; k++) {
  floor.push((await explainTimed(db, sql`SELECT * FROM household`.compile(db))).ms);
}
console.log(`floor, every household row alone: ${median(floor).toFixed(1)} ms`);
for (const shape of shapes) {
  const times: number[] = [];
  const referenceTimes: number[] = [];
  let plan = "";
  for (let k = 0; k < repeat; k++) {
    const measured = await explainTimed(db, shape.query.compile());
    times.push(measured.ms);
    plan = measured.plan;
    referenceTimes.push((await explainTimed(db, shape.reference.compile(db))).ms);
  }
  const [t, ref] = [median(times), median(referenceTimes)];
  console.log(
    `${shape.name}: ${t.toFixed(1)} ms; reference ${ref.toFixed(1)} ms; ratio ${(t / ref).toFixed(2)}`,
  );
  if (values.plans) console.log(`${plan}\n`);
}

// loadFacts (TypeScript) for batches, against factsRelation for the same households.
for (const size of batches) {
  const usccs = (
    await db
      .selectFrom("household")
      .select("uscc")
      .where(sql<boolean>`hashint8(substr(uscc, 9, 10)::bigint) % 97 = 0`)
      .limit(size)
      .execute()
  ).map((row) => row.uscc);
  const tsTimes: number[] = [];
  const sqlTimes: number[] = [];
  for (let k = 0; k < repeat; k++) {
    let t = performance.now();
    const loaded = await loadFacts(db, usccs, AS_OF);
    tsTimes.push(performance.now() - t);
    t = performance.now();
    const rows = await facts()
      .selectAll()
      .where(sql<boolean>`f.uscc = any(${usccs}::text[])`)
      .execute();
    sqlTimes.push(performance.now() - t);
    if (loaded.size !== usccs.length || rows.length !== usccs.length) {
      throw new Error("lost households");
    }
  }
  const [ts, inSql] = [median(tsTimes), median(sqlTimes)];
  console.log(
    `loadFacts for ${usccs.length} households: ${ts.toFixed(1)} ms` +
      ` (${Math.round(usccs.length / (ts / 1000))}/s); factsRelation for the same` +
      ` (client round trip): ${inSql.toFixed(1)} ms; ratio ${(ts / inSql).toFixed(2)}`,
  );
}
await handle.close();
