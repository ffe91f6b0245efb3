// Grant run benchmark (docs/performance.md, "## Grants").
//
//   npx tsx bench/grants.ts [--households 1000000] [--engine postgres|pglite] [--rounds 2]
//                           [--regenerate] [--explain]
//
// Households come through the exchange contract (generateHouseholds → importHouseholds), are
// typed by a typing run, and 3% get a 名特优新 recognition; 25 AUTO policies are published
// (bench/_grants-fixture.ts). Each round empties the ledger and times runGrants — one INSERT …
// SELECT per version compiled from the rules, with its outbox CTE — then a repeat run (nothing
// new to grant), then the same for the reference: the 25 statements written by hand over the base
// tables, with the same columns, facts jsonb and events; before it, the same statements bare, as
// the target words its reference: the grants' rows only, without their facts or events. All run
// two statements at a time. The ledgers of ours and the reference must be equal. Last, the bare
// statements one at a time, each timed, as the target quotes them ("about 0.1 to 0.6 s each").
// PostgreSQL: BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/grants_bench (created when
// absent). PGlite: a data folder under /tmp.
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { type Kysely, sql } from "kysely";
import type { Database } from "../src/db/types.ts";
import { grantStatement } from "../src/grants/grant-statement.ts";
import { grantableVersion, runGrants } from "../src/grants/run-grants.ts";
import { validateRule } from "../src/matching/validate-rule.ts";
import { policiesInForce } from "../src/policies/policy-queries.ts";
import {
  BENCH_AS_OF,
  BENCH_POLICIES,
  HAND_FACTS,
  migrateBench,
  openGrantsBench,
  populateGrantsBench,
  publishBenchPolicies,
} from "./_grants-fixture.ts";
import { explainAnalyze } from "./_support.ts";

const { values } = parseArgs({
  options: {
    households: { type: "string", default: "1000000" },
    engine: { type: "string", default: "postgres" },
    rounds: { type: "string", default: "2" },
    regenerate: { type: "boolean", default: false },
    explain: { type: "boolean", default: false },
  },
});
const households = Number(values.households);
const rounds = Number(values.rounds);
const AS_OF = BENCH_AS_OF;
const CONCURRENCY = 2;

async function emptyLedger(db: Kysely<Database>): Promise<void> {
  await sql`TRUNCATE policy_grant, grant_event, grant_run`.execute(db);
  await sql`ANALYZE policy_grant`.execute(db);
}

/** The reference: one statement per policy written by hand over the base tables. */
function handWritten(
  version: { id: string; code: string },
  where: string,
  amountSql: string,
  facts: readonly string[],
  runId: string,
  bare: boolean,
) {
  const factsJson =
    bare || facts.length === 0
      ? "'{}'::jsonb"
      : `jsonb_build_object(${facts.map((f) => `'${f}', ${HAND_FACTS[f]}`).join(", ")})`;
  return sql`
    WITH granted AS (
      INSERT INTO policy_grant (uscc, policy_code, policy_version_id, period, period_start,
        period_end, as_of, amount, facts, county_code, type, category, run_id)
      SELECT h.uscc, ${version.code}, ${version.id}::uuid, '2025', date '2025-01-01',
        date '2025-12-31', date '2025-08-01', ${sql.raw(amountSql)}, ${sql.raw(factsJson)},
        h.county_code, f_type, f_category, ${runId}::uuid
      FROM household h
      LEFT JOIN household_year y ON y.uscc = h.uscc AND y.year = 2024
      LEFT JOIN typing_result r ON r.uscc = h.uscc AND r.run_id = (
        SELECT id FROM typing_run WHERE finished_at IS NOT NULL
        ORDER BY finished_at DESC, id DESC LIMIT 1)
      LEFT JOIN typing_correction c ON c.uscc = h.uscc AND c.facts_changed_at = h.facts_changed_at
      LEFT JOIN (
        SELECT DISTINCT ON (uscc) uscc, category FROM category_recognition
        WHERE valid_from <= date '2025-08-01' AND valid_until > date '2025-08-01'
          AND (ended_on IS NULL OR ended_on > date '2025-08-01')
        ORDER BY uscc, valid_from DESC, recognized_on DESC, id DESC) cr ON cr.uscc = h.uscc
      CROSS JOIN LATERAL (SELECT
        coalesce(c.type, r.type) AS f_type,
        coalesce(cr.category, 'NONE') AS f_category,
        (2025 - extract(year from h.registered_on)::int)
          - (h.registered_on + make_interval(years => 2025 - extract(year from h.registered_on)::int)
             > date '2025-08-01')::int AS f_years,
        EXISTS (SELECT 1 FROM household_penalty p WHERE p.uscc = h.uscc AND p.kind <> 'WARNING'
          AND p.decided_on <= date '2025-08-01'
          AND date '2025-08-01' < (p.decided_on + interval '2 years')::date
          AND (p.repaired_on IS NULL OR p.repaired_on > date '2025-08-01')) AS f_penalty,
        EXISTS (SELECT 1 FROM household_suspension s WHERE s.uscc = h.uscc
          AND s.from_on <= date '2025-08-01'
          AND (s.to_on IS NULL OR s.to_on >= date '2025-08-01')
          AND date '2025-08-01' < (s.from_on + interval '3 years')::date) AS f_suspended) f
      WHERE ${sql.raw(where)}
      ORDER BY h.uscc
      ON CONFLICT (policy_code, period, uscc) DO NOTHING
      RETURNING policy_code, period, uscc, county_code
    )${
      bare
        ? sql``
        : sql`, events AS (
      INSERT INTO grant_event (kind, policy_code, period, uscc, county_code)
      SELECT 'GRANTED', policy_code, period, uscc, county_code FROM granted
    )`
    }
    SELECT count(*)::int AS granted FROM granted`;
}

