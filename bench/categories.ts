// 名特优新 categories benchmark (docs/performance.md, "## 名特优新 categories").
//
//   npx tsx bench/categories.ts [--households 1000000] [--approvals 200] [--repeat 5] [--regenerate] [--plans]
//
// Generates households in SQL (generate_series; deterministic) over Zhengzhou's counties by their
// share, a finished YEARLY typing run (about 45% 成长型/发展型) and recognitions for about 4% of
// those; then times, in the largest county (金水区): the quota read (countyQuota), approvals one
// after another through approveCategoryApplication (lock, re-check, count, insert, audit), the
// public notice's first page and the upkeep list's first page. The reference is the quota read:
// an approval is quoted as a multiple of it. PostgreSQL only: BENCH_DATABASE_URL or
// postgres://postgres@127.0.0.1:5432/categories_bench (created when absent).
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { type Kysely, sql } from "kysely";
import type { Principal } from "../src/auth/principal.ts";
import { approveCategoryApplication } from "../src/categories/category-applications.ts";
import { countyQuota, DEFAULT_SHARE_BASIS_POINTS } from "../src/categories/category-quota.ts";
import {
  listCategoryUpkeep,
  listPublicRecognitions,
} from "../src/categories/category-recognitions.ts";
import { migrateToLatest } from "../src/db/migrate.ts";
import type { Database } from "../src/db/types.ts";
import { ZHENGZHOU_AREAS } from "../src/households/areas.ts";
import { median, openBenchDatabase } from "./_support.ts";

const { values } = parseArgs({
  options: {
    households: { type: "string", default: "1000000" },
    approvals: { type: "string", default: "200" },
    repeat: { type: "string", default: "5" },
    regenerate: { type: "boolean", default: false },
    plans: { type: "boolean", default: false },
  },
});
const households = Number(values.households);
const approvals = Number(values.approvals);
const repeat = Number(values.repeat);
const RUN = "00000000-0000-4000-8000-00000000c001";
const COUNTY = "410105";
const TODAY = "2026-10-20";
const NOW = new Date(`${TODAY}T10:00:00+08:00`);
const operator: Principal = { role: "OPERATOR", tokenId: "bench", countyCode: COUNTY };

async function generate(db: Kysely<Database>): Promise<void> {
  const tables = [
    "category_spot_check_item",
    "category_spot_check",
    "category_extension",
    "category_report",
    "category_quota",
    "category_visit",
    "category_application",
    "category_recognition",
    "typing_result",
    "typing_run",
    "household",
  ];
  await sql.raw(`TRUNCATE ${tables.join(", ")}`).execute(db);
  // County boundaries by share: household i belongs to the county whose cumulative share covers it.
  let cumulative = 0;
  const bounds = ZHENGZHOU_AREAS.map((a) => {
    cumulative += a.share;
    return { code: a.code, upTo: cumulative };
  });
  const total = cumulative;
  const countyCase = `CASE ${bounds
    .map((b) => `WHEN (i::float8 / ${households}) < ${b.upTo / total} THEN '${b.code}'`)
    .join(" ")} ELSE '${bounds.at(-1)?.code}' END`;
  await sql
    .raw(`
    INSERT INTO household (uscc, name, proprietor_id_hash, county_code, industry_code, registered_on,
      status, record_hash)
    SELECT '92' || c || 'MA' || lpad(i::text, 9, '0') || 'X', '商户' || i,
      'sha256:' || (i % (${households} * 9 / 10)), c, 'F5211', date '2015-01-01' + (i % 3000),
      'ACTIVE', md5(i::text)
    FROM (SELECT i, ${countyCase} AS c FROM generate_series(1, ${households}) i) s`)
    .execute(db);
  await db
    .insertInto("typing_run")
    .values({
      id: RUN,
      as_of: "2026-08-01",
      standard_version: "bench",
      kind: "YEARLY",
      started_at: "2026-08-10T00:00:00Z",
      finished_at: "2026-08-10T00:00:00Z",
      created_by: "bench",
    })
    .execute();
  await sql`
    INSERT INTO typing_result (run_id, uscc, type, codes)
    SELECT ${RUN}, uscc, (ARRAY['SURVIVAL','SURVIVAL','GROWTH','DEVELOPMENT','SURVIVAL','GROWTH',
      'SURVIVAL','NOT_CLASSIFIABLE','GROWTH','SURVIVAL','DEVELOPMENT'])[1 + abs(hashtext(uscc)) % 11],
      '{}'::text[]
    FROM household`.execute(db);
  // Recognitions for about 4% of 成长型/发展型 (under the 5% quota), made in 2024–2026.
  await sql`
    INSERT INTO category_recognition (uscc, category, recognized_on, valid_from, valid_until,
      application_id, county_code, source, type_at_recognition)
    SELECT t.uscc, (ARRAY['FAMOUS','DISTINCTIVE','QUALITY','EMERGING'])[1 + abs(hashtext(t.uscc || 'c')) % 4],
      make_date(y, 11, 10), make_date(y + 1, 1, 1), make_date(y + 3, 11, 10), null, t.county_code,
      'SELF', t.type
    FROM (
      SELECT uscc, type, substr(uscc, 3, 6) AS county_code, 2024 + abs(hashtext(uscc || 'y')) % 3 AS y FROM typing_result
      WHERE run_id = ${RUN} AND type IN ('GROWTH','DEVELOPMENT') AND abs(hashtext(uscc || 'r')) % 100 < 3
    ) t`.execute(db);
  await sql`ANALYZE`.execute(db);
}

