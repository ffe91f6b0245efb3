import { type Kysely, sql } from "kysely";
import { beforeAll, beforeEach, expect, it } from "vitest";
import { compileRule } from "../../src/matching/compile-rule.ts";
import { FACTS } from "../../src/matching/fact-catalog.ts";
import { ruleOutcomeSql, ruleToSql, ruleValueToSql } from "../../src/matching/rule-to-sql.ts";
import type { FactValue, ValidRule } from "../../src/matching/rule-types.ts";
import { formatIssue, validateRule } from "../../src/matching/validate-rule.ts";
import { describeEachEngine } from "../support/databases.ts";

const v = (name: string) => ({ var: name });

function valid(rule: unknown, expect: "boolean" | "number" = "boolean"): ValidRule {
  const result = validateRule(rule, { expect });
  if (!result.ok) throw new Error(result.issues.map(formatIssue).join("\n"));
  return result.rule;
}

const FACTS_TABLE = "rule_sql_facts";
const RESULTS_TABLE = "rule_sql_results";

const SQL_TYPE = {
  number: "double precision",
  integer: "integer",
  string: "text",
  enum: "text",
  boolean: "boolean",
  stringList: "text[]",
} as const;

type Row = Record<string, FactValue>;
const empty: Row = Object.fromEntries(FACTS.map((f) => [f.name, null]));

/** Three households: one eligible for the growth rule below, one not, one with unknowns. */
const ROWS: Row[] = [
  {
    ...empty,
    type: "GROWTH",
    registeredYears: 7,
    revenueLastYear: 452000,
    taxPaidLastYear: 8000,
    insuredEmployeesLastYear: 4,
    abnormalListed: false,
    proprietorGroups: ["VETERAN"],
    industryCode: "5311",
    countyCode: "410102",
  },
  {
    ...empty,
    type: "SURVIVAL",
    registeredYears: 1,
    revenueLastYear: 90000,
    taxPaidLastYear: 0,
    insuredEmployeesLastYear: 1,
    abnormalListed: true,
    proprietorGroups: [],
    industryCode: "",
    countyCode: "410105",
  },
  {
    ...empty,
    type: "GROWTH",
    registeredYears: 3,
    revenueLastYear: null,
    taxPaidLastYear: null,
    insuredEmployeesLastYear: null,
    abnormalListed: false,
    proprietorGroups: null,
    countyCode: "410102",
  },
];

const GROWTH = {
  and: [
    { ">=": [v("registeredYears"), 2] },
    { "!": v("abnormalListed") },
    {
      or: [
        { "<=": [v("taxPaidLastYear"), 10000] },
        { "<=": [3, v("insuredEmployeesLastYear"), 5] },
        { "<=": [300000, v("revenueLastYear"), 600000] },
      ],
    },
  ],
};

