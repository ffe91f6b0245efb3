import { beforeEach, describe, expect, it } from "vitest";
import { describeEachEngine } from "../support/databases.ts";
import {
  applyAndVisit,
  approve,
  countyOperator,
  ERQI,
  growthHouseholds,
  refusalCodes,
  seedHouseholds,
  usccOf,
} from "./category-fixtures.ts";

// The windows of 三(二)1 A and of 三(二)2 upkeep, through the API: the 2 years before the day of
// entry still count at approval.

const A = usccOf(ERQI, 1);
const B = usccOf(ERQI, 2);

describeEachEngine("名特优新 windows", (getDb) => {
  beforeEach(async () => {
    await getDb().reset();
    await seedHouseholds(getDb().db, [
      { uscc: A, type: "GROWTH" },
      { uscc: B, type: "DEVELOPMENT" },
      ...growthHouseholds(ERQI, 100, 40),
    ]);
  });

  async function fineDecidedOn(uscc: string, decidedOn: string): Promise<void> {
    await getDb()
      .db.insertInto("household_penalty")
      .values({ uscc, seq: 1, decided_on: decidedOn, kind: "FINE", repaired_on: null })
      .execute();
  }

  describe("approval (三(二)1 A 申报或推荐之日前2年内)", () => {
    it("refuses a household with a fine in the 2 years before the day of entry, imported after it", async () => {
      const id = await applyAndVisit(getDb(), "2026-09-05", A);
      // An import on 2026-09-12 adds a fine decided on 2024-09-08: within the 2 years before
      // 2026-09-05, though no longer within the 2 years before the approval on 2026-09-15.
      await fineDecidedOn(A, "2024-09-08");
      const approved = await approve(getDb(), "2026-09-15", id, countyOperator(ERQI));
      expect(approved.recognition).toBeNull();
      expect(approved.application.state).toBe("SUBMITTED");
      expect(refusalCodes(approved)).toEqual(["ACTIVE_PENALTY"]);
      const [refusal] = approved.refusals;
      expect(refusal.reason).toContain("2024-09-08");
      expect(refusal.reason).toContain("2026-09-05");
      expect(refusal.reason).toContain("三(二)1 A");
      expect(refusal.details).toMatchObject({
        decidedOn: "2024-09-08",
        kind: "FINE",
        enteredOn: "2026-09-05",
      });
    });

    it("names a fine active on both days once", async () => {
      const id = await applyAndVisit(getDb(), "2026-09-05", A);
      await fineDecidedOn(A, "2025-01-10");
      const approved = await approve(getDb(), "2026-09-15", id, countyOperator(ERQI));
      expect(refusalCodes(approved)).toEqual(["ACTIVE_PENALTY"]);
    });

    it("approves when the fine was decided before the window, or repaired by the day of entry", async () => {
      const id = await applyAndVisit(getDb(), "2026-09-05", A);
      // Decided 2024-09-05: its 2 years end on 2026-09-05, the day of entry itself.
      await fineDecidedOn(A, "2024-09-05");
      const approved = await approve(getDb(), "2026-09-15", id, countyOperator(ERQI));
      expect(approved.refusals).toEqual([]);
      expect(approved.recognition).toMatchObject({ uscc: A, recognizedOn: "2026-09-15" });

      const other = await applyAndVisit(getDb(), "2026-09-05", B);
      await getDb()
        .db.insertInto("household_penalty")
        .values({
          uscc: B,
          seq: 1,
          decided_on: "2025-03-01",
          kind: "FINE",
          repaired_on: "2026-08-01",
        })
        .execute();
      const repaired = await approve(getDb(), "2026-09-15", other, countyOperator(ERQI));
      expect(repaired.refusals).toEqual([]);
    });
  });
});
