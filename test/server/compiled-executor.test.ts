import { expect, it } from "vitest";
import type { Principal } from "../../src/auth/principal.ts";
import { withCheckCharacter } from "../../src/ingest/uscc.ts";
import { describeEachEngine } from "../support/databases.ts";
import { errorCodes, runGraphQL, testDeps } from "../support/graphql.ts";

const OPERATOR: Principal = { role: "OPERATOR", tokenId: "t", countyCode: null };
const PUBLIC: Principal = { role: "PUBLIC" };

/** Operations whose answers carry errors (of variables, resolvers, authorisation), and a few without. */
const CASES: {
  name: string;
  principal: Principal;
  query: string;
  variables?: object;
  /** The codes of the answer's errors. */
  codes: string[];
}[] = [
  {
    name: "a variable of the wrong type",
    principal: OPERATOR,
    query: "query ($n: Int!) { households(first: $n) { edges { node { uscc } } } }",
    variables: { n: "ten" },
    codes: ["BAD_USER_INPUT"],
  },
  {
    name: "a required variable missing",
    principal: OPERATOR,
    query: "query ($uscc: String!) { household(uscc: $uscc) { uscc } }",
    variables: {},
    codes: ["BAD_USER_INPUT"],
  },
  {
    name: "a Date variable that is no date",
    principal: OPERATOR,
    query: 'query ($d: Date!) { household(uscc: "x") { entitlements(asOf: $d) { period } } }',
    variables: { d: "2025-02-30" },
    codes: ["BAD_USER_INPUT"],
  },
  {
    name: "a domain error from a resolver, with its argument",
    principal: OPERATOR,
    query: "{ households(first: 501) { edges { node { uscc } } } }",
    codes: ["BAD_USER_INPUT"],
  },
  {
    name: "a field the principal may not read",
    principal: PUBLIC,
    query: "{ households(first: 1) { edges { node { uscc } } } }",
    codes: ["UNAUTHENTICATED"],
  },
  {
    name: "an unknown household, and a root field beside it",
    principal: OPERATOR,
    query: `{ a: household(uscc: "${withCheckCharacter("92410100MA0000000")}") { uscc } b: __typename }`,
    codes: [],
  },
  {
    name: "introspection",
    principal: PUBLIC,
    query: '{ __schema { queryType { name } } __type(name: "Household") { fields { name } } }',
    codes: [],
  },
  {
    name: "fragments, aliases and @include/@skip on variables",
    principal: OPERATOR,
    query: `query ($with: Boolean!) {
      one: factCatalog { ...fact }
      two: factCatalog @include(if: $with) { name @skip(if: $with) unit }
    }
    fragment fact on Fact { name labelZh }`,
    variables: { with: true },
    codes: [],
  },
];

describeEachEngine("compiled operations answer as graphql-js does", (getDb) => {
  for (const c of CASES) {
    it(c.name, async () => {
      const deps = testDeps(getDb());
      const variables = c.variables as Record<string, unknown> | undefined;
      const compiled = await runGraphQL(deps, c.principal, c.query, variables);
      const interpreted = await runGraphQL(deps, c.principal, c.query, variables, {
        compiled: false,
      });
      expect(compiled).toEqual(interpreted);
      expect(errorCodes(compiled), JSON.stringify(compiled)).toEqual(c.codes);
    });
  }
});
