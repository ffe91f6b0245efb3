import { beforeEach, expect, it } from "vitest";
import type { Principal } from "../../src/auth/principal.ts";
import { describeEachEngine } from "../support/databases.ts";
import { errorCodes, runGraphQL, testDeps } from "../support/graphql.ts";
import { insertHouseholds } from "../support/households.ts";
import { samplePolicy } from "./sample-policy.ts";

const samr: Principal = { role: "DEPARTMENT", tokenId: "t1", departmentCode: "SAMR_ZZ" };
const tax: Principal = { role: "DEPARTMENT", tokenId: "t2", departmentCode: "TAX_ZZ" };
const bank: Principal = { role: "BANK", tokenId: "t3", bankCode: "ZZBANK" };
const operator: Principal = { role: "OPERATOR", tokenId: "t4", countyCode: "410103" };
const anyone: Principal = { role: "PUBLIC" };

const CODE = "SAMR_TEST_SUBSIDY";
const VERSION_FIELDS = "id code version status amount effectiveFrom inForceUntil";

const CREATE = `mutation($code: String!, $input: PolicyInput!) {
  createPolicy(code: $code, input: $input) { ${VERSION_FIELDS} }
}`;
const PUBLISH = `mutation($code: String!, $from: Date) {
  publishPolicy(code: $code, effectiveFrom: $from) { ${VERSION_FIELDS} }
}`;
const UPDATE = `mutation($code: String!, $input: PolicyPatch!) {
  updatePolicyDraft(code: $code, input: $input) { ${VERSION_FIELDS} }
}`;
const PREVIEW = `query($asOf: Date, $code: String, $rule: JSON, $amount: JSON) {
  previewPolicyImpact(asOf: $asOf, code: $code, rule: $rule, amount: $amount) {
    asOf
    total { eligible ineligible undetermined households estimatedAmount eligibleWithUnknownAmount }
    byType { key labelZh eligible ineligible undetermined }
    byCounty { key eligible households estimatedAmount }
    byCategory { key eligible }
    byIndustrySection { key eligible }
  }
}`;

