import { beforeEach, describe, expect, it } from "vitest";
import type { Principal } from "../../src/auth/principal.ts";
import { describeEachEngine } from "../support/databases.ts";
import { errorCodes, runGraphQL } from "../support/graphql.ts";
import {
  APPROVE,
  apply,
  applyAndVisit,
  approve,
  behindHeldQuotaLock,
  CATEGORY_ON,
  CONSENT,
  countyOperator,
  department,
  depsOn,
  ERQI,
  EXTEND,
  growthHouseholds,
  householdOf,
  JINSHUI,
  ok,
  RECOMMEND,
  REVOKE,
  recognise,
  refusalCodes,
  seedHouseholds,
  usccOf,
} from "./category-fixtures.ts";

// 三(二)1 同一个体工商户只能认定为一个类型; 同一自然人在同一县级行政区域内…最多只能有一个个体工商户获得认定:
// an extension must not leave two recognitions in force. 三(二)2 在自主申报过程中…弄虚作假取得认定的，
// 应当撤销认定: revocation for fraud is for self-applied recognitions only.

const FORGED = "申报材料中的证书系伪造";

const RECOGNITION = `query($id: ID!) {
  categoryRecognition(id: $id) { id validUntil endedOn endReason revokedOn extensions { condition } history { action } }
}`;

/** The household, and two more households of its proprietor: one in the county, one elsewhere. */
const HOUSEHOLD = usccOf(ERQI, 1);
const SIBLING = usccOf(ERQI, 2);
const ELSEWHERE = usccOf(JINSHUI, 3);
const PROPRIETOR = "sha256:same-proprietor";

const erqi = countyOperator(ERQI);

