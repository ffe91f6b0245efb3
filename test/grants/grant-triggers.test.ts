import { beforeEach, expect, it } from "vitest";
import type { Principal } from "../../src/auth/principal.ts";
import {
  grantAfterImport,
  grantAfterPolicyFiles,
  grantAfterTypingRun,
} from "../../src/grants/grant-triggers.ts";
import { generateHouseholds } from "../../src/ingest/generate-households.ts";
import { householdJson } from "../../src/ingest/household-record.ts";
import { importHouseholds } from "../../src/ingest/import-households.ts";
import { describeEachEngine } from "../support/databases.ts";
import { runGraphQL, testDeps } from "../support/graphql.ts";
import { LEGAL_BASIS, publishTestPolicy } from "./grant-fixtures.ts";

const CITY: Principal = { role: "OPERATOR", tokenId: "trigger-city", countyCode: null };
const SAMR: Principal = { role: "DEPARTMENT", tokenId: "trigger-samr", departmentCode: "SAMR_ZZ" };
// 2025-08-02 10:00 in China.
const NOW = new Date("2025-08-02T02:00:00Z");

/** 三(一)3 生存型: a fee relief for every survival household in the register. */
const SURVIVAL = {
  and: [{ "==": [{ var: "type" }, "SURVIVAL"] }, { "==": [{ var: "status" }, "ACTIVE"] }],
};
const SURVIVAL_EXAMPLES = [
  { name: "生存型", facts: { type: "SURVIVAL", status: "ACTIVE" }, expected: "ELIGIBLE" },
  { name: "成长型", facts: { type: "GROWTH", status: "ACTIVE" }, expected: "INELIGIBLE" },
];

