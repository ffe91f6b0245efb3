import { beforeAll, expect, it, vi } from "vitest";
import { type Principal, PUBLIC } from "../../src/auth/principal.ts";
import { authenticate } from "../../src/auth/tokens.ts";
import { DEMO_SEED, demoAsOf, demoHouseholdUscc, prepareDemo } from "../../src/cli/demo.ts";
import { loadPoliciesAtStart } from "../../src/cli/serve.ts";
import { addYears, todayInChina, yearOf } from "../../src/dates.ts";
import type { AppDeps } from "../../src/schema/context.ts";
import type { ApolloOptions } from "../../src/server/create-server.ts";
import { describeEachEngine, type TestDatabase } from "../support/databases.ts";
import { type GraphQLResult, runGraphQL, testDeps } from "../support/graphql.ts";
import { addDays } from "../support/household-arbitraries.ts";
import { type GuideExample, guideExamples } from "./guide-examples.ts";

/**
 * The guides' GraphQL examples, run against the demo exactly as `npm start` builds it on today's
 * clock (policies-data, 2,000 generated households typed and granted as of the demo's yearly
 * date), each with the demo token of the role its guide is for, in the order written (state the
 * mutations make carries on; guides run in the order below). Each must answer without errors —
 * or with the error a block is marked with (`<!-- expect-error: CODE -->`) — without refusals,
 * and each query with data: every root field non-null, a list with an item, a connection with an
 * edge. Variables come from the guides (`# variables: {…}`, or a JSON block right after) and, for
 * ids the guide leaves as `"…"`, from STEPS below: every other value, dates included, is run as
 * written, so that it works on any day; `<!-- token: none -->` runs a block without a token.
 */

const GUIDES: { file: string; role: string }[] = [
  { file: "README.md", role: "OPERATOR" },
  { file: "docs/department-guide.md", role: "DEPARTMENT" },
  { file: "docs/household-guide.md", role: "HOUSEHOLD" },
  { file: "docs/bank-guide.md", role: "BANK" },
  { file: "docs/operator-guide.md", role: "OPERATOR" },
];

const HOUSEHOLDS = 2000;

type Data = Record<string, any>;