describeEachEngine("GraphQL policies", (getDb) => {
  beforeEach(async () => {
    await getDb().reset();
  });

  async function createAndPublish() {
    const deps = testDeps(getDb());
    const created = await runGraphQL<any>(deps, samr, CREATE, {
      code: CODE,
      input: samplePolicy(),
    });
    expect(created.errors).toBeUndefined();
    const published = await runGraphQL<any>(deps, samr, PUBLISH, { code: CODE });
    expect(published.errors).toBeUndefined();
    return published.data.publishPolicy;
  }

  it("serves the fact catalog to everyone, with labels, types, units and levels", async () => {
    const result = await runGraphQL<any>(
      testDeps(getDb()),
      anyone,
      "{ factCatalog { name type labelZh unit level nullable values { value labelZh } } }",
    );
    expect(result.errors).toBeUndefined();
    const byName = new Map(result.data.factCatalog.map((f: any) => [f.name, f]));
    expect(byName.get("revenueLastYear")).toEqual({
      name: "revenueLastYear",
      type: "NUMBER",
      labelZh: "上年度营业收入",
      unit: "元",
      level: "BANK",
      nullable: true,
      values: null,
    });
    expect((byName.get("type") as any).values).toContainEqual({
      value: "GROWTH",
      labelZh: "成长型",
    });
    const sections = (byName.get("industrySection") as any).values;
    expect(sections).toHaveLength(20);
    expect(sections).toContainEqual({ value: "H", labelZh: "住宿和餐饮业" });
    expect(sections.filter((v: any) => !v.labelZh)).toEqual([]);
  });

  it("creates and publishes; any token reads published policies, no token reads none", async () => {
    const version = await createAndPublish();
    expect(version).toMatchObject({ code: CODE, version: 1, status: "PUBLISHED", amount: 1000 });
    const deps = testDeps(getDb());
    const read = await runGraphQL<any>(
      deps,
      bank,
      `{ policiesInForce(asOf: "2026-02-01") { code title legalBasis { clause } exampleResults { passes } } }`,
    );
    expect(read.errors).toBeUndefined();
    expect(read.data.policiesInForce).toEqual([
      {
        code: CODE,
        title: "成长型个体工商户测试补贴",
        legalBasis: { clause: "三(一)3 成长型" },
        exampleResults: [{ passes: true }, { passes: true }],
      },
    ]);
    const refused = await runGraphQL(deps, anyone, "{ policies { code } }");
    expect(errorCodes(refused)).toEqual(["UNAUTHENTICATED"]);
  });

  it("returns BAD_USER_INPUT with the JSON path of each issue", async () => {
    const result = await runGraphQL<any>(testDeps(getDb()), samr, CREATE, {
      code: CODE,
      input: samplePolicy({
        rule: { and: [{ "==": [{ var: "status" }, "ACTIVE"] }, { ">": [{ var: "type" }, 3] }] },
      }),
    });
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    const issues = (result.errors?.[0]?.extensions?.details as any)?.issues ?? [];
    expect(issues.map((i: any) => i.path)).toContain("/input/rule/and/1/>/0");
  });

  it("lists each failing example when publishing is refused", async () => {
    const deps = testDeps(getDb());
    await runGraphQL(deps, samr, CREATE, { code: CODE, input: samplePolicy({ amount: 800 }) });
    const result = await runGraphQL<any>(deps, samr, PUBLISH, { code: CODE });
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    const details = (result.errors?.[0]?.extensions?.details ?? {}) as any;
    expect(details.issues).toEqual([
      { path: "/examples/0", message: 'example "成长型" expects 1000 元 but the amount is 800' },
    ]);
    expect(details.failures[0].explanation).toContain("成长型");
  });

  it("lets a department manage only its own policies, and see only its own drafts", async () => {
    await createAndPublish();
    const deps = testDeps(getDb());
    const edit = await runGraphQL<any>(deps, tax, UPDATE, { code: CODE, input: { amount: 5 } });
    expect(errorCodes(edit)).toEqual(["FORBIDDEN"]);
    const retire = await runGraphQL<any>(
      deps,
      tax,
      `mutation { retirePolicy(code: "${CODE}", lastDay: "2026-12-31") { id } }`,
    );
    expect(errorCodes(retire)).toEqual(["FORBIDDEN"]);
    const byBank = await runGraphQL<any>(deps, bank, CREATE, {
      code: "BANK_POLICY",
      input: samplePolicy(),
    });
    expect(errorCodes(byBank)).toEqual(["FORBIDDEN"]);

    // SAMR's new draft: visible to SAMR, not to TAX.
    const draft = await runGraphQL<any>(deps, samr, UPDATE, {
      code: CODE,
      input: { title: "修订稿", amount: 1000 },
    });
    expect(draft.data.updatePolicyDraft).toMatchObject({ version: 2, status: "DRAFT" });
    const history = `{ policy(code: "${CODE}") { versions { version status } draft { version } } }`;
    const own = await runGraphQL<any>(deps, samr, history);
    expect(own.data.policy).toEqual({
      versions: [
        { version: 1, status: "PUBLISHED" },
        { version: 2, status: "DRAFT" },
      ],
      draft: { version: 2 },
    });
    const other = await runGraphQL<any>(deps, tax, history);
    expect(other.data.policy).toEqual({
      versions: [{ version: 1, status: "PUBLISHED" }],
      draft: null,
    });
    const direct = await runGraphQL<any>(
      deps,
      tax,
      `query($id: ID!) { policyVersion(id: $id) { title } }`,
      { id: draft.data.updatePolicyDraft.id },
    );
    expect(errorCodes(direct)).toEqual(["FORBIDDEN"]);
  });

  it("evaluates any version for facts given by hand, explained", async () => {
    const version = await createAndPublish();
    const result = await runGraphQL<any>(
      testDeps(getDb()),
      bank,
      `query($id: ID!, $facts: JSON) { policyVersion(id: $id) {
        evaluate(facts: $facts) { outcome missingFacts amount explanation conditions { fact holds } }
      } }`,
      { id: version.id, facts: { status: "ACTIVE", type: null } },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.policyVersion.evaluate).toMatchObject({
      outcome: "UNDETERMINED",
      missingFacts: ["type"],
      amount: null,
    });
  });

  it("previews a bare rule and a policy over the households, by type and county", async () => {
    const { db } = getDb();
    await insertHouseholds(db, [
      { uscc: "92410103MA0000001X" },
      { uscc: "92410103MA0000002X" },
      { uscc: "92410105MA0000003X" },
      { uscc: "92410105MA0000004X", status: "REVOKED" },
    ]);
    const run = await db
      .insertInto("typing_run")
      .values({
        as_of: "2025-08-01",
        standard_version: "test",
        started_at: "2025-08-01 10:00:00+08",
        finished_at: "2025-08-01 10:05:00+08",
        created_by: "test",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db
      .insertInto("typing_result")
      .values([
        { run_id: run.id, uscc: "92410103MA0000001X", type: "GROWTH", codes: [] },
        { run_id: run.id, uscc: "92410105MA0000003X", type: "GROWTH", codes: [] },
        { run_id: run.id, uscc: "92410105MA0000004X", type: "GROWTH", codes: [] },
      ])
      .execute();
    await createAndPublish();
    const deps = testDeps(getDb());

    const byCode = await runGraphQL<any>(deps, samr, PREVIEW, { asOf: "2026-02-01", code: CODE });
    expect(byCode.errors).toBeUndefined();
    const impact = byCode.data.previewPolicyImpact;
    expect(impact.total).toEqual({
      eligible: 2,
      ineligible: 1,
      undetermined: 1,
      households: 4,
      estimatedAmount: 2000,
      eligibleWithUnknownAmount: 0,
    });
    expect(impact.byType).toEqual([
      { key: "GROWTH", labelZh: "成长型", eligible: 2, ineligible: 1, undetermined: 0 },
      { key: null, labelZh: "未知", eligible: 0, ineligible: 0, undetermined: 1 },
    ]);
    expect(impact.byCounty).toEqual([
      { key: "410103", eligible: 1, households: 2, estimatedAmount: 1000 },
      { key: "410105", eligible: 1, households: 2, estimatedAmount: 1000 },
    ]);

    const bare = await runGraphQL<any>(deps, tax, PREVIEW, {
      asOf: "2026-02-01",
      rule: { "==": [{ var: "status" }, "REVOKED"] },
    });
    expect(bare.data.previewPolicyImpact.total.eligible).toBe(1);
    expect(bare.data.previewPolicyImpact.total.estimatedAmount).toBeNull();

    const badRule = await runGraphQL<any>(deps, samr, PREVIEW, {
      rule: { "==": [{ var: "x" }, 1] },
    });
    expect(errorCodes(badRule)).toEqual(["BAD_USER_INPUT"]);
    const badIssues = (badRule.errors?.[0]?.extensions?.details as any)?.issues ?? [];
    expect(badIssues[0]?.path).toBe("/rule/==/0");
    const byOperator = await runGraphQL<any>(deps, operator, PREVIEW, { code: CODE });
    expect(errorCodes(byOperator)).toEqual(["FORBIDDEN"]);
  });
});
