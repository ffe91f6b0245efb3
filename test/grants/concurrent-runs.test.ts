import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type EventPosition, readGrantEvents } from "../../src/grants/grant-events.ts";
import { grantStatement } from "../../src/grants/grant-statement.ts";
import { grantableVersion, runGrants } from "../../src/grants/run-grants.ts";
import type { PolicyVersion } from "../../src/policies/policy-version.ts";
import { openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { publishTestPolicy, seedHouseholds, type TestHousehold, usccOf } from "./grant-fixtures.ts";

// Concurrency needs a server with several connections: PGlite is one connection, so this file
// runs only when TEST_DATABASE_URL is set.
const RUN = { trigger: "MANUAL", actor: "OPERATOR:CITY:test", asOf: "2025-08-01" } as const;
const COUNT = 3000;
const EXAMPLES = [
  {
    name: "成长型，营收90万",
    facts: { type: "GROWTH", revenueLastYear: 900000 },
    expected: "ELIGIBLE",
  },
  { name: "生存型", facts: { type: "SURVIVAL", revenueLastYear: 900000 }, expected: "INELIGIBLE" },
];

function households(): TestHousehold[] {
  const types = ["SURVIVAL", "GROWTH", "DEVELOPMENT"];
  return Array.from({ length: COUNT }, (_, i) => ({
    uscc: usccOf(i % 2 === 0 ? "410103" : "410105", i),
    type: types[i % 3] as string,
    // Every seventh household has no 2024 figures: unknown revenue.
    ...(i % 7 === 0 ? {} : { revenue2024: (i % 10) * 100_000 }),
  }));
}

async function ledgerCounts(db: TestDatabase["db"]) {
  return db
    .selectFrom("policy_grant as g")
    .select([
      sql<number>`count(*)::int`.as("grants"),
      sql<number>`count(distinct (g.policy_code, g.period, g.uscc))::int`.as("distinct"),
      sql<number>`(select count(*)::int from grant_event e where e.kind = 'GRANTED')`.as("events"),
      sql<number>`(select count(distinct (e.policy_code, e.period, e.uscc))::int from grant_event e)`.as(
        "eventGrants",
      ),
    ])
    .executeTakeFirstOrThrow();
}

describe.skipIf(!process.env.TEST_DATABASE_URL)("concurrent grant runs [postgres]", () => {
  let database: TestDatabase;
  let versions: PolicyVersion[];
  let eligible: number;

  beforeAll(async () => {
    database = await openTestDatabase("postgres");
  });
  afterAll(async () => {
    await database?.close();
  });

  beforeEach(async () => {
    const { db } = database;
    await database.reset();
    await seedHouseholds(db, households());
    versions = [];
    for (const [code, minimum] of [
      ["TEST_RACE_A", 200_000],
      ["TEST_RACE_B", 500_000],
      ["TEST_RACE_C", 0],
    ] as const) {
      versions.push(
        await publishTestPolicy(db, {
          code,
          rule: {
            and: [
              { in: [{ var: "type" }, ["GROWTH", "DEVELOPMENT"]] },
              { ">=": [{ var: "revenueLastYear" }, minimum] },
            ],
          },
          examples: EXAMPLES,
        }),
      );
    }
    // What the ledger must hold: every (policy, household) that qualifies, computed directly.
    const qualifying = households().filter(
      (h) => h.type !== "SURVIVAL" && h.revenue2024 !== undefined,
    );
    eligible = [200_000, 500_000, 0]
      .map((m) => qualifying.filter((h) => (h.revenue2024 ?? 0) >= m).length)
      .reduce((a, b) => a + b, 0);
  });

  it("two runs at once make every grant exactly once, each with one event", async () => {
    const { db } = database;
    const runs = await Promise.all([
      runGrants(db, { ...RUN, concurrency: 2 }),
      runGrants(db, { ...RUN, concurrency: 2 }),
    ]);
    expect(runs[0].granted + runs[1].granted).toBe(eligible);
    expect(await ledgerCounts(db)).toEqual({
      grants: eligible,
      distinct: eligible,
      events: eligible,
      eventGrants: eligible,
    });
  });

  it("a run waits for a concurrent uncommitted grant and loses nothing when it rolls back", async () => {
    const { db } = database;
    for (const outcome of ["rollback", "commit"] as const) {
      await database.reset();
      await seedHouseholds(db, households());
      const version = grantableVersion(await republish(db, versions[0] as PolicyVersion));
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let inserted!: (pid: number) => void;
      const insertedOnce = new Promise<number>((resolve) => {
        inserted = resolve;
      });
      const holder = db
        .transaction()
        .execute(async (trx) => {
          const run = await trx
            .insertInto("grant_run")
            .values({
              as_of: RUN.asOf,
              trigger: "MANUAL",
              created_by: "test",
              county_code: null,
              trigger_ref: null,
              finished_at: null,
              granted: null,
              counts: null,
            })
            .returning("id")
            .executeTakeFirstOrThrow();
          await grantStatement(trx, version, { asOf: RUN.asOf, runId: run.id }).execute();
          const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx);
          inserted(rows[0]?.pid ?? 0);
          await released;
          if (outcome === "rollback") throw new Error("rolled back on purpose");
        })
        .catch((error: Error) => error.message);
      const holderPid = await insertedOnce;
      let finished = false;
      const run = runGrants(db, { ...RUN, versionIds: [version.id] }).then((r) => {
        finished = true;
        return r;
      });
      // The run must wait on the holder's uncommitted keys rather than skip them.
      await waitUntilBlockedBy(db, holderPid);
      expect(finished).toBe(false);
      release();
      expect(await holder).toBe(outcome === "rollback" ? "rolled back on purpose" : undefined);
      const result = await run;
      const expected = [200_000].map(
        (m) =>
          households().filter(
            (h) => h.type !== "SURVIVAL" && h.revenue2024 != null && h.revenue2024 >= m,
          ).length,
      )[0];
      expect(result.granted).toBe(outcome === "rollback" ? expected : 0);
      expect(await ledgerCounts(db)).toEqual({
        grants: expected,
        distinct: expected,
        events: expected,
        eventGrants: expected,
      });
    }
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)("the outbox under concurrency [postgres]", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase("postgres");
  });
  afterAll(async () => {
    await database?.close();
  });

  /** An event in a transaction of its own that stays open until `commit` is called. */
  function openWriter(label: string, options: { takeXidFirst?: boolean } = {}) {
    let step!: (next: "insert" | "commit") => void;
    const queue: ("insert" | "commit")[] = [];
    let waiting: (() => void) | null = null;
    step = (next) => {
      queue.push(next);
      waiting?.();
    };
    const nextStep = async () => {
      while (queue.length === 0) await new Promise<void>((resolve) => (waiting = resolve));
      return queue.shift();
    };
    const done = database.db.transaction().execute(async (trx) => {
      if (options.takeXidFirst) await sql`SELECT pg_current_xact_id()`.execute(trx);
      while ((await nextStep()) === "insert") {
        await trx
          .insertInto("grant_event")
          .values({
            kind: "GRANTED",
            uscc: label,
            policy_code: "TEST_OUTBOX",
            period: "2025",
            county_code: "410103",
            reason: null,
          })
          .execute();
        inserted();
      }
    });
    let inserted!: () => void;
    return {
      insert: () =>
        new Promise<void>((resolve) => {
          inserted = resolve;
          step("insert");
        }),
      commit: async () => {
        step("commit");
        await done;
      },
    };
  }

  /**
   * Reads until `count` events came (or gives up after a minute): the horizon is cluster-wide,
   * so a long transaction of any other database on the server delays events, never loses them.
   */
  async function readUntil(after: EventPosition | undefined, count: number) {
    let read = await readAll(after);
    for (let i = 0; i < 600 && read.labels.length < count; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      read = await readAll(after);
    }
    return read;
  }

  async function readAll(after: EventPosition | undefined) {
    const rows = await readGrantEvents(database.db, { after, limit: 100 });
    const last = rows.at(-1);
    return {
      labels: rows.map((r) => r.uscc),
      after: last ? { xid: last.xid, seq: last.seq } : after,
    };
  }

  it("never lets a reader pass an event that commits later with a lower number", async () => {
    await database.reset();
    // Writer 1 takes the lower sequence number but commits last.
    const first = openWriter("first");
    await first.insert();
    const second = openWriter("second");
    await second.insert();
    await second.commit();
    const before = await readAll(undefined);
    expect(before.labels).toEqual([]);
    await first.commit();
    const after = await readUntil(before.after, 2);
    expect(after.labels).toEqual(["first", "second"]);
    expect((await readAll(after.after)).labels).toEqual([]);
  });

  it("holds back even an older transaction's later, higher-numbered event", async () => {
    await database.reset();
    // The older transaction (lower xid) writes after the younger one and commits last.
    const older = openWriter("older", { takeXidFirst: true });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const younger = openWriter("younger", { takeXidFirst: true });
    await younger.insert();
    await younger.commit();
    const seen = await readAll(undefined);
    expect(seen.labels).toEqual([]);
    await older.insert();
    await older.commit();
    expect((await readUntil(seen.after, 2)).labels).toEqual(["older", "younger"]);
  });
});

/** Re-creates a published version after a reset (same content, new id). */
async function republish(db: TestDatabase["db"], version: PolicyVersion): Promise<PolicyVersion> {
  return publishTestPolicy(db, {
    code: version.code,
    rule: version.rule,
    examples: EXAMPLES,
  });
}

/** Until another session waits for a lock that the holder's transaction has (the run). */
async function waitUntilBlockedBy(db: TestDatabase["db"], holderPid: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE ${holderPid}::int = ANY(pg_blocking_pids(pid))`.execute(db);
    if ((rows[0]?.n ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("the run never waited for the holder's lock");
}