interface Run {
  handle: TestDatabase;
  deps: AppDeps;
  today: string;
  /** The demo household (its token's USCC). */
  household: string;
  /** The demo tokens' principals by role (the city-wide operator for OPERATOR). */
  as: Record<string, Principal>;
  /** The data of the examples run so far, by key. */
  results: Map<string, Data>;
  /** Ids the steps made, by name. */
  made: Map<string, string>;
  /** Runs an operation (setup, not an example) today, failing on any error. */
  gql(principal: Principal, query: string, variables?: Record<string, unknown>): Promise<Data>;
  /** The same on an earlier day (the service's clock at 10:00 China time then). */
  gqlOn(
    date: string,
    principal: Principal,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<Data>;
}

interface Step {
  /** What the example presupposes that the demo does not have, made first (through the API). */
  setup?: (run: Run) => Promise<void>;
  /** Values known only when the example runs (ids): they fill in what the guide leaves as "…". */
  variables?: (run: Run) => Promise<Record<string, unknown>> | Record<string, unknown>;
}

/** Two more households of the demo, the same in every year's demo (see demoHouseholdUscc). */
const JUFU = "92410103X9L6HU8967"; // 二七区聚福百货店, 发展型
const YONGSHENG = "92410185HEJ1HHCU1A"; // 登封市永盛家电维修部, 成长型

const householdOf = (uscc: string): Principal => ({ role: "HOUSEHOLD", tokenId: "setup", uscc });
const operatorOf = (uscc: string): Principal => ({
  role: "OPERATOR",
  tokenId: "setup",
  countyCode: uscc.slice(2, 8),
});
const result = (run: Run, key: string): Data => {
  const data = run.results.get(key);
  if (!data) throw new Error(`${key} has not run`);
  return data;
};

/**
 * Recognised three years ago less a day, through the procedure on that day's clock: valid until
 * tomorrow (认定有效期为3年，以认定时间为准), so in its last year today, with the reports of the
 * years before missing.
 */
async function recognisedThreeYearsAgo(run: Run, uscc: string): Promise<string> {
  const day = addDays(addYears(run.today, -3), 1);
  const applied = await run.gqlOn(
    day,
    householdOf(uscc),
    `mutation { applyForCategory(input: { category: FAMOUS, conditions: [FAMOUS_1],
      evidence: "区级“诚信经营示范户”" }) { application { id } refusals { code reason } } }`,
  );
  expect(applied.applyForCategory.refusals).toEqual([]);
  const id = applied.applyForCategory.application.id;
  await run.gqlOn(
    day,
    operatorOf(uscc),
    `mutation ($id: ID!, $on: Date!) { recordCategoryVisit(applicationId: $id, visitedOn: $on,
      confirmed: true, findings: "走访核实无误") { id } }`,
    { id, on: day },
  );
  const approved = await run.gqlOn(
    day,
    operatorOf(uscc),
    `mutation ($id: ID!) { approveCategoryApplication(applicationId: $id, reason: "符合知名一")
      { recognition { id } refusals { code reason } } }`,
    { id },
  );
  expect(approved.approveCategoryApplication.refusals).toEqual([]);
  return approved.approveCategoryApplication.recognition.id;
}

/**
 * By example key: what the demo lacks for an example (the guides say so where it matters) and the
 * values only known when it runs. Everything else comes from the guides themselves.
 */
const STEPS: Record<string, Step> = {
  "department-guide.md policyVersion": {
    variables: (run) => ({
      id: result(run, "department-guide.md createPolicy").createPolicy.id,
    }),
  },
  "department-guide.md withdrawCategoryApplication": {
    variables: (run) => ({
      id: result(run, "department-guide.md recommendForCategory").recommendForCategory.application
        .id,
    }),
  },
  "department-guide.md entitlements": {
    variables: async (run) => ({
      version: (
        await run.gql(
          run.as.DEPARTMENT as Principal,
          `{ policy(code: "SAMR_GROWTH_IP_PROTECTION") { inForce { id } } }`,
        )
      ).policy.inForce.id,
    }),
  },
  "household-guide.md applyForCategory": {
    // The reports, the public list and the operators' upkeep need a recognition: the demo
    // household's of three years ago, in its last year now (which does not stop a new one).
    setup: async (run) => {
      await recognisedThreeYearsAgo(run, run.household);
    },
  },
  "household-guide.md household#3": {
    // A recommendation to consent to: the household withdraws its own application first (one
    // undecided application at a time), then the department recommends it.
    setup: async (run) => {
      const own = result(run, "household-guide.md applyForCategory").applyForCategory.application;
      await run.gql(
        run.as.HOUSEHOLD as Principal,
        `mutation ($id: ID!) { withdrawCategoryApplication(applicationId: $id, reason: "改由部门推荐") { state } }`,
        { id: own.id },
      );
      const recommended = await run.gql(
        run.as.DEPARTMENT as Principal,
        `mutation ($uscc: String!) { recommendForCategory(input: { uscc: $uscc, category: QUALITY,
          conditions: [QUALITY_3], evidence: "市级非物质文化遗产代表性传承人" })
          { application { id } refusals { code reason } } }`,
        { uscc: run.household },
      );
      expect(recommended.recommendForCategory.refusals).toEqual([]);
    },
  },
  "household-guide.md respondToCategoryRecommendation": {
    variables: (run) => ({
      id: result(run, "household-guide.md household#3").household.categoryApplications.find(
        (a: Data) => a.state === "AWAITING_CONSENT",
      )?.id,
    }),
  },
  "household-guide.md revokeBankConsent": {
    // The consent to all banks; the one to ZZBANK stays for the bank guide.
    variables: (run) => ({
      id: result(run, "household-guide.md grantBankConsent#2").grantBankConsent.id,
    }),
  },
  "household-guide.md whatIf": {
    variables: (run) => ({
      version: result(run, "household-guide.md household#5").household.grants[0]?.policyVersion.id,
    }),
  },
  "bank-guide.md publishCreditProductVersion": {
    variables: (run) => ({
      id: result(run, "bank-guide.md registerCreditProduct").registerCreditProduct.id,
    }),
  },
  "bank-guide.md addCreditProductVersion": {
    variables: (run) => ({
      id: result(run, "bank-guide.md registerCreditProduct").registerCreditProduct.id,
    }),
  },
  "bank-guide.md preCreditCandidates": {
    variables: (run) => ({
      id: result(run, "bank-guide.md registerCreditProduct").registerCreditProduct.id,
    }),
  },
  "operator-guide.md acceptTypingObjection": {
    variables: (run) => ({
      id: result(run, "operator-guide.md typingObjections").typingObjections.edges[0]?.node.id,
    }),
  },
  "operator-guide.md rejectTypingObjection": {
    // Another objection: the first one was accepted.
    variables: async (run) => ({
      id: (
        await run.gql(
          run.as.HOUSEHOLD as Principal,
          `mutation ($uscc: String!) { fileTypingObjection(uscc: $uscc, reason: "本户上年度纳税1.2万元") { id } }`,
          { uscc: run.household },
        )
      ).fileTypingObjection.id,
    }),
  },
  "operator-guide.md recordCategoryVisit": {
    // The demo household's application, recommended and consented in the household guide.
    variables: (run) => ({
      id: result(run, "operator-guide.md categoryApplications").categoryApplications.edges.find(
        (e: Data) => e.node.uscc === run.household,
      )?.node.id,
    }),
  },
  "operator-guide.md approveCategoryApplication": {
    variables: (run) => ({
      id: result(run, "operator-guide.md categoryApplications").categoryApplications.edges.find(
        (e: Data) => e.node.uscc === run.household,
      )?.node.id,
    }),
  },
  "operator-guide.md rejectCategoryApplication": {
    // Another application to reject.
    variables: async (run) => {
      const applied = await run.gql(
        householdOf(JUFU),
        `mutation { applyForCategory(input: { category: FAMOUS, conditions: [FAMOUS_2],
          evidence: "注册商标第23456789号" }) { application { id } refusals { code reason } } }`,
      );
      expect(applied.applyForCategory.refusals).toEqual([]);
      return { id: applied.applyForCategory.application.id };
    },
  },
  "operator-guide.md cancelCategoryRecognition": {
    // The demo household's recognition of three years ago: its reports are missing.
    variables: (run) => ({
      id: result(run, "operator-guide.md categoryUpkeep").categoryUpkeep.edges.find(
        (e: Data) => e.node.recognition.uscc === run.household,
      )?.node.recognition.id,
    }),
  },
  "operator-guide.md extendCategoryRecognition": {
    // Another recognition in its last year.
    variables: async (run) => {
      const id = await recognisedThreeYearsAgo(run, YONGSHENG);
      run.made.set("extended", id);
      return { id };
    },
  },
  "operator-guide.md revokeCategoryRecognition": {
    variables: (run) => ({ id: run.made.get("extended") }),
  },
  "operator-guide.md reviewCategoryReport": {
    variables: (run) => ({
      id: result(run, "household-guide.md submitCategoryReport").submitCategoryReport.id,
    }),
  },
  "operator-guide.md recordCategorySpotCheckResult": {
    // The draw is of this year's recognitions, as written: the one approved above.
    variables: (run) => ({
      id: result(run, "operator-guide.md drawCategorySpotCheck").drawCategorySpotCheck.items[0]
        ?.recognitionId,
    }),
  },
  "operator-guide.md revokeGrant": {
    variables: (run) => ({
      id: result(run, "operator-guide.md grants").grants.edges[0]?.node.id,
    }),
  },
  "operator-guide.md entitlements": {
    variables: async (run) => ({
      version: (
        await run.gql(
          run.as.OPERATOR as Principal,
          `query ($uscc: String!) { household(uscc: $uscc) { grants { policyVersion { id } } } }`,
          { uscc: run.household },
        )
      ).household.grants[0]?.policyVersion.id,
    }),
  },
};

const examples = GUIDES.flatMap(({ file, role }) =>
  guideExamples(file).map((example) => ({ ...example, role })),
);

it("finds the guides' examples, and every step of the table belongs to one", () => {
  expect(examples.length).toBeGreaterThan(40);
  const keys = new Set(examples.map((e) => e.key));
  expect(Object.keys(STEPS).filter((key) => !keys.has(key))).toEqual([]);
});

it("names the same demo household whatever the year", () => {
  const today = todayInChina(new Date());
  const usccs = [0, 1, 2, 3, 4, 5].map((k) => demoHouseholdUscc(`${yearOf(today) + k}-08-01`));
  expect(new Set(usccs).size).toBe(1);
  // The guides and STEPS name households of seed 2025.
  expect(DEMO_SEED).toBe(2025);
  expect(demoAsOf("2026-07-31")).toBe("2025-08-01");
  expect(demoAsOf("2026-08-01")).toBe("2026-08-01");
  expect(demoAsOf("2026-12-31")).toBe("2026-08-01");
});

describeEachEngine("the guides' examples against the demo", (getDb) => {
  let run: Run;

  beforeAll(async () => {
    const handle = getDb();
    const deps = testDeps(handle);
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      await loadPoliciesAtStart(deps);
      const demo = await prepareDemo(deps, HOUSEHOLDS);
      expect(demo.asOf).toBe(demoAsOf(todayInChina(deps.now())));
      const as: Record<string, Principal> = {};
      for (const t of demo.tokens) {
        if (t.role === "OPERATOR" && t.scope !== null) continue;
        as[t.role] = await authenticate(handle.db, `Bearer ${t.token}`);
      }
      const household = demo.tokens.find((t) => t.role === "HOUSEHOLD")?.scope ?? "";
      run = {
        handle,
        deps,
        today: todayInChina(deps.now()),
        household,
        as,
        results: new Map(),
        made: new Map(),
        async gql(principal, query, variables) {
          const answer = await runGraphQL<Data>(deps, principal, query, variables);
          expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
          return answer.data as Data;
        },
        async gqlOn(date, principal, query, variables) {
          const then = testDeps(handle, () => new Date(`${date}T10:00:00+08:00`));
          const answer = await runGraphQL<Data>(then, principal, query, variables);
          expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
          return answer.data as Data;
        },
      };
    } finally {
      log.mockRestore();
    }
  }, 300_000);

  for (const example of examples) {
    it(`${example.file}:${example.line} ${example.key}`, async () => {
      const step = STEPS[example.key] ?? {};
      await step.setup?.(run);
      const filled = (await step.variables?.(run)) ?? {};
      const replaced = Object.keys(filled).filter(
        (name) => example.variables?.[name] !== undefined && example.variables[name] !== "…",
      );
      expect(replaced, "guide values STEPS replace (the example must work as written)").toEqual([]);
      const variables = { ...example.variables, ...filled };
      const missing = example.requiredVariables.filter(
        (name) => variables[name] === undefined || variables[name] === "…",
      );
      expect(missing, "variables neither in the guide nor in STEPS").toEqual([]);
      const ask = (options?: ApolloOptions) =>
        runGraphQL<Data>(
          run.deps,
          example.withoutToken ? PUBLIC : (run.as[example.role] as Principal),
          example.source,
          Object.keys(variables).length > 0 ? variables : undefined,
          options,
        );
      const answer = await ask();
      check(example, answer);
      if (answer.data) run.results.set(example.key, answer.data);
      if (example.kind === "query") {
        // The same answer from graphql-js's own execute as from the compiled operation.
        const interpreted = await ask({ compiled: false });
        expect(interpreted, "graphql-js's answer").toEqual(answer);
      }
    });
  }
});

function check(example: GuideExample, result: GraphQLResult<Data>): void {
  if (example.expectError) {
    expect(
      (result.errors ?? []).map((e) => e.extensions?.code),
      "the error the guide shows",
    ).toContain(example.expectError);
    return;
  }
  expect(result.errors, JSON.stringify(result.errors, null, 1)).toBeUndefined();
  const data = result.data ?? {};
  // Refusals are the domain's "not done": the examples show what is done.
  const refused = Object.values(data).flatMap((value) =>
    value && typeof value === "object" && Array.isArray(value.refusals) ? value.refusals : [],
  );
  expect(refused, "refusals").toEqual([]);
  const empty = Object.entries(data)
    .filter(([, value]) => isEmpty(value, example.kind))
    .map(([field]) => field);
  expect(empty, `empty answers: ${JSON.stringify(data).slice(0, 500)}`).toEqual([]);
}

/** A root field without data: null; for a query also an empty list or a connection without edges. */
function isEmpty(value: unknown, kind: GuideExample["kind"]): boolean {
  if (value === null || value === undefined) return true;
  if (kind === "mutation") return false;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === "object" && "edges" in value) {
    return !Array.isArray(value.edges) || value.edges.length === 0;
  }
  return false;
}
