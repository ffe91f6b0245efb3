import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import type { Principal } from "../../src/auth/principal.ts";
import { drawSample, spotCheckPopulation } from "../../src/categories/category-spot-check.ts";
import { describeEachEngine } from "../support/databases.ts";
import { errorCodes, runGraphQL, testDeps } from "../support/graphql.ts";
import {
  APPLY,
  APPROVE,
  apply,
  applyAndVisit,
  approve,
  CANCEL,
  CATEGORY_ON,
  CONSENT,
  cityOperator,
  countyOperator,
  department,
  depsOn,
  ERQI,
  EXTEND,
  growthHouseholds,
  householdOf,
  JINSHUI,
  ok,
  PUBLIC_LIST,
  PUBLIC_PRINCIPAL,
  RECOMMEND,
  recognise,
  refusalCodes,
  seedHouseholds,
  UPKEEP,
  usccOf,
} from "./category-fixtures.ts";

// The rest of the procedure through the API: entry checks, recommendation and consent, review,
// upkeep (reports, cancellation, extension), the spot check, the public notice and the audit log.

const REPORT = `mutation($year: Int, $content: String!) {
  submitCategoryReport(kind: ANNUAL, year: $year, content: $content) { id year submittedOn confirmed }
}`;

/** The evidence the extensions here give. */
const DEVELOPED = "2029年分型结果为发展型";

const A = usccOf(ERQI, 1);
const B = usccOf(ERQI, 2);
const SURVIVOR = usccOf(ERQI, 3);
const VETERAN = usccOf(ERQI, 4);
const OUTCAST = usccOf(ERQI, 5);
const DEBTOR = usccOf(ERQI, 6);

