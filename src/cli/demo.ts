import { sql } from "kysely";
import type { TokenRole } from "../auth/principal.ts";
import { createToken } from "../auth/tokens.ts";
import { todayInChina, yearOf } from "../dates.ts";
import { runGrants } from "../grants/run-grants.ts";
import { generateHouseholds } from "../ingest/generate-households.ts";
import { householdJson } from "../ingest/household-record.ts";
import { importHouseholds } from "../ingest/import-households.ts";
import type { AppDeps } from "../schema/context.ts";
import { runTyping } from "../typing/run-typing.ts";
import { latestYearlyRun } from "../typing/typing-queries.ts";

/** The demo population: the same for every fresh start on the same date (seed 2025). */
export const DEMO_SEED = 2025;

/**
 * The demo's typing and grant date on `today`: 1 August, the yearly run after July's annual
 * reports (三(一)2 分型周期：每年 7 月份个体工商户年度报告结束后…集中分型判定), of this year once it
 * has come, else of the year before.
 */
export function demoAsOf(today: string): string {
  const thisYears = `${yearOf(today)}-08-01`;
  return today >= thisYears ? thisYears : `${yearOf(today) - 1}-08-01`;
}

/**
 * The demo households as of the year of `asOf`: registrations up to 30 June of it, figures and
 * annual reports through the year before (上年度 of the yearly run).
 */
function* demoLines(count: number, asOf: string): Generator<string> {
  for (const record of generateHouseholds({ count, seed: DEMO_SEED, asOfYear: yearOf(asOf) })) {
    yield householdJson(record);
  }
}

/**
 * The household the demo issues a token for: the fifth one generated, 金水区董记商行, a 成长型 shop
 * with every figure of last year and no penalty, so that the guides' examples have something to
 * show. The generator moves every household's dates with the year, so it is the same household,
 * under the same USCC, in every year's demo, and the guides can name it.
 */
const DEMO_HOUSEHOLD_INDEX = 4;

/** The USCC of the demo household in the demo as of `asOf`. */
export function demoHouseholdUscc(asOf: string): string {
  const records = generateHouseholds({
    count: DEMO_HOUSEHOLD_INDEX + 1,
    seed: DEMO_SEED,
    asOfYear: yearOf(asOf),
  });
  return [...records][DEMO_HOUSEHOLD_INDEX]?.uscc ?? "";
}

const DEMO_LABEL = "demo";

export interface DemoSetup {
  /** The date the demo was typed and granted as of (its latest yearly typing run), if any. */
  asOf: string | null;
  tokens: { role: TokenRole; scope: string | null; token: string }[];
  instructions(url: string): string;
}

/**
 * Demo mode: fills an empty database with generated households, then replaces the demo tokens
 * (secrets are stored only as hashes, so each start issues new ones and revokes the old).
 */
export async function prepareDemo(deps: AppDeps, households: number): Promise<DemoSetup> {
  const { db } = deps;
  const count = await db
    .selectFrom("household")
    .select(sql<number>`count(*)::int`.as("n"))
    .executeTakeFirstOrThrow();
  if (count.n === 0 && households > 0) {
    const asOf = demoAsOf(todayInChina(deps.now()));
    console.log(
      `loading ${households} demo households as of ${asOf} (figures through ${yearOf(asOf) - 1})…`,
    );
    await importHouseholds(db, demoLines(households, asOf));
    // The yearly run after July's annual reports (三(一)2 分型周期), then the 免申即享 grants
    // (三(一)3) that follow from it, so every guide's example has data to show.
    const run = await runTyping(db, {
      asOf,
      kind: "YEARLY",
      actor: "SYSTEM:demo",
      now: deps.now(),
    });
    const grants = await runGrants(db, {
      asOf,
      trigger: "TYPING_RUN",
      triggerRef: run.id,
      actor: "SYSTEM:demo",
    });
    console.log(`typed as of ${asOf}; ${grants.granted} grants made`);
  }
  const yearly = await latestYearlyRun(db);
  const asOf = yearly?.as_of ?? null;
  if (count.n > 0) {
    const now = demoAsOf(todayInChina(deps.now()));
    console.log(
      asOf === null
        ? "the database holds households but no yearly typing run"
        : asOf === now
          ? `demo data as of ${asOf}`
          : `demo data as of ${asOf} (an empty data folder would load it as of ${now})`,
    );
  }
  // The demo household, or the first household of a database filled otherwise.
  const sample =
    (asOf === null
      ? undefined
      : await db
          .selectFrom("household")
          .select(["uscc", "county_code"])
          .where("uscc", "=", demoHouseholdUscc(asOf))
          .executeTakeFirst()) ??
    (await db
      .selectFrom("household")
      .select(["uscc", "county_code"])
      .orderBy("uscc")
      .limit(1)
      .executeTakeFirst());

  await db
    .updateTable("api_token")
    .set({ revoked_at: new Date() })
    .where("label", "like", `${DEMO_LABEL}:%`)
    .where("revoked_at", "is", null)
    .execute();
  const wanted: { role: TokenRole; scope: string | null }[] = [
    { role: "OPERATOR", scope: null },
    { role: "OPERATOR", scope: sample?.county_code ?? "410103" },
    { role: "DEPARTMENT", scope: "SAMR_ZZ" },
    { role: "BANK", scope: "ZZBANK" },
    ...(sample ? [{ role: "HOUSEHOLD" as const, scope: sample.uscc }] : []),
  ];
  const tokens: DemoSetup["tokens"] = [];
  for (const w of wanted) {
    const created = await createToken(db, {
      role: w.role,
      scopeCode: w.scope,
      label: `${DEMO_LABEL}:${w.role.toLowerCase()}:${w.scope ?? "city"}`,
    });
    tokens.push({ ...w, token: created.token });
  }
  return {
    asOf,
    tokens,
    instructions(url: string) {
      const lines = tokens.map(
        (t) => `  ${`${t.role} ${t.scope ?? "(city-wide)"}`.padEnd(36)} ${t.token}`,
      );
      const operator = tokens[0]?.token ?? "";
      return [
        "",
        "Demo tokens (new at every start; send as `Authorization: Bearer <token>`):",
        ...lines,
        "",
        "Try:",
        `  curl -s ${url} -H 'content-type: application/json' -H 'authorization: Bearer ${operator}' \\`,
        `    -d '{"query":"{ households(first: 3) { edges { node { uscc name countyCode } } } }"}'`,
        "",
      ].join("\n");
    },
  };
}
