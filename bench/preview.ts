// Impact preview benchmark (docs/performance.md, "## Policies").
//
//   npx tsx bench/preview.ts [--households 1000000] [--repeat 7] [--regenerate] [--plans]
//
// Generates households in SQL (generate_series, deterministic) with last year's figures, a
// finished typing run, penalties and 名特优新 recognitions; loads policies-data; then times
// previewPolicyImpact of typical policies (end to end, through Kysely and pg) against the
// reference of a hand-written `SELECT count(*)` with the same predicate on the same data, and
// prints the medians and their ratio, and the first preview after the facts change, which
// computes the snapshot of the date again (--plans prints both EXPLAIN ANALYZE plans).
// PostgreSQL only (a scale figure): BENCH_DATABASE_URL or
// postgres://postgres@127.0.0.1:5432/preview_bench (created when absent).
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { type Kysely, type RawBuilder, sql } from "kysely";
import { migrateToLatest } from "../src/db/migrate.ts";
import type { Database } from "../src/db/types.ts";
import { factsSnapshotOf } from "../src/matching/facts-snapshots.ts";
import { validatedRules } from "../src/policies/compiled-policy.ts";
import { DEFAULT_POLICIES_DIR, loadPolicyFiles } from "../src/policies/load-policy-files.ts";
import { policiesInForce } from "../src/policies/policy-queries.ts";
import {
  type ImpactTarget,
  previewImpactQuery,
  previewPolicyImpact,
  withPreviewSettings,
} from "../src/policies/preview-policy-impact.ts";
import {
  explainAnalyze,
  generateUnlessPresent,
  householdIdentity,
  householdNumber,
  householdsOver12Counties,
  industryCode,
  median,
  openBenchDatabase,
  r,
  truncateHouseholds,
  yearFigures,
} from "./_support.ts";

const { values } = parseArgs({
  options: {
    households: { type: "string", default: "1000000" },
    repeat: { type: "string", default: "7" },
    regenerate: { type: "boolean", default: false },
    plans: { type: "boolean", default: false },
  },
});
const households = Number(values.households);
const repeat = Number(values.repeat);
const AS_OF = "2025-09-01";
const RUN = "00000000-0000-4000-8000-00000000a001";

/**
 * N households over 12 counties and 20 industry sections, 95% active; 2024 figures for 85% (each
 * absent 10–15% of the time); every household typed in one finished run (a few left untyped);
 * 3% with a penalty, 3% with a recognition in force on the as-of date.
 */
async function generate(db: Kysely<Database>, n: number): Promise<void> {
  const i = sql`i`;
  const n10 = householdNumber;
  await truncateHouseholds.execute(db);
  await sql`
    INSERT INTO household (uscc, name, proprietor_id_hash, proprietor_groups, county_code,
      industry_code, registered_on, status, annual_reports, abnormal_listed, tax_abnormal, record_hash)
    SELECT ${householdIdentity},
      CASE WHEN ${r(i, 9)} < 0.05 THEN ARRAY['GRADUATE'] ELSE '{}' END, c.code, ${industryCode(i)},
      date '1995-01-01' + (${r(i, 1)} * 11200)::int,
      CASE WHEN ${r(i, 2)} < 0.95 THEN 'ACTIVE' ELSE 'REVOKED' END,
      CASE WHEN ${r(i, 3)} < 0.9 THEN '{2023,2024}'::smallint[] ELSE '{}' END,
      ${r(i, 4)} < 0.03, ${r(i, 6)} < 0.01, md5(i::text)
    FROM ${householdsOver12Counties(n)}`.execute(db);
  await sql`
    INSERT INTO household_year (uscc, year, tax_paid, insured_employees, revenue)
    SELECT uscc, 2024, ${yearFigures(n10)}
    FROM household WHERE ${r(n10, 8)} < 0.85`.execute(db);
  await sql`
    INSERT INTO household_penalty (uscc, seq, decided_on, kind, repaired_on)
    SELECT uscc, 1, date '2023-01-01' + (${r(n10, 30)} * 900)::int,
      CASE WHEN ${r(n10, 31)} < 0.3 THEN 'WARNING' ELSE 'FINE' END, NULL
    FROM household WHERE ${r(n10, 29)} < 0.03`.execute(db);
  await sql`
    INSERT INTO typing_run (id, as_of, standard_version, kind, started_at, finished_at, created_by)
    VALUES (${RUN}, '2025-08-01', 'bench', 'YEARLY', '2025-08-02', '2025-08-02 01:00+08', 'bench')`.execute(
    db,
  );
  await sql`
    INSERT INTO typing_result (run_id, uscc, type, codes)
    SELECT ${RUN}::uuid, uscc,
      (ARRAY['SURVIVAL','GROWTH','DEVELOPMENT','NOT_CLASSIFIABLE'])[1 + (${r(n10, 41)} * 4)::int % 4], '{}'
    FROM household WHERE ${r(n10, 40)} < 0.99`.execute(db);
  await sql`
    INSERT INTO category_recognition (uscc, category, recognized_on, valid_from, valid_until)
    SELECT uscc, (ARRAY['FAMOUS','DISTINCTIVE','QUALITY','EMERGING'])[1 + (${r(n10, 61)} * 4)::int % 4],
      '2024-10-15', '2025-01-01', '2027-10-15'
    FROM household WHERE ${r(n10, 60)} < 0.03`.execute(db);
  await sql`VACUUM ANALYZE`.execute(db);
}

