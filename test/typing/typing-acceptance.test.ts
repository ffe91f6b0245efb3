import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Principal } from "../../src/auth/principal.ts";
import { importHouseholds } from "../../src/ingest/import-households.ts";
import { factsRelation } from "../../src/matching/facts-relation.ts";
import { loadFacts } from "../../src/matching/household-facts.ts";
import { DEFAULT_STANDARDS_DIR } from "../../src/typing/load-typing-standards.ts";
import { runTyping } from "../../src/typing/run-typing.ts";
import { describeEachEngine } from "../support/databases.ts";
import { errorCodes, runGraphQL, testDeps } from "../support/graphql.ts";
import { AS_OF, jsonLines, LEAP_CASES, TYPING_CASES } from "./typing-cases.ts";

const city: Principal = { role: "OPERATOR", tokenId: "t-city", countyCode: null };
const erqi: Principal = { role: "OPERATOR", tokenId: "t-erqi", countyCode: "410103" };
/** The clock of these tests: 2026-11-27 20:00 UTC is 2026-11-28 in China. */
const NOW = new Date("2026-11-27T20:00:00Z");

const RUN = `mutation($asOf: Date!, $kind: TypingRunKind) {
  runTyping(asOf: $asOf, kind: $kind) {
    id asOf kind standardVersion startedAt finishedAt total
    countsByType { type households }
    counts { countyCode type households }
  }
}`;