/** A grant run, timed: its milliseconds and how many it granted. */
interface Timed {
  ms: number;
  granted: number;
}

/** One reference statement, timed. */
interface Each {
  code: string;
  ms: number;
  granted: number;
}

/** A grant run of the service (runGrants), timed. */
async function runOurs(db: Kysely<Database>): Promise<Timed> {
  const started = performance.now();
  const run = await runGrants(db, {
    asOf: AS_OF,
    trigger: "MANUAL",
    actor: "bench",
    concurrency: CONCURRENCY,
  });
  return { ms: performance.now() - started, granted: run.granted };
}

interface ReferenceOptions {
  /**
   * Only the grants' rows, as the target words its reference (no facts kept, no outbox events), to
   * show what the ledger's facts and events cost.
   */
  bare?: boolean;
  /** Statements at a time (two, as the run goes, unless said). */
  concurrency?: number;
  /** Receives each statement, timed. */
  each?: Each[];
}

/** The 25 hand-written statements. */
async function runReference(
  db: Kysely<Database>,
  { bare = false, concurrency = CONCURRENCY, each = [] }: ReferenceOptions = {},
): Promise<Timed> {
  const versions = (await policiesInForce(db, AS_OF)).filter((v) => v.mode === "AUTO");
  const started = performance.now();
  const run = await db
    .insertInto("grant_run")
    .values({
      as_of: AS_OF,
      trigger: "MANUAL",
      created_by: "bench:reference",
      trigger_ref: null,
      county_code: null,
      finished_at: null,
      granted: null,
      counts: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const work = versions.map((version) => {
    const policy = BENCH_POLICIES.find((p) => p.code === version.code);
    if (!policy) throw new Error(`no hand-written statement for ${version.code}`);
    const facts = new Set<string>();
    const rule = validateRule(policy.rule);
    if (!rule.ok) throw new Error(`${policy.code}: invalid rule`);
    for (const f of rule.rule.facts) facts.add(f);
    if (policy.amount !== null && typeof policy.amount === "object") {
      const amount = validateRule(policy.amount, { expect: "number" });
      if (!amount.ok) throw new Error(`${policy.code}: invalid amount`);
      for (const f of amount.rule.facts) facts.add(f);
    }
    return handWritten(version, policy.where, policy.amountSql, [...facts].sort(), run.id, bare);
  });
  let granted = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < work.length) {
        const at = next++;
        const statement = work[at];
        if (!statement) break;
        const begun = performance.now();
        const { rows } = await statement.execute(db);
        const n = (rows[0] as { granted: number }).granted;
        each.push({ code: versions[at]?.code ?? "", ms: performance.now() - begun, granted: n });
        granted += n;
      }
    }),
  );
  return { ms: performance.now() - started, granted };
}

/** A first run into an empty ledger, then a repeat run over it (nothing new to grant). */
async function firstAndRepeat(
  db: Kysely<Database>,
  run: (db: Kysely<Database>) => Promise<Timed>,
): Promise<{ first: Timed; again: Timed }> {
  await emptyLedger(db);
  const first = await run(db);
  await sql`ANALYZE policy_grant`.execute(db);
  const again = await run(db);
  return { first, again };
}

/** The latest of a list of milliseconds, in seconds. */
function last(ms: number[]): string {
  return ((ms.at(-1) ?? Number.NaN) / 1000).toFixed(2);
}

