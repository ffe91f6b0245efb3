import { type Expression, type Kysely, type RawBuilder, type SqlBool, sql } from "kysely";
import type { Database } from "../db/types.ts";
import { factsRelation } from "../matching/facts-relation.ts";
import { ruleToSql } from "../matching/rule-to-sql.ts";
import type { ValidRule } from "../matching/rule-types.ts";
import { NOT_CLASSIFIABLE, type TypingStandard } from "./typing-standard.ts";

/**
 * The typing standard in SQL: one row per household typed as of `asOf` with its `uscc`,
 * `county_code`, `type` and `codes`, exactly what decide-type.ts gives for the household's facts
 * (test/typing/typing-agreement.test.ts holds them to each other). A run inserts it whole with
 * one INSERT … SELECT; no household passes through JavaScript.
 *
 * Three levels, each fenced with OFFSET 0 so that PostgreSQL computes every fact and every
 * condition once per household rather than once per reference:
 *   f: the facts the standard reads, from factsRelation (unread facts and their joins drop out);
 *   c: each condition as a non-null boolean (unknown counts as not holding, 三(一)1);
 *   the result: the type and the codes, from the booleans.
 * Every code and threshold is a bound parameter.
 */
export function typingResultsQuery(
  db: Kysely<Database>,
  standard: TypingStandard,
  asOf: string,
  range?: { from: string | null; to: string | null },
) {
  const rules: ValidRule[] = [
    ...standard.base.conditions.map((c) => c.rule),
    ...standard.types.flatMap((t) => [
      ...(t.requires ? [t.requires.rule] : []),
      ...t.conditions.map((c) => c.rule),
    ]),
  ];
  const read = new Set<string>(["countyCode"]);
  for (const rule of rules) for (const fact of rule.facts) read.add(fact);

  read.add("registeredYears");
  let facts = db
    .selectFrom(factsRelation(db, asOf).as("f0"))
    .select("f0.uscc")
    .select([...read].map((fact) => sql.ref(`f0.${fact}`).as(fact)));
  if (range?.from) facts = facts.where("f0.uscc", ">=", range.from);
  if (range?.to) facts = facts.where("f0.uscc", "<", range.to);

  // c: b<i> for base condition i, t<j>_<k> for condition k of type j (its requirement included).
  const holds = (rule: ValidRule) => sql<boolean>`coalesce(${ruleToSql(rule, "f")}, false)`;
  const base = standard.base.conditions.map((c, i) => ({ code: c.code, column: `b${i}` }));
  const types = standard.types.map((t, j) => ({
    type: t.type,
    conditions: t.conditions.map((c, k) => ({ code: c.code, column: `t${j}_${k}` })),
  }));
  const columns: RawBuilder<unknown>[] = [
    ...standard.base.conditions.map((c, i) => holds(c.rule).as(`b${i}`) as never),
    ...standard.types.flatMap((t, j) =>
      t.conditions.map(
        (c, k) =>
          (t.requires
            ? sql<boolean>`(${holds(t.requires.rule)} AND ${holds(c.rule)})`
            : holds(c.rule)
          ).as(`t${j}_${k}`) as never,
      ),
    ),
  ];
  const conditions = db
    .selectFrom(facts.offset(0).as("f"))
    .select(["f.uscc", sql.ref("f.countyCode").as("county_code")])
    .select(columns as never)
    // Households registered after the date did not exist on it: they get no result. (Filtered
    // here, on the computed fact, so that its expression is evaluated once per household.)
    .where(sql.ref("f.registeredYears"), ">=", 0)
    .offset(0);

  const ref = (column: string) => sql.ref(`c.${column}`) as Expression<boolean>;
  const all = (column: string[]) => sql.join(column.map(ref), sql` AND `);
  const any = (column: string[]) => sql.join(column.map(ref), sql` OR `);
  const baseHolds = base.length > 0 ? sql<SqlBool>`(${all(base.map((b) => b.column))})` : sql`true`;
  const typeColumns = types.flatMap((t) => t.conditions.map((c) => c.column));
  const anyHeld = sql<SqlBool>`(${any(typeColumns)})`;
  const text = (value: string) => sql<string>`${value}::text`;

  const typeCase = sql<string>`CASE WHEN NOT ${baseHolds} THEN ${text(NOT_CLASSIFIABLE)} ${sql.join(
    types.map((t) => sql`WHEN (${any(t.conditions.map((c) => c.column))}) THEN ${text(t.type)}`),
    sql` `,
  )} ELSE ${text(NOT_CLASSIFIABLE)} END`;

  const codeList = (entries: { column: string; code: string }[], whenHeld: boolean) =>
    sql<string[]>`array_remove(ARRAY[${sql.join(
      entries.map((e) =>
        whenHeld
          ? sql`CASE WHEN ${ref(e.column)} THEN ${text(e.code)} END`
          : sql`CASE WHEN ${ref(e.column)} THEN NULL ELSE ${text(e.code)} END`,
      ),
    )}]::text[], NULL)`;
  const codesCase = sql<
    string[]
  >`CASE WHEN NOT ${baseHolds} THEN ${codeList(base, false)} WHEN ${anyHeld} THEN ${codeList(
    types.flatMap((t) => t.conditions),
    true,
  )} ELSE ARRAY[${text(standard.otherwise.code)}]::text[] END`;

  return db
    .selectFrom(conditions.as("c"))
    .select(["c.uscc", "c.county_code"])
    .select([typeCase.as("type"), codesCase.as("codes")])
    .$castTo<{ uscc: string; county_code: string; type: string; codes: string[] }>();
}