const RESULTS = `query($after: String) {
  households(first: 500, after: $after) {
    edges { node { uscc typing { type result codes asOf run { id } } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const LEAP_RECORDS = LEAP_CASES[0]?.cases.map((c) => c.record) ?? [];
const ALL_RECORDS = [...TYPING_CASES.map((c) => c.record), ...LEAP_RECORDS];

const folder = mkdtempSync(join(tmpdir(), "zhixiang-typing-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describeEachEngine("typing acceptance: contract import, runs through the API", (getDb) => {
  const deps = () => testDeps(getDb(), () => NOW);

  async function results(): Promise<
    Map<string, { type: string; codes: string[]; asOf: string; runId: string }>
  > {
    const out = new Map();
    let after: string | undefined;
    for (;;) {
      const page = await runGraphQL<any>(deps(), city, RESULTS, after ? { after } : {});
      expect(page.errors).toBeUndefined();
      for (const { node } of page.data.households.edges) {
        if (node.typing) {
          out.set(node.uscc, {
            type: node.typing.type,
            codes: node.typing.codes,
            asOf: node.typing.asOf,
            runId: node.typing.run.id,
          });
        }
      }
      if (!page.data.households.pageInfo.hasNextPage) return out;
      after = page.data.households.pageInfo.endCursor;
    }
  }

  /** A run's own results, by USCC (whether or not the run is current). */
  async function resultsIn(runId: string): Promise<Map<string, { type: string; codes: string[] }>> {
    const rows = await getDb()
      .db.selectFrom("typing_result")
      .select(["uscc", "type", "codes"])
      .where("run_id", "=", runId)
      .execute();
    return new Map(rows.map((r) => [r.uscc, { type: r.type, codes: r.codes }]));
  }

  async function runCount(): Promise<number> {
    const row = await getDb()
      .db.selectFrom("typing_run")
      .select(sql<number>`count(*)::int`.as("n"))
      .executeTakeFirstOrThrow();
    return row.n;
  }

  beforeAll(async () => {
    await getDb().reset();
    const summary = await importHouseholds(getDb().db, jsonLines(ALL_RECORDS).trim().split("\n"));
    expect(summary.rejected).toBe(0);
    expect(summary.imported).toBe(ALL_RECORDS.length);
  });

  it("types every boundary household as the seed's standard says, with its reason codes", async () => {
    const run = await runGraphQL<any>(deps(), city, RUN, { asOf: AS_OF, kind: "YEARLY" });
    expect(run.errors).toBeUndefined();
    const r = run.data.runTyping;
    expect(r).toMatchObject({ asOf: AS_OF, kind: "YEARLY", standardVersion: "2025-1" });
    expect(r.finishedAt).not.toBeNull();
    expect(r.total).toBe(ALL_RECORDS.length);
    const byType = Object.fromEntries(r.countsByType.map((c: any) => [c.type, c.households]));
    const expected: Record<string, number> = {};
    for (const c of TYPING_CASES) expected[c.type] = (expected[c.type] ?? 0) + 1;
    // The leap-day households have no 2024 report: 不符合分型条件 as of 2025-08-01.
    expected.NOT_CLASSIFIABLE = (expected.NOT_CLASSIFIABLE ?? 0) + LEAP_RECORDS.length;
    expect(byType).toEqual(expected);
    expect(r.counts.every((c: any) => c.countyCode === "410103")).toBe(true);

    const typed = await results();
    for (const c of TYPING_CASES) {
      expect(typed.get(c.record.uscc), c.name).toEqual({
        type: c.type,
        codes: c.codes,
        asOf: AS_OF,
        runId: r.id,
      });
    }
  });

  it("29 February: whole years from a leap day, as of 27 and 28 February", async () => {
    for (const { asOf, cases } of LEAP_CASES) {
      const run = await runGraphQL<any>(deps(), city, RUN, { asOf });
      expect(run.errors).toBeUndefined();
      expect(run.data.runTyping.asOf).toBe(asOf);
      // The run's own results: as of an earlier date than the yearly run's, they are not current.
      const typed = await resultsIn(run.data.runTyping.id);
      for (const c of cases) {
        expect(typed.get(c.record.uscc), `${c.name} as of ${asOf}`).toEqual({
          type: c.type,
          codes: c.codes,
        });
      }
    }
  });

  it("explains the current result in Chinese with the figures, and lists earlier results", async () => {
    await runGraphQL(deps(), city, RUN, { asOf: AS_OF });
    const growth = TYPING_CASES.find((c) => c.name === "all figures, growth");
    const answer = await runGraphQL<any>(
      deps(),
      { role: "HOUSEHOLD", tokenId: "t-h", uscc: growth?.record.uscc ?? "" },
      `query($uscc: String!) { household(uscc: $uscc) {
        typing { type typeLabel explanation reasons { code label clause }
          baseConditions { code holds text }
          typeChecks { type applies requirement conditions { code holds text } } }
        typingHistory { asOf type codes run { id } }
      } }`,
      { uscc: growth?.record.uscc },
    );
    expect(answer.errors).toBeUndefined();
    const typing = answer.data.household.typing;
    expect(typing.type).toBe("GROWTH");
    expect(typing.typeLabel).toBe("成长型");
    expect(typing.explanation).toContain("上年度营业收入 45.2万元 ≥ 30万元：满足");
    expect(typing.explanation).toContain("上年度实际缴纳税款 3600元 ≤ 1万元：满足");
    expect(typing.explanation).toContain("上年度参保人数 4人 > 5人：不满足");
    expect(typing.explanation).toContain("判定日期 2025-08-01");
    expect(typing.reasons.map((x: any) => x.code)).toEqual([
      "GROWTH_A_TAX",
      "GROWTH_B_INSURED",
      "GROWTH_C_REVENUE",
    ]);
    expect(typing.reasons[2]).toMatchObject({
      label: "成长型：上年度销售额或营业收入在30万元（含）以上、60万元以下",
      clause: "三(一)1 成长型 C",
    });
    expect(typing.baseConditions.every((b: any) => b.holds === true)).toBe(true);
    const growthCheck = typing.typeChecks.find((t: any) => t.type === "GROWTH");
    expect(growthCheck.applies).toBe(true);
    expect(growthCheck.requirement).toContain("注册年限 5年 ≥ 2年：满足");
    // Earlier runs: 2025-08-01 (yearly), then 2022-02-27 and 2022-02-28; latest date first.
    expect(answer.data.household.typingHistory.map((h: any) => h.asOf)).toEqual([
      "2025-08-01",
      "2022-02-28",
      "2022-02-27",
    ]);
    // Registered 2020-03-15: younger than 2 years on 2022-02-28.
    expect(answer.data.household.typingHistory[1]).toMatchObject({
      type: "SURVIVAL",
      codes: ["SURVIVAL_AGE"],
    });
  });

  it("explains a missing figure as unknown and a base failure by its condition", async () => {
    await runGraphQL(deps(), city, RUN, { asOf: AS_OF });
    const missing = TYPING_CASES.find((c) => c.name === "2024 figures all absent");
    const suspended = TYPING_CASES.find((c) => c.name === "suspension ending on the date");
    const ask = (uscc: string) =>
      runGraphQL<any>(
        deps(),
        erqi,
        `query($uscc: String!) { household(uscc: $uscc) { typing { codes explanation reasons { label } } } }`,
        { uscc },
      );
    const a = (await ask(missing?.record.uscc ?? "")).data.household.typing;
    expect(a.codes).toEqual(["INSUFFICIENT_DATA"]);
    expect(a.explanation).toContain(
      "上年度实际缴纳税款 未知 ≤ 1万元：未知（缺少上年度实际缴纳税款）",
    );
    const b = (await ask(suspended?.record.uscc ?? "")).data.household.typing;
    expect(b.codes).toEqual(["BASE_SUSPENDED"]);
    expect(b.explanation).toContain("歇业备案期内 是 = 否：不满足");
    expect(b.reasons[0].label).toContain("不符合：不在歇业备案的法定最长歇业期内");
  });

  it("gives the same results when the same date is typed again", async () => {
    const first = await runGraphQL<any>(deps(), city, RUN, { asOf: AS_OF });
    const second = await runGraphQL<any>(deps(), city, RUN, { asOf: AS_OF });
    const rowsOf = async (runId: string) =>
      (
        await getDb()
          .db.selectFrom("typing_result")
          .select(["uscc", "type", "codes", "county_code"])
          .where("run_id", "=", runId)
          .orderBy("uscc")
          .execute()
      ).map((row) => JSON.stringify(row));
    const a = await rowsOf(first.data.runTyping.id);
    expect(a).toHaveLength(ALL_RECORDS.length);
    expect(await rowsOf(second.data.runTyping.id)).toEqual(a);
    expect(second.data.runTyping.counts).toEqual(first.data.runTyping.counts);
  });

  it("the fact `type` that policies read is the current result", async () => {
    const run = await runGraphQL<any>(deps(), city, RUN, { asOf: AS_OF });
    expect(run.errors).toBeUndefined();
    const usccs = TYPING_CASES.map((c) => c.record.uscc);
    const facts = await loadFacts(getDb().db, usccs, "2026-01-01");
    for (const c of TYPING_CASES) expect(facts.get(c.record.uscc)?.type, c.name).toBe(c.type);
  });

  it("leaves the previous results current when a run fails halfway", async () => {
    const good = await runGraphQL<any>(deps(), city, RUN, { asOf: AS_OF });
    const before = await results();
    let batches = 0;
    await expect(
      runTyping(getDb().db, {
        asOf: "2022-02-28",
        actor: "test",
        now: NOW,
        batchSize: 10,
        onProgress: (p) => {
          if (p.phase === "typing" && ++batches === 2) throw new Error("killed halfway");
        },
      }),
    ).rejects.toThrow("killed halfway");
    expect(await results()).toEqual(before);
    expect([...before.values()].every((r) => r.runId === good.data.runTyping.id)).toBe(true);
    const failed = await getDb()
      .db.selectFrom("typing_run")
      .selectAll()
      .where("failed_at", "is not", null)
      .execute();
    expect(failed).toHaveLength(1);
    expect(failed[0]?.finished_at).toBeNull();
    expect(failed[0]?.error).toBe("killed halfway");
    const orphans = await getDb()
      .db.selectFrom("typing_result")
      .select(sql<number>`count(*)::int`.as("n"))
      .where("run_id", "=", failed[0]?.id ?? "")
      .executeTakeFirstOrThrow();
    expect(orphans.n).toBe(0);
  });

  it("reports progress: batch by batch, or estimated while one statement runs (PostgreSQL)", async () => {
    const batched: string[] = [];
    await runTyping(getDb().db, {
      asOf: AS_OF,
      actor: "test",
      now: NOW,
      batchSize: 20,
      onProgress: (p) => batched.push(p.phase === "typing" ? `${p.done}/${p.total}` : p.phase),
    });
    const n = ALL_RECORDS.length;
    expect(batched).toEqual(["checking", `20/${n}`, `40/${n}`, `${n}/${n}`, "finishing"]);
    if (getDb().engine !== "postgres") return;
    const polled: { done: number; total: number; estimated?: boolean }[] = [];
    await runTyping(getDb().db, {
      asOf: AS_OF,
      actor: "test",
      now: NOW,
      pollProgress: { pollMs: 1 },
      onProgress: (p) => {
        if (p.phase === "typing") polled.push(p);
      },
    });
    expect(polled[0]).toEqual({ phase: "typing", done: 0, total: n, estimated: true });
    expect(polled.at(-1)).toEqual({ phase: "typing", done: n, total: n });
    expect(polled.every((p) => p.done <= n)).toBe(true);
  });

  it("types in batches exactly as in one statement", async () => {
    const whole = await runTyping(getDb().db, { asOf: AS_OF, actor: "test", now: NOW });
    const batched = await runTyping(getDb().db, {
      asOf: AS_OF,
      actor: "test",
      now: NOW,
      batchSize: 7,
    });
    expect(batched.counts).toEqual(whole.counts);
    const differences = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM typing_result a
      FULL JOIN (SELECT * FROM typing_result WHERE run_id = ${batched.id}::uuid) b ON b.uscc = a.uscc
      WHERE a.run_id = ${whole.id}::uuid
        AND (b.uscc IS NULL OR a.type <> b.type OR a.codes <> b.codes)`.execute(getDb().db);
    expect(differences.rows[0]?.n).toBe(0);
  });

  it("refuses bad input clearly and writes nothing", async () => {
    const runs = await runCount();
    const cases: [Record<string, unknown>, string][] = [
      [{ asOf: "2026-11-29" }, "is in the future (today in China is 2026-11-28)"],
      [
        { asOf: "2009-12-31" },
        "before any data: the earliest household was registered on 2012-01-01",
      ],
      [{ asOf: "2025-06-30", kind: "YEARLY" }, "before 1 July"],
    ];
    for (const [vars, message] of cases) {
      const answer = await runGraphQL(deps(), city, RUN, vars);
      expect(errorCodes(answer)).toEqual(["BAD_USER_INPUT"]);
      expect(answer.errors?.[0]?.message).toContain(message);
    }
    const malformed = await runGraphQL(deps(), city, RUN, { asOf: "2025-02-29" });
    expect(errorCodes(malformed)).toEqual(["BAD_USER_INPUT"]);
    // Today in China is allowed.
    expect((await runGraphQL(deps(), city, RUN, { asOf: "2026-11-28" })).errors).toBeUndefined();
    expect(await runCount()).toBe(runs + 1);

    // A standard file that does not validate: its name, the JSON path and the reason.
    const dir = join(folder, "standards");
    rmSync(dir, { recursive: true, force: true });
    const { mkdirSync, readFileSync } = await import("node:fs");
    mkdirSync(dir);
    const good = readFileSync(join(DEFAULT_STANDARDS_DIR, "standard-2025-1.json"), "utf8");
    writeFileSync(
      join(dir, "standard-2026-1.json"),
      good
        .replace('"version": "2025-1"', '"version": "2026-1"')
        .replace('"effectiveFrom": null', '"effectiveFrom": "2026-01-01"')
        .replace('{ "var": "taxPaidLastYear" }, 10000] }', '{ "var": "taxPaid" }, 10000] }'),
    );
    writeFileSync(join(dir, "standard-2025-1.json"), good);
    const before = await runCount();
    await expect(
      runTyping(getDb().db, { asOf: AS_OF, actor: "test", now: NOW, standardsDir: dir }),
    ).rejects.toThrow(
      /standard-2026-1\.json: \/types\/1\/conditions\/0\/rule\/>\/0: unknown fact "taxPaid"/,
    );
    expect(await runCount()).toBe(before);

    // The same version with other content: refused (a change is a new version).
    const changed = join(folder, "changed");
    rmSync(changed, { recursive: true, force: true });
    mkdirSync(changed);
    writeFileSync(
      join(changed, "standard-2025-1.json"),
      good.replace(
        '{ "var": "taxPaidLastYear" }, 10000] }',
        '{ "var": "taxPaidLastYear" }, 20000] }',
      ),
    );
    await expect(
      runTyping(getDb().db, { asOf: AS_OF, actor: "test", now: NOW, standardsDir: changed }),
    ).rejects.toThrow(
      /version "2025-1" in .*standard-2025-1\.json differs from the one already applied/,
    );
    expect(await runCount()).toBe(before);
  });

  it("lets only city-wide operators run", async () => {
    const runs = await runCount();
    expect(errorCodes(await runGraphQL(deps(), erqi, RUN, { asOf: AS_OF }))).toEqual(["FORBIDDEN"]);
    expect(
      errorCodes(
        await runGraphQL(deps(), { role: "HOUSEHOLD", tokenId: "h", uscc: "x" }, RUN, {
          asOf: AS_OF,
        }),
      ),
    ).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await runGraphQL(deps(), { role: "PUBLIC" }, RUN, { asOf: AS_OF }))).toEqual([
      "UNAUTHENTICATED",
    ]);
    expect(await runCount()).toBe(runs);
  });

  // 三(一)2 分型周期: the types in force are the latest date's, whatever was typed after it.
  it("keeps the types of the latest date in force when an earlier year is typed after it", async () => {
    const TODAY = "2026-11-28";
    const newest = (await runGraphQL<any>(deps(), city, RUN, { asOf: TODAY })).data.runTyping;
    const before = await results();
    expect(before.size).toBe(ALL_RECORDS.length);
    expect([...before.values()].every((r) => r.runId === newest.id && r.asOf === TODAY)).toBe(true);

    // 2025's yearly run typed (again) afterwards: its results are kept, and differ (no 2025
    // reports yet as of today: 不符合分型条件), but they are not in force.
    const older = await runGraphQL<any>(deps(), city, RUN, { asOf: AS_OF, kind: "YEARLY" });
    expect(older.errors).toBeUndefined();
    const olderResults = await resultsIn(older.data.runTyping.id);
    for (const c of TYPING_CASES)
      expect(olderResults.get(c.record.uscc)?.type, c.name).toBe(c.type);
    expect(TYPING_CASES.some((c) => before.get(c.record.uscc)?.type !== c.type)).toBe(true);
    expect(await results()).toEqual(before);

    // The fact `type` in JS and in SQL, and the public lookup, say the same.
    const usccs = ALL_RECORDS.map((r) => r.uscc);
    const js = await loadFacts(getDb().db, usccs, TODAY);
    const sqlRows = await getDb()
      .db.selectFrom(factsRelation(getDb().db, TODAY).as("f"))
      .select(["f.uscc", "f.type"])
      .execute();
    const inSql = new Map(sqlRows.map((r) => [r.uscc, r.type]));
    for (const uscc of usccs) {
      expect(js.get(uscc)?.type, uscc).toBe(before.get(uscc)?.type);
      expect(inSql.get(uscc), uscc).toBe(before.get(uscc)?.type);
    }
    const growth = TYPING_CASES.find((c) => c.name === "all figures, growth");
    const lookup = await runGraphQL<any>(
      deps(),
      { role: "PUBLIC" },
      `query($uscc: String) { publicTyping(uscc: $uscc) { type asOf } }`,
      { uscc: growth?.record.uscc },
    );
    expect(lookup.data.publicTyping).toEqual([
      { type: before.get(growth?.record.uscc ?? "")?.type, asOf: TODAY },
    ]);

    // The same date typed again replaces it.
    const again = (await runGraphQL<any>(deps(), city, RUN, { asOf: TODAY })).data.runTyping;
    expect([...(await results()).values()].every((r) => r.runId === again.id)).toBe(true);
  });
});
