import { beforeEach, expect, it } from "vitest";
import type { Principal } from "../../src/auth/principal.ts";
import type { PolicyVersion } from "../../src/policies/policy-version.ts";
import { describeEachEngine } from "../support/databases.ts";
import { errorCodes, runGraphQL, testDeps } from "../support/graphql.ts";
import { outboxSettled } from "../support/outbox.ts";
import {
  GROWTH_REVENUE_EXAMPLES,
  GROWTH_REVENUE_RULE,
  publishTestPolicy,
  seedHouseholds,
  usccOf,
} from "./grant-fixtures.ts";

const A = usccOf("410103", 1); // 成长型, 营收 45万
const B = usccOf("410103", 2); // 成长型, 营收 unknown
const C = usccOf("410105", 3); // 成长型, 营收 80万
const D = usccOf("410105", 4); // 生存型

const CITY: Principal = { role: "OPERATOR", tokenId: "t1", countyCode: null };
const ERQI: Principal = { role: "OPERATOR", tokenId: "t2", countyCode: "410103" };
const SAMR: Principal = { role: "DEPARTMENT", tokenId: "t3", departmentCode: "SAMR_ZZ" };
const HRSS: Principal = { role: "DEPARTMENT", tokenId: "t4", departmentCode: "HRSS_ZZ" };
const HOUSEHOLD_A: Principal = { role: "HOUSEHOLD", tokenId: "t5", uscc: A };
const BANK: Principal = { role: "BANK", tokenId: "t6", bankCode: "ZZBANK" };

const AS_OF = "2025-08-01";

interface GrantNode {
  id: string;
  uscc: string;
  policyCode: string;
  period: string;
  amount: number | null;
  status: string;
  explanation: string;
}

