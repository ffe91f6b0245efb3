import { beforeAll, expect, it } from "vitest";
import type { Principal } from "../../src/auth/principal.ts";
import { withCheckCharacter } from "../../src/ingest/uscc.ts";
import { createContext } from "../../src/schema/context.ts";
import { createApolloServer } from "../../src/server/create-server.ts";
import { describeEachEngine } from "../support/databases.ts";
import { errorCodes, runGraphQL, testDeps } from "../support/graphql.ts";
import { insertHouseholds } from "../support/households.ts";

const ERQI = withCheckCharacter("92410103MA0000001");
const ERQI_2 = withCheckCharacter("92410103MA0000002");
const JINSHUI = withCheckCharacter("92410105MA0000003");

const cityOperator: Principal = { role: "OPERATOR", tokenId: "t1", countyCode: null };
const erqiOperator: Principal = { role: "OPERATOR", tokenId: "t2", countyCode: "410103" };
const bank: Principal = { role: "BANK", tokenId: "t3", bankCode: "ZZBANK" };
const self: Principal = { role: "HOUSEHOLD", tokenId: "t4", uscc: ERQI };

const LIST = `query($filter: HouseholdFilter, $first: Int, $after: String) {
  households(filter: $filter, first: $first, after: $after) {
    edges { cursor node { uscc countyCode } }
    pageInfo { hasNextPage endCursor }
  }
}`;

describeEachEngine("GraphQL households", (getDb) => {
  beforeAll(async () => {
    await getDb().reset();
    await insertHouseholds(getDb().db, [
      { uscc: ERQI, proprietor_groups: ["VETERAN"] },
      { uscc: ERQI_2, status: "REVOKED" },
      { uscc: JINSHUI, industry_code: "H6210" },
    ]);
    await getDb()
      .db.insertInto("household_year")
      .values([
        { uscc: ERQI, year: 2024, tax_paid: 3600, insured_employees: 2, revenue: 452000 },
        { uscc: ERQI, year: 2023, tax_paid: null, insured_employees: null, revenue: 410000 },
      ])
      .execute();
  });

  it("pages through all households for a city-wide operator, in USCC order", async () => {
    const deps = testDeps(getDb());
    const first = await runGraphQL<any>(deps, cityOperator, LIST, { first: 2 });
    expect(first.errors).toBeUndefined();
    expect(first.data.households.edges.map((e: any) => e.node.uscc)).toEqual([ERQI, ERQI_2]);
    expect(first.data.households.pageInfo.hasNextPage).toBe(true);
    const second = await runGraphQL<any>(deps, cityOperator, LIST, {
      first: 2,
      after: first.data.households.pageInfo.endCursor,
    });
    expect(second.data.households.edges.map((e: any) => e.node.uscc)).toEqual([JINSHUI]);
    expect(second.data.households.pageInfo.hasNextPage).toBe(false);
  });

  it("filters by county, industry prefix and status", async () => {
    const deps = testDeps(getDb());
    const byIndustry = await runGraphQL<any>(deps, cityOperator, LIST, {
      filter: { industryCode: "H62" },
    });
    expect(byIndustry.data.households.edges.map((e: any) => e.node.uscc)).toEqual([JINSHUI]);
    const byStatus = await runGraphQL<any>(deps, cityOperator, LIST, {
      filter: { status: "REVOKED" },
    });
    expect(byStatus.data.households.edges.map((e: any) => e.node.uscc)).toEqual([ERQI_2]);
  });

  it("keeps a county operator to its county", async () => {
    const deps = testDeps(getDb());
    const own = await runGraphQL<any>(deps, erqiOperator, LIST, {});
    expect(own.data.households.edges.map((e: any) => e.node.countyCode)).toEqual([
      "410103",
      "410103",
    ]);
    const other = await runGraphQL(deps, erqiOperator, LIST, { filter: { countyCode: "410105" } });
    expect(errorCodes(other)).toEqual(["FORBIDDEN"]);
    const single = await runGraphQL(
      deps,
      erqiOperator,
      `{ household(uscc: "${JINSHUI}") { uscc } }`,
    );
    expect(errorCodes(single)).toEqual(["FORBIDDEN"]);
    expect(single.errors?.[0]?.message).toBe(
      "this Household is readable only by operators of its county (or city-wide) and the household itself",
    );
    // A field for other roles says which token it needs.
    const typing = await runGraphQL(
      deps,
      erqiOperator,
      `mutation { runTyping(asOf: "2025-08-01") { id } }`,
    );
    expect(errorCodes(typing)).toEqual(["FORBIDDEN"]);
    expect(typing.errors?.[0]?.message).toBe(
      "Mutation.runTyping needs a city-wide operator's token (one without a county)",
    );
  });

  it("shows a household itself with its yearly figures, unknown figures as null", async () => {
    const deps = testDeps(getDb());
    const mine = await runGraphQL<any>(
      deps,
      self,
      `{ household(uscc: "${ERQI}") { uscc proprietor { groups } yearly { year taxPaid revenue } } }`,
    );
    expect(mine.errors).toBeUndefined();
    expect(mine.data.household).toEqual({
      uscc: ERQI,
      proprietor: { groups: ["VETERAN"] },
      yearly: [
        { year: 2023, taxPaid: null, revenue: 410000 },
        { year: 2024, taxPaid: 3600, revenue: 452000 },
      ],
    });
    const other = await runGraphQL(deps, self, `{ household(uscc: "${JINSHUI}") { uscc } }`);
    expect(errorCodes(other)).toEqual(["FORBIDDEN"]);
  });

  it("shows a bank and the public nothing of a household", async () => {
    const deps = testDeps(getDb());
    expect(
      errorCodes(await runGraphQL(deps, bank, `{ household(uscc: "${ERQI}") { uscc } }`)),
    ).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await runGraphQL(deps, { role: "PUBLIC" }, LIST, {}))).toEqual([
      "UNAUTHENTICATED",
    ]);
  });

  it("refuses pages over 500 and malformed cursors with the argument named", async () => {
    const deps = testDeps(getDb());
    for (const first of [501, 100_000]) {
      const tooBig = await runGraphQL(deps, cityOperator, LIST, { first });
      expect(tooBig.errors).toHaveLength(1);
      expect(tooBig.errors?.[0]?.message).toContain("first must be between 1 and 500");
      expect(tooBig.errors?.[0]?.extensions).toMatchObject({
        code: "BAD_USER_INPUT",
        argument: "first",
      });
    }
    const badCursor = await runGraphQL(deps, cityOperator, LIST, { after: "not a cursor!" });
    expect(badCursor.errors?.[0]?.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      argument: "after",
    });
  });
});

