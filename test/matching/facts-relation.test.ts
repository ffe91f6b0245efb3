import { sql } from "kysely";
import { beforeEach, expect, it } from "vitest";
import { FACTS } from "../../src/matching/fact-catalog.ts";
import { factsRelation, SQL_TYPE_OF_FACT_TYPE } from "../../src/matching/facts-relation.ts";
import { loadFacts, loadSnapshots } from "../../src/matching/household-facts.ts";
import { lookupTyping } from "../../src/typing/lookup-typing.ts";
import { currentTypingOf, currentTypingRun } from "../../src/typing/typing-queries.ts";
import { describeEachEngine } from "../support/databases.ts";
import { insertHouseholdRecords, insertTypingState } from "../support/household-arbitraries.ts";
import { caseUscc, FACTS_CASES } from "./facts-boundary-cases.ts";

const RUN_OLD = "00000000-0000-4000-8000-000000000001";
const RUN_NEW = "00000000-0000-4000-8000-000000000002";
const RUN_UNFINISHED = "00000000-0000-4000-8000-000000000003";
const OBJECTION = "00000000-0000-4000-8000-0000000000aa";

describeEachEngine("factsRelation and loadFacts", (getDb) => {
  beforeEach(() => getDb().reset());

  it("agree with every boundary example", async () => {
    const { db } = getDb();
    await insertHouseholdRecords(
      db,
      FACTS_CASES.map((c) => c.record),
    );
    for (const { name, record, asOf, expected } of FACTS_CASES) {
      const row = await db
        .selectFrom(factsRelation(db, asOf).as("f"))
        .selectAll()
        .where("f.uscc", "=", record.uscc)
        .executeTakeFirstOrThrow();
      expect(row, name).toMatchObject(expected);
      const loaded = await loadFacts(db, [record.uscc], asOf);
      expect(loaded.get(record.uscc), name).toMatchObject(expected);
    }
  });

  it("types each column as its fact's type and names it as the fact", async () => {
    const { db } = getDb();
    await insertHouseholdRecords(
      db,
      [FACTS_CASES[0]?.record].filter((r) => r !== undefined),
    );
    const typeColumns = FACTS.map((f) => sql`pg_typeof(f.${sql.ref(f.name)})::text`.as(f.name));
    const types = await db
      .selectFrom(factsRelation(db, "2025-08-01").as("f"))
      .select(typeColumns)
      .executeTakeFirstOrThrow();
    expect(types).toEqual(
      Object.fromEntries(FACTS.map((f) => [f.name, SQL_TYPE_OF_FACT_TYPE[f.type]])),
    );
    const row = await db
      .selectFrom(factsRelation(db, "2025-08-01").as("f"))
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(Object.keys(row).sort()).toEqual(["uscc", ...FACTS.map((f) => f.name)].sort());
  });

  it("filters as a subquery, every value bound as a parameter", async () => {
    const { db } = getDb();
    await insertHouseholdRecords(
      db,
      FACTS_CASES.map((c) => c.record),
    );
    const query = db
      .selectFrom(factsRelation(db, "2022-03-01").as("f"))
      .select("f.uscc")
      .where("f.suspended", "=", true)
      .where("f.registeredYears", ">=", 2)
      .orderBy("f.uscc");
    const compiled = query.compile();
    expect(compiled.sql).not.toMatch(/'\d{4}-\d{2}-\d{2}'|'WARNING'|'NONE'/);
    expect(compiled.parameters).toContain("2022-03-01");
    const expected = FACTS_CASES.filter(
      (c) =>
        (c.record.suspensions ?? []).some((s) => s.from === "2022-03-01") ||
        (c.record.suspensions ?? []).some((s) => s.from === "2021-01-01"),
    ).map((c) => c.record.uscc);
    expect((await query.execute()).map((r) => r.uscc)).toEqual(expected.sort());
  });

  it("computes only the facts the outer query reads", async () => {
    const { db } = getDb();
    const base = () => db.selectFrom(factsRelation(db, "2025-08-01").as("f")).select("f.uscc");
    const explain = async (query: ReturnType<typeof base>) => {
      const compiled = query.compile();
      const result = await db.executeQuery<{ "QUERY PLAN": string }>({
        ...compiled,
        sql: `EXPLAIN ${compiled.sql}`,
      });
      return result.rows.map((r) => r["QUERY PLAN"]).join("\n");
    };
    const county = await explain(base().where("f.countyCode", "=", "410103"));
    expect(county).toMatch(/household/);
    // The current run's InitPlan may stay in the plan: nothing reads it, so it never runs.
    expect(county).not.toMatch(
      /household_year|household_suspension|household_penalty|typing_result|typing_correction|category_recognition/,
    );
    const penalised = await explain(base().where("f.hasActivePenalty", "=", true));
    expect(penalised).toMatch(/household_penalty/);
    expect(penalised).not.toMatch(/household_suspension|typing_result|category_recognition/);
    // Household is read for its USCC alone, so an index can answer: no column that only a removed
    // join read (the correction's facts_changed_at) is carried along. Sequential and bitmap
    // scans are switched off to see the plan that the planner picks over a large table.
    await insertHouseholdRecords(
      db,
      FACTS_CASES.map((c) => c.record),
    );
    await sql`VACUUM ANALYZE household`.execute(db);
    const indexOnly = await db.transaction().execute(async (trx) => {
      await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      await sql`SET LOCAL enable_bitmapscan = off`.execute(trx);
      const compiled = base().where("f.hasActivePenalty", "=", true).compile();
      const result = await trx.executeQuery<{ "QUERY PLAN": string }>({
        ...compiled,
        sql: `EXPLAIN ${compiled.sql}`,
      });
      return result.rows.map((r) => r["QUERY PLAN"]).join("\n");
    });
    expect(indexOnly).toMatch(/Index Only Scan using \w+ on household h\b/);
    const typed = await explain(base().where("f.type", "=", "GROWTH"));
    expect(typed).toMatch(/typing_result/);
    expect(typed).toMatch(/typing_run/);
    expect(typed).not.toMatch(/household_penalty|household_suspension|category_recognition/);
  });

  // 三(一)2: the current run's result; an accepted objection's correction while the facts are
  // unchanged (timestamps compared to the microsecond, whatever the zone they are written in).
  it("takes the type from the current run or the correction in force", async () => {
    const { db } = getDb();
    const [a, b, c, d, e] = [1, 2, 3, 4, 5].map((n) => ({
      ...(FACTS_CASES[0]?.record ?? ({} as never)),
      uscc: caseUscc(100 + n),
    }));
    if (!a || !b || !c || !d || !e) throw new Error("no households");
    const changed = "2025-03-01 00:00:00.000001+00";
    await insertHouseholdRecords(db, [a, b, c, d, e], {
      [a.uscc]: changed,
      [b.uscc]: changed,
      [c.uscc]: changed,
      [d.uscc]: changed,
      [e.uscc]: changed,
    });
    await insertTypingState(db, {
      factsChangedAt: {},
      runs: [
        { id: RUN_OLD, asOf: "2024-08-01", finishedAt: "2024-08-02 00:00:00+00" },
        { id: RUN_NEW, asOf: "2025-08-01", finishedAt: "2025-08-02 00:00:00+00" },
        { id: RUN_UNFINISHED, asOf: "2025-09-01", finishedAt: null },
      ],
      results: [
        { runId: RUN_OLD, uscc: a.uscc, type: "SURVIVAL", codes: [] },
        { runId: RUN_NEW, uscc: a.uscc, type: "GROWTH", codes: ["GROWTH_D"] },
        { runId: RUN_UNFINISHED, uscc: a.uscc, type: "DEVELOPMENT", codes: [] },
        // Only in the old run: not typed by the current one.
        { runId: RUN_OLD, uscc: b.uscc, type: "GROWTH", codes: [] },
        { runId: RUN_NEW, uscc: c.uscc, type: "SURVIVAL", codes: [] },
        { runId: RUN_NEW, uscc: d.uscc, type: "SURVIVAL", codes: [] },
      ],
      corrections: [
        // The same instant written in UTC+8: in force.
        {
          uscc: c.uscc,
          type: "GROWTH",
          factsChangedAt: "2025-03-01 08:00:00.000001+08",
          objectionId: OBJECTION,
        },
        // One microsecond apart: the facts changed since, no longer in force.
        {
          uscc: d.uscc,
          type: "GROWTH",
          factsChangedAt: "2025-03-01 00:00:00.000002+00",
          objectionId: OBJECTION,
        },
        // In force, with no result in the current run.
        { uscc: e.uscc, type: "DEVELOPMENT", factsChangedAt: changed, objectionId: OBJECTION },
      ],
      recognitions: [],
    });
    const expected = {
      [a.uscc]: "GROWTH",
      [b.uscc]: null,
      [c.uscc]: "GROWTH",
      [d.uscc]: "SURVIVAL",
      [e.uscc]: "DEVELOPMENT",
    };
    const rows = await db
      .selectFrom(factsRelation(db, "2025-08-01").as("f"))
      .select(["f.uscc", "f.type"])
      .execute();
    expect(Object.fromEntries(rows.map((r) => [r.uscc, r.type]))).toEqual(expected);
    const loaded = await loadFacts(db, Object.keys(expected), "2025-08-01");
    expect(Object.fromEntries([...loaded].map(([uscc, f]) => [uscc, f.type]))).toEqual(expected);

    const snapshots = await loadSnapshots(db, [a.uscc, c.uscc]);
    expect(snapshots.get(a.uscc)?.typing).toEqual({
      type: "GROWTH",
      run: { runId: RUN_NEW, type: "GROWTH", codes: ["GROWTH_D"] },
      correction: null,
    });
    expect(snapshots.get(c.uscc)?.typing).toEqual({
      type: "GROWTH",
      run: { runId: RUN_NEW, type: "SURVIVAL", codes: [] },
      correction: { objectionId: OBJECTION, type: "GROWTH" },
    });
  });

  // 三(一)2 分型周期: the run of the latest as-of date is current, whatever ran after it.
  it("keeps the newer year's types current when an older year is typed again after it", async () => {
    const { db } = getDb();
    const [a, b] = [1, 2].map((n) => ({
      ...(FACTS_CASES[0]?.record ?? ({} as never)),
      uscc: caseUscc(300 + n),
    }));
    if (!a || !b) throw new Error("no households");
    await insertHouseholdRecords(db, [a, b]);
    const run = (id: number, asOf: string, finishedAt: string | null) => ({
      id: `00000000-0000-4000-8000-0000000001${String(id).padStart(2, "0")}`,
      asOf,
      finishedAt,
    });
    const Y2025 = run(1, "2025-08-01", "2025-08-02 00:00:00+00");
    // 2024 typed again after 2025, finished last; and a 2026 run that never finished.
    const Y2024_AGAIN = run(2, "2024-08-01", "2025-09-01 00:00:00+00");
    const Y2026_UNFINISHED = run(3, "2026-08-01", null);
    await insertTypingState(db, {
      factsChangedAt: {},
      runs: [Y2025, Y2024_AGAIN, Y2026_UNFINISHED],
      results: [
        { runId: Y2025.id, uscc: a.uscc, type: "GROWTH", codes: ["GROWTH_D"] },
        { runId: Y2024_AGAIN.id, uscc: a.uscc, type: "SURVIVAL", codes: ["SURVIVAL_AGE"] },
        { runId: Y2026_UNFINISHED.id, uscc: a.uscc, type: "DEVELOPMENT", codes: [] },
        // Typed in 2024 only: not typed by the current run.
        { runId: Y2024_AGAIN.id, uscc: b.uscc, type: "GROWTH", codes: [] },
      ],
      corrections: [],
      recognitions: [],
    });
    /** The type in force and its run, by every reader: SQL, JS, the typing queries, the lookup. */
    const inForce = async () => {
      const rows = await db
        .selectFrom(factsRelation(db, "2025-10-01").as("f"))
        .select(["f.uscc", "f.type"])
        .orderBy("f.uscc")
        .execute();
      const loaded = await loadFacts(db, [a.uscc, b.uscc], "2025-10-01");
      const snapshot = (await loadSnapshots(db, [a.uscc])).get(a.uscc)?.typing;
      const typing = await currentTypingOf(db, a.uscc);
      const [lookedUp] = await lookupTyping(db, { uscc: a.uscc });
      return {
        sql: Object.fromEntries(rows.map((r) => [r.uscc, r.type])),
        js: Object.fromEntries([...loaded].map(([uscc, f]) => [uscc, f.type])),
        snapshotRun: snapshot?.run?.runId,
        currentRun: (await currentTypingRun(db))?.id,
        resultRun: typing.result?.run.id,
        lookup: [lookedUp?.type, lookedUp?.asOf],
      };
    };
    expect(await inForce()).toEqual({
      sql: { [a.uscc]: "GROWTH", [b.uscc]: null },
      js: { [a.uscc]: "GROWTH", [b.uscc]: null },
      snapshotRun: Y2025.id,
      currentRun: Y2025.id,
      resultRun: Y2025.id,
      lookup: ["GROWTH", "2025-08-01"],
    });

    // 2025 typed again (the same date, finished later): that run is current.
    const Y2025_AGAIN = run(4, "2025-08-01", "2025-10-01 00:00:00+00");
    // Finished at the same instant as it: the id decides.
    const Y2025_TIE = run(5, "2025-08-01", "2025-10-01 00:00:00+00");
    await insertTypingState(db, {
      factsChangedAt: {},
      runs: [Y2025_AGAIN, Y2025_TIE],
      results: [
        { runId: Y2025_AGAIN.id, uscc: a.uscc, type: "SURVIVAL", codes: [] },
        { runId: Y2025_TIE.id, uscc: a.uscc, type: "DEVELOPMENT", codes: ["DEVELOPMENT_D"] },
      ],
      corrections: [],
      recognitions: [],
    });
    expect(await inForce()).toEqual({
      sql: { [a.uscc]: "DEVELOPMENT", [b.uscc]: null },
      js: { [a.uscc]: "DEVELOPMENT", [b.uscc]: null },
      snapshotRun: Y2025_TIE.id,
      currentRun: Y2025_TIE.id,
      resultRun: Y2025_TIE.id,
      lookup: ["DEVELOPMENT", "2025-08-01"],
    });
  });

  // 三(二)2 有效期: from valid_from, until valid_until (exclusive) or ended_on.
  it("takes the category of the recognition in force", async () => {
    const { db } = getDb();
    const record = { ...(FACTS_CASES[0]?.record ?? ({} as never)), uscc: caseUscc(200) };
    await insertHouseholdRecords(db, [record]);
    await insertTypingState(db, {
      factsChangedAt: {},
      runs: [],
      results: [],
      corrections: [],
      recognitions: [
        {
          uscc: record.uscc,
          category: "FAMOUS",
          recognized_on: "2025-10-15",
          valid_from: "2026-01-01",
          valid_until: "2028-10-15",
          ended_on: "2028-03-01",
          end_reason: "CANCELLED",
        },
        {
          uscc: record.uscc,
          category: "QUALITY",
          recognized_on: "2027-10-15",
          valid_from: "2028-01-01",
          valid_until: "2030-10-15",
          ended_on: null,
          end_reason: null,
        },
      ],
    });
    const cases: [string, string][] = [
      ["2025-12-31", "NONE"],
      ["2026-01-01", "FAMOUS"],
      ["2027-12-31", "FAMOUS"],
      // Both in force: the later valid_from wins.
      ["2028-01-01", "QUALITY"],
      ["2030-10-14", "QUALITY"],
      ["2030-10-15", "NONE"],
    ];
    for (const [asOf, category] of cases) {
      const row = await db
        .selectFrom(factsRelation(db, asOf).as("f"))
        .select("f.category")
        .executeTakeFirstOrThrow();
      expect(row.category, asOf).toBe(category);
      expect((await loadFacts(db, [record.uscc], asOf)).get(record.uscc)?.category, asOf).toBe(
        category,
      );
    }
  });

  it("loads snapshots in one batch, leaving unknown USCCs out", async () => {
    const { db } = getDb();
    const records = FACTS_CASES.slice(0, 30).map((c) => c.record);
    await insertHouseholdRecords(db, records);
    const usccs = [...records.map((r) => r.uscc), caseUscc(999), records[0]?.uscc ?? ""];
    // Results reach a plugin once per query executed (subqueries are part of their query).
    let executed = 0;
    const snapshots = await loadSnapshots(
      db.withPlugin({
        transformQuery: (args) => args.node,
        transformResult: async (args) => {
          executed += 1;
          return args.result;
        },
      }),
      usccs,
    );
    expect([...snapshots.keys()].sort()).toEqual(records.map((r) => r.uscc).sort());
    expect(executed).toBe(7);
    const withSuspension = records.find((r) => (r.suspensions ?? []).length > 0);
    expect(snapshots.get(withSuspension?.uscc ?? "")?.suspensions).toHaveLength(
      withSuspension?.suspensions?.length ?? -1,
    );
    expect(await loadSnapshots(db, [])).toEqual(new Map());
  });

  it("refuses an as-of date that is not a calendar date", async () => {
    const { db } = getDb();
    expect(() => factsRelation(db, "2025-13-01")).toThrow(/asOf/);
    await expect(loadFacts(db, [], "2025-02-29")).rejects.toThrow(/asOf/);
  });
});
