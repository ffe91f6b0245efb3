import { sql } from "kysely";
import { beforeEach, describe, expect, it } from "vitest";
import { loadFacts } from "../../src/matching/household-facts.ts";
import { publishTestPolicy } from "../grants/grant-fixtures.ts";
import { describeEachEngine, type TestDatabase } from "../support/databases.ts";
import { runGraphQL } from "../support/graphql.ts";
import { insertHouseholds } from "../support/households.ts";
import {
  APPROVE,
  apply,
  applyAndVisit,
  approve,
  behindHeldQuotaLock,
  CATEGORY_ON,
  cityOperator,
  countyOperator,
  depsOn,
  ERQI,
  growthHouseholds,
  householdOf,
  insertTypingResults,
  JINSHUI,
  ok,
  PUBLIC_LIST,
  PUBLIC_PRINCIPAL,
  QUOTA,
  REVOKE,
  recognise,
  refusalCodes,
  seedHouseholds,
  usccOf,
} from "./category-fixtures.ts";

// The scenarios a new user would run through the API: the 2- and 5-year windows at their
// boundary dates, the quota reached exactly and then exceeded, two approvals racing for the last
// place, one proprietor with two households, benefits from 1 January and expiry after 3 years.

const FORGED = "申报材料中的商标注册证系伪造";

