import { sql } from "kysely";
import { beforeEach, expect, it } from "vitest";
import { snapshotTableOf } from "../../src/grants/facts-snapshot.ts";
import { readGrantEvents } from "../../src/grants/grant-events.ts";
import { listGrants } from "../../src/grants/grant-queries.ts";
import { runGrants } from "../../src/grants/run-grants.ts";
import { describeEachEngine } from "../support/databases.ts";
import { outboxSettled } from "../support/outbox.ts";
import {
  GROWTH_REVENUE_EXAMPLES,
  GROWTH_REVENUE_RULE,
  publishTestPolicy,
  seedHouseholds,
  usccOf,
} from "./grant-fixtures.ts";

const A = usccOf("410103", 1); // 成长型, 营收 45万: eligible
const B = usccOf("410103", 2); // 成长型, 营收 unknown: undetermined
const C = usccOf("410105", 3); // 生存型: ineligible
const D = usccOf("410105", 4); // 成长型, 营收 30万 exactly: eligible
const E = usccOf("410105", 5); // not typed: type unknown

const RUN = { trigger: "MANUAL", actor: "OPERATOR:CITY:test" } as const;

describeEachEngine("runGrants", (getDb) => {
  beforeEach(async () => {
    await getDb().reset();
    await seedHouseholds(getDb().db, [
      { uscc: A, type: "GROWTH", revenue2024: 450_000 },
      { uscc: B, type: "GROWTH", tax2024: 800 },
      { uscc: C, type: "SURVIVAL", revenue2024: 500_000 },
      { uscc: D, type: "GROWTH", revenue2024: 300_000 },
      { uscc: E, revenue2024: 900_000 },
    ]);
  });

  it("grants every eligible household once per period, with the facts it was decided on", async () => {
    const { db } = getDb();
    const version = await publishTestPolicy(db, {
      code: "TEST_GROWTH_GRANT",
      rule: GROWTH_REVENUE_RULE,
      amount: 2000,
      examples: GROWTH_REVENUE_EXAMPLES,
    });
    const first = await runGrants(db, { ...RUN, asOf: "2025-08-01" });
    expect(first.granted).toBe(2);
    expect(first.versions).toMatchObject([
      {
        versionId: version.id,
        policyCode: "TEST_GROWTH_GRANT",
        period: "2025",
        granted: 2,
        amount: 4000,
      },
    ]);
    const grants = await listGrants(db, {}, { limit: 10 });
    expect(grants.map((g) => g.uscc)).toEqual([A, D]);
    expect(grants[0]).toMatchObject({
      policy_code: "TEST_GROWTH_GRANT",
      policy_version_id: version.id,
      period: "2025",
      period_start: "2025-01-01",
      period_end: "2025-12-31",
      as_of: "2025-08-01",
      amount: 2000,
      county_code: "410103",
      type: "GROWTH",
      category: "NONE",
      run_id: first.runId,
      revoked_at: null,
    });
    // Exactly the facts the rule reads.
    expect(grants[0]?.facts).toEqual({ revenueLastYear: 450000, type: "GROWTH" });

    // A second run, even as of another day of the same year, grants nothing more.
    const second = await runGrants(db, { ...RUN, asOf: "2025-11-30" });
    expect(second.granted).toBe(0);
    // The next year is a new period (2025 figures are absent: nobody qualifies on unknown revenue).
    const nextYear = await runGrants(db, { ...RUN, asOf: "2026-02-01" });
    expect(nextYear.granted).toBe(0);
    await db
      .insertInto("household_year")
      .values({ uscc: C, year: 2025, revenue: 1, tax_paid: null, insured_employees: null })
      .execute();
    await db
      .insertInto("household_year")
      .values({ uscc: A, year: 2025, revenue: 600_000, tax_paid: null, insured_employees: null })
      .execute();
    const later = await runGrants(db, { ...RUN, asOf: "2026-02-01" });
    expect(later.versions[0]).toMatchObject({ period: "2026", granted: 1 });
    expect(await listGrants(db, { period: "2026" }, { limit: 10 })).toMatchObject([{ uscc: A }]);
  });

  it("never grants on an unknown outcome or an unknown amount", async () => {
    const { db } = getDb();
    await publishTestPolicy(db, {
      code: "TEST_AMOUNT_RULE",
      rule: { "==": [{ var: "type" }, "GROWTH"] },
      // 1% of last year's revenue: unknown for B.
      amount: { "*": [{ var: "revenueLastYear" }, 0.01] },
      examples: [
        {
          name: "成长型",
          facts: { type: "GROWTH", revenueLastYear: 100000 },
          expected: "ELIGIBLE",
          expectedAmount: 1000,
        },
        {
          name: "生存型",
          facts: { type: "SURVIVAL", revenueLastYear: 100000 },
          expected: "INELIGIBLE",
        },
      ],
    });
    await publishTestPolicy(db, {
      code: "TEST_TYPE_KNOWN",
      rule: { "!=": [{ var: "type" }, "NOT_CLASSIFIABLE"] },
      examples: [
        { name: "成长型", facts: { type: "GROWTH" }, expected: "ELIGIBLE" },
        { name: "不符合", facts: { type: "NOT_CLASSIFIABLE" }, expected: "INELIGIBLE" },
      ],
    });
    await runGrants(db, { ...RUN, asOf: "2025-08-01" });
    const byPolicy = async (policyCode: string) =>
      (await listGrants(db, { policyCode }, { limit: 10 })).map((g) => [g.uscc, g.amount]);
    expect(await byPolicy("TEST_AMOUNT_RULE")).toEqual([
      [A, 4500],
      [D, 3000],
    ]);
    // E has no type yet: its outcome is unknown, so it is not granted.
    expect(await byPolicy("TEST_TYPE_KNOWN")).toEqual([
      [A, null],
      [B, null],
      [C, null],
      [D, null],
    ]);
  });

  it("grants APPLY policies never, and periods by quarter, month or once", async () => {
    const { db } = getDb();
    const base = { rule: GROWTH_REVENUE_RULE, examples: GROWTH_REVENUE_EXAMPLES };
    await publishTestPolicy(db, { ...base, code: "TEST_APPLY", mode: "APPLY" });
    await publishTestPolicy(db, { ...base, code: "TEST_QUARTER", grantPeriod: "CALENDAR_QUARTER" });
    await publishTestPolicy(db, { ...base, code: "TEST_MONTH", grantPeriod: "CALENDAR_MONTH" });
    await publishTestPolicy(db, { ...base, code: "TEST_ONCE", grantPeriod: "ONCE" });
    await runGrants(db, { ...RUN, asOf: "2025-08-01" });
    await runGrants(db, { ...RUN, asOf: "2025-08-31" });
    await runGrants(db, { ...RUN, asOf: "2025-09-01" });
    await runGrants(db, { ...RUN, asOf: "2025-10-01" });
    const periods = await db
      .selectFrom("policy_grant")
      .select(["policy_code", "period", "period_start", "period_end"])
      .where("uscc", "=", A)
      .orderBy("policy_code")
      .orderBy("period")
      .execute();
    expect(periods).toEqual([
      {
        policy_code: "TEST_MONTH",
        period: "2025-08",
        period_start: "2025-08-01",
        period_end: "2025-08-31",
      },
      {
        policy_code: "TEST_MONTH",
        period: "2025-09",
        period_start: "2025-09-01",
        period_end: "2025-09-30",
      },
      {
        policy_code: "TEST_MONTH",
        period: "2025-10",
        period_start: "2025-10-01",
        period_end: "2025-10-31",
      },
      { policy_code: "TEST_ONCE", period: "ONCE", period_start: null, period_end: null },
      {
        policy_code: "TEST_QUARTER",
        period: "2025-Q3",
        period_start: "2025-07-01",
        period_end: "2025-09-30",
      },
      {
        policy_code: "TEST_QUARTER",
        period: "2025-Q4",
        period_start: "2025-10-01",
        period_end: "2025-12-31",
      },
    ]);
  });

  it("grants only versions in force, only the county asked for, only the versions asked for", async () => {
    const { db } = getDb();
    const base = { rule: GROWTH_REVENUE_RULE, examples: GROWTH_REVENUE_EXAMPLES };
    const later = await publishTestPolicy(db, {
      ...base,
      code: "TEST_LATER",
      effectiveFrom: "2025-09-01",
    });
    const now = await publishTestPolicy(db, { ...base, code: "TEST_NOW" });
    expect(
      (await runGrants(db, { ...RUN, asOf: "2025-08-01", countyCode: "410105" })).versions,
    ).toMatchObject([{ versionId: now.id, granted: 1 }]);
    expect((await listGrants(db, {}, { limit: 10 })).map((g) => g.uscc)).toEqual([D]);
    const only = await runGrants(db, { ...RUN, asOf: "2025-09-01", versionIds: [later.id] });
    expect(only.versions.map((v) => [v.policyCode, v.granted])).toEqual([["TEST_LATER", 2]]);
  });

  it("writes one GRANTED event per grant in the same statement, readable in order", async () => {
    const { db } = getDb();
    await publishTestPolicy(db, {
      code: "TEST_EVENTS",
      rule: GROWTH_REVENUE_RULE,
      amount: 10,
      examples: GROWTH_REVENUE_EXAMPLES,
    });
    await runGrants(db, { ...RUN, asOf: "2025-08-01" });
    await outboxSettled(db);
    const events = await readGrantEvents(db, { limit: 10 });
    const grants = await listGrants(db, {}, { limit: 10 });
    expect(events.map((e) => [e.kind, e.policy_code, e.period, e.uscc, e.county_code])).toEqual(
      expect.arrayContaining(
        grants.map((g) => ["GRANTED", g.policy_code, g.period, g.uscc, g.county_code]),
      ),
    );
    expect(events).toHaveLength(2);
    const [first, second] = events;
    const rest = await readGrantEvents(db, {
      limit: 10,
      after: { xid: first?.xid ?? "", seq: first?.seq ?? 0 },
    });
    expect(rest.map((e) => e.seq)).toEqual([second?.seq]);
  });

  it("drops the facts snapshots that runs left behind, not that of a run under way", async () => {
    const { db } = getDb();
    await publishTestPolicy(db, {
      code: "TEST_LEFT_BEHIND",
      rule: GROWTH_REVENUE_RULE,
      examples: GROWTH_REVENUE_EXAMPLES,
    });
    const underWay = await db
      .insertInto("grant_run")
      .values({ as_of: "2025-08-01", trigger: "MANUAL", created_by: "test" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const kept = snapshotTableOf(underWay.id);
    const leftBehind = snapshotTableOf("00000000-0000-4000-8000-000000000001");
    // Not a snapshot's name: "_" in the prefix is a character, not a wildcard.
    const alike = "grant_factsx";
    for (const table of [kept, leftBehind, alike]) {
      await sql`CREATE TABLE ${sql.table(table)} (uscc text)`.execute(db);
    }
    await runGrants(db, { ...RUN, asOf: "2025-08-01" });
    const { rows } = await sql<{ name: string }>`SELECT tablename AS name FROM pg_tables
      WHERE schemaname = current_schema() AND tablename LIKE 'grant\\_facts%' ORDER BY 1`.execute(
      db,
    );
    expect(rows.map((r) => r.name)).toEqual([kept, alike].sort());
  });

  it("refuses to delete or change a grant in the database", async () => {
    const { db } = getDb();
    await publishTestPolicy(db, {
      code: "TEST_LEDGER",
      rule: GROWTH_REVENUE_RULE,
      examples: GROWTH_REVENUE_EXAMPLES,
    });
    await runGrants(db, { ...RUN, asOf: "2025-08-01" });
    await expect(db.deleteFrom("policy_grant").where("uscc", "=", A).execute()).rejects.toThrow(
      /cannot be deleted/,
    );
    await expect(
      db.updateTable("policy_grant").set({ amount: 1 }).where("uscc", "=", A).execute(),
    ).rejects.toThrow(/cannot change/);
    await expect(
      db
        .insertInto("policy_grant")
        .columns([
          "uscc",
          "policy_code",
          "policy_version_id",
          "period",
          "as_of",
          "facts",
          "county_code",
          "category",
        ])
        .expression(
          db
            .selectFrom("policy_grant")
            .select([
              "uscc",
              "policy_code",
              "policy_version_id",
              "period",
              "as_of",
              "facts",
              "county_code",
              "category",
            ])
            .where("uscc", "=", A),
        )
        .execute(),
    ).rejects.toThrow(/policy_grant_pk/);
    expect(
      await db
        .selectFrom("policy_grant")
        .select(sql<number>`count(*)::int`.as("n"))
        .executeTakeFirstOrThrow(),
    ).toEqual({ n: 2 });
  });
});