describeEachEngine("GraphQL limits", (getDb) => {
  it("refuses a query whose complexity is over the limit before running it", async () => {
    const deps = testDeps(getDb());
    const fields =
      "uscc name yearly { year revenue taxPaid insuredEmployees } penalties { kind decidedOn }";
    const query = `{ a: households(first: 500) { edges { node { ${fields} } } }
      b: households(first: 500) { edges { node { ${fields} } } }
      c: households(first: 500) { edges { node { ${fields} } } } }`;
    const result = await runGraphQL(deps, cityOperator, query);
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toMatch(/complexity \d+ exceeds the limit of 50000/);
    expect(result.data).toBeUndefined();
  });

  it("checks an operation again for each page size its variables ask, whatever else they hold", async () => {
    const deps = testDeps(getDb());
    const fields =
      "uscc name yearly { year revenue taxPaid insuredEmployees } penalties { kind decidedOn }";
    const fragment = `fragment page on Query { b: households(first: $n, filter: { countyCode: $county }) { edges { node { ${fields} } } } }`;
    const query = `query ($n: Int, $county: String) {
      a: households(first: $n) { edges { node { ${fields} } } } ...page
      c: households(first: $n) { edges { node { ${fields} } } } } ${fragment}`;
    // One server: its limits check keeps outcomes by document.
    const server = createApolloServer(deps);
    const run = async (n: number, county: string) => {
      const response = await server.executeOperation(
        { query, variables: { n, county } },
        { contextValue: createContext(deps, cityOperator, "test") },
      );
      if (response.body.kind !== "single") throw new Error("expected a single result");
      return response.body.singleResult;
    };
    // 3 pages of 500 are over the limit, of 10 within it, in the fragment as in the operation.
    expect((await run(10, "410102")).errors).toBeUndefined();
    expect((await run(500, "410102")).errors?.[0]?.message).toMatch(/complexity \d+ exceeds/);
    expect((await run(10, "410105")).errors).toBeUndefined();
    expect((await run(500, "410105")).errors?.[0]?.message).toMatch(/complexity \d+ exceeds/);
    expect((await run(10, "410102")).errors).toBeUndefined();
  });

  it("refuses a query too wide with one error for the whole operation, not one a root field", async () => {
    const deps = testDeps(getDb());
    const wide = `{ ${Array.from({ length: 300 }, (_, i) => `a${i}: household(uscc: "${ERQI}") { uscc }`).join(" ")} }`;
    const tooWide = await runGraphQL(deps, cityOperator, wide);
    expect(tooWide.errors).toEqual([
      expect.objectContaining({
        message: "query breadth 600 exceeds the limit of 300",
        extensions: { code: "BAD_USER_INPUT" },
      }),
    ]);
  });
});
