import { randomUUID } from "node:crypto";
import { type Kysely, sql } from "kysely";
import pg from "pg";
import { expect } from "vitest";
import type { Principal } from "../../src/auth/principal.ts";
import type { Database, NewHousehold } from "../../src/db/types.ts";
import { withCheckCharacter } from "../../src/ingest/uscc.ts";
import type { AppDeps } from "../../src/schema/context.ts";
import { type TestDatabase, waitersBehind } from "../support/databases.ts";
import { runGraphQL, testDeps } from "../support/graphql.ts";
import { insertHouseholds } from "../support/households.ts";

/** 二七区 and 金水区. */
export const ERQI = "410103";
export const JINSHUI = "410105";

/** A USCC of the county (the check character is not verified by the category code). */
export function usccOf(county: string, n: number): string {
  return withCheckCharacter(`92${county}MA${String(n).padStart(7, "0")}`);
}

/** The service's clock at 10:00 China time on `date`. */
export function depsOn(handle: TestDatabase, date: string): AppDeps {
  return testDeps(handle, () => new Date(`${date}T10:00:00+08:00`));
}

export const householdOf = (uscc: string): Principal => ({
  role: "HOUSEHOLD",
  tokenId: `h-${uscc}`,
  uscc,
});
export const countyOperator = (county: string): Principal => ({
  role: "OPERATOR",
  tokenId: `op-${county}`,
  countyCode: county,
});
export const cityOperator: Principal = { role: "OPERATOR", tokenId: "op-city", countyCode: null };
export const department = (code = "SAMR_ZZ"): Principal => ({
  role: "DEPARTMENT",
  tokenId: `dept-${code}`,
  departmentCode: code,
});
export const PUBLIC_PRINCIPAL: Principal = { role: "PUBLIC" };

export interface TypedHousehold extends Partial<NewHousehold> {
  uscc: string;
  /** The type in the yearly run; omitted: not in the run. */
  type?: string;
}

/**
 * Households and one finished YEARLY typing run (the quota's base and the current type), finished
 * at `finishedAt`.
 */
export async function seedHouseholds(
  db: Kysely<Database>,
  households: readonly TypedHousehold[],
  run: { asOf: string; finishedAt: string; kind?: string } = {
    asOf: "2021-08-01",
    finishedAt: "2021-08-10T00:00:00Z",
  },
): Promise<string> {
  await insertHouseholds(
    db,
    households.map(({ type: _type, ...h }) => h),
  );
  const runId = randomUUID();
  await db
    .insertInto("typing_run")
    .values({
      id: runId,
      as_of: run.asOf,
      standard_version: "test",
      kind: run.kind ?? "YEARLY",
      started_at: run.finishedAt,
      finished_at: run.finishedAt,
      created_by: "test",
    })
    .execute();
  await insertTypingResults(db, runId, households);
  return runId;
}

/**
 * The results of the households with a type in the run. Each carries the county it was typed in:
 * `countyCode` when given (null: a result written before runs recorded the county), else the
 * household's (insertHouseholds' default).
 */
export async function insertTypingResults(
  db: Kysely<Database>,
  runId: string,
  households: readonly TypedHousehold[],
  countyCode?: string | null,
): Promise<void> {
  const results = households.flatMap((h) =>
    h.type
      ? [
          {
            run_id: runId,
            uscc: h.uscc,
            county_code:
              countyCode === undefined ? (h.county_code ?? h.uscc.slice(2, 8)) : countyCode,
            type: h.type,
            codes: [`${h.type}_A`],
          },
        ]
      : [],
  );
  for (let i = 0; i < results.length; i += 500) {
    await db
      .insertInto("typing_result")
      .values(results.slice(i, i + 500))
      .execute();
  }
}

/** `count` households of the county typed GROWTH, numbered from `from`: the quota's base. */
export function growthHouseholds(county: string, from: number, count: number): TypedHousehold[] {
  return Array.from({ length: count }, (_, i) => ({
    uscc: usccOf(county, from + i),
    type: i % 2 === 0 ? "GROWTH" : "DEVELOPMENT",
  }));
}

// ── GraphQL operations, as a client would send them ─────────────────────────
export const APPLY = `mutation($input: ApplyForCategoryInput!) {
  applyForCategory(input: $input) {
    application { id state source enteredOn category conditions { code } }
    refusals { code reason details }
  }
}`;

export const RECOMMEND = `mutation($input: RecommendForCategoryInput!) {
  recommendForCategory(input: $input) {
    application { id state source recommendedBy }
    refusals { code reason details }
  }
}`;

export const CONSENT = `mutation($id: ID!, $consent: Boolean!, $note: String) {
  respondToCategoryRecommendation(applicationId: $id, consent: $consent, note: $note) { id state consentedAt }
}`;

export const VISIT = `mutation($id: ID!, $on: Date!, $confirmed: Boolean!) {
  recordCategoryVisit(applicationId: $id, visitedOn: $on, confirmed: $confirmed,
    findings: "走访核实：经营场所、证照与申报材料一致") { id visits { visitedOn confirmed } }
}`;

export const APPROVE = `mutation($id: ID!) {
  approveCategoryApplication(applicationId: $id, reason: "经走访核实，符合认定条件") {
    application { id state decisionReason }
    recognition { id uscc category recognizedOn validFrom validUntil }
    refusals { code reason details }
    quota { base sharePercent limit used left }
  }
}`;

