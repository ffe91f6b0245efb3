import { readFileSync } from "node:fs";
import type { Kysely } from "kysely";
import { sql } from "kysely";
import { beforeEach, expect, it } from "vitest";
import type { Database } from "../../src/db/types.ts";
import { exportHouseholds } from "../../src/ingest/export-households.ts";
import { generateHouseholds } from "../../src/ingest/generate-households.ts";
import { canonicalHousehold, householdJson } from "../../src/ingest/household-record.ts";
import {
  formatRejection,
  HouseholdImportError,
  importHouseholds,
  type RejectedLine,
} from "../../src/ingest/import-households.ts";
import { describeEachEngine } from "../support/databases.ts";

const example = readFileSync(
  new URL("./fixtures/example-households.jsonl", import.meta.url),
  "utf8",
)
  .trim()
  .split("\n");

/** A file with mistakes on lines 2, 4, 5 and 7 (line 6 is blank, which is allowed). */
const withMistakes = [
  example[0],
  example[1]?.replace('"92410105YFG9QBUHP6"', '"92410105YFG9QBUHP7"'),
  example[2],
  example[3]?.replace('"registeredOn": "2016-08-30"', '"registeredOn": "2016-02-30"'),
  '{"uscc": "92410122NW0J72M2U4", "name": ',
  "",
  example[4]?.replace('"taxPaid": 800', '"taxPaid": "800", "extra": true'),
] as string[];

async function exported(db: Kysely<Database>): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of exportHouseholds(db, { pageSize: 2 })) lines.push(line);
  return lines;
}

async function counts(db: Kysely<Database>) {
  const { rows } = await sql<{ h: number; y: number; s: number; p: number }>`
    SELECT (SELECT count(*)::int FROM household) AS h,
      (SELECT count(*)::int FROM household_year) AS y,
      (SELECT count(*)::int FROM household_suspension) AS s,
      (SELECT count(*)::int FROM household_penalty) AS p`.execute(db);
  return rows[0];
}

/** Every index of the household tables, as the catalog defines it. */
async function householdIndexes(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ definition: string }>`
    SELECT pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i
    JOIN pg_class c ON c.oid = i.indrelid
    WHERE c.relnamespace = current_schema()::regnamespace
      AND c.relname IN ('household', 'household_year', 'household_suspension', 'household_penalty')
    ORDER BY 1`.execute(db);
  return rows.map((r) => r.definition);
}

async function* slowly(lines: string[]): AsyncGenerator<string> {
  for (const line of lines) {
    await new Promise((resolve) => setImmediate(resolve));
    yield line;
  }
}