describeEachEngine("名特优新 scenarios", (getDb) => {
  beforeEach(async () => {
    await getDb().reset();
  });

  describe("三(二)1 A: a fine within the 2 years before the application", () => {
    const A = usccOf(ERQI, 1);
    const REPAIRED = usccOf(ERQI, 2);
    const WARNED = usccOf(ERQI, 3);

    beforeEach(async () => {
      const db = getDb().db;
      await seedHouseholds(db, [
        { uscc: A, type: "GROWTH" },
        { uscc: REPAIRED, type: "GROWTH" },
        { uscc: WARNED, type: "GROWTH" },
        ...growthHouseholds(ERQI, 100, 40),
      ]);
      await db
        .insertInto("household_penalty")
        .values([
          { uscc: A, seq: 1, decided_on: "2024-09-10", kind: "FINE", repaired_on: null },
          {
            uscc: REPAIRED,
            seq: 1,
            decided_on: "2024-09-10",
            kind: "FINE",
            repaired_on: "2025-03-01",
          },
          { uscc: WARNED, seq: 1, decided_on: "2024-09-10", kind: "WARNING", repaired_on: null },
        ])
        .execute();
    });

    it("refuses on the last day of the window and accepts on the day it ends", async () => {
      const lastDay = await apply(getDb(), "2026-09-09", A);
      expect(lastDay.application).toBeNull();
      expect(refusalCodes(lastDay)).toEqual(["ACTIVE_PENALTY"]);
      expect(lastDay.refusals[0].reason).toContain("2024-09-10");
      expect(lastDay.refusals[0].reason).toContain("2026-09-10 起不再受限");
      expect(lastDay.refusals[0].details).toEqual({
        decidedOn: "2024-09-10",
        kind: "FINE",
        windowEndsOn: "2026-09-10",
      });

      const firstFreeDay = await apply(getDb(), "2026-09-10", A);
      expect(firstFreeDay.refusals).toEqual([]);
      expect(firstFreeDay.application).toMatchObject({
        state: "SUBMITTED",
        enteredOn: "2026-09-10",
      });
    });

    it("counts a fine until its credit repair, and never a warning (below a fine)", async () => {
      expect(refusalCodes(await apply(getDb(), "2025-02-28", REPAIRED))).toEqual([
        "ACTIVE_PENALTY",
      ]);
      expect((await apply(getDb(), "2025-03-01", REPAIRED)).refusals).toEqual([]);
      expect((await apply(getDb(), "2025-03-01", WARNED)).refusals).toEqual([]);
    });
  });

  describe("三(二)2: no new application for 5 years after a revocation for fraud", () => {
    const A = usccOf(ERQI, 1);

    it("refuses on the day before the 5th anniversary of the revocation and accepts on it", async () => {
      await seedHouseholds(getDb().db, [
        { uscc: A, type: "GROWTH" },
        ...growthHouseholds(ERQI, 100, 40),
      ]);
      const recognition = await recognise(getDb(), "2021-10-15", A);
      const revoked = await ok(depsOn(getDb(), "2021-11-20"), countyOperator(ERQI), REVOKE, {
        id: recognition.id,
        reason: FORGED,
      });
      expect(revoked.revokeCategoryRecognition).toMatchObject({
        endedOn: "2021-11-20",
        endReason: "REVOKED",
        revokedOn: "2021-11-20",
      });

      const lastDay = await apply(getDb(), "2026-11-19", A);
      expect(refusalCodes(lastDay)).toEqual(["REVOKED_FOR_FRAUD"]);
      expect(lastDay.refusals[0].reason).toContain("2026-11-20 起可再次申报");
      expect(lastDay.refusals[0].details).toEqual({
        revokedOn: "2021-11-20",
        mayApplyFrom: "2026-11-20",
      });

      const firstFreeDay = await apply(getDb(), "2026-11-20", A);
      expect(firstFreeDay.refusals).toEqual([]);
      expect(firstFreeDay.application.state).toBe("SUBMITTED");
    });

    it("never counted the revoked recognition as the fact after its revocation", async () => {
      await seedHouseholds(getDb().db, [
        { uscc: A, type: "GROWTH" },
        ...growthHouseholds(ERQI, 100, 40),
      ]);
      const recognition = await recognise(getDb(), "2021-10-15", A);
      await ok(depsOn(getDb(), "2022-03-01"), countyOperator(ERQI), REVOKE, {
        id: recognition.id,
        reason: FORGED,
      });
      const facts = (date: string) =>
        loadFacts(getDb().db, [A], date).then((m) => m.get(A)?.category);
      expect(await facts("2022-02-28")).toBe("FAMOUS");
      expect(await facts("2022-03-01")).toBe("NONE");
    });
  });

  describe("三(二)1 5%以内: the county's quota", () => {
    // 40 成长型/发展型 households in the yearly run: 5% is exactly 2 places.
    const [A, B, C] = [usccOf(ERQI, 1), usccOf(ERQI, 2), usccOf(ERQI, 3)];

    beforeEach(async () => {
      await seedHouseholds(getDb().db, [
        ...growthHouseholds(ERQI, 1, 40),
        // Survival households and other counties do not count towards 二七区's base.
        { uscc: usccOf(ERQI, 900), type: "SURVIVAL" },
        ...growthHouseholds(JINSHUI, 1, 20),
      ]);
    });

    it("approves up to the quota exactly, then refuses with the numbers", async () => {
      const operator = countyOperator(ERQI);
      const date = "2026-10-20";
      const ids = [
        await applyAndVisit(getDb(), date, A),
        await applyAndVisit(getDb(), date, B),
        await applyAndVisit(getDb(), date, C),
      ];
      const quota0 = await ok(depsOn(getDb(), date), operator, QUOTA);
      expect(quota0.categoryQuota).toMatchObject({
        countyCode: ERQI,
        base: 40,
        sharePercent: 5,
        shareSetByCity: false,
        limit: 2,
        used: 0,
        left: 2,
      });

      const first = await approve(getDb(), date, ids[0] as string, operator);
      expect(first.refusals).toEqual([]);
      expect(first.quota).toMatchObject({ limit: 2, used: 1, left: 1 });
      const second = await approve(getDb(), date, ids[1] as string, operator);
      expect(second.refusals).toEqual([]);
      expect(second.quota).toMatchObject({ limit: 2, used: 2, left: 0 });

      const third = await approve(getDb(), date, ids[2] as string, operator);
      expect(refusalCodes(third)).toEqual(["QUOTA_REACHED"]);
      expect(third.application.state).toBe("SUBMITTED");
      expect(third.recognition).toBeNull();
      expect(third.refusals[0].details).toEqual({
        countyCode: ERQI,
        base: 40,
        sharePercent: 5,
        limit: 2,
        used: 2,
        left: 0,
      });
      expect(third.refusals[0].reason).toContain("上限 2 户");
      expect(third.refusals[0].reason).toContain("成长型和发展型 40 户");
      expect(third.refusals[0].reason).toContain("已用 2 户，剩余 0 户");

      // The city gives 二七区 a larger share: the third fits.
      const share = await ok(
        depsOn(getDb(), date),
        cityOperator,
        `mutation { setCategoryQuotaShare(countyCode: "${ERQI}", sharePercent: 7.5, reason: "二七区特色商圈集中") { limit used left sharePercent shareSetByCity } }`,
      );
      expect(share.setCategoryQuotaShare).toEqual({
        limit: 3,
        used: 2,
        left: 1,
        sharePercent: 7.5,
        shareSetByCity: true,
      });
      expect((await approve(getDb(), date, ids[2] as string, operator)).refusals).toEqual([]);
    });

    it("keeps the city within 5% of its 成长型 and 发展型, whatever shares the counties were given", async () => {
      // The city: 40 + 20 = 60 in the yearly run, 5% is 3 places. 二七区 is given 7.5% (3 places)
      // and uses them all; 金水区 keeps its 5% of 20 (1 place) but the city has none left.
      const date = "2026-10-20";
      await ok(
        depsOn(getDb(), date),
        cityOperator,
        `mutation { setCategoryQuotaShare(countyCode: "${ERQI}", sharePercent: 7.5, reason: "二七区特色商圈集中") { limit } }`,
      );
      const recognitions: string[] = [];
      for (const uscc of [A, B, C]) {
        const id = await applyAndVisit(getDb(), date, uscc);
        const approved = await approve(getDb(), date, id, countyOperator(ERQI));
        expect(approved.refusals).toEqual([]);
        recognitions.push(approved.recognition.id);
      }
      const CITY = `{ categoryCityQuota { base limit used left } }`;
      expect((await ok(depsOn(getDb(), date), cityOperator, CITY)).categoryCityQuota).toEqual({
        base: 60,
        limit: 3,
        used: 3,
        left: 0,
      });

      const jinshui = countyOperator(JINSHUI);
      const id = await applyAndVisit(getDb(), date, usccOf(JINSHUI, 1));
      expect((await ok(depsOn(getDb(), date), jinshui, QUOTA)).categoryQuota).toMatchObject({
        limit: 1,
        used: 0,
        left: 1,
      });
      const refused = await approve(getDb(), date, id, jinshui);
      expect(refusalCodes(refused)).toEqual(["CITY_QUOTA_REACHED"]);
      expect(refused.recognition).toBeNull();
      expect(refused.refusals[0].details).toEqual({ base: 60, limit: 3, used: 3, left: 0 });
      expect(refused.refusals[0].reason).toContain("全市成长型和发展型 60 户");

      // A place comes back to the city when one of 二七区's ends.
      await ok(depsOn(getDb(), date), countyOperator(ERQI), REVOKE, {
        id: recognitions[0],
        reason: "申报材料系伪造",
      });
      expect((await approve(getDb(), date, id, jinshui)).refusals).toEqual([]);
    });

    it("counts a household for the county it was typed in, though it moved county since", async () => {
      const { db } = getDb();
      const base = async (county: string, date: string) =>
        (await ok(depsOn(getDb(), date), countyOperator(county), QUOTA)).categoryQuota;
      // 10 of 二七区's 40, typed there in the 2021 yearly run, move to 金水区 afterwards.
      const moved = growthHouseholds(ERQI, 1, 10).map((h) => h.uscc);
      await db
        .updateTable("household")
        .set({ county_code: JINSHUI })
        .where("uscc", "in", moved)
        .execute();
      expect(await base(ERQI, "2021-10-10")).toMatchObject({ base: 40, limit: 2 });
      expect(await base(JINSHUI, "2021-10-10")).toMatchObject({ base: 20, limit: 1 });

      // A yearly run whose results carry no county (written before runs recorded it): by the
      // household's county, the only one known.
      const runId = await seedHouseholds(db, [], {
        asOf: "2022-08-01",
        finishedAt: "2022-08-10T00:00:00Z",
      });
      await insertTypingResults(
        db,
        runId,
        [...growthHouseholds(ERQI, 1, 40), ...growthHouseholds(JINSHUI, 1, 20)],
        null,
      );
      expect(await base(ERQI, "2022-08-20")).toMatchObject({
        base: 30,
        limit: 1,
        yearlyRunAsOf: "2022-08-01",
      });
      expect(await base(JINSHUI, "2022-08-20")).toMatchObject({ base: 30, limit: 1 });
    });

    it("counts the base in the latest finished yearly typing run only, not in an ad hoc run", async () => {
      const { db } = getDb();
      const operator = countyOperator(ERQI);
      const quota = async (date: string) =>
        (await ok(depsOn(getDb(), date), operator, QUOTA)).categoryQuota;
      expect(await quota("2022-01-10")).toMatchObject({ base: 40, limit: 2 });
      // An ad hoc run (三(一)2 其他时间安排…不定期分型判定) that types 60 more households.
      await seedHouseholds(db, growthHouseholds(ERQI, 200, 60), {
        asOf: "2022-03-01",
        finishedAt: "2022-03-02T00:00:00Z",
        kind: "ADHOC",
      });
      expect(await quota("2022-03-10")).toMatchObject({
        base: 40,
        limit: 2,
        yearlyRunAsOf: "2021-08-01",
      });
      // The next yearly run (集中分型判定) types 40 + 20 of them 成长型/发展型: the base follows.
      const runId = await seedHouseholds(db, [], {
        asOf: "2022-08-01",
        finishedAt: "2022-08-10T00:00:00Z",
      });
      await insertTypingResults(
        db,
        runId,
        [...growthHouseholds(ERQI, 1, 40), ...growthHouseholds(ERQI, 200, 20)],
        ERQI,
      );
      expect(await quota("2022-08-20")).toMatchObject({
        base: 60,
        limit: 3,
        yearlyRunAsOf: "2022-08-01",
      });
    });

    it("takes the base from the yearly run of the latest as-of date, even when an older year is run again later", async () => {
      const { db } = getDb();
      const operator = countyOperator(ERQI);
      const quota = async (date: string) =>
        (await ok(depsOn(getDb(), date), operator, QUOTA)).categoryQuota;
      /** A finished YEARLY run as of `asOf` typing `count` households of 二七区 成长型/发展型. */
      const yearlyRun = async (asOf: string, finishedAt: string, count: number) => {
        const runId = await seedHouseholds(db, [], { asOf, finishedAt });
        await insertTypingResults(db, runId, growthHouseholds(ERQI, 1, count), ERQI);
      };
      await insertHouseholds(
        db,
        growthHouseholds(ERQI, 41, 60).map((h) => ({ uscc: h.uscc })),
      );
      // The 2021 yearly run (40, from beforeEach), then the 2022 one (60).
      await yearlyRun("2022-08-01", "2022-08-10T00:00:00Z", 60);
      expect(await quota("2022-08-20")).toMatchObject({
        base: 60,
        limit: 3,
        yearlyRunAsOf: "2022-08-01",
      });
      // 2021 typed again afterwards (finished last, 100 households): 2022 stays the base.
      await yearlyRun("2021-08-01", "2022-09-01T00:00:00Z", 100);
      expect(await quota("2022-09-10")).toMatchObject({
        base: 60,
        limit: 3,
        yearlyRunAsOf: "2022-08-01",
      });
      // 2022 typed again (same date, finished later, 80 households): the newer run of it counts.
      await yearlyRun("2022-08-01", "2022-09-15T00:00:00Z", 80);
      expect(await quota("2022-09-20")).toMatchObject({
        base: 80,
        limit: 4,
        yearlyRunAsOf: "2022-08-01",
      });
    });

    it("lets only a city-wide operator set a share", async () => {
      const result = await runGraphQL(
        depsOn(getDb(), "2026-10-20"),
        countyOperator(ERQI),
        `mutation { setCategoryQuotaShare(countyCode: "${ERQI}", sharePercent: 50, reason: "x") { limit } }`,
      );
      expect(result.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    });

    it("gives two approvals racing for the last place one place: one wins, one is refused", async () => {
      const operator = countyOperator(ERQI);
      const date = "2026-10-20";
      const first = await applyAndVisit(getDb(), date, A);
      expect((await approve(getDb(), date, first, operator)).refusals).toEqual([]);
      const racers = [await applyAndVisit(getDb(), date, B), await applyAndVisit(getDb(), date, C)];

      const results = await Promise.all(
        racers.map((id) => ok(depsOn(getDb(), date), operator, APPROVE, { id })),
      );
      const outcomes = results.map((r) => r.approveCategoryApplication);
      expect(outcomes.filter((o) => o.refusals.length === 0)).toHaveLength(1);
      const loser = outcomes.find((o) => o.refusals.length > 0);
      expect(refusalCodes(loser)).toEqual(["QUOTA_REACHED"]);
      expect(loser.refusals[0].details).toMatchObject({ limit: 2, used: 2, left: 0 });
      const quota = await ok(depsOn(getDb(), date), operator, QUOTA);
      expect(quota.categoryQuota).toMatchObject({ limit: 2, used: 2, left: 0 });
    });

    it("on PostgreSQL, serialises approvals in flight at the same time on two connections", async (ctx) => {
      if (getDb().engine !== "postgres") ctx.skip();
      await raceBehindHeldLock(getDb(), [A, B, C]);
    });
  });

  describe("三(二)1 同一自然人在同一县级行政区域内: one proprietor, several households", () => {
    const SAME = "sha256:proprietor-wang";
    const A = usccOf(ERQI, 1);
    const B = usccOf(ERQI, 2);
    const ELSEWHERE = usccOf(JINSHUI, 3);

    beforeEach(async () => {
      await seedHouseholds(getDb().db, [
        { uscc: A, type: "GROWTH", proprietor_id_hash: SAME },
        { uscc: B, type: "DEVELOPMENT", proprietor_id_hash: SAME },
        { uscc: ELSEWHERE, type: "GROWTH", proprietor_id_hash: SAME },
        ...growthHouseholds(ERQI, 100, 40),
        ...growthHouseholds(JINSHUI, 100, 40),
      ]);
    });

    it("refuses the household itself and a second one of the county at entry, but not one in another county", async () => {
      await recognise(getDb(), "2026-10-20", A);
      // 同一个体工商户只能认定为一个类型: not A again, in another category either.
      const again = await apply(getDb(), "2026-10-21", A, "EMERGING", ["EMERGING_1"]);
      expect(refusalCodes(again)).toEqual(["ALREADY_RECOGNISED"]);
      expect(again.refusals[0].details).toMatchObject({
        category: "FAMOUS",
        validUntil: "2029-10-20",
      });
      const second = await apply(getDb(), "2026-10-21", B, "QUALITY", ["QUALITY_4"]);
      expect(refusalCodes(second)).toEqual(["PROPRIETOR_RECOGNISED_IN_COUNTY"]);
      expect(second.refusals[0].details).toMatchObject({ uscc: A, category: "FAMOUS" });
      expect(second.refusals[0].reason).toContain(A);

      const elsewhere = await recognise(getDb(), "2026-10-21", ELSEWHERE, "EMERGING", [
        "EMERGING_1",
      ]);
      expect(elsewhere.category).toBe("EMERGING");
    });

    it("refuses the approval of the second when both applied before either was recognised", async () => {
      const a = await applyAndVisit(getDb(), "2026-10-20", A);
      const b = await applyAndVisit(getDb(), "2026-10-20", B, "QUALITY", ["QUALITY_4"]);
      expect((await approve(getDb(), "2026-10-22", a, countyOperator(ERQI))).refusals).toEqual([]);
      const refused = await approve(getDb(), "2026-10-22", b, countyOperator(ERQI));
      expect(refusalCodes(refused)).toEqual(["PROPRIETOR_RECOGNISED_IN_COUNTY"]);
      expect(refused.recognition).toBeNull();
    });

    it("lets the second household apply once the first's recognition has been cancelled", async () => {
      const recognition = await recognise(getDb(), "2026-10-20", A);
      await getDb()
        .db.insertInto("typing_correction")
        .values({
          uscc: A,
          type: "NOT_CLASSIFIABLE",
          facts_changed_at: sql`(select facts_changed_at from household where uscc = ${A})`,
          objection_id: "00000000-0000-4000-8000-000000000001",
          reason: "test",
        })
        .execute();
      await ok(
        depsOn(getDb(), "2027-03-01"),
        countyOperator(ERQI),
        `mutation($id: ID!) { cancelCategoryRecognition(recognitionId: $id, ground: NOT_CLASSIFIABLE, note: "已不符合分型条件") { endedOn } }`,
        { id: recognition.id },
      );
      expect((await apply(getDb(), "2027-03-01", B, "QUALITY", ["QUALITY_4"])).refusals).toEqual(
        [],
      );
    });
  });

  describe("三(二)2 时间安排 / 有效期: from 1 January after recognition, until 3 years after its day", () => {
    const A = usccOf(ERQI, 1);

    beforeEach(async () => {
      await seedHouseholds(getDb().db, [
        { uscc: A, type: "GROWTH", name: "二七区老王烩面馆" },
        ...growthHouseholds(ERQI, 100, 40),
      ]);
    });

    it("starts the benefits on 1 January of the next year, not on the day of recognition", async () => {
      const recognition = await recognise(getDb(), "2026-11-20", A);
      expect(recognition).toMatchObject({
        recognizedOn: "2026-11-20",
        validFrom: "2027-01-01",
        validUntil: "2029-11-20",
      });
      const categoryOn = async (asOf: string) =>
        (await ok(depsOn(getDb(), "2026-11-20"), householdOf(A), CATEGORY_ON, { uscc: A, asOf }))
          .household.category;
      expect(await categoryOn("2026-11-20")).toBeNull();
      expect(await categoryOn("2026-12-31")).toBeNull();
      expect(await categoryOn("2027-01-01")).toBe("FAMOUS");
      // The fact that policies and banks read says the same.
      const fact = async (date: string) =>
        (await loadFacts(getDb().db, [A], date)).get(A)?.category;
      expect(await fact("2026-12-31")).toBe("NONE");
      expect(await fact("2027-01-01")).toBe("FAMOUS");
      // The public notice lists it from the same day.
      const listed = async (date: string) =>
        (
          await ok(depsOn(getDb(), date), PUBLIC_PRINCIPAL, PUBLIC_LIST, { county: ERQI })
        ).publicCategoryRecognitions.edges.map((e: { node: { uscc: string } }) => e.node.uscc);
      expect(await listed("2026-12-31")).toEqual([]);
      expect(await listed("2027-01-01")).toEqual([A]);
    });

    it("gives the category's benefits from 1 January until 3 years after the day of recognition: entitlements and grant runs follow", async () => {
      // A 知名 policy (三(二)3 培育政策), granted automatically once a calendar year.
      await publishTestPolicy(getDb().db, {
        code: "TEST_FAMOUS_PROMOTION",
        rule: { "==": [{ var: "category" }, "FAMOUS"] },
        amount: 1000,
        examples: [
          { name: "知名", facts: { category: "FAMOUS" }, expected: "ELIGIBLE" },
          { name: "无类别", facts: { category: "NONE" }, expected: "INELIGIBLE" },
        ],
      });
      await recognise(getDb(), "2026-11-20", A);

      const entitlement = async (asOf: string) =>
        (
          await ok(
            depsOn(getDb(), "2026-11-20"),
            householdOf(A),
            `query($uscc: String!, $asOf: Date) { household(uscc: $uscc) {
              entitlements(asOf: $asOf) { outcome policy { code } } } }`,
            { uscc: A, asOf },
          )
        ).household.entitlements.find(
          (e: { policy: { code: string } }) => e.policy.code === "TEST_FAMOUS_PROMOTION",
        )?.outcome;
      expect(await entitlement("2026-12-31")).toBe("INELIGIBLE");
      expect(await entitlement("2027-01-01")).toBe("ELIGIBLE");
      expect(await entitlement("2029-11-19")).toBe("ELIGIBLE");
      expect(await entitlement("2029-11-20")).toBe("INELIGIBLE");

      // The grant run decides in SQL over the whole county: the same days.
      const granted = async (asOf: string) =>
        (
          await ok(
            depsOn(getDb(), asOf),
            countyOperator(ERQI),
            `mutation($asOf: Date) { runGrants(asOf: $asOf) { granted } }`,
            { asOf },
          )
        ).runGrants.granted;
      expect(await granted("2026-12-31")).toBe(0);
      expect(await granted("2027-01-01")).toBe(1);
      expect(await granted("2029-11-19")).toBe(1);
      expect(await granted("2029-11-20")).toBe(0);
      const grants = await ok(
        depsOn(getDb(), "2029-11-20"),
        householdOf(A),
        `query($uscc: String!) { household(uscc: $uscc) { grants { period category } } }`,
        { uscc: A },
      );
      expect(grants.household.grants).toEqual([
        { period: "2029", category: "FAMOUS" },
        { period: "2027", category: "FAMOUS" },
      ]);
    });

    it("expires 3 years after the day of recognition (认定有效期为3年，以认定时间为准)", async () => {
      await recognise(getDb(), "2026-11-20", A);
      const categoryOn = async (asOf: string) =>
        (
          await ok(depsOn(getDb(), "2027-06-01"), countyOperator(ERQI), CATEGORY_ON, {
            uscc: A,
            asOf,
          })
        ).household.category;
      expect(await categoryOn("2029-11-19")).toBe("FAMOUS");
      expect(await categoryOn("2029-11-20")).toBeNull();
      const fact = async (date: string) =>
        (await loadFacts(getDb().db, [A], date)).get(A)?.category;
      expect(await fact("2029-11-19")).toBe("FAMOUS");
      expect(await fact("2029-11-20")).toBe("NONE");

      const notice = async (date: string) =>
        (await ok(depsOn(getDb(), date), PUBLIC_PRINCIPAL, PUBLIC_LIST, {}))
          .publicCategoryRecognitions.edges;
      expect((await notice("2029-11-19"))[0].node).toEqual({
        name: "二七区老王烩面馆",
        uscc: A,
        countyCode: ERQI,
        countyName: "二七区",
        category: "FAMOUS",
        validFrom: "2027-01-01",
        validUntil: "2029-11-20",
      });
      expect(await notice("2029-11-20")).toEqual([]);

      // In the last year it no longer blocks a new application (which would start on 2030-01-01);
      // the quota counts it until then only for recognitions starting before it ends.
      expect((await apply(getDb(), "2029-09-01", A)).refusals).toEqual([]);
      const quota = await ok(depsOn(getDb(), "2029-09-01"), countyOperator(ERQI), QUOTA);
      expect(quota.categoryQuota.used).toBe(0);
      const quotaBefore = await ok(depsOn(getDb(), "2028-09-01"), countyOperator(ERQI), QUOTA);
      expect(quotaBefore.categoryQuota.used).toBe(1);
    });
  });
});

/**
 * Two approvals for the last place, both started while a third connection holds the county's
 * quota row: both are provably in flight at once (behindHeldQuotaLock) before the holder lets go.
 * Exactly one may win.
 */
async function raceBehindHeldLock(handle: TestDatabase, usccs: string[]): Promise<void> {
  const [A, B, C] = usccs as [string, string, string];
  const date = "2026-10-20";
  const operator = countyOperator(ERQI);
  const first = await applyAndVisit(handle, date, A);
  expect((await approve(handle, date, first, operator)).refusals).toEqual([]);
  const racers = [await applyAndVisit(handle, date, B), await applyAndVisit(handle, date, C)];

  const results = await behindHeldQuotaLock(
    handle,
    racers.map(
      (id) => () =>
        runGraphQL<Record<string, any>>(depsOn(handle, date), operator, APPROVE, { id }),
    ),
  );
  const outcomes = results.map((r) => {
    expect(r.errors).toBeUndefined();
    return r.data?.approveCategoryApplication;
  });
  expect(outcomes.filter((o) => o.refusals.length === 0)).toHaveLength(1);
  expect(outcomes.flatMap((o) => o.refusals.map((r: { code: string }) => r.code))).toEqual([
    "QUOTA_REACHED",
  ]);
  const count = await handle.db
    .selectFrom("category_recognition")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  expect(Number(count.n)).toBe(2);
}
