import { afterEach, beforeEach, expect, it } from "vitest";
import { createToken } from "../../src/auth/tokens.ts";
import { csvCell, GRANT_CSV_COLUMNS, grantsCsv } from "../../src/grants/grants-csv.ts";
import { GRANTS_CSV_PATH, grantsCsvRoute } from "../../src/grants/grants-csv-route.ts";
import { runGrants } from "../../src/grants/run-grants.ts";
import { type RunningServer, startHttpServer } from "../../src/server/create-server.ts";
import { describeEachEngine } from "../support/databases.ts";
import { testDeps } from "../support/graphql.ts";
import {
  GROWTH_REVENUE_EXAMPLES,
  GROWTH_REVENUE_RULE,
  publishTestPolicy,
  seedHouseholds,
  type TestHousehold,
  usccOf,
} from "./grant-fixtures.ts";

function households(): TestHousehold[] {
  return Array.from({ length: 9 }, (_, i) => ({
    uscc: usccOf(i < 5 ? "410103" : "410105", i),
    type: "GROWTH",
    revenue2024: 400_000 + i,
    // A name a spreadsheet would read as a formula, and one with a comma and quotes.
    ...(i === 0 ? { name: "=HYPERLINK(1)" } : i === 1 ? { name: '老王"烩面",馆' } : {}),
  }));
}

/** Rows of a CSV without quoted newlines: enough for these fields. */
function parseCsv(text: string): string[][] {
  return text
    .replace(/^\uFEFF/, "")
    .split("\r\n")
    .filter((line) => line !== "")
    .map((line) => {
      const cells: string[] = [];
      let cell = "";
      let quoted = false;
      for (let i = 0; i < line.length; i++) {
        const ch = line[i];
        if (quoted) {
          if (ch === '"' && line[i + 1] === '"') {
            cell += '"';
            i++;
          } else if (ch === '"') quoted = false;
          else cell += ch;
        } else if (ch === '"') quoted = true;
        else if (ch === ",") {
          cells.push(cell);
          cell = "";
        } else cell += ch;
      }
      cells.push(cell);
      return cells;
    });
}

describeEachEngine("grants CSV export", (getDb) => {
  let server: RunningServer | undefined;

  beforeEach(async () => {
    const { db } = getDb();
    await getDb().reset();
    await seedHouseholds(db, households());
    await publishTestPolicy(db, {
      code: "TEST_CSV_ONE",
      rule: GROWTH_REVENUE_RULE,
      amount: 1500,
      examples: GROWTH_REVENUE_EXAMPLES,
    });
    await publishTestPolicy(db, {
      code: "TEST_CSV_TWO",
      department: "HRSS_ZZ",
      rule: GROWTH_REVENUE_RULE,
      examples: GROWTH_REVENUE_EXAMPLES,
    });
    await runGrants(db, { asOf: "2025-08-01", trigger: "MANUAL", actor: "test" });
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("streams every grant exactly once, in ledger order, across keyset batches", async () => {
    const { db } = getDb();
    let chunks = 0;
    let text = "";
    for await (const chunk of grantsCsv(db, {}, { batchSize: 4 })) {
      chunks++;
      text += chunk;
    }
    const [header, ...rows] = parseCsv(text);
    expect(header).toEqual([...GRANT_CSV_COLUMNS]);
    expect(rows).toHaveLength(18);
    // Header, five batches (4+4+4+4+2).
    expect(chunks).toBe(6);
    const keys = rows.map((r) => `${r[0]}|${r[1]}|${r[2]}`);
    expect(new Set(keys).size).toBe(18);
    expect(keys).toEqual([...keys].sort());
    const first = Object.fromEntries(GRANT_CSV_COLUMNS.map((c, i) => [c, rows[0]?.[i]]));
    expect(first).toMatchObject({
      uscc: usccOf("410103", 0),
      household_name: "'=HYPERLINK(1)",
      policy_code: "TEST_CSV_ONE",
      period: "2025",
      as_of: "2025-08-01",
      amount: "1500",
      county_code: "410103",
      type: "GROWTH",
      category: "NONE",
      status: "ACTIVE",
      revoked_at: "",
    });
    expect(rows[1]?.[3]).toBe('老王"烩面",馆');
    expect(csvCell(-5)).toBe("-5");
    expect(csvCell("-5")).toBe("'-5");
  });

  it("serves the download with the bearer token, scoped like grants(filter)", async () => {
    const { db } = getDb();
    server = await startHttpServer(testDeps(getDb()), { port: 0, routes: [grantsCsvRoute] });
    const base = `http://127.0.0.1:${server.port}${GRANTS_CSV_PATH}`;
    const token = async (role: "OPERATOR" | "DEPARTMENT" | "BANK", scopeCode: string | null) =>
      (await createToken(db, { role, scopeCode })).token;
    const get = (query: string, bearer?: string) =>
      fetch(`${base}${query}`, bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {});

    const county = await token("OPERATOR", "410105");
    const response = await get("?policyCode=TEST_CSV_ONE", county);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toContain("grants.csv");
    const bytes = Buffer.from(await response.arrayBuffer());
    // The UTF-8 byte order mark, for spreadsheet programs.
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const body = bytes.toString("utf8");
    expect(body.startsWith("\uFEFFpolicy_code,")).toBe(true);
    const rows = parseCsv(body).slice(1);
    expect(rows.map((r) => r[2])).toEqual([5, 6, 7, 8].map((i) => usccOf("410105", i)));

    const hrss = await token("DEPARTMENT", "HRSS_ZZ");
    const own = parseCsv(await (await get("", hrss)).text()).slice(1);
    expect(new Set(own.map((r) => r[0]))).toEqual(new Set(["TEST_CSV_TWO"]));
    expect(own).toHaveLength(9);

    expect((await get("")).status).toBe(401);
    expect((await get("", "not-a-token")).status).toBe(401);
    expect((await get("", await token("BANK", "ZZBANK"))).status).toBe(403);
    expect((await get("?countyCode=410103", county)).status).toBe(403);
    const bad = await get("?from=2025-02-30", county);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      errors: [{ extensions: { code: "BAD_USER_INPUT" } }],
    });
    expect((await get("?colour=red", county)).status).toBe(400);
  });
});
