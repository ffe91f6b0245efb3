import { sql } from "kysely";
import type { TokenRole } from "../auth/principal.ts";
import { createToken } from "../auth/tokens.ts";
import { runGrants } from "../grants/run-grants.ts";
import { generateHouseholds } from "../ingest/generate-households.ts";
import { householdJson } from "../ingest/household-record.ts";
import { importHouseholds } from "../ingest/import-households.ts";
import type { AppDeps } from "../schema/context.ts";
import { runTyping } from "../typing/run-typing.ts";

/** The demo population: the same for every fresh start (seed 2025), data as of mid-2025. */
export const DEMO_SEED = 2025;
/** The demo's typing and grant date: the yearly run of 2025. */
export const DEMO_AS_OF = "2025-08-01";

function* demoLines(count: number): Generator<string> {
  for (const record of generateHouseholds({ count, seed: DEMO_SEED })) yield householdJson(record);
}

const DEMO_LABEL = "demo";

export interface DemoSetup {
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
    console.log(`loading ${households} demo households…`);
    await importHouseholds(db, demoLines(households));
    // The yearly run after July's annual reports (三(一)2 分型周期), then the 免申即享 grants
    // that follow from it, so every guide's example has data to show.
    const run = await runTyping(db, {
      asOf: DEMO_AS_OF,
      kind: "YEARLY",
      actor: "SYSTEM:demo",
      now: deps.now(),
    });
    const grants = await runGrants(db, {
      asOf: DEMO_AS_OF,
      trigger: "TYPING_RUN",
      triggerRef: run.id,
      actor: "SYSTEM:demo",
    });
    console.log(`typed as of ${DEMO_AS_OF}; ${grants.granted} grants made`);
  }
  const sample = await db
    .selectFrom("household")
    .select(["uscc", "county_code"])
    .orderBy("uscc")
    .limit(1)
    .executeTakeFirst();

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
