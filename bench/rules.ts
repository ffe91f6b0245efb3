// Rule engine benchmark (docs/performance.md, "## Rule engine").
//
//   npx tsx bench/rules.ts [--rounds 7] [--iterations 20000]
//                          [--sql] [--rows 1000000] [--engine postgres|pglite]
//
// Part 1 (always): deciding 50 policies for one household with the compiled closures against
// json-logic-js `apply` on the same rules and facts, side by side and interleaved in one run;
// then the same 50 with explanations. Prints the median time per 50 and the ratio.
//
// Part 2 (--sql): the 50 policies compiled to SQL over a table of N random households (one
// column per fact), each counted per outcome in one scan; with EXPLAIN ANALYZE of one rule.
// PostgreSQL: BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/rules_bench (created
// when absent).
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import jsonLogic from "json-logic-js";
import { type Kysely, sql } from "kysely";
import { openDatabase } from "../src/db/database.ts";
import { compileRule } from "../src/matching/compile-rule.ts";
import { FACTS } from "../src/matching/fact-catalog.ts";
import { ruleOutcomeSql, ruleToSql } from "../src/matching/rule-to-sql.ts";
import type { Facts, ValidRule } from "../src/matching/rule-types.ts";
import { formatIssue, validateRule } from "../src/matching/validate-rule.ts";
import { openBenchDatabase } from "./_support.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "7" },
    iterations: { type: "string", default: "20000" },
    sql: { type: "boolean", default: false },
    rows: { type: "string", default: "1000000" },
    engine: { type: "string", default: "postgres" },
  },
});
const rounds = Number(values.rounds);
const iterations = Number(values.iterations);

const v = (name: string) => ({ var: name });

/** 三(一)1 基础标准: 登记在册, 上年度年报 (or new this year), none of A–D. */
const BASE = {
  and: [
    { "==": [v("status"), "ACTIVE"] },
    { or: [v("annualReportFiledLastYear"), v("registeredThisYear")] },
    { "!": v("abnormalListed") },
    { "!": v("seriousViolationListed") },
    { "!": v("taxAbnormal") },
    { or: [{ "!": v("suspended") }, v("seasonal")] },
  ],
};

/**
 * 50 policies shaped like the seed's: the typing criteria (三(一)1), 名特优新 conditions
 * (三(二)1), and department policies with thresholds on revenue, tax, employees and years,
 * county and industry filters, relaxed groups, amounts chosen by type.
 */
function policies(): unknown[] {
  const rules: unknown[] = [];
  for (let i = 0; i < 10; i++) {
    // 三(一)1 成长型 A–D and 发展型 A–D, with thresholds shifted per policy.
    rules.push({
      and: [
        BASE,
        { ">=": [v("registeredYears"), 2] },
        {
          or: [
            { "<=": [v("taxPaidLastYear"), 10000 + i * 1000] },
            { "<=": [3, v("insuredEmployeesLastYear"), 5] },
            {
              and: [
                { ">=": [v("revenueLastYear"), 300000] },
                { "<": [v("revenueLastYear"), 600000 + i * 10000] },
              ],
            },
            { "<=": [6, v("registeredYears"), 9] },
          ],
        },
      ],
    });
  }
  for (let i = 0; i < 10; i++) {
    rules.push({
      and: [
        { in: [v("type"), ["GROWTH", "DEVELOPMENT"]] },
        // 三(二)1 A, B: no unrepaired penalty, proprietor not a dishonest debtor.
        { "!": v("hasActivePenalty") },
        { "!": v("proprietorDishonestDebtor") },
        {
          or: [
            { in: [v("category"), ["FAMOUS", "DISTINCTIVE", "QUALITY", "EMERGING"]] },
            { some: [v("proprietorGroups"), { in: [v(""), ["VETERAN", "GRADUATE", "DISABLED"]] }] },
          ],
        },
        { ">=": [v("revenueLastYear"), 100000 * (i + 1)] },
      ],
    });
  }
  const counties = ["410102", "410103", "410104", "410105", "410122", "410181"];
  for (let i = 0; i < 10; i++) {
    rules.push({
      and: [
        { in: [v("countyCode"), counties.slice(0, 1 + (i % counties.length))] },
        { in: ["53", v("industryCode")] },
        { "!": { missing: ["industryCode", "revenueLastYear"] } },
        { ">": [{ "/": [v("taxPaidLastYear"), v("revenueLastYear")] }, 0.005 + i * 0.001] },
      ],
    });
  }
  for (let i = 0; i < 10; i++) {
    rules.push({
      if: [
        { "==": [v("type"), "DEVELOPMENT"] },
        { ">=": [v("insuredEmployeesLastYear"), 5 + i] },
        { "==": [v("type"), "GROWTH"] },
        { ">=": [v("insuredEmployeesLastYear"), 3 + (i % 3)] },
        { and: [{ "==": [v("type"), "SURVIVAL"] }, v("registeredThisYear")] },
      ],
    });
  }
  for (let i = 0; i < 10; i++) {
    rules.push({
      and: [
        { "!=": [v("type"), "NOT_CLASSIFIABLE"] },
        { in: ["VETERAN", v("proprietorGroups")] },
        { "<": [v("registeredYears"), 3 + i] },
        {
          ">=": [
            {
              min: [{ "*": [v("revenueLastYear"), 0.05] }, { "+": [v("taxPaidLastYear"), 20000] }],
            },
            15000 + i * 500,
          ],
        },
      ],
    });
  }
  return rules;
}

