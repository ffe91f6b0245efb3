import { sql } from "kysely";
import { beforeEach, expect, it } from "vitest";
import { BadInputError, ConflictError, ForbiddenError } from "../../src/errors.ts";
import { compiledPolicyOf, createPolicyRuleCache } from "../../src/policies/compiled-policy.ts";
import { policiesInForce, policyHistory } from "../../src/policies/policy-queries.ts";
import {
  createPolicy,
  discardPolicyDraft,
  publishPolicy,
  retirePolicy,
  updatePolicyDraft,
} from "../../src/policies/policy-registry.ts";
import { describeEachEngine } from "../support/databases.ts";
import { SAMR, samplePolicy, TAX } from "./sample-policy.ts";

const CODE = "SAMR_TEST_SUBSIDY";

describeEachEngine("policy registry", (getDb) => {
  beforeEach(async () => {
    await getDb().reset();
  });

  it("creates a draft, publishes it, and lists it in force from its date", async () => {
    const { db } = getDb();
    const draft = await createPolicy(db, SAMR, CODE, samplePolicy());
    expect(draft).toMatchObject({
      code: CODE,
      version: 1,
      status: "DRAFT",
      departmentCode: "SAMR_ZZ",
    });
    expect(await policiesInForce(db, "2026-06-01")).toEqual([]);

    const published = await publishPolicy(db, SAMR, CODE);
    expect(published).toMatchObject({
      id: draft.id,
      status: "PUBLISHED",
      effectiveFrom: "2026-01-01",
    });
    expect((await policiesInForce(db, "2025-12-31")).map((v) => v.id)).toEqual([]);
    expect((await policiesInForce(db, "2026-01-01")).map((v) => v.id)).toEqual([draft.id]);
    const audit = await db.selectFrom("audit_log").select("action").orderBy("at").execute();
    expect(audit.map((a) => a.action)).toEqual(["policy.create", "policy.publish"]);
  });

  it("keeps published versions immutable: editing makes a new draft, publishing supersedes", async () => {
    const { db } = getDb();
    const v1 = await createPolicy(db, SAMR, CODE, samplePolicy());
    await publishPolicy(db, SAMR, CODE);

    const v2 = await updatePolicyDraft(db, SAMR, CODE, {
      amount: 1500,
      examples: [
        {
          name: "成长型",
          facts: { status: "ACTIVE", type: "GROWTH" },
          expected: "ELIGIBLE",
          expectedAmount: 1500,
        },
        { name: "生存型", facts: { status: "ACTIVE", type: "SURVIVAL" }, expected: "INELIGIBLE" },
      ],
    });
    expect(v2).toMatchObject({ version: 2, status: "DRAFT", amount: 1500 });
    // A second edit changes the same draft.
    const again = await updatePolicyDraft(db, SAMR, CODE, {
      title: "成长型个体工商户测试补贴（修订）",
    });
    expect(again).toMatchObject({ id: v2.id, version: 2, amount: 1500 });

    await publishPolicy(db, SAMR, CODE, { effectiveFrom: "2026-07-01" });
    const history = await policyHistory(db, CODE);
    expect(
      history.map((v) => [v.version, v.status, v.effectiveFrom, v.inForceUntil, v.amount]),
    ).toEqual([
      [1, "SUPERSEDED", "2026-01-01", "2026-06-30", 1000],
      [2, "PUBLISHED", "2026-07-01", null, 1500],
    ]);
    expect((await policiesInForce(db, "2026-06-30")).map((v) => v.id)).toEqual([v1.id]);
    expect((await policiesInForce(db, "2026-07-01")).map((v) => v.id)).toEqual([v2.id]);
  });

  it("refuses in the database any change to a published version's content, and its deletion", async () => {
    const { db } = getDb();
    const v1 = await createPolicy(db, SAMR, CODE, samplePolicy());
    await publishPolicy(db, SAMR, CODE);
    const attempts = [
      sql`UPDATE policy_version SET amount = '2000'::jsonb WHERE id = ${v1.id}`,
      sql`UPDATE policy_version SET rule = '{"==": [1, 1]}'::jsonb WHERE id = ${v1.id}`,
      sql`UPDATE policy_version SET effective_from = '2020-01-01' WHERE id = ${v1.id}`,
      sql`UPDATE policy_version SET effective_until = '2030-01-01' WHERE id = ${v1.id}`,
      sql`UPDATE policy_version SET status = 'DRAFT', published_at = NULL WHERE id = ${v1.id}`,
      sql`DELETE FROM policy_version WHERE id = ${v1.id}`,
    ];
    for (const attempt of attempts) {
      await expect(attempt.execute(db)).rejects.toThrow(/is published and cannot/);
    }
    // Its term may only be ended (or ended earlier), never reopened.
    await sql`UPDATE policy_version SET in_force_until = '2026-12-31' WHERE id = ${v1.id}`.execute(
      db,
    );
    await expect(
      sql`UPDATE policy_version SET in_force_until = NULL WHERE id = ${v1.id}`.execute(db),
    ).rejects.toThrow(/cannot change/);
    const [row] = await policyHistory(db, CODE);
    expect(row).toMatchObject({ amount: 1000, effectiveFrom: "2026-01-01", status: "PUBLISHED" });
  });

  it("refuses to publish while examples fail, listing each with its explanation", async () => {
    const { db } = getDb();
    await createPolicy(
      db,
      SAMR,
      CODE,
      samplePolicy({
        examples: [
          { name: "成长型", facts: { status: "ACTIVE", type: "GROWTH" }, expected: "INELIGIBLE" },
          { name: "生存型", facts: { status: "ACTIVE", type: "SURVIVAL" }, expected: "INELIGIBLE" },
          { name: "未分型", facts: { status: "ACTIVE", type: null }, expected: "ELIGIBLE" },
        ],
      }),
    );
    const error = await publishPolicy(db, SAMR, CODE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadInputError);
    const bad = error as BadInputError;
    const failures = (
      bad.details as { failures: { path: string; actual: string; explanation: string }[] }
    ).failures;
    expect(failures.map((f) => [f.path, f.actual])).toEqual([
      ["/examples/0", "ELIGIBLE"],
      ["/examples/2", "UNDETERMINED"],
    ]);
    expect(failures[0]?.explanation).toContain("成长型");
    expect(bad.message).toContain(
      'example "成长型" expects INELIGIBLE but the rule gives ELIGIBLE',
    );
    expect(bad.message).toContain("/examples/2");
    expect((await policyHistory(db, CODE)).map((v) => v.status)).toEqual(["DRAFT"]);
  });

  it("checks an example's amount", async () => {
    const { db } = getDb();
    await createPolicy(db, SAMR, CODE, samplePolicy({ amount: 900 }));
    await expect(publishPolicy(db, SAMR, CODE)).rejects.toThrow(
      /expects 1000 元 but the amount is 900/,
    );
  });

  it("lets a department manage only its own policies", async () => {
    const { db } = getDb();
    await createPolicy(db, SAMR, CODE, samplePolicy());
    await expect(updatePolicyDraft(db, TAX, CODE, { title: "x" })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(publishPolicy(db, TAX, CODE)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(retirePolicy(db, TAX, CODE, "2026-12-31")).rejects.toBeInstanceOf(ForbiddenError);
    await expect(discardPolicyDraft(db, TAX, CODE)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createPolicy(db, TAX, CODE, samplePolicy())).rejects.toBeInstanceOf(ConflictError);
    expect((await policyHistory(db, CODE)).map((v) => v.status)).toEqual(["DRAFT"]);
  });

  it("retires: the version stays in force through its last day; it can be published again later", async () => {
    const { db } = getDb();
    const v1 = await createPolicy(db, SAMR, CODE, samplePolicy());
    await publishPolicy(db, SAMR, CODE);
    const retired = await retirePolicy(db, SAMR, CODE, "2026-09-30");
    expect(retired).toMatchObject({ id: v1.id, status: "RETIRED", inForceUntil: "2026-09-30" });
    expect((await policiesInForce(db, "2026-09-30")).map((v) => v.id)).toEqual([v1.id]);
    expect(await policiesInForce(db, "2026-10-01")).toEqual([]);
    await expect(retirePolicy(db, SAMR, CODE, "2026-08-31")).rejects.toBeInstanceOf(ConflictError);

    // A new version may not start before the last one did.
    await updatePolicyDraft(db, SAMR, CODE, { effectiveFrom: "2025-06-01" });
    await expect(publishPolicy(db, SAMR, CODE)).rejects.toThrow(/before 2026-01-01/);
    const v2 = await publishPolicy(db, SAMR, CODE, { effectiveFrom: "2027-01-01" });
    expect((await policiesInForce(db, "2026-12-01")).map((v) => v.id)).toEqual([]);
    expect((await policiesInForce(db, "2027-01-01")).map((v) => v.id)).toEqual([v2.id]);
    expect((await policyHistory(db, CODE)).map((v) => [v.status, v.inForceUntil])).toEqual([
      ["RETIRED", "2026-09-30"],
      ["PUBLISHED", null],
    ]);
  });

  it("validates drafts with the JSON path of each issue, and writes nothing when invalid", async () => {
    const { db } = getDb();
    const error = await createPolicy(
      db,
      SAMR,
      CODE,
      samplePolicy({ rule: { "==": [{ var: "tpye" }, "GROWTH"] } }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadInputError);
    const issues = ((error as BadInputError).details as { issues: { path: string }[] }).issues;
    expect(issues[0]?.path).toBe("/input/rule/==/0");
    expect(await db.selectFrom("policy").selectAll().execute()).toEqual([]);
  });

  it("compiles a version once per process, and an edited draft anew", async () => {
    const { db } = getDb();
    const cache = createPolicyRuleCache();
    const draft = await createPolicy(db, SAMR, CODE, samplePolicy());
    const first = compiledPolicyOf(cache, draft);
    expect(compiledPolicyOf(cache, draft)).toBe(first);
    const edited = await updatePolicyDraft(db, SAMR, CODE, { amount: 900 });
    expect(edited.id).toBe(draft.id);
    expect(compiledPolicyOf(cache, edited).fixedAmount).toBe(900);
    expect(first.fixedAmount).toBe(1000);
  });

  it("discards an open draft but never the first version", async () => {
    const { db } = getDb();
    await createPolicy(db, SAMR, CODE, samplePolicy());
    await expect(discardPolicyDraft(db, SAMR, CODE)).rejects.toBeInstanceOf(ConflictError);
    await publishPolicy(db, SAMR, CODE);
    await updatePolicyDraft(db, SAMR, CODE, { title: "改" });
    await discardPolicyDraft(db, SAMR, CODE);
    expect((await policyHistory(db, CODE)).map((v) => v.status)).toEqual(["PUBLISHED"]);
  });
});
