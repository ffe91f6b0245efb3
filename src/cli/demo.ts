import { sql } from "kysely";
import type { TokenRole } from "../auth/principal.ts";
import { createToken } from "../auth/tokens.ts";
import { generateHouseholds } from "../ingest/generate-households.ts";
import { householdJson } from "../ingest/household-record.ts";
import { importHouseholds } from "../ingest/import-households.ts";
import type { AppDeps } from "../schema/context.ts";

/** The demo population: the same for every fresh start (seed 2025), data as of mid-2025. */
export const DEMO_SEED = 2025;

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