export const CANCEL = `mutation($id: ID!, $ground: CategoryCancelGround!) {
  cancelCategoryRecognition(recognitionId: $id, ground: $ground, note: "经审核确认") { id endedOn endReason endGround }
}`;

export const EXTEND = `mutation($id: ID!, $condition: CategoryExtensionCondition!, $evidence: String!) {
  extendCategoryRecognition(recognitionId: $id, condition: $condition, evidence: $evidence) {
    id validUntil extensions { condition previousValidUntil validUntil extendedOn }
  }
}`;

export const REVOKE = `mutation($id: ID!, $reason: String!) {
  revokeCategoryRecognition(recognitionId: $id, reason: $reason) { id endedOn endReason revokedOn }
}`;

export const UPKEEP = `query($county: String) {
  categoryUpkeep(countyCode: $county) {
    edges { node { grounds missingReportYears inLastYear recognition { id uscc } } }
  }
}`;

export const QUOTA = `query($county: String) {
  categoryQuota(countyCode: $county) { countyCode base sharePercent shareSetByCity limit used left yearlyRunAsOf }
}`;

export const CATEGORY_ON = `query($uscc: String!, $asOf: Date) {
  household(uscc: $uscc) { uscc category(asOf: $asOf) }
}`;

export const PUBLIC_LIST = `query($county: String, $category: Category, $first: Int, $after: String) {
  publicCategoryRecognitions(countyCode: $county, category: $category, first: $first, after: $after) {
    edges { node { name uscc countyCode countyName category validFrom validUntil } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** GraphQL results, checked field by field. */
type Data = any;

/** Runs an operation and fails the test on any GraphQL error. */
export async function ok(
  deps: AppDeps,
  principal: Principal,
  query: string,
  variables?: Record<string, unknown>,
): Promise<Data> {
  const result = await runGraphQL<Data>(deps, principal, query, variables);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data;
}

export async function apply(
  handle: TestDatabase,
  date: string,
  uscc: string,
  category = "FAMOUS",
  conditions: string[] = ["FAMOUS_1", "FAMOUS_2"],
): Promise<Data> {
  const data = await ok(depsOn(handle, date), householdOf(uscc), APPLY, {
    input: { category, conditions, evidence: "注册商标第12345678号；区级“诚信经营示范户”" },
  });
  return data.applyForCategory;
}

/** Applies (on `date`) and records a confirming visit; returns the application id. */
export async function applyAndVisit(
  handle: TestDatabase,
  date: string,
  uscc: string,
  category = "FAMOUS",
  conditions: string[] = ["FAMOUS_1", "FAMOUS_2"],
): Promise<string> {
  const applied = await apply(handle, date, uscc, category, conditions);
  expect(applied.refusals).toEqual([]);
  const id = applied.application.id as string;
  const county = uscc.slice(2, 8);
  await ok(depsOn(handle, date), countyOperator(county), VISIT, { id, on: date, confirmed: true });
  return id;
}

export async function approve(
  handle: TestDatabase,
  date: string,
  id: string,
  operator: Principal,
): Promise<Data> {
  return (await ok(depsOn(handle, date), operator, APPROVE, { id })).approveCategoryApplication;
}

/** Applies, visits and approves on `date`; returns the recognition. */
export async function recognise(
  handle: TestDatabase,
  date: string,
  uscc: string,
  category = "FAMOUS",
  conditions: string[] = ["FAMOUS_1", "FAMOUS_2"],
): Promise<Data> {
  const id = await applyAndVisit(handle, date, uscc, category, conditions);
  const approved = await approve(handle, date, id, countyOperator(uscc.slice(2, 8)));
  expect(approved.refusals).toEqual([]);
  return approved.recognition;
}

export function refusalCodes(payload: Data): string[] {
  return payload.refusals.map((r: { code: string }) => r.code);
}

/**
 * Runs the calls while another connection holds ERQI's quota row, lets go once all of them are
 * provably waiting for it (pg_blocking_pids), and returns their results.
 */
export async function behindHeldQuotaLock<T>(
  handle: TestDatabase,
  calls: readonly (() => Promise<T>)[],
): Promise<T[]> {
  await handle.db
    .insertInto("category_quota")
    .values({ county_code: ERQI, share_basis_points: null, base_run_id: null, base_count: null })
    .onConflict((oc) => oc.column("county_code").doNothing())
    .execute();
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(
    handle.db,
  );
  const holder = new pg.Client({
    connectionString: process.env.TEST_DATABASE_URL,
    options: `-c search_path=${rows[0]?.schema as string}`,
  });
  await holder.connect();
  try {
    const pid = (await holder.query("select pg_backend_pid() as pid")).rows[0].pid as number;
    await holder.query("begin");
    await holder.query("select * from category_quota where county_code = $1 for update", [ERQI]);
    let settled = 0;
    const running = calls.map((call) =>
      call().finally(() => {
        settled += 1;
      }),
    );
    let blocked = 0;
    while (blocked < calls.length && settled === 0) {
      blocked = await waitersBehind(holder, pid);
      if (blocked < calls.length) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(blocked, "every call waits for the county's quota lock").toBe(calls.length);
    await holder.query("commit");
    return await Promise.all(running);
  } finally {
    await holder.end();
  }
}