describeEachEngine("household import", (getDb) => {
  beforeEach(() => getDb().reset());

  it("imports the contract's example file, children included", async () => {
    const { db } = getDb();
    const summary = await importHouseholds(db, example);
    expect(summary).toEqual({
      lines: 5,
      imported: 5,
      inserted: 5,
      changed: 0,
      unchanged: 0,
      rejected: 0,
      firstLoad: true,
    });
    expect(await counts(db)).toEqual({ h: 5, y: 5, s: 1, p: 1 });
    const row = await db
      .selectFrom("household")
      .selectAll()
      .where("uscc", "=", "9241018502FHWLG3Q7")
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      county_code: "410185",
      registered_on: "2018-03-11",
      proprietor_groups: ["RETURNING_MIGRANT"],
      annual_reports: [2023, 2024],
      seasonal: true,
      abnormal_listed: false,
    });
  });

  it("reports every invalid line with its number and field, and imports nothing", async () => {
    const { db } = getDb();
    await importHouseholds(db, [example[0] as string]);
    const before = await exported(db);
    const rejected: RejectedLine[] = [];
    const error = await importHouseholds(db, withMistakes, {
      onReject: (r) => {
        rejected.push(r);
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HouseholdImportError);
    expect((error as HouseholdImportError).summary).toMatchObject({ lines: 6, rejected: 4 });
    const messages = rejected.flatMap(formatRejection);
    expect(messages).toEqual([
      "line 2: uscc: check character is 7, GB 32100-2015 gives 6",
      "line 4: registeredOn: must be a real calendar date written YYYY-MM-DD",
      expect.stringMatching(/^line 5: not valid JSON/),
      "line 7: yearly/0/extra: unknown field (the contract allows no other fields)",
      "line 7: yearly/0/taxPaid: must be a number or null",
    ]);
    expect(await exported(db)).toEqual(before);
    expect(await counts(db)).toEqual({ h: 1, y: 2, s: 0, p: 0 });
  });

  it("imports the valid lines with skipInvalid and hands over the rejected ones", async () => {
    const { db } = getDb();
    const rejected: RejectedLine[] = [];
    const summary = await importHouseholds(db, withMistakes, {
      skipInvalid: true,
      onReject: (r) => {
        rejected.push(r);
      },
    });
    expect(summary).toMatchObject({ lines: 6, imported: 2, inserted: 2, rejected: 4 });
    expect(rejected.map((r) => r.line)).toEqual([2, 4, 5, 7]);
    expect(rejected[0]?.text).toBe(withMistakes[1]);
    expect((await exported(db)).map((l) => JSON.parse(l).uscc)).toEqual([
      "92410103A1JDY3TFAL",
      "9241018502FHWLG3Q7",
    ]);
  });

  it("rejects a USCC repeated in one input, in the same batch or a later one", async () => {
    const { db } = getDb();
    const lines = [...example, example[0] as string, example[4] as string];
    await expect(importHouseholds(db, lines, { batchSize: 2 })).rejects.toThrow(
      /2 of 7 lines are invalid/,
    );
    expect(await counts(db)).toEqual({ h: 0, y: 0, s: 0, p: 0 });
    for (const batchSize of [2, 100]) {
      const rejected: RejectedLine[] = [];
      const summary = await importHouseholds(db, lines, {
        batchSize,
        skipInvalid: true,
        onReject: (r) => {
          rejected.push(r);
        },
      });
      expect(summary.imported).toBe(5);
      expect(rejected.map((r) => [r.line, r.errors[0]?.field]).sort()).toEqual([
        [6, "uscc"],
        [7, "uscc"],
      ]);
    }
  });

  it("is idempotent: facts_changed_at moves only when the facts change", async () => {
    const { db } = getDb();
    await importHouseholds(db, example);
    const first = await exported(db);
    const stamps = async () =>
      Object.fromEntries(
        (
          await db
            .selectFrom("household")
            .select(["uscc", sql<string>`facts_changed_at::text`.as("at")])
            .execute()
        ).map((r) => [r.uscc, r.at]),
      );
    const before = await stamps();

    // The same facts in another order and form: nothing changes.
    const reordered = example.map((line) => {
      const record = canonicalHousehold(JSON.parse(line));
      record.yearly.reverse();
      return JSON.stringify(record);
    });
    const again = await importHouseholds(db, reordered.reverse());
    expect(again).toMatchObject({ imported: 5, inserted: 0, changed: 0, unchanged: 5 });
    expect(await exported(db)).toEqual(first);
    expect(await stamps()).toEqual(before);

    // One figure changes: that household's facts and stamp change, and only its.
    const changed = example[0]?.replace('"taxPaid": 3600', '"taxPaid": 3700') as string;
    const summary = await importHouseholds(db, [changed, example[2] as string]);
    expect(summary).toMatchObject({ changed: 1, unchanged: 1 });
    const after = await stamps();
    expect(after["92410103A1JDY3TFAL"]).not.toBe(before["92410103A1JDY3TFAL"]);
    expect({ ...after, "92410103A1JDY3TFAL": null }).toEqual({
      ...before,
      "92410103A1JDY3TFAL": null,
    });
    const years = await db
      .selectFrom("household_year")
      .select(["year", "tax_paid"])
      .where("uscc", "=", "92410103A1JDY3TFAL")
      .orderBy("year")
      .execute();
    expect(years).toEqual([
      { year: 2023, tax_paid: 3200 },
      { year: 2024, tax_paid: 3700 },
    ]);
  });

  it("replaces a household's lists when they change, down to none", async () => {
    const { db } = getDb();
    await importHouseholds(db, example);
    const record = canonicalHousehold(JSON.parse(example[2] as string));
    record.suspensions = [];
    record.penalties.push({ decidedOn: "2024-01-05", kind: "WARNING", repairedOn: null });
    record.yearly = [];
    await importHouseholds(db, [JSON.stringify(record)]);
    const lines = await exported(db);
    expect(lines).toContain(householdJson(canonicalHousehold(record)));
    expect(await counts(db)).toEqual({ h: 5, y: 4, s: 0, p: 2 });
  });

  it("round-trips: export → import → export is byte-identical, and equals the input with defaults", async () => {
    const { db } = getDb();
    await importHouseholds(db, example);
    const once = await exported(db);
    expect(once.map((l) => JSON.parse(l))).toEqual(
      example
        .map((l) => JSON.parse(householdJson(canonicalHousehold(JSON.parse(l)))))
        .sort((a, b) => (a.uscc < b.uscc ? -1 : 1)),
    );
    await getDb().reset();
    await importHouseholds(db, once);
    expect(await exported(db)).toEqual(once);
  });

  it("streams a few thousand generated households in batches and exports them unchanged", async () => {
    const { db } = getDb();
    const lines = [...generateHouseholds({ count: 3000, seed: 5 })].map(householdJson);
    const progress: number[] = [];
    const summary = await importHouseholds(db, slowly(lines), {
      batchSize: 400,
      onProgress: (p) => progress.push(p.imported),
    });
    expect(summary).toMatchObject({ lines: 3000, imported: 3000, inserted: 3000, rejected: 0 });
    expect(progress).toEqual([400, 800, 1200, 1600, 2000, 2400, 2800, 3000]);
    const out: string[] = [];
    for await (const line of exportHouseholds(db, { pageSize: 700 })) out.push(line);
    expect(out).toEqual([...lines].sort());
  });

  it("leaves the database as it was when the input fails half-way", async () => {
    const { db } = getDb();
    await importHouseholds(db, example);
    const before = await exported(db);
    const lines = [...generateHouseholds({ count: 600, seed: 9 })].map(householdJson);
    async function* breaksOff() {
      yield* lines.slice(0, 500);
      throw new Error("connection to the source lost");
    }
    await expect(importHouseholds(db, breaksOff(), { batchSize: 100 })).rejects.toThrow(
      /source lost/,
    );
    expect(await exported(db)).toEqual(before);
  });

  it("loads empty tables without their indexes and builds every one of them again", async () => {
    const { db } = getDb();
    const indexes = await householdIndexes(db);
    expect(indexes.length).toBeGreaterThanOrEqual(7);
    const lines = [...generateHouseholds({ count: 300, seed: 4 })].map(householdJson);
    // A first load that fails keeps its indexes (the drop rolls back with the rows)…
    await expect(importHouseholds(db, [...lines, "{"], { batchSize: 100 })).rejects.toThrow(
      HouseholdImportError,
    );
    expect(await householdIndexes(db)).toEqual(indexes);
    expect(await counts(db)).toEqual({ h: 0, y: 0, s: 0, p: 0 });
    // …one that succeeds has them all again, and the keys hold: a repeat is still refused.
    const summary = await importHouseholds(db, lines, { batchSize: 100 });
    expect(summary).toMatchObject({ inserted: 300, firstLoad: true });
    expect(await householdIndexes(db)).toEqual(indexes);
    const first = lines[0] as string;
    const repeat = await importHouseholds(db, [first, first], { skipInvalid: true });
    expect(repeat).toMatchObject({ unchanged: 1, rejected: 1, firstLoad: false });
    await expect(
      sql`INSERT INTO household_year SELECT * FROM household_year LIMIT 1`.execute(db),
    ).rejects.toThrow(/duplicate key/);
    expect(await exported(db)).toEqual([...lines].sort());
  });

  it("runs two first loads at once: one builds the indexes, the other waits and adds to it", async () => {
    const { db } = getDb();
    const lines = [...generateHouseholds({ count: 400, seed: 5 })].map(householdJson);
    const [a, b] = await Promise.all([
      importHouseholds(db, lines.slice(0, 200), { batchSize: 50 }),
      importHouseholds(db, lines.slice(200), { batchSize: 50 }),
    ]);
    expect([a.firstLoad, b.firstLoad].sort()).toEqual([false, true]);
    expect(a.inserted + b.inserted).toBe(400);
    expect(await exported(db)).toEqual([...lines].sort());
  });

  it("exports one county only when asked", async () => {
    const { db } = getDb();
    await importHouseholds(db, example);
    const lines: string[] = [];
    for await (const line of exportHouseholds(db, { countyCode: "410185" })) lines.push(line);
    expect(lines.map((l) => JSON.parse(l).uscc)).toEqual(["9241018502FHWLG3Q7"]);
  });
});