/**
 * Wall-clock milliseconds of `repeat` runs of each, after one warm-up of each, interleaved (a, b,
 * a, b, …) so that both meet the same load on a shared machine.
 */
async function timeBoth(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
): Promise<[number[], number[]]> {
  await a();
  await b();
  const times: [number[], number[]] = [[], []];
  for (let k = 0; k < repeat; k++) {
    for (const [i, work] of [a, b].entries()) {
      const start = performance.now();
      await work();
      times[i]?.push(performance.now() - start);
    }
  }
  return times;
}

const handle = await openBenchDatabase("preview_bench");
const { db } = handle;
await migrateToLatest(db);
await generateUnlessPresent(db, households, values.regenerate, () => generate(db, households));
await loadPolicyFiles(db, DEFAULT_POLICIES_DIR, { today: "2025-03-01" });
const inForce = await policiesInForce(db, AS_OF);

/**
 * Each case: a policy of policies-data, and its predicate written by hand over the base tables
 * (the reference: what a person would type to count the eligible).
 */
const cases: { code: string; reference: RawBuilder<unknown> }[] = [
  {
    // 三(一)3 成长型 稳岗返还: type or a 名特优新 category in force (三(二)3), last year's insured
    // employees, a list flag; an amount rule.
    code: "HRSS_GROWTH_JOB_RETENTION",
    reference: sql`SELECT count(*)::int AS n FROM household h
      LEFT JOIN typing_result t ON t.uscc = h.uscc AND t.run_id = ${RUN}::uuid
      JOIN household_year y ON y.uscc = h.uscc AND y.year = 2024
      WHERE h.status = 'ACTIVE' AND y.insured_employees >= 1 AND NOT h.tax_abnormal
        AND (t.type = 'GROWTH' OR EXISTS (SELECT FROM category_recognition c
          WHERE c.uscc = h.uscc AND c.valid_from <= ${AS_OF}::date
            AND c.valid_until > ${AS_OF}::date AND c.ended_on IS NULL))`,
  },
  {
    // 三(二)3 知名类 + 一刻钟便民生活圈: the category in force and the industry section.
    code: "COMMERCE_FAMOUS_CONVENIENCE_CIRCLE",
    reference: sql`SELECT count(*)::int AS n FROM household h
      JOIN category_recognition c ON c.uscc = h.uscc AND c.valid_from <= ${AS_OF}::date
        AND c.valid_until > ${AS_OF}::date AND c.ended_on IS NULL
      WHERE h.status = 'ACTIVE' AND c.category = 'FAMOUS' AND left(h.industry_code, 1) IN ('F', 'H', 'O')`,
  },
];

console.log(
  `\n${households} households, as of ${AS_OF}; median of ${repeat} interleaved runs after a warm-up (ms); load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
console.log(
  "policy                               preview   count(*)   ratio   eligible   first preview after a change   ratio",
);
for (const { code, reference } of cases) {
  const version = inForce.find((v) => v.code === code);
  if (!version) throw new Error(`${code} is not in force on ${AS_OF}`);
  const { rule, amountRule } = validatedRules(version);
  const target: ImpactTarget = {
    rule,
    amount: amountRule ?? (typeof version.amount === "number" ? version.amount : null),
  };
  const impact = await previewPolicyImpact(db, target, AS_OF);
  const counted = await reference.execute(db);
  const referenceN = (counted.rows[0] as { n: number }).n;
  // The same households on both sides (no household in this data has an unknown fact the
  // reference would count differently).
  if (referenceN !== impact.total.eligible) {
    throw new Error(`${code}: preview ${impact.total.eligible} eligible, reference ${referenceN}`);
  }
  const [previewTimes, referenceTimes] = await timeBoth(
    () => previewPolicyImpact(db, target, AS_OF),
    () => reference.execute(db),
  );
  const previewMs = median(previewTimes);
  const referenceMs = median(referenceTimes);
  // The first preview after the facts change computes the snapshot of the date again: a
  // statement that writes nothing still records that its transaction wrote the table.
  const firstTimes: number[] = [];
  for (let k = 0; k < Math.min(repeat, 3); k++) {
    await sql`DELETE FROM household_penalty WHERE false`.execute(db);
    const start = performance.now();
    await previewPolicyImpact(db, target, AS_OF);
    firstTimes.push(performance.now() - start);
  }
  const firstMs = median(firstTimes);
  console.log(
    `${code.padEnd(36)} ${previewMs.toFixed(0).padStart(7)} ${referenceMs.toFixed(0).padStart(10)} ${(previewMs / referenceMs).toFixed(2).padStart(7)} ${String(impact.total.eligible).padStart(10)} ${firstMs.toFixed(0).padStart(30)} ${(firstMs / referenceMs).toFixed(2).padStart(7)}`,
  );
  if (values.plans) {
    const plan = await withPreviewSettings(db, async (trx) => {
      const facts = await factsSnapshotOf(trx, AS_OF);
      return explainAnalyze(trx, previewImpactQuery(trx, target, facts).compile());
    });
    console.log(`\n-- ${code}: preview\n${plan}`);
    console.log(`\n-- ${code}: reference\n${await explainAnalyze(db, reference.compile(db))}\n`);
  }
}
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
await handle.close();
