import { beforeEach, expect, it } from "vitest";
import type { Principal } from "../../src/auth/principal.ts";
import { describeEachEngine } from "../support/databases.ts";
import { errorCodes, type GraphQLResult, runGraphQL, testDeps } from "../support/graphql.ts";
import {
  anyone,
  cityOperator,
  department,
  erqiOperator,
  H,
  householdPrincipal,
  jinshuiOperator,
  otherBank,
  START,
  seedRegister,
  zzBank,
} from "./pre-credit-fixture.ts";

const REGISTER = `mutation ($input: RegisterCreditProductInput!) {
  registerCreditProduct(input: $input) {
    id code bankCode retired
    versionInForce { version }
    versions { version status criteria criteriaHash facts consentFacts publishedAt }
  }
}`;
const PUBLISH = `mutation ($id: ID!, $v: Int!) {
  publishCreditProductVersion(productId: $id, version: $v) {
    id versionInForce { version } versions { version status criteriaHash }
  }
}`;
const ADD_VERSION = `mutation ($id: ID!, $criteria: JSON!) {
  addCreditProductVersion(productId: $id, criteria: $criteria) { version status criteriaHash }
}`;
const RETIRE = `mutation ($id: ID!) {
  retireCreditProduct(productId: $id, reason: "replaced by a new product") { id retired retiredReason }
}`;
const LIST = `query ($id: ID!, $first: Int, $after: String, $version: Int) {
  preCreditCandidates(productId: $id, first: $first, after: $after, version: $version) {
    edges { cursor node {
      uscc name consentInForce type category countyCode industryCode industrySection registeredYears
      taxPaidLastYear insuredEmployeesLastYear revenueLastYear
    } }
    pageInfo { hasNextPage endCursor }
    asOf productVersion criteriaHash
  }
}`;
const LIST_COUNTED = `query ($id: ID!, $first: Int, $after: String) {
  preCreditCandidates(productId: $id, first: $first, after: $after) {
    edges { node { uscc } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}`;