/** Submitted self-applications with a confirming visit, for households not yet recognised. */
async function prepareApplications(db: Kysely<Database>, n: number): Promise<string[]> {
  await sql`DELETE FROM category_visit`.execute(db);
  await sql`DELETE FROM category_recognition WHERE application_id IS NOT NULL`.execute(db);
  await sql`DELETE FROM category_application`.execute(db);
  await sql`DELETE FROM audit_log WHERE action LIKE 'category.%'`.execute(db);
  // A share large enough for every approval to fit: the approval path is timed, not the refusal.
  await sql`
    INSERT INTO category_quota (county_code, share_basis_points) VALUES (${COUNTY}, 10000)
    ON CONFLICT (county_code) DO UPDATE SET share_basis_points = 10000`.execute(db);
  const rows = await sql<{ id: string }>`
    WITH picked AS (
      SELECT h.uscc FROM household h JOIN typing_result t ON t.uscc = h.uscc AND t.run_id = ${RUN}
      WHERE h.county_code = ${COUNTY} AND t.type = 'GROWTH'
        AND NOT EXISTS (SELECT 1 FROM category_recognition r WHERE r.uscc = h.uscc)
      ORDER BY h.uscc LIMIT ${n}
    ), apps AS (
      INSERT INTO category_application (uscc, category, conditions, evidence, source, state,
        entered_on, created_at, created_by)
      SELECT uscc, 'FAMOUS', ARRAY['FAMOUS_1'], 'bench', 'SELF', 'SUBMITTED', ${TODAY}::date, now(), 'bench'
      FROM picked RETURNING id
    ), visits AS (
      INSERT INTO category_visit (application_id, visited_on, confirmed, findings, recorded_at, recorded_by)
      SELECT id, ${TODAY}::date, true, 'bench', now(), 'bench' FROM apps RETURNING application_id
    )
    SELECT application_id AS id FROM visits`.execute(db);
  return rows.rows.map((r) => r.id);
}

async function time<T>(work: () => Promise<T>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

async function main(): Promise<void> {
  const handle = await openBenchDatabase("categories_bench");
  const db = handle.db;
  try {
    await migrateToLatest(db);
    const present = await db
      .selectFrom("household")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    if (values.regenerate || Number(present.n) !== households) {
      const t = await time(() => generate(db));
      console.log(`generated ${households} households in ${(t / 1000).toFixed(1)} s`);
    }
    const countyHouseholds = await db
      .selectFrom("household")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("county_code", "=", COUNTY)
      .executeTakeFirstOrThrow();

    const quotaTimes: number[] = [];
    for (let i = 0; i < repeat; i++)
      quotaTimes.push(await time(() => countyQuota(db, COUNTY, TODAY)));
    await sql`DELETE FROM category_quota`.execute(db);
    const quota = await countyQuota(db, COUNTY, TODAY);

    const ids = await prepareApplications(db, approvals);
    const approvalTimes: number[] = [];
    for (const id of ids) {
      approvalTimes.push(
        await time(async () => {
          const r = await approveCategoryApplication(
            db,
            operator,
            { applicationId: id, reason: "bench" },
            NOW,
          );
          if (r.refusals.length > 0) throw new Error(JSON.stringify(r.refusals));
        }),
      );
    }
    const publicTimes: number[] = [];
    const upkeepTimes: number[] = [];
    for (let i = 0; i < repeat; i++) {
      publicTimes.push(
        await time(() =>
          listPublicRecognitions(db, { countyCode: COUNTY }, "2027-03-01", { limit: 51 }),
        ),
      );
      upkeepTimes.push(
        await time(() =>
          listCategoryUpkeep(db, { countyCode: COUNTY }, "2027-08-20", { limit: 51 }),
        ),
      );
    }

    const q = median(quotaTimes);
    const a = median(approvalTimes);
    console.log(
      [
        `households ${households}; ${COUNTY}: ${countyHouseholds.n} households, quota base ${quota.base}, limit ${quota.limit} at ${DEFAULT_SHARE_BASIS_POINTS / 100}%, used ${quota.used}`,
        `countyQuota (reference)            median ${q.toFixed(1)} ms over ${repeat}`,
        `approveCategoryApplication         median ${a.toFixed(1)} ms over ${ids.length} (${(a / q).toFixed(2)}× the quota read; ${(1000 / a).toFixed(0)} approvals/s in one county)`,
        `publicCategoryRecognitions page 50 median ${median(publicTimes).toFixed(1)} ms`,
        `categoryUpkeep page 50             median ${median(upkeepTimes).toFixed(1)} ms`,
      ].join("\n"),
    );

    if (values.plans) {
      for (const [label, query] of [
        [
          "quota base",
          sql`EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM typing_result t JOIN household h ON h.uscc = t.uscc
            WHERE t.run_id = ${RUN} AND h.county_code = ${COUNTY} AND t.type IN ('GROWTH','DEVELOPMENT')`,
        ],
        [
          "quota used",
          sql`EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM category_recognition r
            WHERE r.county_code = ${COUNTY} AND r.recognized_on <= ${TODAY} AND r.valid_until > '2027-01-01'
              AND (r.ended_on IS NULL OR r.ended_on > ${TODAY})`,
        ],
      ] as const) {
        const plan = await query.execute(db);
        console.log(
          `\n-- ${label}\n${plan.rows.map((r) => Object.values(r as object)[0]).join("\n")}`,
        );
      }
    }
  } finally {
    await handle.close();
  }
}

await main();