describeEachEngine("名特优新 procedure", (getDb) => {
  beforeEach(async () => {
    await getDb().reset();
    await seedHouseholds(getDb().db, [
      { uscc: A, type: "GROWTH", name: "二七区老王烩面馆" },
      { uscc: B, type: "DEVELOPMENT", name: "二七区豫剧戏服坊" },
      { uscc: SURVIVOR, type: "SURVIVAL" },
      { uscc: VETERAN, type: "SURVIVAL", proprietor_groups: ["VETERAN"] },
      { uscc: OUTCAST, type: "NOT_CLASSIFIABLE" },
      { uscc: DEBTOR, type: "GROWTH", proprietor_dishonest_debtor: true },
      ...growthHouseholds(ERQI, 100, 40),
      ...growthHouseholds(JINSHUI, 100, 40),
    ]);
  });

  describe("entry", () => {
    it("lists the reference conditions to anyone", async () => {
      const data = await ok(
        depsOn(getDb(), "2026-09-01"),
        PUBLIC_PRINCIPAL,
        `{ categoryConditions(category: QUALITY) { code number label } }`,
      );
      expect(data.categoryConditions).toHaveLength(6);
      expect(data.categoryConditions[2]).toMatchObject({ code: "QUALITY_3", number: 3 });
      expect(data.categoryConditions[2].label).toContain("非物质文化遗产");
    });

    it("refuses conditions of another category as bad input, naming the argument", async () => {
      const result = await runGraphQL(depsOn(getDb(), "2026-09-01"), householdOf(A), APPLY, {
        input: { category: "FAMOUS", conditions: ["FAMOUS_1", "EMERGING_1"], evidence: "抖音直播" },
      });
      expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
      expect(result.errors?.[0]?.extensions?.argument).toBe("conditions[1]");
    });

    it("explains every refusal in Chinese, and takes relaxed groups and recommendations", async () => {
      const survivor = await apply(getDb(), "2026-09-01", SURVIVOR);
      expect(refusalCodes(survivor)).toEqual(["TYPE_NOT_ELIGIBLE"]);
      expect(survivor.refusals[0].reason).toContain("当前分型结果为“生存型”");
      expect(survivor.application).toBeNull();

      expect((await apply(getDb(), "2026-09-01", VETERAN)).application.state).toBe("SUBMITTED");
      expect(refusalCodes(await apply(getDb(), "2026-09-01", OUTCAST))).toEqual([
        "NOT_CLASSIFIABLE",
      ]);
      expect(refusalCodes(await apply(getDb(), "2026-09-01", DEBTOR))).toEqual([
        "DISHONEST_DEBTOR",
      ]);

      const recommended = await ok(
        depsOn(getDb(), "2026-09-01"),
        department("CULTURE_ZZ"),
        RECOMMEND,
        {
          input: {
            uscc: SURVIVOR,
            category: "QUALITY",
            conditions: ["QUALITY_3"],
            evidence: "市级非遗传承人",
          },
        },
      );
      expect(recommended.recommendForCategory.refusals).toEqual([]);
      expect(recommended.recommendForCategory.application).toMatchObject({
        state: "AWAITING_CONSENT",
        source: "DEPARTMENT",
        recommendedBy: "CULTURE_ZZ",
      });
      const outcast = await ok(depsOn(getDb(), "2026-09-01"), department("CULTURE_ZZ"), RECOMMEND, {
        input: { uscc: OUTCAST, category: "QUALITY", conditions: ["QUALITY_3"], evidence: "x" },
      });
      expect(refusalCodes(outcast.recommendForCategory)).toEqual(["NOT_CLASSIFIABLE"]);
    });

    it("keeps one undecided application per household", async () => {
      expect((await apply(getDb(), "2026-09-01", A)).refusals).toEqual([]);
      const again = await apply(getDb(), "2026-09-02", A, "EMERGING", ["EMERGING_1"]);
      expect(refusalCodes(again)).toEqual(["APPLICATION_PENDING"]);
    });
  });

  describe("recommendation and consent", () => {
    async function recommend(uscc: string) {
      const data = await ok(depsOn(getDb(), "2026-09-01"), department("CULTURE_ZZ"), RECOMMEND, {
        input: {
          uscc,
          category: "QUALITY",
          conditions: ["QUALITY_3", "QUALITY_6"],
          evidence: "市级非遗代表性传承人",
        },
      });
      return data.recommendForCategory.application.id as string;
    }

    it("goes nowhere until the proprietor consents through the household's own token", async () => {
      const id = await recommend(SURVIVOR);
      const early = await runGraphQL(depsOn(getDb(), "2026-09-02"), countyOperator(ERQI), APPROVE, {
        id,
      });
      expect(errorCodes(early)).toEqual(["CONFLICT"]);

      const stranger = await runGraphQL(depsOn(getDb(), "2026-09-02"), householdOf(A), CONSENT, {
        id,
        consent: true,
      });
      expect(errorCodes(stranger)).toEqual(["FORBIDDEN"]);

      const consented = await ok(depsOn(getDb(), "2026-09-02"), householdOf(SURVIVOR), CONSENT, {
        id,
        consent: true,
        note: "同意推荐",
      });
      expect(consented.respondToCategoryRecommendation.state).toBe("SUBMITTED");
      // A recommendation is reviewed without a visit being required (三(二)2 通过培育平台进行审核).
      const approved = await approve(getDb(), "2026-09-03", id, countyOperator(ERQI));
      expect(approved.refusals).toEqual([]);
      expect(approved.recognition).toMatchObject({ category: "QUALITY", validFrom: "2027-01-01" });

      const seen = await ok(
        depsOn(getDb(), "2026-09-03"),
        department("CULTURE_ZZ"),
        `{ categoryApplications { edges { node { uscc state source } } } }`,
      );
      expect(seen.categoryApplications.edges.map((e: any) => e.node)).toEqual([
        { uscc: SURVIVOR, state: "APPROVED", source: "DEPARTMENT" },
      ]);
      const otherDepartment = await runGraphQL(
        depsOn(getDb(), "2026-09-03"),
        department("TAX_ZZ"),
        `query($id: ID!) { categoryApplication(id: $id) { id } }`,
        { id },
      );
      expect(errorCodes(otherDepartment)).toEqual(["FORBIDDEN"]);
    });

    it("ends when the proprietor declines", async () => {
      const id = await recommend(B);
      const declined = await ok(depsOn(getDb(), "2026-09-02"), householdOf(B), CONSENT, {
        id,
        consent: false,
        note: "暂不参加",
      });
      expect(declined.respondToCategoryRecommendation.state).toBe("DECLINED");
      // Declined, it no longer blocks an application of its own.
      expect((await apply(getDb(), "2026-09-03", B)).refusals).toEqual([]);
    });
  });

  describe("review", () => {
    it("needs a confirmed visit for a self-application, and takes a rejection with its reason", async () => {
      const id = (await apply(getDb(), "2026-09-01", A)).application.id;
      expect(refusalCodes(await approve(getDb(), "2026-09-05", id, countyOperator(ERQI)))).toEqual([
        "VISIT_MISSING",
      ]);
      await ok(
        depsOn(getDb(), "2026-09-05"),
        countyOperator(ERQI),
        `mutation($id: ID!) { recordCategoryVisit(applicationId: $id, visitedOn: "2026-09-04", confirmed: false, findings: "经营场所已停业") { id } }`,
        { id },
      );
      const refused = await approve(getDb(), "2026-09-05", id, countyOperator(ERQI));
      expect(refusalCodes(refused)).toEqual(["VISIT_NOT_CONFIRMED"]);
      expect(refused.refusals[0].reason).toContain("经营场所已停业");

      const otherCounty = await runGraphQL(
        depsOn(getDb(), "2026-09-05"),
        countyOperator(JINSHUI),
        `mutation($id: ID!) { rejectCategoryApplication(applicationId: $id, reason: "x") { id } }`,
        { id },
      );
      expect(errorCodes(otherCounty)).toEqual(["FORBIDDEN"]);
      const rejected = await ok(
        depsOn(getDb(), "2026-09-05"),
        countyOperator(ERQI),
        `mutation($id: ID!) { rejectCategoryApplication(applicationId: $id, reason: "走访核实未通过") { state decisionReason } }`,
        { id },
      );
      expect(rejected.rejectCategoryApplication).toEqual({
        state: "REJECTED",
        decisionReason: "走访核实未通过",
      });
    });

    it("dates a visit recorded without visitedOn today in China, and approves on it", async () => {
      const id = (await apply(getDb(), "2026-09-03", A)).application.id;
      // 00:30 in China on 4 September is still 3 September in UTC.
      const justAfterMidnight = testDeps(getDb(), () => new Date("2026-09-04T00:30:00+08:00"));
      const visited = await ok(
        justAfterMidnight,
        countyOperator(ERQI),
        `mutation($id: ID!) { recordCategoryVisit(applicationId: $id, confirmed: true, findings: "经营场所、证照与申报材料一致") { visits { visitedOn confirmed } } }`,
        { id },
      );
      expect(visited.recordCategoryVisit.visits).toEqual([
        { visitedOn: "2026-09-04", confirmed: true },
      ]);
      expect((await approve(getDb(), "2026-09-04", id, countyOperator(ERQI))).refusals).toEqual([]);

      // Given, it is checked as before: not before the application's entry, not after today.
      const other = (await apply(getDb(), "2026-09-03", B)).application.id;
      for (const visitedOn of ["2026-09-02", "2026-09-05"]) {
        const refused = await runGraphQL(
          depsOn(getDb(), "2026-09-04"),
          countyOperator(ERQI),
          `mutation($id: ID!, $on: Date) { recordCategoryVisit(applicationId: $id, visitedOn: $on, confirmed: true, findings: "x") { id } }`,
          { id: other, on: visitedOn },
        );
        expect(errorCodes(refused)).toEqual(["BAD_USER_INPUT"]);
      }
    });

    it("shows operators the queue of their county, and the quota used and left", async () => {
      await applyAndVisit(getDb(), "2026-09-01", A);
      await applyAndVisit(getDb(), "2026-09-01", usccOf(JINSHUI, 100));
      const queue = await ok(
        depsOn(getDb(), "2026-09-02"),
        countyOperator(ERQI),
        `{ categoryApplications(filter: { state: SUBMITTED }) { edges { node { uscc countyCode visits { confirmed } } } } }`,
      );
      expect(queue.categoryApplications.edges.map((e: any) => e.node)).toEqual([
        { uscc: A, countyCode: ERQI, visits: [{ confirmed: true }] },
      ]);
      const quotas = await ok(
        depsOn(getDb(), "2026-09-02"),
        cityOperator,
        `{ categoryQuotas { countyCode base limit used left } }`,
      );
      expect(quotas.categoryQuotas.find((q: any) => q.countyCode === ERQI)).toEqual({
        countyCode: ERQI,
        base: 43, // 40 + A (GROWTH) + B (DEVELOPMENT) + DEBTOR (GROWTH)
        limit: 2,
        used: 0,
        left: 2,
      });
      expect(quotas.categoryQuotas).toHaveLength(15);
    });
  });

  describe("upkeep (三(二)2 有效期和评估确认)", () => {
    it("lists a missing annual report from 1 August; a late report clears it", async () => {
      const recognition = await recognise(getDb(), "2026-10-20", A);
      const listed = async (date: string) =>
        (await ok(depsOn(getDb(), date), countyOperator(ERQI), UPKEEP)).categoryUpkeep.edges.map(
          (e: any) => e.node,
        );
      expect(await listed("2027-07-31")).toEqual([]);
      expect(await listed("2027-08-01")).toEqual([
        {
          grounds: ["MISSING_REPORT"],
          missingReportYears: [2027],
          inLastYear: false,
          recognition: { id: recognition.id, uscc: A },
        },
      ]);
      const report = await ok(depsOn(getDb(), "2027-08-02"), householdOf(A), REPORT, {
        content: "2027年营业收入52万元，新增员工2名",
      });
      expect(report.submitCategoryReport).toMatchObject({ year: 2027, submittedOn: "2027-08-02" });
      expect(await listed("2027-08-03")).toEqual([]);
      const twice = await runGraphQL(depsOn(getDb(), "2027-08-03"), householdOf(A), REPORT, {
        year: 2027,
        content: "again",
      });
      expect(errorCodes(twice)).toEqual(["CONFLICT"]);
      // A ground that does not hold cannot be used.
      const wrong = await runGraphQL(depsOn(getDb(), "2027-08-03"), countyOperator(ERQI), CANCEL, {
        id: recognition.id,
        ground: "MISSING_REPORT",
      });
      expect(errorCodes(wrong)).toEqual(["BAD_USER_INPUT"]);
    });

    it("lists a household now 不符合分型条件 for cancellation, which ends the category from that day", async () => {
      const recognition = await recognise(getDb(), "2026-10-20", A);
      await seedHouseholds(getDb().db, [], {
        asOf: "2027-08-01",
        finishedAt: "2027-08-10T00:00:00Z",
      });
      await getDb()
        .db.insertInto("typing_result")
        .values({
          run_id: (
            await getDb()
              .db.selectFrom("typing_run")
              .select("id")
              .where("as_of", "=", "2027-08-01")
              .executeTakeFirstOrThrow()
          ).id,
          uscc: A,
          type: "NOT_CLASSIFIABLE",
          codes: ["BASE_B"],
        })
        .execute();
      const upkeep = await ok(depsOn(getDb(), "2027-08-20"), countyOperator(ERQI), UPKEEP);
      expect(upkeep.categoryUpkeep.edges[0].node.grounds).toEqual([
        "MISSING_REPORT",
        "NOT_CLASSIFIABLE",
      ]);
      const cancelled = await ok(depsOn(getDb(), "2027-08-20"), countyOperator(ERQI), CANCEL, {
        id: recognition.id,
        ground: "NOT_CLASSIFIABLE",
      });
      expect(cancelled.cancelCategoryRecognition).toMatchObject({
        endedOn: "2027-08-20",
        endReason: "CANCELLED",
        endGround: "NOT_CLASSIFIABLE",
      });
      const on = async (asOf: string) =>
        (await ok(depsOn(getDb(), "2027-08-20"), householdOf(A), CATEGORY_ON, { uscc: A, asOf }))
          .household.category;
      expect(await on("2027-08-19")).toBe("FAMOUS");
      expect(await on("2027-08-20")).toBeNull();
    });

    it("lists a household that no longer meets the base standards: a fine, a dishonest debtor, deregistration", async () => {
      // 二七区 has 2 places: the third household is in 金水区.
      const GONE = usccOf(JINSHUI, 100);
      const recognised = {
        [A]: (await recognise(getDb(), "2026-10-20", A)).id as string,
        [B]: (await recognise(getDb(), "2026-10-20", B, "QUALITY", ["QUALITY_3"])).id as string,
        [GONE]: (await recognise(getDb(), "2026-10-20", GONE)).id as string,
      };
      const { db } = getDb();
      // 三(二)1 A: a fine decided on 2027-03-10, not repaired.
      await db
        .insertInto("household_penalty")
        .values({ uscc: A, seq: 1, decided_on: "2027-03-10", kind: "FINE", repaired_on: null })
        .execute();
      // 三(二)1 B: the proprietor is listed as 失信被执行人.
      await db
        .updateTable("household")
        .set({ proprietor_dishonest_debtor: true })
        .where("uscc", "=", B)
        .execute();
      // 三(一)1 登记在册: deregistered.
      await db
        .updateTable("household")
        .set({ status: "DEREGISTERED" })
        .where("uscc", "=", GONE)
        .execute();
      const listed = async (date: string) =>
        (await ok(depsOn(getDb(), date), cityOperator, UPKEEP)).categoryUpkeep.edges
          .map((e: any) => [e.node.recognition.uscc, e.node.grounds])
          .sort();
      expect(await listed("2027-03-09")).toEqual(
        [
          [B, ["DISHONEST_DEBTOR"]],
          [GONE, ["NOT_REGISTERED"]],
        ].sort(),
      );
      expect(await listed("2027-03-10")).toEqual(
        [
          [A, ["ACTIVE_PENALTY"]],
          [B, ["DISHONEST_DEBTOR"]],
          [GONE, ["NOT_REGISTERED"]],
        ].sort(),
      );

      const cancel = (date: string, uscc: string, ground: string) =>
        runGraphQL<any>(depsOn(getDb(), date), cityOperator, CANCEL, {
          id: recognised[uscc],
          ground,
        });
      // Not before the fine is decided.
      expect(errorCodes(await cancel("2027-03-09", A, "ACTIVE_PENALTY"))).toEqual([
        "BAD_USER_INPUT",
      ]);
      for (const [uscc, ground] of [
        [A, "ACTIVE_PENALTY"],
        [B, "DISHONEST_DEBTOR"],
        [GONE, "NOT_REGISTERED"],
      ] as const) {
        const cancelled = await cancel("2027-03-10", uscc, ground);
        expect(cancelled.errors).toBeUndefined();
        expect(cancelled.data.cancelCategoryRecognition).toMatchObject({
          endedOn: "2027-03-10",
          endReason: "CANCELLED",
          endGround: ground,
        });
      }
      expect(await listed("2027-03-10")).toEqual([]);
    });

    it("extends by 3 years in the last year on a condition that holds", async () => {
      const recognition = await recognise(getDb(), "2026-10-20", A);
      const early = await runGraphQL(depsOn(getDb(), "2028-10-19"), countyOperator(ERQI), EXTEND, {
        id: recognition.id,
        condition: "C",
        evidence: DEVELOPED,
      });
      expect(errorCodes(early)).toEqual(["CONFLICT"]);
      // Condition C needs 成长型 → 发展型: not yet.
      const notYet = await runGraphQL(depsOn(getDb(), "2029-03-01"), countyOperator(ERQI), EXTEND, {
        id: recognition.id,
        condition: "C",
        evidence: DEVELOPED,
      });
      expect(errorCodes(notYet)).toEqual(["BAD_USER_INPUT"]);
      // D is for recommended households only.
      const d = await runGraphQL(depsOn(getDb(), "2029-03-01"), countyOperator(ERQI), EXTEND, {
        id: recognition.id,
        condition: "D",
        evidence: DEVELOPED,
      });
      expect(errorCodes(d)).toEqual(["BAD_USER_INPUT"]);

      const runId = randomUUID();
      await getDb()
        .db.insertInto("typing_run")
        .values({
          id: runId,
          as_of: "2028-08-01",
          standard_version: "test",
          kind: "YEARLY",
          started_at: "2028-08-10T00:00:00Z",
          finished_at: "2028-08-10T00:00:00Z",
          created_by: "test",
        })
        .execute();
      await getDb()
        .db.insertInto("typing_result")
        .values({ run_id: runId, uscc: A, type: "DEVELOPMENT", codes: ["DEVELOPMENT_A"] })
        .execute();
      const extended = await ok(depsOn(getDb(), "2029-03-01"), countyOperator(ERQI), EXTEND, {
        id: recognition.id,
        condition: "C",
        evidence: DEVELOPED,
      });
      expect(extended.extendCategoryRecognition).toMatchObject({
        validUntil: "2032-10-20",
        extensions: [
          {
            condition: "C",
            previousValidUntil: "2029-10-20",
            validUntil: "2032-10-20",
            extendedOn: "2029-03-01",
          },
        ],
      });
      const on = async (asOf: string) =>
        (
          await ok(depsOn(getDb(), "2029-03-01"), countyOperator(ERQI), CATEGORY_ON, {
            uscc: A,
            asOf,
          })
        ).household.category;
      expect(await on("2032-10-19")).toBe("FAMOUS");
      expect(await on("2032-10-20")).toBeNull();
    });
  });

  describe("the province's spot check", () => {
    it("samples 3% of the year's recognitions from a recorded seed, once, reproducibly", async () => {
      const rows = Array.from({ length: 40 }, (_, i) => ({
        uscc: usccOf(ERQI, 100 + i),
        category: "FAMOUS",
        recognized_on: "2026-11-10",
        valid_from: "2027-01-01",
        valid_until: "2029-11-10",
        ended_on: null,
        end_reason: null,
      }));
      rows.push({
        category: "FAMOUS",
        ended_on: null,
        end_reason: null,
        uscc: A,
        recognized_on: "2025-11-10",
        valid_from: "2026-01-01",
        valid_until: "2028-11-10",
      });
      await getDb().db.insertInto("category_recognition").values(rows).execute();

      const forbidden = await runGraphQL(
        depsOn(getDb(), "2026-12-10"),
        countyOperator(ERQI),
        `mutation { drawCategorySpotCheck(year: 2026, seed: "x") { id } }`,
      );
      expect(errorCodes(forbidden)).toEqual(["FORBIDDEN"]);
      const drawn = await ok(
        depsOn(getDb(), "2026-12-10"),
        cityOperator,
        `mutation { drawCategorySpotCheck(year: 2026, seed: "豫2026-抽查") { year seed population sampleSize items { rank uscc recognitionId } } }`,
      );
      const check = drawn.drawCategorySpotCheck;
      expect(check).toMatchObject({
        year: 2026,
        seed: "豫2026-抽查",
        population: 40,
        sampleSize: 2,
      });
      const expected = drawSample(await spotCheckPopulation(getDb().db, 2026), "豫2026-抽查");
      expect(check.items.map((i: any) => i.recognitionId)).toEqual(expected.map((m) => m.id));

      const again = await runGraphQL(
        depsOn(getDb(), "2026-12-11"),
        cityOperator,
        `mutation { drawCategorySpotCheck(year: 2026) { id } }`,
      );
      expect(errorCodes(again)).toEqual(["CONFLICT"]);

      const failed = check.items[0];
      await ok(
        depsOn(getDb(), "2027-02-01"),
        countyOperator(ERQI),
        `mutation($id: ID!) { recordCategorySpotCheckResult(year: 2026, recognitionId: $id, confirmed: false, verifiedOn: "2027-01-20", note: "实地无经营") { confirmed } }`,
        { id: failed.recognitionId },
      );
      const upkeep = await ok(depsOn(getDb(), "2027-02-01"), countyOperator(ERQI), UPKEEP);
      const flagged = upkeep.categoryUpkeep.edges
        .map((e: any) => e.node)
        .filter((n: any) => n.grounds.includes("SPOT_CHECK_FAILED"));
      expect(flagged.map((n: any) => [n.recognition.uscc, n.grounds])).toEqual([
        [failed.uscc, ["SPOT_CHECK_FAILED"]],
      ]);
    });
    it("draws this year's sample without a year, and records a verification without year or date", async () => {
      // 40 recognitions made on 1 January 2026 and 40 on 1 January 2027 (二七区, 金水区).
      const recognitions = (county: string, year: number) =>
        Array.from({ length: 40 }, (_, i) => ({
          uscc: usccOf(county, 100 + i),
          category: "FAMOUS",
          recognized_on: `${year}-01-01`,
          valid_from: `${year + 1}-01-01`,
          valid_until: `${year + 3}-01-01`,
          ended_on: null,
          end_reason: null,
        }));
      await getDb()
        .db.insertInto("category_recognition")
        .values([...recognitions(ERQI, 2026), ...recognitions(JINSHUI, 2027)])
        .execute();
      // 00:30 in China on 1 January 2027 is still 2026 in UTC: the draw is of 2027.
      const newYear = testDeps(getDb(), () => new Date("2027-01-01T00:30:00+08:00"));
      const drawn = (
        await ok(
          newYear,
          cityOperator,
          `mutation { drawCategorySpotCheck(seed: "s") { year population items { uscc recognitionId } } }`,
        )
      ).drawCategorySpotCheck;
      expect(drawn).toMatchObject({ year: 2027, population: 40 });
      expect(drawn.items[0].uscc.slice(2, 8)).toBe(JINSHUI);
      const thisYear = drawn.items[0];
      const last = (
        await ok(
          newYear,
          cityOperator,
          `mutation { drawCategorySpotCheck(year: 2026, seed: "s") { year population items { uscc recognitionId } } }`,
        )
      ).drawCategorySpotCheck;
      expect(last).toMatchObject({ year: 2026, population: 40 });
      const lastYear = last.items[0];

      const RECORD = `mutation($id: ID!) { recordCategorySpotCheckResult(recognitionId: $id, confirmed: false, note: "实地无经营") { recognitionId confirmed verifiedOn } }`;
      // 00:30 in China on 2 January 2028 is still 1 January in UTC.
      const justAfterMidnight = testDeps(getDb(), () => new Date("2028-01-02T00:30:00+08:00"));
      for (const item of [thisYear, lastYear]) {
        const recorded = await ok(justAfterMidnight, cityOperator, RECORD, {
          id: item.recognitionId,
        });
        expect(recorded.recordCategorySpotCheckResult).toEqual({
          recognitionId: item.recognitionId,
          confirmed: false,
          verifiedOn: "2028-01-02",
        });
      }
      const check = async (year: number) =>
        (
          await ok(
            depsOn(getDb(), "2028-01-02"),
            cityOperator,
            `query($year: Int!) { categorySpotCheck(year: $year) { items { recognitionId confirmed verifiedOn } } }`,
            { year },
          )
        ).categorySpotCheck.items.filter((i: any) => i.confirmed !== null);
      expect(await check(2027)).toEqual([
        { recognitionId: thisYear.recognitionId, confirmed: false, verifiedOn: "2028-01-02" },
      ]);
      expect(await check(2026)).toEqual([
        { recognitionId: lastYear.recognitionId, confirmed: false, verifiedOn: "2028-01-02" },
      ]);

      // Given, they are checked as before: a sample of the year named, a day up to today.
      const refused = async (variables: Record<string, unknown>) =>
        errorCodes(
          await runGraphQL(
            depsOn(getDb(), "2028-01-02"),
            cityOperator,
            `mutation($id: ID!, $year: Int, $on: Date) { recordCategorySpotCheckResult(year: $year, recognitionId: $id, confirmed: true, verifiedOn: $on, note: "x") { confirmed } }`,
            variables,
          ),
        );
      expect(await refused({ id: thisYear.recognitionId, on: "2028-01-03" })).toEqual([
        "BAD_USER_INPUT",
      ]);
      expect(await refused({ id: thisYear.recognitionId, year: 2026 })).toEqual(["NOT_FOUND"]);
      expect(await refused({ id: randomUUID() })).toEqual(["NOT_FOUND"]);
    });
  });

  describe("public notice and audit", () => {
    it("lists recognitions in force to anyone, by county and category, with only the notice's fields", async () => {
      await recognise(getDb(), "2026-10-20", A);
      await recognise(getDb(), "2026-10-20", B, "QUALITY", ["QUALITY_3"]);
      await recognise(getDb(), "2026-10-20", usccOf(JINSHUI, 100), "FAMOUS", ["FAMOUS_2"]);
      const list = async (vars: Record<string, unknown>) =>
        (await ok(depsOn(getDb(), "2027-05-01"), PUBLIC_PRINCIPAL, PUBLIC_LIST, vars))
          .publicCategoryRecognitions;
      expect((await list({})).edges).toHaveLength(3);
      expect(
        (await list({ county: ERQI, category: "FAMOUS" })).edges.map((e: any) => e.node),
      ).toEqual([
        {
          name: "二七区老王烩面馆",
          uscc: A,
          countyCode: ERQI,
          countyName: "二七区",
          category: "FAMOUS",
          validFrom: "2027-01-01",
          validUntil: "2029-10-20",
        },
      ]);
      const page = await list({ first: 2 });
      expect(page.pageInfo.hasNextPage).toBe(true);
      expect((await list({ first: 2, after: page.pageInfo.endCursor })).edges).toHaveLength(1);
      const notPublic = await runGraphQL(
        depsOn(getDb(), "2027-05-01"),
        PUBLIC_PRINCIPAL,
        CATEGORY_ON,
        { uscc: A },
      );
      expect(errorCodes(notPublic)).toEqual(["UNAUTHENTICATED"]);
    });

    it("audits the rest of the procedure: consent, decline, withdrawal, rejection, report, review, cancellation, extension, share, spot check", async () => {
      const culture = department("CULTURE_ZZ");
      const op = countyOperator(ERQI);
      const gql = (date: string, who: Principal, query: string, variables?: object) =>
        ok(depsOn(getDb(), date), who, query, variables as Record<string, unknown>);
      const recommend = async (uscc: string) =>
        (
          await gql("2026-09-01", culture, RECOMMEND, {
            input: {
              uscc,
              category: "QUALITY",
              conditions: ["QUALITY_3"],
              evidence: "市级非遗传承人",
            },
          })
        ).recommendForCategory.application.id as string;
      const HISTORY = `query($id: ID!) { categoryApplication(id: $id) {
        history { at actor action before after reason } } }`;
      const historyOf = async (id: string) =>
        (await gql("2030-01-01", cityOperator, HISTORY, { id })).categoryApplication.history.map(
          (h: any) => [
            h.action,
            h.before?.state ?? null,
            h.after?.state ?? null,
            h.actor,
            h.reason,
          ],
        );

      // 部门推荐, consent, approval.
      const recommended = await recommend(SURVIVOR);
      await gql("2026-09-02", householdOf(SURVIVOR), CONSENT, { id: recommended, consent: true });
      const recognition = (await approve(getDb(), "2026-09-03", recommended, op)).recognition.id;
      expect(await historyOf(recommended)).toEqual([
        [
          "category.recommend",
          null,
          "AWAITING_CONSENT",
          "DEPARTMENT:CULTURE_ZZ:dept-CULTURE_ZZ",
          null,
        ],
        [
          "category.consent",
          "AWAITING_CONSENT",
          "SUBMITTED",
          `HOUSEHOLD:${SURVIVOR}:h-${SURVIVOR}`,
          null,
        ],
        [
          "category.approve",
          "SUBMITTED",
          "APPROVED",
          `OPERATOR:${ERQI}:op-${ERQI}`,
          "经走访核实，符合认定条件",
        ],
      ]);
      // Declined.
      const declined = await recommend(B);
      await gql("2026-09-02", householdOf(B), CONSENT, {
        id: declined,
        consent: false,
        note: "暂不参加",
      });
      expect((await historyOf(declined))[1]).toEqual([
        "category.decline",
        "AWAITING_CONSENT",
        "DECLINED",
        `HOUSEHOLD:${B}:h-${B}`,
        "暂不参加",
      ]);
      // Withdrawn, then applied again and rejected.
      const withdrawn = (await apply(getDb(), "2026-09-01", A)).application.id;
      await gql(
        "2026-09-02",
        householdOf(A),
        `mutation($id: ID!) { withdrawCategoryApplication(applicationId: $id, reason: "材料不全") { state } }`,
        { id: withdrawn },
      );
      expect((await historyOf(withdrawn))[1]).toEqual([
        "category.withdraw",
        "SUBMITTED",
        "WITHDRAWN",
        `HOUSEHOLD:${A}:h-${A}`,
        "材料不全",
      ]);
      const rejected = (await apply(getDb(), "2026-09-02", A)).application.id;
      await gql(
        "2026-09-03",
        op,
        `mutation($id: ID!) { rejectCategoryApplication(applicationId: $id, reason: "商标权利人不一致") { state } }`,
        { id: rejected },
      );
      expect((await historyOf(rejected))[1]).toEqual([
        "category.reject",
        "SUBMITTED",
        "REJECTED",
        `OPERATOR:${ERQI}:op-${ERQI}`,
        "商标权利人不一致",
      ]);

      // The annual report, its review, and the cancellation it grounds.
      const report = (
        await gql("2027-05-01", householdOf(SURVIVOR), REPORT, { content: "2027年经营正常" })
      ).submitCategoryReport.id;
      await gql(
        "2027-05-02",
        op,
        `mutation($id: ID!) { reviewCategoryReport(reportId: $id, confirmed: false, note: "营业收入与税务数据不符") { confirmed } }`,
        { id: report },
      );
      await gql("2027-05-03", op, CANCEL, { id: recognition, ground: "REPORT_NOT_CONFIRMED" });
      const recognised = await gql(
        "2027-05-03",
        op,
        `query($id: ID!) { categoryRecognition(id: $id) {
          history { actor action before after reason }
          reports { history { actor action before after reason } } } }`,
        { id: recognition },
      );
      expect(recognised.categoryRecognition.reports[0].history).toMatchObject([
        {
          action: "category.report",
          actor: `HOUSEHOLD:${SURVIVOR}:h-${SURVIVOR}`,
          before: null,
          after: { kind: "ANNUAL", year: 2027, late: false },
        },
        {
          action: "category.report.review",
          actor: `OPERATOR:${ERQI}:op-${ERQI}`,
          before: { confirmed: null },
          after: { confirmed: false },
          reason: "营业收入与税务数据不符",
        },
      ]);
      expect(recognised.categoryRecognition.history).toMatchObject([
        { action: "category.recognise", before: null },
        {
          action: "category.cancel",
          actor: `OPERATOR:${ERQI}:op-${ERQI}`,
          before: { endedOn: null, endReason: null, endGround: null },
          after: {
            endedOn: "2027-05-03",
            endReason: "CANCELLED",
            endGround: "REPORT_NOT_CONFIRMED",
          },
          reason: expect.stringContaining("经审核确认"),
        },
      ]);

      // An extension in the last year.
      const other = usccOf(JINSHUI, 100);
      const extended = (await recognise(getDb(), "2026-10-20", other)).id;
      await gql("2029-03-01", countyOperator(JINSHUI), EXTEND, {
        id: extended,
        condition: "A",
        evidence: DEVELOPED,
      });
      const extension = await gql(
        "2029-03-01",
        cityOperator,
        `query($id: ID!) { categoryRecognition(id: $id) { history { actor action before after reason } } }`,
        { id: extended },
      );
      expect(extension.categoryRecognition.history[1]).toMatchObject({
        action: "category.extend",
        actor: `OPERATOR:${JINSHUI}:op-${JINSHUI}`,
        before: { validUntil: "2029-10-20" },
        after: { validUntil: "2032-10-20", condition: "A", on: "2029-03-01" },
        reason: expect.stringContaining("2029年分型结果为发展型"),
      });

      // The province's spot check: the draw and a field verification.
      const drawn = await gql(
        "2026-12-10",
        cityOperator,
        `mutation { drawCategorySpotCheck(year: 2026, seed: "审计") { items { recognitionId } } }`,
      );
      const sampled = drawn.drawCategorySpotCheck.items[0].recognitionId;
      await gql(
        "2027-01-20",
        cityOperator,
        `mutation($id: ID!) { recordCategorySpotCheckResult(year: 2026, recognitionId: $id, confirmed: true, verifiedOn: "2027-01-20", note: "实地核实无误") { confirmed } }`,
        { id: sampled },
      );
      const check = await gql(
        "2027-01-20",
        cityOperator,
        `{ categorySpotCheck(year: 2026) { history { actor action before after reason } } }`,
      );
      expect(check.categorySpotCheck.history).toMatchObject([
        {
          action: "category.spotcheck.draw",
          actor: "OPERATOR:CITY:op-city",
          before: null,
          after: { year: 2026, seed: "审计", population: 2 },
        },
        {
          action: "category.spotcheck.result",
          before: { recognitionId: sampled, confirmed: null },
          after: { recognitionId: sampled, confirmed: true, verifiedOn: "2027-01-20" },
          reason: "实地核实无误",
        },
      ]);

      // The city's share for a county: in the audit log with the share before and after.
      await gql(
        "2026-09-01",
        cityOperator,
        `mutation { setCategoryQuotaShare(countyCode: "${ERQI}", sharePercent: 7.5, reason: "市局统筹") { limit } }`,
      );
      const share = await getDb()
        .db.selectFrom("audit_log")
        .select(["actor", "before", "after", "reason", "at"])
        .where("action", "=", "category.quota.share")
        .where("entity", "=", "category_quota")
        .where("entity_id", "=", ERQI)
        .execute();
      expect(share).toMatchObject([
        {
          actor: "OPERATOR:CITY:op-city",
          before: { shareBasisPoints: 500 },
          after: { shareBasisPoints: 750 },
          reason: "市局统筹",
        },
      ]);
      expect(share[0]?.at).toBeInstanceOf(Date);
    });

    it("audits every change of state: who, when, from what to what, and why", async () => {
      const recognition = await recognise(getDb(), "2026-10-20", A);
      await ok(
        depsOn(getDb(), "2027-03-01"),
        countyOperator(ERQI),
        `mutation($id: ID!) { revokeCategoryRecognition(recognitionId: $id, reason: "伪造商标注册证") { id } }`,
        { id: recognition.id },
      );
      const data = await ok(
        depsOn(getDb(), "2027-03-01"),
        countyOperator(ERQI),
        `query($uscc: String!) { household(uscc: $uscc) {
          categoryApplications { history { actor action before after reason } }
          categoryRecognitions { endReason history { actor action before after reason } }
        } }`,
        { uscc: A },
      );
      const [application] = data.household.categoryApplications;
      expect(
        application.history.map((h: any) => [
          h.action,
          h.before?.state ?? null,
          h.after?.state ?? null,
        ]),
      ).toEqual([
        ["category.apply", null, "SUBMITTED"],
        ["category.visit", "SUBMITTED", "SUBMITTED"],
        ["category.approve", "SUBMITTED", "APPROVED"],
      ]);
      expect(application.history[0].actor).toBe(`HOUSEHOLD:${A}:h-${A}`);
      expect(application.history[2].actor).toBe(`OPERATOR:${ERQI}:op-${ERQI}`);
      expect(application.history[2].reason).toBe("经走访核实，符合认定条件");
      const [recognised] = data.household.categoryRecognitions;
      expect(recognised.endReason).toBe("REVOKED");
      expect(recognised.history.map((h: any) => h.action)).toEqual([
        "category.recognise",
        "category.revoke",
      ]);
      expect(recognised.history[1]).toMatchObject({
        before: { endedOn: null, endReason: null },
        after: {
          endedOn: "2027-03-01",
          endReason: "REVOKED",
          revokedOn: "2027-03-01",
          mayApplyFrom: "2032-03-01",
        },
        reason: "伪造商标注册证",
      });
    });
  });
});
