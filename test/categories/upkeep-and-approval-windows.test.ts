import { beforeEach, describe, expect, it } from "vitest";
import { baseStandardGrounds } from "../../src/categories/category-upkeep.ts";
import { describeEachEngine } from "../support/databases.ts";
import {
  applyAndVisit,
  approve,
  CANCEL,
  countyOperator,
  depsOn,
  ERQI,
  growthHouseholds,
  ok,
  recognise,
  refusalCodes,
  seedHouseholds,
  UPKEEP,
  usccOf,
} from "./category-fixtures.ts";

// The windows of 三(二)1 A and of 三(二)2 upkeep, through the API: the 2 years before the day of
// entry still count at approval, and upkeep reads the base standard on the day, not through the
// last typing run.

const A = usccOf(ERQI, 1);
const B = usccOf(ERQI, 2);
const C = usccOf(ERQI, 3);
const D = usccOf(ERQI, 4);

describeEachEngine("名特优新 windows", (getDb) => {
  beforeEach(async () => {
    await getDb().reset();
    await seedHouseholds(getDb().db, [
      { uscc: A, type: "GROWTH" },
      { uscc: B, type: "DEVELOPMENT" },
      { uscc: C, type: "GROWTH", seasonal: true },
      { uscc: D, type: "DEVELOPMENT" },
      // 84 成长型 and 发展型 households: a quota of 4 in 二七区.
      ...growthHouseholds(ERQI, 100, 80),
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

  describe("upkeep (三(二)2 是否继续符合分型和分类基础标准)", () => {
    const listed = async (date: string) =>
      (await ok(depsOn(getDb(), date), countyOperator(ERQI), UPKEEP)).categoryUpkeep.edges
        .map((e: any) => [e.node.recognition.uscc, e.node.grounds])
        .sort();

    it("lists a household newly 经营异常 or 非正常户 before any new typing run; not one that meets the base standard", async () => {
      const ids: Record<string, string> = {};
      for (const uscc of [A, B, C, D])
        ids[uscc] = (await recognise(getDb(), "2026-10-20", uscc)).id;
      expect(await listed("2027-03-01")).toEqual([]);
      const { db } = getDb();
      // After the last typing run: A is put on the 经营异常名录 (三(一)1 A), B is made a tax
      // 非正常户 (三(一)1 C), and C, a seasonal business, files a 歇业备案 (三(一)1 D excepts it).
      await db
        .updateTable("household")
        .set({ abnormal_listed: true })
        .where("uscc", "=", A)
        .execute();
      await db.updateTable("household").set({ tax_abnormal: true }).where("uscc", "=", B).execute();
      await db
        .insertInto("household_suspension")
        .values({ uscc: C, seq: 1, from_on: "2027-02-01", to_on: null })
        .execute();
      expect(await listed("2027-03-01")).toEqual(
        [
          [A, ["ABNORMAL_LISTED"]],
          [B, ["TAX_ABNORMAL"]],
        ].sort(),
      );
      // The ground holds today, so the operator may cancel on it (checked again).
      const cancelled = await ok(depsOn(getDb(), "2027-03-01"), countyOperator(ERQI), CANCEL, {
        id: ids[A],
        ground: "ABNORMAL_LISTED",
      });
      expect(cancelled.cancelCategoryRecognition).toMatchObject({
        endedOn: "2027-03-01",
        endReason: "CANCELLED",
        endGround: "ABNORMAL_LISTED",
      });
      // Restored to normal: no longer listed.
      await db
        .updateTable("household")
        .set({ tax_abnormal: false })
        .where("uscc", "=", B)
        .execute();
      expect(await listed("2027-03-02")).toEqual([]);
    });

    it("lists a 歇业 household of a non-seasonal business while the suspension covers the day", async () => {
      await recognise(getDb(), "2026-10-20", D);
      await getDb()
        .db.insertInto("household_suspension")
        .values({ uscc: D, seq: 1, from_on: "2027-02-01", to_on: "2027-05-31" })
        .execute();
      expect(await listed("2027-01-31")).toEqual([]);
      expect(await listed("2027-02-01")).toEqual([[D, ["SUSPENDED"]]]);
      expect(await listed("2027-05-31")).toEqual([[D, ["SUSPENDED"]]]);
      expect(await listed("2027-06-01")).toEqual([]);
    });
  });
});

describe("baseStandardGrounds (三(一)1 基础标准 A–D)", () => {
  const sound = {
    abnormalListed: false,
    seriousViolationListed: false,
    taxAbnormal: false,
    suspended: false,
    seasonal: false,
  };
  it("gives one ground per failed condition, and excepts a seasonal business from D", () => {
    expect(baseStandardGrounds(sound)).toEqual([]);
    expect(baseStandardGrounds({ ...sound, abnormalListed: true })).toEqual(["ABNORMAL_LISTED"]);
    expect(baseStandardGrounds({ ...sound, seriousViolationListed: true })).toEqual([
      "SERIOUS_VIOLATION_LISTED",
    ]);
    expect(baseStandardGrounds({ ...sound, taxAbnormal: true })).toEqual(["TAX_ABNORMAL"]);
    expect(baseStandardGrounds({ ...sound, suspended: true })).toEqual(["SUSPENDED"]);
    expect(baseStandardGrounds({ ...sound, suspended: true, seasonal: true })).toEqual([]);
  });
});