const GRANT = `mutation ($bank: String, $until: Date!) {
  grantBankConsent(bankCode: $bank, validUntil: $until) {
    id uscc bankCode allBanks validUntil inForce revokedAt
  }
}`;
const REVOKE = `mutation ($id: ID!) { revokeBankConsent(id: $id) { id inForce revokedAt revokedReason } }`;
const CONSENTS = `query ($uscc: String, $inForceOnly: Boolean) {
  bankConsents(uscc: $uscc, inForceOnly: $inForceOnly) { bankCode allBanks validUntil inForce revokedReason }
}`;
const ACCESS_LOG = `query ($bankCode: String, $first: Int, $after: String) {
  preCreditAccessLog(bankCode: $bankCode, first: $first, after: $after) {
    edges { node {
      bankCode tokenId productId productVersion criteriaHash asOf first after afterHidden rowsReturned
      totalCount at
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const REVENUE = { var: "revenueLastYear" };
const GROWING = { in: [{ var: "type" }, ["GROWTH", "DEVELOPMENT"]] };

type Node = {
  uscc: string;
  consentInForce: boolean;
  revenueLastYear: number | null;
  taxPaidLastYear: number | null;
  insuredEmployeesLastYear: number | null;
  [key: string]: unknown;
};

describeEachEngine("GraphQL bank pre-credit", (getDb) => {
  let now = START;
  const deps = () => testDeps(getDb(), () => now);
  const run = <T = any>(principal: Principal, query: string, vars?: Record<string, unknown>) =>
    runGraphQL<T>(deps(), principal, query, vars);

  function ok<T>(result: GraphQLResult<T>): T {
    expect(result.errors).toBeUndefined();
    return result.data as T;
  }

  async function product(criteria: unknown, code = "P1", bank = zzBank): Promise<string> {
    const registered = ok(
      await run(bank, REGISTER, { input: { code, name: `产品${code}`, criteria } }),
    );
    const id = registered.registerCreditProduct.id as string;
    ok(await run(bank, PUBLISH, { id, v: 1 }));
    return id;
  }

  async function list(id: string, bank = zzBank, vars: Record<string, unknown> = {}) {
    const data = ok(await run(bank, LIST, { id, ...vars }));
    return data.preCreditCandidates.edges.map((e: { node: Node }) => e.node) as Node[];
  }

  const usccsOf = (nodes: Node[]) => nodes.map((n) => n.uscc);

  async function grant(uscc: string, bankCode: string | null, until = "2026-12-31") {
    const data = ok(await run(householdPrincipal(uscc), GRANT, { bank: bankCode, until }));
    return data.grantBankConsent.id as string;
  }

  beforeEach(async () => {
    now = START;
    await getDb().reset();
    await seedRegister(getDb().db);
  });

  it("registers a product as a draft, publishes, versions and retires it; versions never change", async () => {
    const registered = ok(
      await run(zzBank, REGISTER, {
        input: { code: "GROWTH-LOAN", name: "成长贷", criteria: GROWING, description: "三(二)3" },
      }),
    ).registerCreditProduct;
    expect(registered).toMatchObject({ code: "GROWTH-LOAN", bankCode: "ZZBANK", retired: false });
    expect(registered.versionInForce).toBeNull();
    expect(registered.versions).toEqual([
      expect.objectContaining({
        version: 1,
        status: "DRAFT",
        criteria: GROWING,
        facts: ["type"],
        consentFacts: [],
        publishedAt: null,
      }),
    ]);
    const id = registered.id;
    const v1Hash = registered.versions[0].criteriaHash;
    expect(v1Hash).toMatch(/^sha256:[0-9a-f]{64}$/);

    // Nothing is in force until a version is published; a draft can be previewed by number.
    expect(errorCodes(await run(zzBank, LIST, { id }))).toEqual(["CONFLICT"]);
    expect((await list(id, zzBank, { version: 1 })).length).toBe(4);

    const published = ok(await run(zzBank, PUBLISH, { id, v: 1 })).publishCreditProductVersion;
    expect(published.versionInForce).toEqual({ version: 1 });
    expect(errorCodes(await run(zzBank, PUBLISH, { id, v: 1 }))).toEqual(["CONFLICT"]);

    // A change is a new version: the published one stays as it was.
    const v2 = ok(
      await run(zzBank, ADD_VERSION, {
        id,
        criteria: { and: [GROWING, { ">=": [REVENUE, 300000] }] },
      }),
    ).addCreditProductVersion;
    expect(v2).toMatchObject({ version: 2, status: "DRAFT" });
    const afterV2 = ok(await run(zzBank, PUBLISH, { id, v: 2 })).publishCreditProductVersion;
    expect(afterV2.versionInForce).toEqual({ version: 2 });
    expect(afterV2.versions).toEqual([
      { version: 1, status: "SUPERSEDED", criteriaHash: v1Hash },
      { version: 2, status: "PUBLISHED", criteriaHash: v2.criteriaHash },
    ]);
    // An old version is never put back in force: a new version is added instead.
    const v3 = ok(
      await run(zzBank, ADD_VERSION, { id, criteria: GROWING }),
    ).addCreditProductVersion;
    expect(v3.criteriaHash).toBe(v1Hash);
    expect(errorCodes(await run(zzBank, PUBLISH, { id, v: 9 }))).toEqual(["NOT_FOUND"]);
    const listed = ok(await run(zzBank, LIST, { id })).preCreditCandidates;
    expect(listed.productVersion).toBe(2);

    const retired = ok(await run(zzBank, RETIRE, { id })).retireCreditProduct;
    expect(retired).toEqual({ id, retired: true, retiredReason: "replaced by a new product" });
    expect(errorCodes(await run(zzBank, LIST, { id }))).toEqual(["CONFLICT"]);
    expect(errorCodes(await run(zzBank, ADD_VERSION, { id, criteria: GROWING }))).toEqual([
      "CONFLICT",
    ]);
    expect(errorCodes(await run(zzBank, PUBLISH, { id, v: 3 }))).toEqual(["CONFLICT"]);
    // The same code cannot be registered twice by one bank; another bank may use it.
    expect(
      errorCodes(
        await run(zzBank, REGISTER, {
          input: { code: "GROWTH-LOAN", name: "x", criteria: GROWING },
        }),
      ),
    ).toEqual(["CONFLICT"]);
    ok(
      await run(otherBank, REGISTER, {
        input: { code: "GROWTH-LOAN", name: "x", criteria: GROWING },
      }),
    );
  });

  it("refuses INTERNAL facts, unknown facts and criteria that are no condition, naming the place", async () => {
    const internal = await run(zzBank, REGISTER, {
      input: {
        code: "PROBE",
        name: "probe",
        criteria: { and: [GROWING, { "!": { var: "abnormalListed" } }] },
      },
    });
    expect(errorCodes(internal)).toEqual(["BAD_USER_INPUT"]);
    expect(internal.errors?.[0]?.message).toMatch(/abnormalListed/);
    expect(internal.errors?.[0]?.message).toMatch(/INTERNAL/);
    expect(internal.errors?.[0]?.message).toMatch(/\/input\/criteria\/and\/1\/!/);
    expect(internal.errors?.[0]?.extensions).toMatchObject({ argument: "input" });

    for (const criteria of [
      { "==": [{ var: "hasActivePenalty" }, false] },
      { in: ["VETERAN", { var: "proprietorGroups" }] },
      { "==": [{ var: "status" }, "ACTIVE"] },
      { "==": [{ var: "proprietorDishonestDebtor" }, false] },
    ]) {
      const refused = await run(zzBank, REGISTER, { input: { code: "P", name: "p", criteria } });
      expect(errorCodes(refused)).toEqual(["BAD_USER_INPUT"]);
      expect(refused.errors?.[0]?.message).toMatch(/INTERNAL/);
    }
    const unknown = await run(zzBank, REGISTER, {
      input: { code: "P", name: "p", criteria: { ">=": [{ var: "revenue" }, 1] } },
    });
    expect(errorCodes(unknown)).toEqual(["BAD_USER_INPUT"]);
    expect(unknown.errors?.[0]?.message).toMatch(/revenue/);
    const notCondition = await run(zzBank, REGISTER, {
      input: { code: "P", name: "p", criteria: REVENUE },
    });
    expect(errorCodes(notCondition)).toEqual(["BAD_USER_INPUT"]);
    // Nothing was written.
    const products = ok(await run(zzBank, `{ creditProducts { edges { node { id } } } }`));
    expect(products.creditProducts.edges).toEqual([]);
  });

  it("lists candidates with their public facts, and their own figures only under consent", async () => {
    await grant(H.erqiGrowth, "ZZBANK");
    await grant(H.jinshuiLarge, null); // all banks
    await grant(H.erqiSmall, "OTHERBANK"); // not this bank
    const id = await product(GROWING);
    const listed = ok(await run(zzBank, LIST, { id })).preCreditCandidates;
    expect(listed.asOf).toBe("2026-03-10");
    const nodes = listed.edges.map((e: { node: Node }) => e.node);
    // USCC order; the revoked registration and the SURVIVAL household are not candidates.
    expect(usccsOf(nodes)).toEqual([H.erqiGrowth, H.erqiSmall, H.erqiFlagged, H.jinshuiLarge]);
    expect(nodes[0]).toEqual({
      uscc: H.erqiGrowth,
      name: "二七惠民便利店",
      consentInForce: true,
      type: "GROWTH",
      category: "FAMOUS",
      countyCode: "410103",
      industryCode: "F5211",
      industrySection: "F",
      registeredYears: 7,
      taxPaidLastYear: 3000,
      insuredEmployeesLastYear: 3,
      revenueLastYear: 450000,
    });
    const figures = (n: Node) => [n.consentInForce, n.revenueLastYear, n.taxPaidLastYear];
    expect(nodes.map(figures)).toEqual([
      [true, 450000, 3000],
      [false, null, null],
      [false, null, null],
      [true, 800000, 15000],
    ]);
    expect(nodes[2].insuredEmployeesLastYear).toBeNull();
    // 三(二)3: the category results applied to pre-credit. Only a recognition in force counts
    // (erqiSmall's starts next year, jinshuiLarge's has expired).
    const recognised = await product({ "!=": [{ var: "category" }, "NONE"] }, "MTYX");
    expect(usccsOf(await list(recognised))).toEqual([H.erqiGrowth]);
    const famousInErqi = await product(
      {
        and: [
          { "==": [{ var: "countyCode" }, "410103"] },
          { in: [{ var: "category" }, ["FAMOUS", "QUALITY"]] },
        ],
      },
      "FAMOUS-ERQI",
    );
    expect(usccsOf(await list(famousInErqi))).toEqual([H.erqiGrowth]);
    // Internal flags are not in the candidate type at all.
    const flags = await run(
      zzBank,
      `query ($id: ID!) { preCreditCandidates(productId: $id) { edges { node { uscc abnormalListed } } } }`,
      { id },
    );
    expect(errorCodes(flags)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
  });

  it("matches BANK-fact criteria only under consent: probing thresholds, NULL tests and negations shows nothing", async () => {
    await grant(H.erqiGrowth, "ZZBANK"); // 450 000
    await grant(H.jinshuiLarge, null); // 800 000, all banks
    await grant(H.jinshuiNew, "ZZBANK"); // figures unknown
    // Without consent: erqiSmall (200 000) and erqiFlagged (900 000).
    // Over 30 listings follow within the minute: lift the bank's limit for them.
    ok(
      await run(
        cityOperator,
        `mutation { setBankRateLimit(bankCode: "ZZBANK", listingsPerMinute: 100) { bankCode } }`,
      ),
    );
    const atLeast300k = await product({ ">=": [REVENUE, 300000] }, "AT-LEAST");
    expect(usccsOf(await list(atLeast300k))).toEqual([H.erqiGrowth, H.jinshuiLarge]);

    // Criteria that would single out erqiSmall's revenue if it were readable.
    const probes = {
      below250k: { "<": [REVENUE, 250000] },
      below150k: { "<": [REVENUE, 150000] },
      isNull: { "==": [REVENUE, null] },
      isNotNull: { "!=": [REVENUE, null] },
      notAtLeast250k: { "!": { ">=": [REVENUE, 250000] } },
      notBelow250k: { "!": { "<": [REVENUE, 250000] } },
      orPublic: { or: [{ "<": [REVENUE, 250000] }, { "==": [{ var: "countyCode" }, "410103"] }] },
      doubleNegation: { "!!": { "<": [REVENUE, 250000] } },
      ifElse: { if: [{ ">=": [REVENUE, 250000] }, false, true] },
      between: { and: [{ ">": [REVENUE, 199999] }, { "<": [REVENUE, 200001] }] },
      taxProbe: { "<=": [{ var: "taxPaidLastYear" }, 800] },
      staffProbe: { "==": [{ var: "insuredEmployeesLastYear" }, 8] },
      // Facts named without "var", or read inside arithmetic, call for consent all the same.
      missingProbe: { "!!": { missing: ["revenueLastYear"] } },
      presentProbe: { "!": { missing: ["taxPaidLastYear"] } },
      sumProbe: { "<": [{ "+": [REVENUE, { var: "taxPaidLastYear" }] }, 250000] },
    };
    const ids: Record<string, string> = {};
    for (const [code, criteria] of Object.entries(probes))
      ids[code] = await product(criteria, code);
    const before: Record<string, string[]> = {};
    for (const code of Object.keys(probes)) {
      const nodes = await list(ids[code] as string);
      before[code] = usccsOf(nodes);
      expect(before[code]).not.toContain(H.erqiSmall);
      expect(before[code]).not.toContain(H.erqiFlagged);
      for (const n of nodes) expect(n.consentInForce).toBe(true);
      // The total count is a query of its own, and masks alike: it counts only what is listed.
      const counted = ok(await run(zzBank, LIST_COUNTED, { id: ids[code] }));
      expect([code, counted.preCreditCandidates.totalCount]).toEqual([code, nodes.length]);
    }
    // No difference between thresholds on either side of the unseen figure.
    expect(before.below250k).toEqual(before.below150k);
    expect(before.isNull).toEqual([H.jinshuiNew]);
    expect(before.isNotNull).toEqual([H.erqiGrowth, H.jinshuiLarge]);
    // The whole rule is ANDed with consent: the public branch of `or` opens no door either.
    expect(before.orPublic).toEqual([H.erqiGrowth]);
    expect(before.notAtLeast250k).toEqual([]);
    expect(before.between).toEqual([]);
    expect(before.missingProbe).toEqual([H.jinshuiNew]);
    expect(before.presentProbe).toEqual([H.erqiGrowth, H.jinshuiLarge]);
    expect(before.sumProbe).toEqual([]);

    // The probes are not blind: once erqiSmall consents, they see it.
    await grant(H.erqiSmall, "ZZBANK");
    expect(usccsOf(await list(ids.below250k as string))).toContain(H.erqiSmall);
    expect(usccsOf(await list(ids.below150k as string))).not.toContain(H.erqiSmall);
    expect(usccsOf(await list(ids.between as string))).toEqual([H.erqiSmall]);
    expect(usccsOf(await list(ids.taxProbe as string))).toEqual([H.erqiSmall]);
    expect(usccsOf(await list(ids.sumProbe as string))).toEqual([H.erqiSmall]);
    // erqiFlagged still has given nothing.
    expect(usccsOf(await list(ids.staffProbe as string))).toEqual([]);
  });

  it("applies expiry and revocation of consent at the next listing", async () => {
    const smallId = await grant(H.erqiSmall, "ZZBANK", "2026-03-10");
    const allBanksId = await grant(H.erqiGrowth, null);
    const below250k = await product({ "<": [REVENUE, 250000] }, "SMALL");
    const publicOnly = await product(GROWING, "PUBLIC");
    const small = (nodes: Node[]) => nodes.find((n) => n.uscc === H.erqiSmall);

    expect(usccsOf(await list(below250k))).toEqual([H.erqiSmall]);
    expect(small(await list(publicOnly))?.revenueLastYear).toBe(200000);
    // 23:59 on 10 March in China: still in force (validUntil is inclusive).
    now = new Date("2026-03-10T15:59:00Z");
    expect(usccsOf(await list(below250k))).toEqual([H.erqiSmall]);
    // 00:00 on 11 March in China: expired.
    now = new Date("2026-03-10T16:00:00Z");
    expect(usccsOf(await list(below250k))).toEqual([]);
    expect(small(await list(publicOnly))).toMatchObject({
      consentInForce: false,
      revenueLastYear: null,
    });
    const mine = ok(await run(householdPrincipal(H.erqiSmall), CONSENTS, {}));
    expect(mine.bankConsents).toEqual([
      {
        bankCode: "ZZBANK",
        allBanks: false,
        validUntil: "2026-03-10",
        inForce: false,
        revokedReason: null,
      },
    ]);

    // Revocation: the consent to all banks ends at once.
    const atLeast300k = await product({ ">=": [REVENUE, 300000] }, "LARGE");
    expect(usccsOf(await list(atLeast300k))).toEqual([H.erqiGrowth]);
    const revoked = ok(await run(householdPrincipal(H.erqiGrowth), REVOKE, { id: allBanksId }));
    expect(revoked.revokeBankConsent).toMatchObject({ inForce: false, revokedReason: "REVOKED" });
    expect(usccsOf(await list(atLeast300k))).toEqual([]);
    const growth = (await list(publicOnly)).find((n) => n.uscc === H.erqiGrowth);
    expect(growth).toMatchObject({ consentInForce: false, revenueLastYear: null });

    // Nobody revokes another household's consent.
    expect(
      errorCodes(await run(householdPrincipal(H.erqiGrowth), REVOKE, { id: smallId })),
    ).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await run(zzBank, REVOKE, { id: smallId }))).toEqual(["FORBIDDEN"]);
  });

  it("replaces a household's consent to the same bank and refuses expiries out of range", async () => {
    await grant(H.erqiGrowth, "ZZBANK", "2026-06-30");
    now = new Date(START.getTime() + 1000);
    await grant(H.erqiGrowth, "ZZBANK", "2026-12-31");
    now = new Date(START.getTime() + 2000);
    await grant(H.erqiGrowth, null, "2027-03-10");
    const consents = ok(
      await run(householdPrincipal(H.erqiGrowth), CONSENTS, { inForceOnly: false }),
    ).bankConsents;
    expect(consents).toEqual([
      expect.objectContaining({ bankCode: null, allBanks: true, inForce: true }),
      expect.objectContaining({ bankCode: "ZZBANK", validUntil: "2026-12-31", inForce: true }),
      expect.objectContaining({
        validUntil: "2026-06-30",
        inForce: false,
        revokedReason: "REPLACED",
      }),
    ]);
    const inForce = ok(
      await run(householdPrincipal(H.erqiGrowth), CONSENTS, { inForceOnly: true }),
    ).bankConsents;
    expect(inForce.map((c: { bankCode: string | null }) => c.bankCode)).toEqual([null, "ZZBANK"]);

    for (const until of ["2026-03-09", "2029-03-11"]) {
      const refused = await run(householdPrincipal(H.erqiGrowth), GRANT, { bank: "ZZBANK", until });
      expect(refused.errors?.[0]?.extensions).toMatchObject({
        code: "BAD_USER_INPUT",
        argument: "validUntil",
      });
    }
    const badBank = await run(householdPrincipal(H.erqiGrowth), GRANT, {
      bank: "zz bank",
      until: "2026-12-31",
    });
    expect(badBank.errors?.[0]?.extensions).toMatchObject({ argument: "bankCode" });
  });

  it("shows who holds a household's consent to the household and to operators of its county only", async () => {
    await grant(H.erqiGrowth, "ZZBANK");
    const own = ok(await run(householdPrincipal(H.erqiGrowth), CONSENTS, {})).bankConsents;
    expect(own.map((c: { bankCode: string }) => c.bankCode)).toEqual(["ZZBANK"]);
    const county = ok(await run(erqiOperator, CONSENTS, { uscc: H.erqiGrowth })).bankConsents;
    expect(county).toHaveLength(1);
    ok(await run(cityOperator, CONSENTS, { uscc: H.erqiGrowth }));

    const denied: [Principal, string][] = [
      [householdPrincipal(H.erqiSmall), "FORBIDDEN"],
      [jinshuiOperator, "FORBIDDEN"],
      [zzBank, "FORBIDDEN"],
      [department, "FORBIDDEN"],
      [anyone, "UNAUTHENTICATED"],
    ];
    for (const [principal, code] of denied) {
      const result = await run(principal, CONSENTS, { uscc: H.erqiGrowth });
      expect(errorCodes(result)).toEqual([code]);
      expect(result.data?.bankConsents ?? null).toBeNull();
    }
    // Only households grant consent, and only their own.
    expect(errorCodes(await run(zzBank, GRANT, { bank: "ZZBANK", until: "2026-12-31" }))).toEqual([
      "FORBIDDEN",
    ]);
    expect(errorCodes(await run(erqiOperator, GRANT, { bank: null, until: "2026-12-31" }))).toEqual(
      ["FORBIDDEN"],
    );
  });

  it("keeps each bank to its own products, and every other role out of listings", async () => {
    await grant(H.erqiGrowth, null);
    const id = await product({ ">=": [REVENUE, 300000] });
    const before = ok(await run(cityOperator, ACCESS_LOG, {})).preCreditAccessLog.edges.length;

    for (const query of [
      [LIST, { id }],
      [`query ($id: ID!) { creditProduct(id: $id) { id versions { criteria } } }`, { id }],
      [PUBLISH, { id, v: 1 }],
      [ADD_VERSION, { id, criteria: GROWING }],
      [RETIRE, { id }],
    ] as const) {
      const result = await run(otherBank, query[0], query[1]);
      expect(errorCodes(result)).toEqual(["NOT_FOUND"]);
      expect(JSON.stringify(result.data ?? null)).not.toContain("ZZBANK");
      expect(JSON.stringify(result.data ?? null)).not.toContain(H.erqiGrowth);
    }
    // An id that is no product at all answers the same.
    const missing = await run(otherBank, LIST, { id: "00000000-0000-4000-8000-000000000000" });
    expect(errorCodes(missing)).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await run(otherBank, LIST, { id: "not-a-uuid" }))).toEqual(["NOT_FOUND"]);
    const theirs = ok(await run(otherBank, `{ creditProducts { edges { node { id } } } }`));
    expect(theirs.creditProducts.edges).toEqual([]);
    expect(
      errorCodes(
        await run(otherBank, `{ creditProducts(bankCode: "ZZBANK") { edges { node { id } } } }`),
      ),
    ).toEqual(["FORBIDDEN"]);

    const roles: [Principal, string][] = [
      [householdPrincipal(H.erqiGrowth), "FORBIDDEN"],
      [cityOperator, "FORBIDDEN"],
      [erqiOperator, "FORBIDDEN"],
      [department, "FORBIDDEN"],
      [anyone, "UNAUTHENTICATED"],
    ];
    for (const [principal, code] of roles) {
      const result = await run(principal, LIST, { id });
      expect(errorCodes(result)).toEqual([code]);
      expect(result.data?.preCreditCandidates ?? null).toBeNull();
    }
    // Refused listings read nothing and are no listings: the log is unchanged.
    const after = ok(await run(cityOperator, ACCESS_LOG, {})).preCreditAccessLog.edges.length;
    expect(after).toBe(before);
    // Operators may read every bank's products (criteria are no household data).
    const seen = ok(await run(cityOperator, `{ creditProducts { edges { node { bankCode } } } }`));
    expect(seen.creditProducts.edges).toEqual([{ node: { bankCode: "ZZBANK" } }]);
  });

  it("pages in USCC order with a stable keyset, and counts all matches only when asked", async () => {
    const id = await product({ ">=": [{ var: "registeredYears" }, 0] });
    const first = ok(await run(zzBank, LIST_COUNTED, { id, first: 2 })).preCreditCandidates;
    expect(first.totalCount).toBe(5);
    expect(first.edges.map((e: { node: Node }) => e.node.uscc)).toEqual([
      H.erqiGrowth,
      H.erqiSmall,
    ]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = ok(
      await run(zzBank, LIST_COUNTED, { id, first: 2, after: first.pageInfo.endCursor }),
    ).preCreditCandidates;
    expect(second.edges.map((e: { node: Node }) => e.node.uscc)).toEqual([
      H.erqiFlagged,
      H.jinshuiLarge,
    ]);
    const third = ok(
      await run(zzBank, LIST_COUNTED, { id, first: 2, after: second.pageInfo.endCursor }),
    ).preCreditCandidates;
    expect(third.edges.map((e: { node: Node }) => e.node.uscc)).toEqual([H.jinshuiNew]);
    expect(third.pageInfo.hasNextPage).toBe(false);
    expect(third.totalCount).toBe(5);
    const bad = await run(zzBank, LIST, { id, first: 501 });
    expect(bad.errors?.[0]?.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      argument: "first",
    });
    // A cursor is a USCC this listing gave: anything else is refused, and neither counted nor
    // logged (it would otherwise be written to the access log as the page's start).
    const logged = async () =>
      ok(await run(cityOperator, ACCESS_LOG, {})).preCreditAccessLog.edges.length as number;
    const before = await logged();
    for (const key of [
      "zzzz",
      "92410103MA0000001",
      "92410103MA0000001X'--",
      "92410103MA000000IX",
    ]) {
      const forged = await run(zzBank, LIST, {
        id,
        after: Buffer.from(key).toString("base64url"),
      });
      expect(forged.errors?.[0]?.extensions).toMatchObject({
        code: "BAD_USER_INPUT",
        argument: "after",
      });
    }
    expect(await logged()).toBe(before);
  });

  it("records every listing in the access log, readable by operators and by each bank for its own", async () => {
    const id = await product(GROWING);
    const hash = ok(await run(zzBank, LIST, { id, first: 2 })).preCreditCandidates.criteriaHash;
    now = new Date(START.getTime() + 1000);
    const page1 = ok(await run(zzBank, LIST_COUNTED, { id, first: 3 })).preCreditCandidates;
    now = new Date(START.getTime() + 2000);
    ok(await run(zzBank, LIST, { id, first: 3, after: page1.pageInfo.endCursor }));
    const other = await product(GROWING, "OTHER", otherBank);
    now = new Date(START.getTime() + 3000);
    ok(await run(otherBank, LIST, { id: other }));

    const all = ok(await run(cityOperator, ACCESS_LOG, {})).preCreditAccessLog.edges.map(
      (e: { node: unknown }) => e.node,
    );
    expect(all.map((e: { bankCode: string }) => e.bankCode)).toEqual([
      "OTHERBANK",
      "ZZBANK",
      "ZZBANK",
      "ZZBANK",
    ]);
    expect(all[3]).toEqual({
      bankCode: "ZZBANK",
      tokenId: "tok-zzbank",
      productId: id,
      productVersion: 1,
      criteriaHash: hash,
      asOf: "2026-03-10",
      first: 2,
      after: null,
      afterHidden: false,
      rowsReturned: 2,
      totalCount: null,
      at: START.toISOString(),
    });
    expect(all[2]).toMatchObject({ first: 3, rowsReturned: 3, totalCount: 4 });
    expect(all[1]).toMatchObject({ first: 3, after: H.erqiFlagged, rowsReturned: 1 });

    const own = ok(await run(zzBank, ACCESS_LOG, {})).preCreditAccessLog.edges;
    expect(own).toHaveLength(3);
    expect(errorCodes(await run(zzBank, ACCESS_LOG, { bankCode: "OTHERBANK" }))).toEqual([
      "FORBIDDEN",
    ]);
    const countyView = ok(await run(erqiOperator, ACCESS_LOG, { bankCode: "OTHERBANK" }));
    expect(countyView.preCreditAccessLog.edges).toHaveLength(1);
    // An operator of a county sees every listing, but the USCC a page started after only where
    // the household is of its county: on a product of BANK facts it would tell that the
    // household consented and met the criteria.
    const startOf = async (principal: Principal) =>
      ok(await run(principal, ACCESS_LOG, { bankCode: "ZZBANK" })).preCreditAccessLog.edges.map(
        (e: { node: { after: string | null; afterHidden: boolean } }) => [
          e.node.after,
          e.node.afterHidden,
        ],
      );
    const erqiFlaggedStart = [
      [H.erqiFlagged, false],
      [null, false],
      [null, false],
    ];
    expect(await startOf(cityOperator)).toEqual(erqiFlaggedStart);
    expect(await startOf(erqiOperator)).toEqual(erqiFlaggedStart);
    expect(await startOf(zzBank)).toEqual(erqiFlaggedStart);
    expect(await startOf(jinshuiOperator)).toEqual([
      [null, true],
      [null, false],
      [null, false],
    ]);
    for (const [principal, code] of [
      [householdPrincipal(H.erqiGrowth), "FORBIDDEN"],
      [department, "FORBIDDEN"],
      [anyone, "UNAUTHENTICATED"],
    ] as const) {
      expect(errorCodes(await run(principal, ACCESS_LOG, {}))).toEqual([code]);
    }
    // Newest first, paged by (at, id).
    const paged = ok(await run(cityOperator, ACCESS_LOG, { first: 3 })).preCreditAccessLog;
    const rest = ok(
      await run(cityOperator, ACCESS_LOG, { first: 3, after: paged.pageInfo.endCursor }),
    ).preCreditAccessLog;
    expect(rest.edges.map((e: { node: { at: string } }) => e.node.at)).toEqual([
      START.toISOString(),
    ]);
  });

  it("limits each bank's listings per minute, counted from the log, and says when to retry", async () => {
    const id = await product(GROWING);
    expect(
      errorCodes(
        await run(
          erqiOperator,
          `mutation { setBankRateLimit(bankCode: "ZZBANK", listingsPerMinute: 2) { bankCode } }`,
        ),
      ),
    ).toEqual(["FORBIDDEN"]);
    const set = ok(
      await run(
        cityOperator,
        `mutation { setBankRateLimit(bankCode: "ZZBANK", listingsPerMinute: 2) { bankCode listingsPerMinute } }`,
      ),
    );
    expect(set.setBankRateLimit).toEqual({ bankCode: "ZZBANK", listingsPerMinute: 2 });
    expect(ok(await run(zzBank, `{ bankRateLimit { listingsPerMinute } }`)).bankRateLimit).toEqual({
      listingsPerMinute: 2,
    });

    ok(await run(zzBank, LIST, { id }));
    now = new Date(START.getTime() + 20_000);
    ok(await run(zzBank, LIST, { id }));
    now = new Date(START.getTime() + 30_000);
    const limited = await run(zzBank, LIST, { id });
    expect(errorCodes(limited)).toEqual(["RATE_LIMITED"]);
    expect(limited.data?.preCreditCandidates ?? null).toBeNull();
    // The first listing leaves the window at START + 60 s.
    expect(limited.errors?.[0]?.message).toContain(
      `retry after ${new Date(START.getTime() + 60_000).toISOString()} (in 30 s)`,
    );
    // Another bank is not held up.
    const other = await product(GROWING, "OTHER", otherBank);
    ok(await run(otherBank, LIST, { id: other }));
    // A refused listing is not logged, and the window moves on.
    now = new Date(START.getTime() + 60_001);
    ok(await run(zzBank, LIST, { id }));
    const log = ok(await run(zzBank, ACCESS_LOG, {})).preCreditAccessLog.edges;
    expect(log).toHaveLength(3);
    const stopped = await run(
      cityOperator,
      `mutation { setBankRateLimit(bankCode: "ZZBANK", listingsPerMinute: 0) { listingsPerMinute } }`,
    );
    ok(stopped);
    now = new Date(START.getTime() + 600_000);
    expect(errorCodes(await run(zzBank, LIST, { id }))).toEqual(["RATE_LIMITED"]);
  });

  it("holds the limit for listings at the same moment, on as many connections as the pool gives", async () => {
    const id = await product(GROWING);
    ok(
      await run(
        cityOperator,
        `mutation { setBankRateLimit(bankCode: "ZZBANK", listingsPerMinute: 3) { bankCode } }`,
      ),
    );
    // On PostgreSQL these run on the pool's connections at once: each listing counts the log
    // under the bank's lock, so no two take the last slot.
    const results = await Promise.all(Array.from({ length: 8 }, () => run(zzBank, LIST, { id })));
    const codes = results.map((r) => errorCodes(r)[0] ?? "OK").sort();
    expect(codes).toEqual(["OK", "OK", "OK", ...Array(5).fill("RATE_LIMITED")]);
    const log = ok(await run(cityOperator, ACCESS_LOG, {})).preCreditAccessLog.edges;
    expect(log).toHaveLength(3);
  });
});