const household: Facts = {
  type: "GROWTH",
  category: "DISTINCTIVE",
  countyCode: "410105",
  industryCode: "5311",
  industrySection: "F",
  registeredYears: 7,
  taxPaidLastYear: 8600,
  insuredEmployeesLastYear: 4,
  revenueLastYear: 452000,
  status: "ACTIVE",
  annualReportFiledLastYear: true,
  registeredThisYear: false,
  proprietorGroups: ["VETERAN"],
  abnormalListed: false,
  seriousViolationListed: false,
  taxAbnormal: false,
  suspended: false,
  seasonal: false,
  hasActivePenalty: false,
  proprietorDishonestDebtor: false,
};

function validAll(rules: unknown[]): ValidRule[] {
  return rules.map((rule, i) => {
    const result = validateRule(rule);
    if (!result.ok) throw new Error(`policy ${i}: ${result.issues.map(formatIssue).join("; ")}`);
    return result.rule;
  });
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/**
 * Microseconds per call of `run` (one call = the 50 policies), over `n` calls: the process's
 * CPU time (user + system), which a busy shared machine disturbs less than the wall clock.
 */
function time(n: number, run: () => unknown): number {
  let sink = 0;
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) if (run()) sink++;
  const used = process.cpuUsage(start);
  if (sink < 0) console.log(sink);
  return (used.user + used.system) / n;
}

function part1() {
  const rules = policies();
  const start = performance.now();
  const valid = validAll(rules);
  const compiled = valid.map(compileRule);
  const compileMs = performance.now() - start;

  // Both sides must give the same outcomes before they are timed.
  const reference = rules.map((rule) =>
    jsonLogic.truthy(jsonLogic.apply(rule as jsonLogic.RulesLogic, household)),
  );
  const ours = compiled.map((rule) => rule.decide(household).outcome === "ELIGIBLE");
  if (reference.some((r, i) => r !== ours[i])) throw new Error("outcomes differ");
  const eligible = ours.filter(Boolean).length;

  const withJsonLogic = () => {
    let n = 0;
    for (const rule of rules)
      if (jsonLogic.truthy(jsonLogic.apply(rule as jsonLogic.RulesLogic, household))) n++;
    return n;
  };
  const withDecide = () => {
    let n = 0;
    for (const rule of compiled) if (rule.decide(household).outcome === "ELIGIBLE") n++;
    return n;
  };
  const withExplain = () => {
    let n = 0;
    for (const rule of compiled) n += rule.explain(household).conditions.length;
    return n;
  };
  // Warm-up, then interleaved rounds so that both sides see the same machine.
  time(iterations / 4, withJsonLogic);
  time(iterations / 4, withDecide);
  time(iterations / 10, withExplain);
  const a: number[] = [];
  const b: number[] = [];
  const c: number[] = [];
  for (let r = 0; r < rounds; r++) {
    a.push(time(iterations, withJsonLogic));
    b.push(time(iterations, withDecide));
    c.push(time(iterations / 4, withExplain));
  }
  const reference50 = median(a);
  const decide50 = median(b);
  const explain50 = median(c);
  const conditions = withExplain();
  console.log(
    `50 policies (${eligible} eligible, ${conditions} conditions explained); validate + compile: ${compileMs.toFixed(1)} ms`,
  );
  console.log(
    `json-logic-js apply : ${reference50.toFixed(2)} µs CPU per 50 (median of ${rounds})`,
  );
  console.log(
    `decide              : ${decide50.toFixed(2)} µs CPU per 50 → ${(reference50 / decide50).toFixed(1)}× faster`,
  );
  console.log(
    `explain             : ${explain50.toFixed(2)} µs CPU per 50 (${(explain50 / 1000).toFixed(3)} ms)`,
  );
  console.log(`rounds (µs): json-logic ${a.map((x) => x.toFixed(1)).join(" ")}`);
  console.log(`             decide     ${b.map((x) => x.toFixed(1)).join(" ")}`);
  console.log(`             explain    ${c.map((x) => x.toFixed(1)).join(" ")}`);
  return valid;
}