/** The median of some figures: the mean of the two middles of an even count (2 rounds by default). */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function main() {
  const handle = await openGrantsBench(values.engine, households, CONCURRENCY + 1);
  const { db } = handle;
  await migrateBench(db);
  await populateGrantsBench(db, households, values.regenerate);
  await publishBenchPolicies(db);
  console.log(
    `grant runs: ${households} households, 25 AUTO policies (and 25 APPLY), ${handle.engine}`,
  );
  if (rounds === 0) {
    await handle.close();
    return;
  }

  if (values.explain) {
    await emptyLedger(db);
    const version = (await policiesInForce(db, AS_OF)).find((v) => v.mode === "AUTO");
    if (version) {
      const run = await runGrants(db, {
        asOf: AS_OF,
        trigger: "MANUAL",
        actor: "bench",
        versionIds: [],
      });
      const compiled = grantStatement(db, grantableVersion(version), {
        asOf: AS_OF,
        runId: run.runId,
      }).compile();
      const plan = await explainAnalyze(db, compiled);
      console.log(`EXPLAIN ANALYZE of ${version.code}:`);
      for (const line of plan.split("\n")) console.log(`  ${line}`);
    }
  }

  const ours: number[] = [];
  const oursRepeat: number[] = [];
  const reference: number[] = [];
  const referenceRepeat: number[] = [];
  const bare: number[] = [];
  let grantedOurs = 0;
  let grantedReference = 0;
  for (let round = 0; round < rounds; round++) {
    const { first, again } = await firstAndRepeat(db, runOurs);
    ours.push(first.ms);
    oursRepeat.push(again.ms);
    grantedOurs = first.granted;
    if (again.granted !== 0) throw new Error(`a repeat run granted ${again.granted}`);
    if (round === 0) {
      await sql`DROP TABLE IF EXISTS bench_ours`.execute(db);
      await sql`CREATE TABLE bench_ours AS SELECT policy_code, uscc, amount, facts, type, category
        FROM policy_grant`.execute(db);
    }

    // The bare statements before the reference, so that the reference's ledger and events are
    // the ones compared and counted below.
    const bareRun = await firstAndRepeat(db, (d) => runReference(d, { bare: true }));
    if (bareRun.first.granted !== grantedOurs) {
      throw new Error(`the bare statements granted ${bareRun.first.granted}`);
    }
    bare.push(bareRun.first.ms);
    const ref = await firstAndRepeat(db, runReference);
    reference.push(ref.first.ms);
    referenceRepeat.push(ref.again.ms);
    grantedReference = ref.first.granted;
    if (round === 0) {
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM (
          (SELECT policy_code, uscc, amount, facts, type, category FROM bench_ours
           EXCEPT SELECT policy_code, uscc, amount, facts, type, category FROM policy_grant)
          UNION ALL
          (SELECT policy_code, uscc, amount, facts, type, category FROM policy_grant
           EXCEPT SELECT policy_code, uscc, amount, facts, type, category FROM bench_ours)) d`.execute(
        db,
      );
      if ((rows[0]?.n ?? -1) !== 0) throw new Error(`the ledgers differ in ${rows[0]?.n} rows`);
      console.log("  ledgers of both are equal (policy, household, amount, facts, type, category)");
    }
    console.log(
      `  round ${round + 1}: first run ${last(ours)} s (reference ${last(reference)} s, bare ${last(bare)} s), repeat ${last(oursRepeat)} s (reference ${last(referenceRepeat)} s)`,
    );
  }
  const { rows: events } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM grant_event`.execute(db);
  console.log(
    [
      `households ${households}, grants ${grantedOurs} (reference ${grantedReference}), events ${events[0]?.n}`,
      `first run:  ${(median(ours) / 1000).toFixed(2)} s median  vs reference ${(median(reference) / 1000).toFixed(2)} s  ratio ${(median(ours) / median(reference)).toFixed(2)}`,
      `bare statements (grant rows only, no facts, no events): ${(median(bare) / 1000).toFixed(2)} s median  ratio ${(median(ours) / median(bare)).toFixed(2)}`,
      `repeat run: ${(median(oursRepeat) / 1000).toFixed(2)} s median  vs reference ${(median(referenceRepeat) / 1000).toFixed(2)} s  ratio ${(median(oursRepeat) / median(referenceRepeat)).toFixed(2)}`,
    ].join("\n"),
  );
  await sql`DROP TABLE IF EXISTS bench_ours`.execute(db);

  // The target gives the reference's statements as "about 0.1 to 0.6 s each": the bare ones,
  // one at a time into an empty ledger, show what each takes here and how much it grants.
  const each: Each[] = [];
  await emptyLedger(db);
  await runReference(db, { bare: true, concurrency: 1, each });
  each.sort((a, b) => a.ms - b.ms);
  const seconds = (ms: number | undefined) => ((ms ?? Number.NaN) / 1000).toFixed(2);
  const ms = each.map((e) => e.ms);
  console.log(
    `bare statements one at a time: ${seconds(ms[0])} to ${seconds(ms.at(-1))} s each (median ${seconds(median(ms))} s), ${seconds(ms.reduce((sum, m) => sum + m, 0))} s in all; the longest:`,
  );
  for (const e of each.slice(-5).reverse()) {
    console.log(`  ${e.code.padEnd(28)} ${seconds(e.ms)} s  ${e.granted} grants`);
  }
  await handle.close();
}

await main();
