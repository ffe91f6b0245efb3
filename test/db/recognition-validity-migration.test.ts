import { expect, it } from "vitest";
import { up } from "../../src/db/migrations/20261128T090000000Z-recognition-validity.ts";
import { describeEachEngine } from "../support/databases.ts";

// 三(二)2 "认定有效期为3年，以认定时间为准": recognitions stored when the 3 years ran from the
// 1 January after recognition are moved to run from the day of recognition, extensions included.
describeEachEngine("migration: recognition validity from the day of recognition", (getDb) => {
  it("moves the dates of the earlier form, extensions included, and leaves the rest", async () => {
    const { db } = getDb();
    await getDb().reset();
    const row = (uscc: string, recognizedOn: string, validFrom: string, validUntil: string) => ({
      uscc,
      category: "FAMOUS",
      recognized_on: recognizedOn,
      valid_from: validFrom,
      valid_until: validUntil,
    });
    const inserted = await db
      .insertInto("category_recognition")
      .values([
        row("92410103MA0000001X", "2025-11-20", "2026-01-01", "2029-01-01"),
        // Extended once: 3 + 3 years.
        row("92410103MA0000002X", "2023-10-15", "2024-01-01", "2030-01-01"),
        // 29 February: three years on is 28 February, as PostgreSQL and addYears count.
        row("92410103MA0000003X", "2024-02-29", "2025-01-01", "2028-01-01"),
        // Already of the new form: untouched.
        row("92410103MA0000004X", "2025-06-30", "2026-01-01", "2028-06-30"),
      ])
      .returning(["id", "uscc"])
      .execute();
    const idOf = (uscc: string) => inserted.find((r) => r.uscc === uscc)?.id as string;
    await db
      .insertInto("category_extension")
      .values({
        recognition_id: idOf("92410103MA0000002X"),
        condition: "B",
        evidence: "2025年获区人民政府表彰",
        previous_valid_until: "2027-01-01",
        valid_until: "2030-01-01",
        extended_on: "2026-03-01",
        extended_at: new Date("2026-03-01T02:00:00Z"),
        extended_by: "OPERATOR:410103:op",
      })
      .execute();

    await up(db as never);

    const recognitions = await db
      .selectFrom("category_recognition")
      .select(["uscc", "valid_from", "valid_until"])
      .orderBy("uscc")
      .execute();
    expect(recognitions.map((r) => [r.uscc, r.valid_from, r.valid_until])).toEqual([
      ["92410103MA0000001X", "2026-01-01", "2028-11-20"],
      ["92410103MA0000002X", "2024-01-01", "2029-10-15"],
      ["92410103MA0000003X", "2025-01-01", "2027-02-28"],
      ["92410103MA0000004X", "2026-01-01", "2028-06-30"],
    ]);
    const extension = await db
      .selectFrom("category_extension")
      .select(["previous_valid_until", "valid_until"])
      .executeTakeFirstOrThrow();
    expect(extension).toEqual({ previous_valid_until: "2026-10-15", valid_until: "2029-10-15" });
  });
});
