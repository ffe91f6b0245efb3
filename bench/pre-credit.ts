// `npx tsx bench/pre-credit.ts [--households 1000000] [--runs 40] [--regenerate]`
//
// The first page (50) of pre-credit candidates for typical products over a generated register on
// PostgreSQL, through listCandidatesForBank (rate limit and access log included), against the
// reference of a hand-written indexed `SELECT … ORDER BY uscc LIMIT 50` of the same households.
// The data is made with generate_series in the bench's own database (BENCH_DATABASE_URL, default
// postgres://postgres@127.0.0.1:5432/pre_credit, created when absent).
import { parseArgs } from "node:util";
import type { Kysely } from "kysely";
import { sql } from "kysely";
import pg from "pg";
import { pino } from "pino";
import type { Principal } from "../src/auth/principal.ts";
import { setBankRateLimit } from "../src/banks/bank-rate-limits.ts";
import { validateCriteria } from "../src/banks/credit-criteria.ts";
import {
  publishCreditProductVersion,
  registerCreditProduct,
} from "../src/banks/credit-products.ts";
import { countListing, listCandidatesForBank } from "../src/banks/list-candidates-for-bank.ts";
import { candidatePage, matchingCandidates } from "../src/banks/pre-credit-candidates.ts";
import { todayInChina, yearOf } from "../src/dates.ts";
import { migrateToLatest } from "../src/db/migrate.ts";
import type { Database } from "../src/db/types.ts";
import { ZHENGZHOU_AREAS } from "../src/households/areas.ts";
import { createContext } from "../src/schema/context.ts";
import { createApolloServer } from "../src/server/create-server.ts";
import { benchDatabaseUrl, openBenchDatabase } from "./_support.ts";

const { values: options } = parseArgs({
  options: {
    households: { type: "string", default: "1000000" },
    runs: { type: "string", default: "40" },
    regenerate: { type: "boolean", default: false },
  },
});
const HOUSEHOLDS = Number(options.households);
const RUNS = Number(options.runs);
const PAGE = 50;
const BANK = "BENCHBANK";
const url = benchDatabaseUrl("pre_credit");

/** Typical products: the public one a bank starts with, and one on revenue (needs consent). */
const PRODUCTS = {
  // 成长型/发展型, two years or more, retail or catering (F, H): no consent needed.
  public: {
    and: [
      { in: [{ var: "type" }, ["GROWTH", "DEVELOPMENT"]] },
      { ">=": [{ var: "registeredYears" }, 2] },
      { in: [{ var: "industrySection" }, ["F", "H"]] },
    ],
  },
  // 成长型/发展型 with revenue of 300 000 元 or more last year: consenting households only.
  revenue: {
    and: [
      { in: [{ var: "type" }, ["GROWTH", "DEVELOPMENT"]] },
      { ">=": [{ var: "revenueLastYear" }, 300000] },
    ],
  },
  // A county's 名特优新 households (category is recognised for about 2 %).
  category: {
    and: [{ "==": [{ var: "countyCode" }, "410105"] }, { "!=": [{ var: "category" }, "NONE"] }],
  },
} as const;

/** Every county-level area of Zhengzhou, development zones included. */
const COUNTIES = ZHENGZHOU_AREAS.map((a) => a.code);
const INDUSTRIES = [
  "F5211",
  "F5212",
  "H6210",
  "H6220",
  "O8011",
  "E4910",
  "C1311",
  "I6510",
  "L7212",
  "R8810",
];