const SQL_TYPE = {
  number: "double precision",
  integer: "integer",
  string: "text",
  enum: "text",
  boolean: "boolean",
  stringList: "text[]",
} as const;

async function openBench() {
  if (values.engine === "pglite") return openDatabase({ dataDir: "/tmp/zhixiang-bench-rules" });
  return openBenchDatabase("rules_bench");
}

/** rnd(k): a deterministic pseudo-random number in [0, 1) for row i and stream k. */
const rnd = (k: number) =>
  `((hashint8(i::bigint * 131 + ${k}) & 2147483647)::double precision / 2147483648.0)`;

async function part2(valid: ValidRule[]) {
  const rows = Number(values.rows);
  const handle = await openBench();
  const db = handle.db as unknown as Kysely<any>;
  const existing = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'rule_bench_facts'`.execute(db);
  const count = existing.rows[0]?.n
    ? (await sql<{ n: number }>`SELECT count(*)::int AS n FROM rule_bench_facts`.execute(db))
        .rows[0]?.n
    : 0;
  if (count !== rows) {
    console.log(`generating ${rows} households …`);
    await sql`DROP TABLE IF EXISTS rule_bench_facts`.execute(db);
    const columns = FACTS.map((f) => `"${f.name}" ${SQL_TYPE[f.type]}`).join(", ");
    await sql.raw(`CREATE TABLE rule_bench_facts (id integer PRIMARY KEY, ${columns})`).execute(db);
    const pickOf = (list: readonly string[], k: number) =>
      `(ARRAY[${list.map((x) => `'${x}'`).join(",")}])[1 + floor(${rnd(k)} * ${list.length})::int]`;
    const unknown = (k: number, expression: string) =>
      `CASE WHEN ${rnd(k)} < 0.1 THEN NULL ELSE ${expression} END`;
    const exprs: Record<string, string> = {
      type: pickOf(["SURVIVAL", "GROWTH", "GROWTH", "DEVELOPMENT", "NOT_CLASSIFIABLE"], 1),
      category: pickOf(["NONE", "NONE", "NONE", "FAMOUS", "DISTINCTIVE", "QUALITY", "EMERGING"], 2),
      countyCode: pickOf(["410102", "410103", "410104", "410105", "410122", "410181"], 3),
      industryCode: unknown(4, pickOf(["5311", "5211", "6210", "5331", "7211"], 5)),
      industrySection: pickOf(["F", "H", "I", "C"], 6),
      registeredYears: `floor(${rnd(7)} * 25)::int`,
      taxPaidLastYear: unknown(8, `round((${rnd(9)} * 40000)::numeric, 2)::double precision`),
      insuredEmployeesLastYear: unknown(10, `floor(${rnd(11)} * 9)::int`),
      revenueLastYear: unknown(12, `round((${rnd(13)} * 1500000)::numeric, 2)::double precision`),
      status: `CASE WHEN ${rnd(14)} < 0.95 THEN 'ACTIVE' ELSE 'REVOKED' END`,
      annualReportFiledLastYear: `${rnd(15)} < 0.9`,
      registeredThisYear: `${rnd(16)} < 0.05`,
      proprietorGroups: `CASE WHEN ${rnd(17)} < 0.1 THEN ARRAY['VETERAN'] WHEN ${rnd(17)} < 0.15 THEN ARRAY['GRADUATE','DISABLED'] ELSE ARRAY[]::text[] END`,
      abnormalListed: `${rnd(18)} < 0.03`,
      seriousViolationListed: `${rnd(19)} < 0.01`,
      taxAbnormal: `${rnd(20)} < 0.02`,
      suspended: `${rnd(21)} < 0.02`,
      seasonal: `${rnd(22)} < 0.05`,
      hasActivePenalty: `${rnd(23)} < 0.01`,
      proprietorDishonestDebtor: `${rnd(24)} < 0.01`,
    };
    const names = FACTS.map((f) => `"${f.name}"`).join(", ");
    const selects = FACTS.map((f) => exprs[f.name] ?? "NULL").join(", ");
    await sql
      .raw(
        `INSERT INTO rule_bench_facts (id, ${names}) SELECT i, ${selects} FROM generate_series(1, ${rows}) AS i`,
      )
      .execute(db);
    await sql`ANALYZE rule_bench_facts`.execute(db);
  }

  // One scan per policy: the three outcome counts together.
  const times: number[] = [];
  let total = 0;
  for (const rule of valid) {
    const start = performance.now();
    const result = await db
      .selectFrom("rule_bench_facts as f")
      .select(ruleOutcomeSql(rule, "f").as("outcome"))
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .groupBy("outcome")
      .execute();
    times.push(performance.now() - start);
    total += result.length;
  }
  const scan = median(times);
  console.log(
    `${values.engine}: ${rows} households, outcome counts per policy: median ${scan.toFixed(0)} ms (${(((rows / scan) * 1000) / 1e6).toFixed(1)} M rows/s), all 50 in ${(times.reduce((x, y) => x + y, 0) / 1000).toFixed(1)} s`,
  );

  // Reference: the same counts with hand-written WHERE clauses, alternated with the compiled
  // ones; the compiled SQL should cost what a person would write.
  const handWritten: [number, string][] = [
    [
      0,
      `status = 'ACTIVE' AND ("annualReportFiledLastYear" OR "registeredThisYear")
       AND NOT "abnormalListed" AND NOT "seriousViolationListed" AND NOT "taxAbnormal"
       AND (NOT suspended OR seasonal) AND "registeredYears" >= 2
       AND ("taxPaidLastYear" <= 10000 OR "insuredEmployeesLastYear" BETWEEN 3 AND 5
            OR ("revenueLastYear" >= 300000 AND "revenueLastYear" < 600000)
            OR "registeredYears" BETWEEN 6 AND 9)`,
    ],
    [
      10,
      `type IN ('GROWTH', 'DEVELOPMENT') AND NOT "hasActivePenalty" AND NOT "proprietorDishonestDebtor"
       AND (category IN ('FAMOUS', 'DISTINCTIVE', 'QUALITY', 'EMERGING')
            OR "proprietorGroups" && ARRAY['VETERAN', 'GRADUATE', 'DISABLED'])
       AND "revenueLastYear" >= 100000`,
    ],
  ];
  for (const [index, where] of handWritten) {
    const rule = valid[index] as ValidRule;
    const compiledTimes: number[] = [];
    const handTimes: number[] = [];
    let counts: number[] = [];
    for (let r = 0; r < 3; r++) {
      let start = performance.now();
      const a = await db
        .selectFrom("rule_bench_facts as f")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where(ruleToSql(rule, "f"))
        .executeTakeFirstOrThrow();
      compiledTimes.push(performance.now() - start);
      start = performance.now();
      const b = await sql<{
        n: number;
      }>`SELECT count(*) AS n FROM rule_bench_facts WHERE ${sql.raw(where)}`.execute(db);
      handTimes.push(performance.now() - start);
      counts = [Number(a.n), Number(b.rows[0]?.n)];
    }
    if (counts[0] !== counts[1]) throw new Error(`policy ${index}: counts differ ${counts}`);
    console.log(
      `count(*) WHERE policy ${index} (${counts[0]} rows): compiled ${median(compiledTimes).toFixed(0)} ms, hand-written ${median(handTimes).toFixed(0)} ms`,
    );
  }
  const text = await db
    .selectFrom("rule_bench_facts as f")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where(ruleToSql(valid[10] as ValidRule, "f"))
    .explain("text", sql`ANALYZE`);
  console.log(text.map((r) => Object.values(r)[0]).join("\n"));
  if (total < 0) console.log(total);
  await handle.close();
}

const valid = part1();
if (values.sql) await part2(valid);