describeEachEngine("名特优新 recognitions: one in force at a time", (getDb) => {
  beforeEach(async () => {
    await getDb().reset();
    await seedHouseholds(getDb().db, [
      { uscc: HOUSEHOLD, type: "GROWTH", proprietor_id_hash: PROPRIETOR },
      { uscc: SIBLING, type: "GROWTH", proprietor_id_hash: PROPRIETOR },
      { uscc: ELSEWHERE, type: "GROWTH", proprietor_id_hash: PROPRIETOR },
      ...growthHouseholds(ERQI, 100, 100),
      ...growthHouseholds(JINSHUI, 100, 100),
    ]);
  });

  const extend = (date: string, id: string, operator: Principal = erqi) =>
    runGraphQL<any>(depsOn(getDb(), date), operator, EXTEND, {
      id,
      condition: "B",
      evidence: "2025年获区人民政府表彰",
    });

  const recognitionOn = async (date: string, id: string) =>
    (await ok(depsOn(getDb(), date), erqi, RECOGNITION, { id })).categoryRecognition;

  const categoryOn = async (uscc: string, asOf: string) =>
    (await ok(depsOn(getDb(), "2026-11-01"), erqi, CATEGORY_ON, { uscc, asOf })).household.category;

  /**
   * FAMOUS recognised 2023-10-15 (in force 2024-01-01 to 2026-10-15); then `uscc` applies for
   * QUALITY on 2026-09-01 (the FAMOUS recognition is in its last year, so it does not block) and
   * is approved on 2026-10-10 (in force 2027-01-01 to 2029-10-10).
   */
  async function famousThenQuality(uscc: string) {
    const famous = await recognise(getDb(), "2023-10-15", HOUSEHOLD);
    expect(famous).toMatchObject({ validFrom: "2024-01-01", validUntil: "2026-10-15" });
    const applicationId = await applyAndVisit(getDb(), "2026-09-01", uscc, "QUALITY", [
      "QUALITY_2",
    ]);
    const approved = await approve(getDb(), "2026-10-10", applicationId, erqi);
    expect(approved.refusals).toEqual([]);
    expect(approved.recognition).toMatchObject({
      category: "QUALITY",
      validFrom: "2027-01-01",
      validUntil: "2029-10-10",
    });
    return { famous: famous.id as string, quality: approved.recognition.id as string };
  }

  describe("extension", () => {
    /** In FAMOUS's last year (it ends on 2026-10-15), after QUALITY's approval. */
    const EXTENDED_ON = "2026-10-12";

    it("is refused when the same household has a newer recognition in force after this one's end", async () => {
      const { famous, quality } = await famousThenQuality(HOUSEHOLD);

      const refused = await extend(EXTENDED_ON, famous);
      expect(errorCodes(refused)).toEqual(["CONFLICT"]);
      const message = refused.errors?.[0]?.message ?? "";
      expect(message).toContain(quality);
      expect(message).toContain("QUALITY");
      expect(message).toContain("2027-01-01");
      expect(message).toContain("2029-10-10");
      expect(message).toContain("三(二)1");
      expect(message).toContain("同一个体工商户只能认定为一个类型");

      // Nothing changed: FAMOUS still ends on 2026-10-15, QUALITY follows from 1 January.
      expect(await recognitionOn(EXTENDED_ON, famous)).toMatchObject({
        validUntil: "2026-10-15",
        extensions: [],
        history: [{ action: "category.recognise" }],
      });
      expect(await categoryOn(HOUSEHOLD, "2026-10-14")).toBe("FAMOUS");
      expect(await categoryOn(HOUSEHOLD, "2026-10-15")).toBeNull();
      expect(await categoryOn(HOUSEHOLD, "2027-01-01")).toBe("QUALITY");
      expect(await categoryOn(HOUSEHOLD, "2029-10-09")).toBe("QUALITY");
    });

    it("is refused when another household of the proprietor in the county has one after this one's end", async () => {
      const { famous, quality } = await famousThenQuality(SIBLING);

      const refused = await extend(EXTENDED_ON, famous);
      expect(errorCodes(refused)).toEqual(["CONFLICT"]);
      const message = refused.errors?.[0]?.message ?? "";
      expect(message).toContain(quality);
      expect(message).toContain(SIBLING);
      expect(message).toContain("三(二)1");
      expect(message).toContain("最多只能有一个个体工商户获得认定");

      expect(await recognitionOn(EXTENDED_ON, famous)).toMatchObject({
        validUntil: "2026-10-15",
        extensions: [],
      });
      expect(await categoryOn(HOUSEHOLD, "2027-01-01")).toBeNull();
      expect(await categoryOn(SIBLING, "2027-01-01")).toBe("QUALITY");
    });

    it("extends when no other recognition would be in force, and then blocks a new one", async () => {
      const famous = (await recognise(getDb(), "2023-10-15", HOUSEHOLD)).id as string;
      // The proprietor's household in another county does not count (同一县级行政区域内).
      await recognise(getDb(), "2026-10-10", ELSEWHERE, "QUALITY", ["QUALITY_2"]);

      const extended = await extend(EXTENDED_ON, famous);
      expect(extended.errors).toBeUndefined();
      expect(extended.data.extendCategoryRecognition).toMatchObject({
        validUntil: "2029-10-15",
        extensions: [
          {
            condition: "B",
            previousValidUntil: "2026-10-15",
            validUntil: "2029-10-15",
            extendedOn: EXTENDED_ON,
          },
        ],
      });
      expect(await categoryOn(HOUSEHOLD, "2029-10-14")).toBe("FAMOUS");

      // The other way round: once extended, a new recognition is refused at entry.
      const applied = await ok(
        depsOn(getDb(), "2026-11-02"),
        { role: "HOUSEHOLD", tokenId: `h-${SIBLING}`, uscc: SIBLING },
        `mutation($input: ApplyForCategoryInput!) { applyForCategory(input: $input) { refusals { code reason details } } }`,
        { input: { category: "QUALITY", conditions: ["QUALITY_2"], evidence: "二级技师证书" } },
      );
      expect(refusalCodes(applied.applyForCategory)).toEqual(["PROPRIETOR_RECOGNISED_IN_COUNTY"]);
    });

    it("extends when the other recognition was ended before this one's end", async () => {
      const { famous, quality } = await famousThenQuality(SIBLING);
      await ok(
        depsOn(getDb(), "2026-10-11"),
        erqi,
        `mutation($id: ID!) { revokeCategoryRecognition(recognitionId: $id, reason: "技能证书系伪造") { id } }`,
        { id: quality },
      );

      const extended = await extend(EXTENDED_ON, famous);
      expect(extended.errors).toBeUndefined();
      expect(extended.data.extendCategoryRecognition.validUntil).toBe("2029-10-15");
    });

    it("on PostgreSQL, never lets an approval and an extension in flight together both succeed", async (ctx) => {
      if (getDb().engine !== "postgres") ctx.skip();
      const famous = (await recognise(getDb(), "2023-10-15", HOUSEHOLD)).id as string;
      const applicationId = await applyAndVisit(getDb(), "2026-09-01", SIBLING, "QUALITY", [
        "QUALITY_2",
      ]);
      const results = await behindHeldQuotaLock(getDb(), [
        () => runGraphQL<any>(depsOn(getDb(), EXTENDED_ON), erqi, APPROVE, { id: applicationId }),
        () => extend(EXTENDED_ON, famous),
      ]);
      const [approval, extension] = results as [(typeof results)[0], (typeof results)[0]];
      expect(approval.errors).toBeUndefined();
      const approved = approval.data.approveCategoryApplication;
      if (approved.refusals.length === 0) {
        expect(errorCodes(extension)).toEqual(["CONFLICT"]);
      } else {
        expect(refusalCodes(approved)).toEqual(["PROPRIETOR_RECOGNISED_IN_COUNTY"]);
        expect(extension.errors).toBeUndefined();
      }
      const standing = await getDb()
        .db.selectFrom("category_recognition")
        .select(["uscc", "valid_until"])
        .where("valid_until", ">", "2027-01-01")
        .execute();
      expect(standing).toHaveLength(1);
    });
  });
});