/** The register in SQL: households, last year's figures, a typing run, recognitions, consents. */
async function generate(db: Kysely<Database>, count: number, lastYear: number): Promise<void> {
  console.log(`generating ${count.toLocaleString()} households…`);
  const started = performance.now();
  await sql`TRUNCATE household, household_year, household_suspension, household_penalty,
    typing_run, typing_result, typing_correction, category_recognition, bank_consent,
    pre_credit_access, credit_product, credit_product_version, bank_rate_limit CASCADE`.execute(db);
  const counties = sql`${COUNTIES}::text[]`;
  const industries = sql`${INDUSTRIES}::text[]`;
  // USCC: 92 + county + MA + 7 digits + X (18 characters), in random order against the county.
  await sql`
    INSERT INTO household (uscc, name, proprietor_id_hash, county_code, industry_code,
      registered_on, status, annual_reports, abnormal_listed, record_hash)
    SELECT '92' || c || 'MA' || lpad(i::text, 7, '0') || 'X', '户' || i, md5(i::text), c,
      (${industries})[1 + (hashint4(i * 7) & 2147483647) % ${INDUSTRIES.length}],
      date '2000-01-01' + (hashint4(i * 11) & 2147483647) % 9300,
      CASE WHEN (hashint4(i * 13) & 2147483647) % 100 < 95 THEN 'ACTIVE' ELSE 'DEREGISTERED' END,
      ARRAY[${lastYear - 1}::smallint, ${lastYear}::smallint],
      (hashint4(i * 17) & 2147483647) % 100 < 3,
      md5(i::text)
    FROM generate_series(1, ${count}::int) AS i,
      LATERAL (SELECT (${counties})[1 + (hashint4(i) & 2147483647) % ${COUNTIES.length}] AS c) AS x`.execute(
    db,
  );
  await sql`
    INSERT INTO household_year (uscc, year, tax_paid, insured_employees, revenue)
    SELECT uscc, ${lastYear}::smallint,
      CASE WHEN n % 10 = 0 THEN NULL ELSE (n % 40000)::float8 END,
      CASE WHEN n % 10 = 1 THEN NULL ELSE 1 + n % 9 END,
      CASE WHEN n % 10 = 2 THEN NULL ELSE (n % 1000000)::float8 END
    FROM (SELECT uscc, hashint4(hashtext(uscc)) & 2147483647 AS n FROM household) AS h`.execute(db);
  const run = await db
    .insertInto("typing_run")
    .values({
      as_of: `${lastYear + 1}-08-01`,
      standard_version: "bench",
      kind: "YEARLY",
      started_at: new Date(),
      finished_at: new Date(),
      counts: null,
      created_by: "bench",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await sql`
    INSERT INTO typing_result (run_id, uscc, type, codes)
    SELECT ${run.id}::uuid, uscc,
      (ARRAY['SURVIVAL','GROWTH','GROWTH','DEVELOPMENT','NOT_CLASSIFIABLE'])[1 + (hashint4(hashtext(uscc) + 1) & 2147483647) % 5],
      '{}'
    FROM household`.execute(db);
  await sql`
    INSERT INTO category_recognition (uscc, category, recognized_on, valid_from, valid_until)
    SELECT uscc, (ARRAY['FAMOUS','DISTINCTIVE','QUALITY','EMERGING'])[1 + (hashint4(hashtext(uscc) + 2) & 2147483647) % 4],
      ${`${lastYear}-11-01`}::date, ${`${lastYear + 1}-01-01`}::date, ${`${lastYear + 4}-01-01`}::date
    FROM household WHERE (hashint4(hashtext(uscc) + 3) & 2147483647) % 100 < 2`.execute(db);
  // 5 % consent to the bench bank, 2 % to all banks, 2 % to another bank.
  await sql`
    INSERT INTO bank_consent (uscc, bank_code, granted_at, valid_until)
    SELECT uscc, CASE WHEN k < 5 THEN ${BANK} WHEN k < 7 THEN NULL ELSE 'OTHERBANK' END,
      now() - interval '1 day', ${`${lastYear + 2}-12-31`}::date
    FROM (SELECT uscc, (hashint4(hashtext(uscc) + 4) & 2147483647) % 100 AS k FROM household) AS h
    WHERE k < 9`.execute(db);
  await sql`VACUUM ANALYZE`.execute(db);
  console.log(`generated in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function time(label: string, runs: number, work: () => Promise<unknown>) {
  for (let i = 0; i < 3; i++) await work();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const result = { p50: percentile(times, 50), p95: percentile(times, 95) };
  console.log(
    `${label.padEnd(58)} p50 ${result.p50.toFixed(2).padStart(8)} ms   p95 ${result.p95.toFixed(2).padStart(8)} ms`,
  );
  return result;
}

/**
 * Server-side planning and execution time (EXPLAIN ANALYZE, TIMING OFF): what the database spends,
 * without the client, the network and the scheduler of a loaded machine.
 */
async function serverTime(
  label: string,
  runs: number,
  query: { sql: string; parameters: readonly unknown[] },
): Promise<{ planning: number; execution: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const planning: number[] = [];
  const execution: number[] = [];
  for (let i = 0; i < runs + 3; i++) {
    const result = await client.query(
      `EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) ${query.sql}`,
      query.parameters as unknown[],
    );
    const text = result.rows.map((row) => row["QUERY PLAN"]).join("\n");
    if (i < 3) continue;
    planning.push(Number(/Planning Time: ([\d.]+)/.exec(text)?.[1]));
    execution.push(Number(/Execution Time: ([\d.]+)/.exec(text)?.[1]));
  }
  await client.end();
  planning.sort((a, b) => a - b);
  execution.sort((a, b) => a - b);
  const result = { planning: percentile(planning, 50), execution: percentile(execution, 50) };
  console.log(
    `${label.padEnd(58)} server: planning ${result.planning.toFixed(2)} ms, execution ${result.execution.toFixed(2)} ms (p50)`,
  );
  return result;
}

/** EXPLAIN ANALYZE of a Kysely query, through the driver so that its parameters are bound. */
async function explain(
  label: string,
  query: { compile(): { sql: string; parameters: readonly unknown[] } },
): Promise<void> {
  const compiled = query.compile();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const result = await client.query(
    `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${compiled.sql}`,
    compiled.parameters as unknown[],
  );
  await client.end();
  console.log(`\n── EXPLAIN ANALYZE: ${label}`);
  for (const row of result.rows) console.log(row["QUERY PLAN"]);
}

async function main(): Promise<void> {
  const handle = await openBenchDatabase("pre_credit", { poolSize: 4 });
  const { db } = handle;
  await migrateToLatest(db);
  const now = new Date();
  const asOf = todayInChina(now);
  const lastYear = yearOf(asOf) - 1;
  const present = await db
    .selectFrom("household")
    .select(sql<number>`count(*)::int`.as("n"))
    .executeTakeFirstOrThrow();
  const figures = await db
    .selectFrom("household_year")
    .select(sql<number>`count(*)::int`.as("n"))
    .where("year", "=", lastYear)
    .executeTakeFirstOrThrow();
  if (options.regenerate || present.n !== HOUSEHOLDS || figures.n === 0) {
    await generate(db, HOUSEHOLDS, lastYear);
  }
  await sql`TRUNCATE pre_credit_access, credit_product, credit_product_version CASCADE`.execute(db);
  await setBankRateLimit(db, { actor: "bench", at: now }, BANK, 10_000);
  const by = { bankCode: BANK, actor: "bench", at: now };
  const ids: Record<string, string> = {};
  for (const [code, criteria] of Object.entries(PRODUCTS)) {
    const { product } = await registerCreditProduct(db, by, { code, name: code, criteria });
    await publishCreditProductVersion(db, by, product.id, 1);
    ids[code] = product.id;
  }

  console.log(
    `\n${HOUSEHOLDS.toLocaleString()} households, as of ${asOf}; first page of ${PAGE}; ${RUNS} runs each`,
  );
  // The reference: a hand-written indexed page of the same households as the public product.
  const reference = sql`
    SELECT h.uscc FROM household h
    JOIN typing_result r ON r.uscc = h.uscc
      AND r.run_id = (SELECT id FROM typing_run WHERE finished_at IS NOT NULL ORDER BY finished_at DESC, id DESC LIMIT 1)
    WHERE h.status = 'ACTIVE' AND r.type IN ('GROWTH', 'DEVELOPMENT')
      AND h.registered_on <= ${asOf}::date - interval '2 years'
      AND left(h.industry_code, 1) IN ('F', 'H')
    ORDER BY h.uscc LIMIT ${PAGE}`;
  const ref = await time("reference: hand-written SELECT … LIMIT 50", RUNS, () =>
    reference.execute(db),
  );
  const results: Record<string, { p50: number; p95: number }> = {};
  const publicQuery = { rule: validateCriteria(PRODUCTS.public), bankCode: BANK, asOf, now };
  results.publicSql = await time("page query alone (candidatePage), public product", RUNS, () =>
    candidatePage(db, publicQuery, { limit: PAGE + 1 }).execute(),
  );
  for (const code of Object.keys(PRODUCTS)) {
    const id = ids[code] as string;
    results[code] = await time(`listCandidatesForBank, ${code} product, first 50`, RUNS, () =>
      listCandidatesForBank(db, {
        bankCode: BANK,
        tokenId: "bench",
        productId: id,
        first: PAGE,
        now: new Date(),
      }),
    );
  }
  // The same listing through GraphQL (Apollo executeOperation, formatError, the resolvers).
  const apollo = createApolloServer({
    db,
    engine: handle.engine,
    logger: pino({ level: "silent" }),
    now: () => new Date(),
  });
  const principal: Principal = { role: "BANK", tokenId: "bench", bankCode: BANK };
  const graphqlDeps = {
    db,
    engine: handle.engine,
    logger: pino({ level: "silent" }),
    now: () => new Date(),
  };
  results.graphql = await time(
    "GraphQL preCreditCandidates(first: 50), public product",
    RUNS,
    async () => {
      const response = await apollo.executeOperation(
        {
          query: `query ($id: ID!) { preCreditCandidates(productId: $id, first: 50) {
          edges { node { uscc name type category countyCode registeredYears revenueLastYear } }
          pageInfo { hasNextPage endCursor } } }`,
          variables: { id: ids.public },
        },
        { contextValue: createContext(graphqlDeps, principal, "bench") },
      );
      if (response.body.kind !== "single" || response.body.singleResult.errors) {
        throw new Error(JSON.stringify(response.body));
      }
    },
  );
  const mid = await listCandidatesForBank(db, {
    bankCode: BANK,
    tokenId: "bench",
    productId: ids.public as string,
    first: PAGE,
    after: "92410105MA0500000X",
    now: new Date(),
  });
  results.publicLater = await time(
    "listCandidatesForBank, public product, a later page",
    RUNS,
    () =>
      listCandidatesForBank(db, {
        bankCode: BANK,
        tokenId: "bench",
        productId: ids.public as string,
        first: PAGE,
        after: mid.candidates.at(-1)?.uscc,
        now: new Date(),
      }),
  );
  for (const code of Object.keys(PRODUCTS)) {
    const listing = await listCandidatesForBank(db, {
      bankCode: BANK,
      tokenId: "bench",
      productId: ids[code] as string,
      first: PAGE,
      now: new Date(),
    });
    const total = await countListing(db, listing);
    results[`${code}Count`] = await time(
      `totalCount, ${code} product (${total.toLocaleString()} matches)`,
      Math.max(5, Math.floor(RUNS / 8)),
      () => countListing(db, listing),
    );
  }
  console.log("");
  await serverTime("reference", RUNS, reference.compile(db));
  for (const code of Object.keys(PRODUCTS) as (keyof typeof PRODUCTS)[]) {
    const query = { rule: validateCriteria(PRODUCTS[code]), bankCode: BANK, asOf, now };
    await serverTime(
      `page query, ${code} product`,
      RUNS,
      candidatePage(db, query, { limit: PAGE + 1 }).compile(),
    );
  }
  const listed = results.public?.p50 ?? Number.NaN;
  console.log(
    `\nratio, public product first page / reference (p50): ${listed.toFixed(2)} / ${ref.p50.toFixed(2)} ms = ${(listed / ref.p50).toFixed(1)}×`,
  );

  for (const code of ["public", "revenue", "category"] as const) {
    const query = {
      rule: validateCriteria(PRODUCTS[code]),
      bankCode: BANK,
      asOf,
      now,
    };
    await explain(`${code} product, first page`, candidatePage(db, query, { limit: PAGE + 1 }));
  }
  await explain(
    "public product, total count",
    matchingCandidates(db, {
      rule: validateCriteria(PRODUCTS.public),
      bankCode: BANK,
      asOf,
      now,
    }).select(sql<number>`count(*)::int`.as("n")),
  );
  await handle.close();
}

await main();