describeEachEngine("ruleToSql", (getDb) => {
  let db: Kysely<any>;

  beforeAll(async () => {
    db = getDb().db;
    const columns = FACTS.map((f) => `"${f.name}" ${SQL_TYPE[f.type]}`).join(", ");
    await sql.raw(`CREATE TABLE ${FACTS_TABLE} (id integer PRIMARY KEY, ${columns})`).execute(db);
    await sql
      .raw(`CREATE TABLE ${RESULTS_TABLE} (id integer PRIMARY KEY, outcome text NOT NULL)`)
      .execute(db);
  });

  beforeEach(async () => {
    await sql.raw(`TRUNCATE ${FACTS_TABLE}, ${RESULTS_TABLE}`).execute(db);
    await db
      .insertInto(FACTS_TABLE)
      .values(ROWS.map((row, id) => ({ id, ...row })))
      .execute();
  });

  it("writes plain SQL with every literal a bound parameter", () => {
    const query = (rule: unknown) =>
      db
        .selectFrom(`${FACTS_TABLE} as f`)
        .select("id")
        .where(ruleToSql(valid(rule), "f"))
        .compile();
    const revenue = query({ ">=": [v("revenueLastYear"), 300000] });
    expect(revenue.sql).toBe(
      `select "id" from "${FACTS_TABLE}" as "f" where ("f"."revenueLastYear" >= $1)`,
    );
    expect(revenue.parameters).toEqual([300000]);

    const types = query({ in: [v("type"), ["GROWTH", "DEVELOPMENT"]] });
    expect(types.sql).toContain(`("f"."type" = ANY($1))`);
    expect(types.parameters).toEqual([["GROWTH", "DEVELOPMENT"]]);

    // A literal that is not beside a column gets its type spelled out.
    const constant = query({ "<": [{ "*": [v("registeredYears"), 2] }, 7] });
    expect(constant.sql).toContain(
      `((CAST("f"."registeredYears" AS double precision) * $1::double precision) < $2::double precision)`,
    );

    const hostile = "'; DROP TABLE households; --";
    const injected = query({ "==": [v("countyCode"), hostile] });
    expect(injected.sql).not.toContain("DROP");
    expect(injected.parameters).toEqual([hostile]);
  });

  it("selects the eligible in WHERE, the others with NOT and IS NULL", async () => {
    const rule = valid(GROWTH);
    const condition = ruleToSql(rule, "f");
    const ids = async (where: typeof condition) =>
      (
        await db.selectFrom(`${FACTS_TABLE} as f`).select("id").where(where).orderBy("id").execute()
      ).map((r) => r.id);
    expect(await ids(condition)).toEqual([0]);
    expect(await ids(sql<boolean>`NOT ${condition}`)).toEqual([1]);
    expect(await ids(sql<boolean>`${condition} IS NULL`)).toEqual([2]);
    const js = compileRule(rule);
    expect(ROWS.map((row) => js.decide(row).outcome)).toEqual([
      "ELIGIBLE",
      "INELIGIBLE",
      "UNDETERMINED",
    ]);
  });

  it("counts and writes outcomes with INSERT … SELECT", async () => {
    const rule = valid(GROWTH);
    const counted = await db
      .selectFrom(`${FACTS_TABLE} as f`)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where(ruleToSql(rule, "f"))
      .executeTakeFirstOrThrow();
    expect(Number(counted.n)).toBe(1);

    await db
      .insertInto(RESULTS_TABLE)
      .columns(["id", "outcome"])
      .expression(
        db
          .selectFrom(`${FACTS_TABLE} as f`)
          .select(["f.id", ruleOutcomeSql(rule, "f").as("outcome")]),
      )
      .execute();
    const written = await db.selectFrom(RESULTS_TABLE).selectAll().orderBy("id").execute();
    expect(written).toEqual([
      { id: 0, outcome: "ELIGIBLE" },
      { id: 1, outcome: "INELIGIBLE" },
      { id: 2, outcome: "UNDETERMINED" },
    ]);
  });

  it("computes amounts as double precision, NULL when unknown", async () => {
    const rule = valid(
      {
        if: [
          { ">=": [v("revenueLastYear"), 400000] },
          { min: [{ "*": [v("revenueLastYear"), 0.05] }, 20000] },
          { "/": [v("registeredYears"), 2] },
        ],
      },
      "number",
    );
    const rows = await db
      .selectFrom(`${FACTS_TABLE} as f`)
      .select(["id", ruleValueToSql(rule, "f").as("amount")])
      .orderBy("id")
      .execute();
    const js = compileRule(rule);
    expect(rows.map((r) => r.amount)).toEqual([20000, 0.5, null]);
    expect(ROWS.map((row) => js.value(row))).toEqual([20000, 0.5, null]);
  });

  it("goes through list facts and tests missing facts in SQL", async () => {
    const cases: [unknown, string[]][] = [
      [{ some: [v("proprietorGroups"), { "==": [v(""), "VETERAN"] }] }, ["E", "I", "U"]],
      [{ none: [v("proprietorGroups"), { "==": [v(""), "VETERAN"] }] }, ["I", "E", "U"]],
      [{ all: [v("proprietorGroups"), { in: [v(""), ["VETERAN", "GRADUATE"]] }] }, ["E", "I", "U"]],
      [{ in: ["VETERAN", v("proprietorGroups")] }, ["E", "I", "U"]],
      [{ "!": { missing: ["industryCode", "revenueLastYear"] } }, ["E", "I", "I"]],
      [{ "==": [v("industryCode"), null] }, ["I", "I", "E"]],
      [{ in: ["53", v("industryCode")] }, ["E", "I", "U"]],
    ];
    for (const [json, expected] of cases) {
      const rule = valid(json);
      const rows = await db
        .selectFrom(`${FACTS_TABLE} as f`)
        .select(["id", ruleOutcomeSql(rule, "f").as("outcome")])
        .orderBy("id")
        .execute();
      const js = compileRule(rule);
      const short = (o: string) => o[0];
      expect(
        rows.map((r) => short(r.outcome)),
        JSON.stringify(json),
      ).toEqual(expected);
      expect(ROWS.map((row) => short(js.decide(row).outcome))).toEqual(expected);
    }
  });

  it("keeps conditions on indexed columns usable by an index", async () => {
    await sql
      .raw(
        `CREATE INDEX IF NOT EXISTS ${FACTS_TABLE}_revenue ON ${FACTS_TABLE} ("revenueLastYear")`,
      )
      .execute(db);
    await sql
      .raw(
        `CREATE INDEX IF NOT EXISTS ${FACTS_TABLE}_employees ON ${FACTS_TABLE} ("insuredEmployeesLastYear")`,
      )
      .execute(db);
    await sql
      .raw(`CREATE INDEX IF NOT EXISTS ${FACTS_TABLE}_type ON ${FACTS_TABLE} ("type")`)
      .execute(db);
    const plan = async (rule: unknown) => {
      // Only the plan's shape is looked at: with sequential scans off, an index is used when
      // the condition can use one at all.
      return db.transaction().execute(async (trx) => {
        await sql`SET LOCAL enable_seqscan = off`.execute(trx);
        const rows = await trx
          .selectFrom(`${FACTS_TABLE} as f`)
          .select("id")
          .where(ruleToSql(valid(rule), "f"))
          .explain();
        return rows.map((r) => Object.values(r)[0]).join("\n");
      });
    };
    expect(await plan({ ">=": [v("revenueLastYear"), 300000] })).toMatch(/Index|Bitmap/);
    expect(await plan({ "<=": [3, v("insuredEmployeesLastYear"), 5] })).toMatch(/Index|Bitmap/);
    expect(await plan({ in: [v("type"), ["GROWTH", "DEVELOPMENT"]] })).toMatch(/Index|Bitmap/);
  });

  it("refuses untyped rules, which have no columns to read", () => {
    const result = validateRule({ "<": [v("temp"), 110] }, { anyFacts: true });
    if (!result.ok) throw new Error("valid in untyped mode");
    expect(() => ruleToSql(result.rule)).toThrow(/anyFacts/);
  });
});