describeEachEngine("名特优新 recognitions: revocation for fraud", (getDb) => {
  beforeEach(async () => {
    await getDb().reset();
    await seedHouseholds(getDb().db, [
      { uscc: HOUSEHOLD, type: "GROWTH" },
      ...growthHouseholds(ERQI, 100, 100),
    ]);
  });

  const recognitionOn = async (date: string, id: string) =>
    (await ok(depsOn(getDb(), date), erqi, RECOGNITION, { id })).categoryRecognition;

  const revocations = () =>
    getDb()
      .db.selectFrom("audit_log")
      .select("entity_id")
      .where("action", "=", "category.revoke")
      .execute();

  it("revokes a self-applied recognition and bars a new application for 5 years", async () => {
    const recognition = await recognise(getDb(), "2026-10-20", HOUSEHOLD);
    const revoked = await ok(depsOn(getDb(), "2027-03-01"), erqi, REVOKE, {
      id: recognition.id,
      reason: FORGED,
    });
    expect(revoked.revokeCategoryRecognition).toMatchObject({
      endedOn: "2027-03-01",
      endReason: "REVOKED",
      revokedOn: "2027-03-01",
    });
    expect(await revocations()).toEqual([{ entity_id: recognition.id }]);
    expect(refusalCodes(await apply(getDb(), "2032-02-29", HOUSEHOLD))).toEqual([
      "REVOKED_FOR_FRAUD",
    ]);
  });

  it("refuses to revoke a recommended recognition, which may be cancelled instead, and changes nothing", async () => {
    const recommended = await ok(
      depsOn(getDb(), "2026-09-01"),
      department("CULTURE_ZZ"),
      RECOMMEND,
      {
        input: {
          uscc: HOUSEHOLD,
          category: "QUALITY",
          conditions: ["QUALITY_3"],
          evidence: "市级非遗代表性传承人",
        },
      },
    );
    const applicationId = recommended.recommendForCategory.application.id as string;
    await ok(depsOn(getDb(), "2026-09-02"), householdOf(HOUSEHOLD), CONSENT, {
      id: applicationId,
      consent: true,
    });
    const approved = await approve(getDb(), "2026-09-03", applicationId, erqi);
    expect(approved.refusals).toEqual([]);
    const id = approved.recognition.id as string;

    const refused = await runGraphQL(depsOn(getDb(), "2027-03-01"), erqi, REVOKE, {
      id,
      reason: FORGED,
    });
    expect(errorCodes(refused)).toEqual(["CONFLICT"]);
    const message = refused.errors?.[0]?.message ?? "";
    expect(message).toContain("三(二)2");
    expect(message).toContain("部门推荐");
    expect(message).toContain("取消认定");

    // Nothing changed: no end, no audit entry, no bar on applying again, still in force.
    expect(await recognitionOn("2027-03-01", id)).toMatchObject({
      endedOn: null,
      endReason: null,
      revokedOn: null,
      history: [{ action: "category.recognise" }],
    });
    expect(await revocations()).toEqual([]);
    const again = await apply(getDb(), "2029-09-01", HOUSEHOLD);
    expect(refusalCodes(again)).not.toContain("REVOKED_FOR_FRAUD");
    expect(
      (
        await ok(depsOn(getDb(), "2027-03-01"), erqi, CATEGORY_ON, {
          uscc: HOUSEHOLD,
          asOf: "2027-06-01",
        })
      ).household.category,
    ).toBe("QUALITY");
  });
});
