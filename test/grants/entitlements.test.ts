import { beforeEach, expect, it } from "vitest";
import { householdEntitlements } from "../../src/grants/entitlements.ts";
import { runGrants } from "../../src/grants/run-grants.ts";
import { createPolicyRuleCache } from "../../src/policies/compiled-policy.ts";
import {
  publishPolicy,
  retirePolicy,
  updatePolicyDraft,
} from "../../src/policies/policy-registry.ts";
import { describeEachEngine } from "../support/databases.ts";
import {
  GROWTH_REVENUE_EXAMPLES,
  GROWTH_REVENUE_RULE,
  publishTestPolicy,
  seedHouseholds,
  usccOf,
} from "./grant-fixtures.ts";

const A = usccOf("410103", 1);
const B = usccOf("410103", 2);
const EDITOR = { departmentCode: "SAMR_ZZ", actor: "DEPARTMENT:SAMR_ZZ:test" };

describeEachEngine("householdEntitlements", (getDb) => {
  beforeEach(async () => {
    await getDb().reset();
    await seedHouseholds(getDb().db, [
      { uscc: A, type: "GROWTH", revenue2024: 450_000 },
      { uscc: B, type: "GROWTH", tax2024: 100 },
    ]);
  });

  it("follows new versions and retirements with one cache for the whole server", async () => {
    const { db } = getDb();
    const cache = createPolicyRuleCache();
    const v1 = await publishTestPolicy(db, {
      code: "TEST_VERSIONS",
      rule: GROWTH_REVENUE_RULE,
      amount: 1000,
      examples: GROWTH_REVENUE_EXAMPLES,
    });
    const before = await householdEntitlements(db, A, "2025-08-01", { cache });
    expect(before?.map((e) => [e.version.id, e.version.status, e.amount])).toEqual([
      [v1.id, "PUBLISHED", 1000],
    ]);

    // Version 2 from 1 September: 2000 元. Version 1 is superseded and ends on 31 August.
    await updatePolicyDraft(db, EDITOR, "TEST_VERSIONS", {
      amount: 2000,
      effectiveFrom: "2025-09-01",
    });
    const v2 = await publishPolicy(db, EDITOR, "TEST_VERSIONS");
    const august = await householdEntitlements(db, A, "2025-08-01", { cache });
    expect(august?.map((e) => [e.version.id, e.version.status, e.version.inForceUntil])).toEqual([
      [v1.id, "SUPERSEDED", "2025-08-31"],
    ]);
    const september = await householdEntitlements(db, A, "2025-09-15", { cache });
    expect(september?.map((e) => [e.version.id, e.amount])).toEqual([[v2.id, 2000]]);

    await retirePolicy(db, EDITOR, "TEST_VERSIONS", "2025-09-30");
    expect(await householdEntitlements(db, A, "2025-10-01", { cache })).toEqual([]);
    const retired = await householdEntitlements(db, A, "2025-09-30", { cache });
    expect(retired?.map((e) => [e.version.status, e.version.inForceUntil])).toEqual([
      ["RETIRED", "2025-09-30"],
    ]);
    expect(await householdEntitlements(db, usccOf("410103", 99), "2025-08-01", { cache })).toBe(
      undefined,
    );
  });

  it("shows the grant of the period, and an unknown amount as undetermined", async () => {
    const { db } = getDb();
    const cache = createPolicyRuleCache();
    await publishTestPolicy(db, {
      code: "TEST_AMOUNT_UNKNOWN",
      department: "HRSS_ZZ",
      rule: { "==": [{ var: "type" }, "GROWTH"] },
      amount: { "*": [{ var: "revenueLastYear" }, 0.01] },
      examples: [
        {
          name: "成长型",
          facts: { type: "GROWTH", revenueLastYear: 100000 },
          expected: "ELIGIBLE",
          expectedAmount: 1000,
        },
        { name: "生存型", facts: { type: "SURVIVAL", revenueLastYear: 1 }, expected: "INELIGIBLE" },
      ],
    });
    await publishTestPolicy(db, {
      code: "TEST_ONCE_ONLY",
      rule: GROWTH_REVENUE_RULE,
      grantPeriod: "ONCE",
      examples: GROWTH_REVENUE_EXAMPLES,
    });
    await runGrants(db, { asOf: "2025-08-01", trigger: "MANUAL", actor: "test" });

    const [amountA, onceA] = (await householdEntitlements(db, A, "2025-08-01", { cache })) ?? [];
    expect(amountA).toMatchObject({ outcome: "ELIGIBLE", amount: 4500, grant: { amount: 4500 } });
    expect(amountA?.amountExplanation?.text).toContain("上年度营业收入");
    // A ONCE grant shows in any later year.
    const later = await householdEntitlements(db, A, "2027-03-01", { cache });
    expect(later?.[1]).toMatchObject({
      period: { key: "ONCE" },
      grant: { policy_code: "TEST_ONCE_ONLY", as_of: "2025-08-01" },
    });
    expect(onceA?.grant?.granted_at).toBeInstanceOf(Date);

    const [amountB] = (await householdEntitlements(db, B, "2025-08-01", { cache })) ?? [];
    expect(amountB).toMatchObject({
      outcome: "UNDETERMINED",
      missingFacts: ["revenueLastYear"],
      amount: null,
      grant: null,
    });
    const hrss = await householdEntitlements(db, B, "2025-08-01", {
      cache,
      departmentCode: "HRSS_ZZ",
    });
    expect(hrss?.map((e) => e.version.code)).toEqual(["TEST_AMOUNT_UNKNOWN"]);
  });
});