describeEachEngine("grants over GraphQL", (getDb) => {
  let auto: PolicyVersion;
  const deps = () => testDeps(getDb(), () => new Date("2025-08-01T02:00:00Z"));
  const gql = <T = Record<string, unknown>>(
    principal: Principal,
    query: string,
    variables?: Record<string, unknown>,
  ) => runGraphQL<T>(deps(), principal, query, variables);

  beforeEach(async () => {
    const { db } = getDb();
    await getDb().reset();
    await seedHouseholds(db, [
      { uscc: A, type: "GROWTH", revenue2024: 450_000 },
      { uscc: B, type: "GROWTH", tax2024: 100 },
      { uscc: C, type: "GROWTH", revenue2024: 800_000 },
      { uscc: D, type: "SURVIVAL", revenue2024: 100_000 },
    ]);
    auto = await publishTestPolicy(db, {
      code: "SAMR_TEST_AUTO",
      department: "SAMR_ZZ",
      rule: GROWTH_REVENUE_RULE,
      amount: 3000,
      examples: GROWTH_REVENUE_EXAMPLES,
    });
    await publishTestPolicy(db, {
      code: "HRSS_TEST_APPLY",
      department: "HRSS_ZZ",
      mode: "APPLY",
      howToApply: "向所在地人社部门申请。",
      rule: { "==": [{ var: "type" }, "SURVIVAL"] },
      examples: [
        { name: "生存型", facts: { type: "SURVIVAL" }, expected: "ELIGIBLE" },
        { name: "成长型", facts: { type: "GROWTH" }, expected: "INELIGIBLE" },
      ],
    });
    const run = await gql<{ runGrants: { granted: number; versions: { policyCode: string }[] } }>(
      CITY,
      `mutation { runGrants(asOf: "${AS_OF}") { granted versions { policyCode granted } } }`,
    );
    expect(run.errors).toBeUndefined();
    expect(run.data?.runGrants.granted).toBe(2);
  });

  const ENTITLEMENTS = `query ($uscc: String!) {
    household(uscc: $uscc) {
      entitlements(asOf: "${AS_OF}") {
        policy { code mode departmentCode }
        period outcome missingFacts explanation amount howToApply
        grant { policyCode period amount status explanation }
      }
    }
  }`;

  it("shows a household its entitlements: the grant made, how to apply, what is missing", async () => {
    const mine = await gql<{ household: { entitlements: Record<string, unknown>[] } }>(
      HOUSEHOLD_A,
      ENTITLEMENTS,
      { uscc: A },
    );
    expect(mine.errors).toBeUndefined();
    const [apply, granted] = mine.data?.household.entitlements ?? [];
    expect(apply).toMatchObject({
      policy: { code: "HRSS_TEST_APPLY", mode: "APPLY" },
      outcome: "INELIGIBLE",
      howToApply: "向所在地人社部门申请。",
      grant: null,
    });
    expect(granted).toMatchObject({
      policy: { code: "SAMR_TEST_AUTO", mode: "AUTO" },
      period: "2025",
      outcome: "ELIGIBLE",
      amount: 3000,
      howToApply: null,
      grant: { policyCode: "SAMR_TEST_AUTO", period: "2025", amount: 3000, status: "ACTIVE" },
    });
    expect(granted?.explanation).toContain("上年度营业收入");

    const unknown = await gql<{ household: { entitlements: Record<string, unknown>[] } }>(
      CITY,
      ENTITLEMENTS,
      { uscc: B },
    );
    expect(unknown.data?.household.entitlements[1]).toMatchObject({
      outcome: "UNDETERMINED",
      missingFacts: ["revenueLastYear"],
      grant: null,
    });
  });

  it("lets a department see only its own policies' entries, and keeps others out", async () => {
    const query = `query { entitlements(uscc: "${A}", asOf: "${AS_OF}") { policy { code } outcome } }`;
    const samr = await gql<{ entitlements: { policy: { code: string } }[] }>(SAMR, query);
    expect(samr.data?.entitlements.map((e) => e.policy.code)).toEqual(["SAMR_TEST_AUTO"]);
    const hrss = await gql<{ entitlements: { policy: { code: string } }[] }>(HRSS, query);
    expect(hrss.data?.entitlements.map((e) => e.policy.code)).toEqual(["HRSS_TEST_APPLY"]);
    const other = await gql({ role: "HOUSEHOLD", tokenId: "x", uscc: C }, query);
    expect(errorCodes(other)).toEqual(["FORBIDDEN"]);
    const otherCounty = await gql({ role: "OPERATOR", tokenId: "x", countyCode: "410105" }, query);
    expect(errorCodes(otherCounty)).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await gql(BANK, query))).toEqual(["FORBIDDEN"]);
  });

  it("lists the ledger page by page, scoped to the operator's county or the department", async () => {
    const page = async (principal: Principal, after: string | null, filter: object = {}) =>
      gql<{
        grants: {
          totalCount: number;
          edges: { node: GrantNode }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      }>(
        principal,
        `query ($after: String, $filter: GrantFilter) {
          grants(first: 1, after: $after, filter: $filter) {
            totalCount
            edges { node { id uscc policyCode period amount status explanation } }
            pageInfo { hasNextPage endCursor }
          }
        }`,
        { after, filter },
      );
    const first = await page(CITY, null);
    expect(first.errors).toBeUndefined();
    expect(first.data?.grants.totalCount).toBe(2);
    expect(first.data?.grants.edges.map((e) => e.node.uscc)).toEqual([A]);
    expect(first.data?.grants.pageInfo.hasNextPage).toBe(true);
    const second = await page(CITY, first.data?.grants.pageInfo.endCursor ?? null);
    expect(second.data?.grants.edges.map((e) => e.node.uscc)).toEqual([C]);
    expect(second.data?.grants.pageInfo.hasNextPage).toBe(false);
    expect(second.data?.grants.edges[0]?.node.explanation).toContain("满足");

    const county = await page(ERQI, null);
    expect(county.data?.grants).toMatchObject({ totalCount: 1, edges: [{ node: { uscc: A } }] });
    expect(errorCodes(await page(ERQI, null, { countyCode: "410105" }))).toEqual(["FORBIDDEN"]);
    expect((await page(HRSS, null)).data?.grants.totalCount).toBe(0);
    expect(
      (await page(SAMR, null, { type: "GROWTH", period: "2025" })).data?.grants.totalCount,
    ).toBe(2);
    expect(errorCodes(await page(CITY, null, { from: "2025-13-01" }))).toEqual(["BAD_USER_INPUT"]);
  });

  it("sums the ledger by policy, county, type, category and month", async () => {
    const summary = await gql<{ byCounty: unknown[]; byMonth: unknown[] }>(
      CITY,
      `query {
        byCounty: grantSummary(groupBy: COUNTY) { key grants households amount revoked }
        byMonth: grantSummary(groupBy: MONTH, filter: { policyCode: "SAMR_TEST_AUTO" }) { key grants amount }
      }`,
    );
    expect(summary.errors).toBeUndefined();
    expect(summary.data?.byCounty).toEqual([
      { key: "410103", grants: 1, households: 1, amount: 3000, revoked: 0 },
      { key: "410105", grants: 1, households: 1, amount: 3000, revoked: 0 },
    ]);
    expect(summary.data?.byMonth).toEqual([{ key: "2025-08", grants: 2, amount: 6000 }]);
  });

  it("revokes a grant once, with a reason, audited and told as an event", async () => {
    const { db } = getDb();
    const grant = await gql<{ household: { grants: { id: string }[] } }>(
      CITY,
      `query { household(uscc: "${C}") { grants { id } } }`,
    ).then((r) => ({ id: r.data?.household.grants[0]?.id ?? "" }));
    expect(grant.id).not.toBe("");
    const revoke = (principal: Principal, reason: string) =>
      gql<{ revokeGrant: { status: string; revokeReason: string } }>(
        principal,
        `mutation ($id: ID!, $reason: String!) { revokeGrant(id: $id, reason: $reason) { status revokeReason } }`,
        { id: grant.id, reason },
      );
    expect(errorCodes(await revoke(ERQI, "不属于本区"))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await revoke(CITY, "  "))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await revoke(SAMR, "部门无权撤销"))).toEqual(["FORBIDDEN"]);
    const done = await revoke(CITY, "经核查营业收入数据有误");
    expect(done.data?.revokeGrant).toEqual({
      status: "REVOKED",
      revokeReason: "经核查营业收入数据有误",
    });
    expect(errorCodes(await revoke(CITY, "再次撤销"))).toEqual(["CONFLICT"]);

    const audit = await db
      .selectFrom("audit_log")
      .select(["action", "entity", "entity_id", "reason", "actor"])
      .where("entity", "=", "policy_grant")
      .execute();
    expect(audit).toEqual([
      {
        action: "grant.revoke",
        entity: "policy_grant",
        entity_id: grant.id,
        reason: "经核查营业收入数据有误",
        actor: "OPERATOR:CITY:t1",
      },
    ]);
    // The household is not granted again this period; the summary counts the revocation.
    await gql(CITY, `mutation { runGrants(asOf: "2025-09-01") { granted } }`);
    const summary = await gql<{ grantSummary: unknown[] }>(
      CITY,
      `query { grantSummary(groupBy: POLICY) { key grants revoked amount } }`,
    );
    expect(summary.data?.grantSummary).toEqual([
      { key: "SAMR_TEST_AUTO", grants: 1, revoked: 1, amount: 3000 },
    ]);

    await outboxSettled(getDb().db);
    const events = await gql<{
      grantEvents: { edges: { node: { kind: string; uscc: string; reason: string | null } }[] };
    }>(CITY, `query { grantEvents(first: 10) { edges { node { kind uscc reason } } } }`);
    expect(events.data?.grantEvents.edges.map((e) => e.node)).toEqual([
      expect.objectContaining({ kind: "GRANTED" }),
      expect.objectContaining({ kind: "GRANTED" }),
      { kind: "REVOKED", uscc: C, reason: "经核查营业收入数据有误" },
    ]);
  });

  it("reads the outbox on from a cursor, a county operator its county only", async () => {
    const read = (principal: Principal, after: string | null) =>
      gql<{
        grantEvents: {
          edges: { node: { uscc: string; kind: string; grant: { amount: number } } }[];
          pageInfo: { endCursor: string | null; hasNextPage: boolean };
        };
      }>(
        principal,
        `query ($after: String) { grantEvents(first: 1, after: $after) { edges { node { uscc kind grant { amount } } } pageInfo { endCursor hasNextPage } } }`,
        { after },
      );
    await outboxSettled(getDb().db);
    const first = await read(CITY, null);
    const second = await read(CITY, first.data?.grantEvents.pageInfo.endCursor ?? null);
    const third = await read(CITY, second.data?.grantEvents.pageInfo.endCursor ?? null);
    const seen = [first, second].flatMap((r) => r.data?.grantEvents.edges.map((e) => e.node.uscc));
    expect(seen.sort()).toEqual([A, C]);
    expect(first.data?.grantEvents.edges[0]?.node.grant.amount).toBe(3000);
    expect(third.data?.grantEvents.edges).toEqual([]);
    expect(third.data?.grantEvents.pageInfo.endCursor).toBeNull();
    const county = await read(ERQI, null);
    expect(county.data?.grantEvents.edges.map((e) => e.node.uscc)).toEqual([A]);
    expect(errorCodes(await read(CITY, "bm90LWEtY3Vyc29y"))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await read(SAMR, null))).toEqual(["FORBIDDEN"]);
  });

  it("replays a past decision with the facts it was made on, whatever changed since", async () => {
    const { db } = getDb();
    // Revenue of 2024 corrected downwards after the grant: today's records no longer qualify.
    await db.updateTable("household_year").set({ revenue: 10_000 }).where("uscc", "=", A).execute();
    const query = `query ($asOf: Date!, $v: ID!) {
      whatIf(uscc: "${A}", asOf: $asOf, policyVersionId: $v) {
        factsSource facts outcome amount inForce explanation grant { period }
      }
    }`;
    const replay = await gql<{ whatIf: Record<string, unknown> }>(HOUSEHOLD_A, query, {
      asOf: AS_OF,
      v: auto.id,
    });
    expect(replay.errors).toBeUndefined();
    expect(replay.data?.whatIf).toMatchObject({
      factsSource: "GRANT",
      facts: { type: "GROWTH", revenueLastYear: 450000 },
      outcome: "ELIGIBLE",
      amount: 3000,
      inForce: true,
      grant: { period: "2025" },
    });
    const recomputed = await gql<{ whatIf: Record<string, unknown> }>(HOUSEHOLD_A, query, {
      asOf: "2025-09-01",
      v: auto.id,
    });
    expect(recomputed.data?.whatIf).toMatchObject({
      factsSource: "RECORDS",
      facts: expect.objectContaining({ revenueLastYear: 10000 }),
      outcome: "INELIGIBLE",
      grant: { period: "2025" },
    });
    // The grant's own explanation still reads as decided.
    const grant = await gql<{ household: { grants: GrantNode[] } }>(
      HOUSEHOLD_A,
      `query { household(uscc: "${A}") { grants { policyCode explanation amount } } }`,
    );
    expect(grant.data?.household.grants[0]?.explanation).toContain("45");
    expect(errorCodes(await gql(HRSS, query, { asOf: AS_OF, v: auto.id }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await gql(ERQI, query.replace(A, C), { asOf: AS_OF, v: auto.id }))).toEqual([
      "FORBIDDEN",
    ]);
  });

  it("limits a county operator's run to its county", async () => {
    const { db } = getDb();
    await publishTestPolicy(db, {
      code: "SAMR_TEST_SECOND",
      rule: GROWTH_REVENUE_RULE,
      examples: GROWTH_REVENUE_EXAMPLES,
    });
    const run = await gql<{ runGrants: { countyCode: string; granted: number } }>(
      ERQI,
      `mutation { runGrants(asOf: "${AS_OF}") { countyCode granted } }`,
    );
    expect(run.data?.runGrants).toEqual({ countyCode: "410103", granted: 1 });
    expect(errorCodes(await gql(SAMR, `mutation { runGrants { granted } }`))).toEqual([
      "FORBIDDEN",
    ]);
  });
});
