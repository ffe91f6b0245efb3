import fc from "fast-check";
import { sql } from "kysely";
import { expect, it } from "vitest";
import { arrayLiteral } from "../../src/db/array-literal.ts";
import { describeEachEngine } from "../support/databases.ts";

/** Strings that array_in treats specially, beside arbitrary text. */
const trickyText = fc.oneof(
  fc.string({ unit: "binary" }).map((s) => s.replaceAll("\u0000", "")),
  fc.constantFrom(
    "NULL",
    "null",
    "NuLl",
    "",
    " ",
    "a b",
    "a,b",
    "{x}",
    '"',
    "\\",
    '\\\\"',
    "92410100MA0000000X",
    "2024-02-29",
    "1e+21",
    "-0.5",
    "t",
  ),
);

describeEachEngine("arrayLiteral", (getDb) => {
  it("reads back as the same text[] as pg's own array parameter, whatever the strings", async () => {
    const { db } = getDb();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(trickyText, { nil: null }), { maxLength: 12 }),
        async (values) => {
          const { rows } = await sql<{ ours: (string | null)[]; pgs: (string | null)[] }>`
          SELECT ${arrayLiteral(values)}::text[] AS ours, ${values}::text[] AS pgs`.execute(db);
          expect(rows[0]?.ours).toEqual(values);
          expect(rows[0]?.ours).toEqual(rows[0]?.pgs);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("writes numbers exactly (float8, int) and booleans as t and f", async () => {
    const { db } = getDb();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null })),
        fc.array(fc.option(fc.integer(), { nil: null })),
        fc.array(fc.option(fc.boolean(), { nil: null })),
        async (doubles, integers, booleans) => {
          const { rows } = await sql<{
            d: (number | null)[];
            i: (number | null)[];
            b: (boolean | null)[];
          }>`
            SELECT ${arrayLiteral(doubles)}::float8[] AS d, ${arrayLiteral(integers)}::int[] AS i,
              ${arrayLiteral(booleans)}::bool[] AS b`.execute(db);
          // -0 prints as 0, as pg's own parameters do: equal to 0 in PostgreSQL.
          expect(rows[0]?.d).toEqual(doubles.map((x) => (Object.is(x, -0) ? 0 : x)));
          expect(rows[0]?.i).toEqual(integers);
          expect(rows[0]?.b).toEqual(booleans);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("refuses a number PostgreSQL could not read back", () => {
    expect(() => arrayLiteral([1, Number.NaN])).toThrow("NaN is not a finite number");
    expect(() => arrayLiteral([Number.POSITIVE_INFINITY])).toThrow(RangeError);
    expect(arrayLiteral([])).toBe("{}");
    expect(arrayLiteral(["92410100MA0000000X", null, "a b", "NULL", true, 1.5])).toBe(
      '{92410100MA0000000X,NULL,"a b","NULL",t,1.5}',
    );
  });
});