describeEachEngine("grant triggers", (getDb) => {
  const deps = () => testDeps(getDb(), () => NOW);
  const runs = () =>
    getDb()
      .db.selectFrom("grant_run")
      .select(["trigger", "trigger_ref", "as_of", "granted"])
      .orderBy("started_at")
      .execute();

  beforeEach(async () => {
    await getDb().reset();
    const lines = [...generateHouseholds({ count: 200, seed: 5, asOfYear: 2025 })].map(
      householdJson,
    );
    await importHouseholds(getDb().db, lines);
  });

  it("grants after a typing run through GraphQL, as of the run's date", async () => {
    await publishTestPolicy(getDb().db, {
      code: "TEST_TRIGGER_TYPING",
      rule: SURVIVAL,
      examples: SURVIVAL_EXAMPLES,
    });
    // Before typing, no household has a type: nothing can be granted.
    expect((await runs()).length).toBe(0);
    const typed = await runGraphQL<{ runTyping: { id: string } }>(
      deps(),
      CITY,
      `mutation { runTyping(asOf: "2025-08-01") { id } }`,
    );
    expect(typed.errors).toBeUndefined();
    const [run] = await runs();
    expect(run).toMatchObject({
      trigger: "TYPING_RUN",
      trigger_ref: typed.data?.runTyping.id,
      as_of: "2025-08-01",
    });
    expect(run?.granted).toBeGreaterThan(0);
    const survival = await getDb()
      .db.selectFrom("typing_result")
      .select("uscc")
      .where("type", "=", "SURVIVAL")
      .where("run_id", "=", typed.data?.runTyping.id ?? "")
      .execute();
    const active = await getDb()
      .db.selectFrom("household")
      .select("uscc")
      .where("status", "=", "ACTIVE")
      .execute();
    const activeSet = new Set(active.map((h) => h.uscc));
    expect(run?.granted).toBe(survival.filter((s) => activeSet.has(s.uscc)).length);
  });

  it("grants after a typing run only when its types are the ones in force", async () => {
    await publishTestPolicy(getDb().db, {
      code: "TEST_TRIGGER_TYPING",
      rule: SURVIVAL,
      examples: SURVIVAL_EXAMPLES,
    });
    const typeAsOf = (date: string) =>
      runGraphQL<{ runTyping: { id: string } }>(
        deps(),
        CITY,
        `mutation { runTyping(asOf: "${date}") { id } }`,
      );
    const newer = await typeAsOf("2025-08-01");
    // An older year typed again afterwards: its types are not in force, nothing is granted on it.
    const older = await typeAsOf("2024-08-01");
    expect(older.errors).toBeUndefined();
    expect((await runs()).map((r) => [r.trigger_ref, r.as_of])).toEqual([
      [newer.data?.runTyping.id, "2025-08-01"],
    ]);
    // The same date typed again replaces the types in force, and is granted on.
    const again = await typeAsOf("2025-08-01");
    expect((await runs()).map((r) => r.trigger_ref)).toEqual([
      newer.data?.runTyping.id,
      again.data?.runTyping.id,
    ]);
  });

  it("grants a version when it is published through GraphQL, if AUTO and in force today", async () => {
    await runGraphQL(deps(), CITY, `mutation { runTyping(asOf: "2025-08-01") { id } }`);
    const before = (await runs()).length;
    const publish = async (code: string, mode: "AUTO" | "APPLY", effectiveFrom: string) => {
      const input = {
        title: `触发 ${code}`,
        kind: "TAX_RELIEF",
        mode,
        howToApply: mode === "APPLY" ? "向税务部门申请。" : null,
        rule: SURVIVAL,
        benefit: "减免",
        amount: 500,
        legalBasis: LEGAL_BASIS,
        effectiveFrom,
        examples: SURVIVAL_EXAMPLES,
      };
      const created = await runGraphQL(
        deps(),
        SAMR,
        `mutation ($code: String!, $input: PolicyInput!) { createPolicy(code: $code, input: $input) { id } }`,
        { code, input },
      );
      expect(created.errors).toBeUndefined();
      const published = await runGraphQL<{ publishPolicy: { id: string } }>(
        deps(),
        SAMR,
        `mutation ($code: String!) { publishPolicy(code: $code) { id } }`,
        { code },
      );
      expect(published.errors).toBeUndefined();
      return published.data?.publishPolicy.id;
    };
    const now = await publish("TEST_TRIGGER_NOW", "AUTO", "2025-01-01");
    await publish("TEST_TRIGGER_APPLY", "APPLY", "2025-01-01");
    await publish("TEST_TRIGGER_LATER", "AUTO", "2025-10-01");
    const after = (await runs()).slice(before);
    // One run for the AUTO version in force today; none for APPLY; none yet for the later one.
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({
      trigger: "POLICY_PUBLISHED",
      trigger_ref: now,
      as_of: "2025-08-02",
    });
    expect(after[0]?.granted).toBeGreaterThan(0);
    const codes = await getDb()
      .db.selectFrom("policy_grant")
      .select("policy_code")
      .distinct()
      .execute();
    expect(codes.map((c) => c.policy_code)).toEqual(["TEST_TRIGGER_NOW"]);
  });

  it("grants after an import and after new policy files; reports a failure without throwing", async () => {
    const { db } = getDb();
    await runGraphQL(deps(), CITY, `mutation { runTyping(asOf: "2025-08-01") { id } }`);
    await publishTestPolicy(db, {
      code: "TEST_TRIGGER_IMPORT",
      rule: SURVIVAL,
      examples: SURVIVAL_EXAMPLES,
    });
    const imported = await grantAfterImport(db, NOW, { actor: "test", ref: "households.jsonl" });
    expect(imported).toMatchObject({ trigger: "IMPORT", asOf: "2025-08-02" });
    expect(imported?.granted).toBeGreaterThan(0);
    expect(
      await grantAfterPolicyFiles(db, { created: [], versioned: [] }, NOW, { actor: "t" }),
    ).toBe(null);
    const files = await grantAfterPolicyFiles(
      db,
      { created: ["TEST_TRIGGER_IMPORT"], versioned: [] },
      NOW,
      { actor: "t" },
    );
    // Granted already by the import's run: nothing new, but the run is recorded.
    expect(files).toMatchObject({ trigger: "POLICY_PUBLISHED", granted: 0 });

    const failures: unknown[] = [];
    const failed = await grantAfterTypingRun(
      db,
      { id: "run", as_of: "2025-02-30" },
      { actor: "test", onError: (error) => failures.push(error) },
    );
    expect(failed).toBeNull();
    expect(String(failures[0])).toContain("asOf");
    await expect(
      grantAfterTypingRun(db, { id: "run", as_of: "2025-02-30" }, { actor: "test" }),
    ).rejects.toThrow(/asOf/);
  });
});
