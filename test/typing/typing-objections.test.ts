import { sql } from "kysely";
import { beforeEach, expect, it } from "vitest";
import type { Principal } from "../../src/auth/principal.ts";
import { importHouseholds } from "../../src/ingest/import-households.ts";
import { loadFacts } from "../../src/matching/household-facts.ts";
import { runTyping } from "../../src/typing/run-typing.ts";
import { describeEachEngine } from "../support/databases.ts";
import { errorCodes, runGraphQL, testDeps } from "../support/graphql.ts";
import type { HouseholdRecord } from "../support/household-arbitraries.ts";
import { jsonLines, typingUscc } from "./typing-cases.ts";

const NOW = new Date("2026-11-27T08:00:00Z");
const ERQI = typingUscc(901, "410103");
const ERQI_2 = typingUscc(902, "410103");
const JINSHUI = typingUscc(903, "410105");

const record = (uscc: string, countyCode: string, taxPaid: number): HouseholdRecord => ({
  uscc,
  name: `异议测试${uscc.slice(-4)}`,
  proprietor: { idHash: `sha256:${uscc}` },
  countyCode,
  registeredOn: "2020-03-15",
  status: "ACTIVE",
  annualReports: [2024],
  yearly: [{ year: 2024, taxPaid, insuredEmployees: 2, revenue: 250000 }],
});

const self: Principal = { role: "HOUSEHOLD", tokenId: "t-self", uscc: ERQI };
const neighbour: Principal = { role: "HOUSEHOLD", tokenId: "t-nb", uscc: ERQI_2 };
const erqiOperator: Principal = { role: "OPERATOR", tokenId: "t-erqi", countyCode: "410103" };
const jinshuiOperator: Principal = { role: "OPERATOR", tokenId: "t-js", countyCode: "410105" };
const city: Principal = { role: "OPERATOR", tokenId: "t-city", countyCode: null };

const FILE = `mutation($uscc: String!, $reason: String!) {
  fileTypingObjection(uscc: $uscc, reason: $reason) { id status objectedType reason run { asOf } }
}`;
const ACCEPT = `mutation($id: ID!, $type: HouseholdType!, $reason: String!) {
  acceptTypingObjection(id: $id, type: $type, reason: $reason) { id status correctedType answer decidedAt }
}`;
const REJECT = `mutation($id: ID!, $answer: String!) {
  rejectTypingObjection(id: $id, answer: $answer) { id status answer correctedType }
}`;
const QUEUE = `query($status: TypingObjectionStatus) {
  typingObjections(status: $status, first: 50) { edges { node { id uscc countyCode status reason } } }
}`;
const MINE = `query($uscc: String!) {
  household(uscc: $uscc) {
    typing { type result correction { type reason } explanation }
    typingObjections { status reason answer correctedType }
  }
}`;

describeEachEngine("typing objections (异议)", (getDb) => {
  const deps = () => testDeps(getDb(), () => NOW);
  const audit = async (entityId: string) =>
    getDb()
      .db.selectFrom("audit_log")
      .select(["actor", "action", "before", "after", "reason", "at"])
      .where("entity_id", "=", entityId)
      .orderBy("at")
      .execute();

  beforeEach(async () => {
    await getDb().reset();
    await importHouseholds(
      getDb().db,
      jsonLines([
        record(ERQI, "410103", 500),
        record(ERQI_2, "410103", 800),
        record(JINSHUI, "410105", 20000),
      ])
        .trim()
        .split("\n"),
    );
    await runTyping(getDb().db, { asOf: "2025-08-01", actor: "test", now: NOW });
  });

  it("is filed by the household, decided by its county, answered, corrected and audited", async () => {
    const filed = await runGraphQL<any>(deps(), self, FILE, {
      uscc: ERQI,
      reason: "本户2024年实际雇员6人，社保数据有误",
    });
    expect(filed.errors).toBeUndefined();
    const objection = filed.data.fileTypingObjection;
    expect(objection).toMatchObject({
      status: "OPEN",
      objectedType: "GROWTH",
      run: { asOf: "2025-08-01" },
    });

    // The queue: its county's operator and a city-wide one see it; another county's does not.
    const queue = async (who: Principal) =>
      (
        await runGraphQL<any>(deps(), who, QUEUE, { status: "OPEN" })
      ).data.typingObjections.edges.map((e: any) => e.node.uscc);
    expect(await queue(erqiOperator)).toEqual([ERQI]);
    expect(await queue(city)).toEqual([ERQI]);
    expect(await queue(jinshuiOperator)).toEqual([]);
    const foreign = await runGraphQL(deps(), jinshuiOperator, ACCEPT, {
      id: objection.id,
      type: "DEVELOPMENT",
      reason: "x",
    });
    expect(errorCodes(foreign)).toEqual(["FORBIDDEN"]);

    const accepted = await runGraphQL<any>(deps(), erqiOperator, ACCEPT, {
      id: objection.id,
      type: "DEVELOPMENT",
      reason: "经核对人社部门数据，上年度参保6人，符合发展型 B",
    });
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data.acceptTypingObjection).toMatchObject({
      status: "ACCEPTED",
      correctedType: "DEVELOPMENT",
      answer: "经核对人社部门数据，上年度参保6人，符合发展型 B",
    });

    // The household sees the answer and its corrected type; the fact `type` follows.
    const mine = await runGraphQL<any>(deps(), self, MINE, { uscc: ERQI });
    expect(mine.errors).toBeUndefined();
    expect(mine.data.household.typing).toMatchObject({
      type: "DEVELOPMENT",
      result: "GROWTH",
      correction: { type: "DEVELOPMENT" },
    });
    expect(mine.data.household.typing.explanation).toContain("经异议复核，分型结果更正为发展型");
    expect(mine.data.household.typingObjections).toEqual([
      {
        status: "ACCEPTED",
        reason: "本户2024年实际雇员6人，社保数据有误",
        answer: "经核对人社部门数据，上年度参保6人，符合发展型 B",
        correctedType: "DEVELOPMENT",
      },
    ]);
    expect((await loadFacts(getDb().db, [ERQI], "2026-01-01")).get(ERQI)?.type).toBe("DEVELOPMENT");

    // A new run keeps the correction while the facts are unchanged.
    await runTyping(getDb().db, { asOf: "2025-09-01", actor: "test", now: NOW });
    expect((await loadFacts(getDb().db, [ERQI], "2026-01-01")).get(ERQI)?.type).toBe("DEVELOPMENT");

    // Every step audited: who, when, before, after.
    const steps = await audit(objection.id);
    expect(steps.map((s) => [s.action, s.actor])).toEqual([
      ["typing.objection.file", `HOUSEHOLD:${ERQI}:t-self`],
      ["typing.objection.accept", "OPERATOR:410103:t-erqi"],
    ]);
    expect(steps[1]?.before).toMatchObject({ status: "OPEN", objectedType: "GROWTH" });
    expect(steps[1]?.after).toMatchObject({ status: "ACCEPTED", correctedType: "DEVELOPMENT" });
    const correction = await audit(ERQI);
    expect(correction.map((s) => s.action)).toEqual(["typing.correction"]);
    expect(correction[0]?.before).toEqual({ type: "GROWTH" });
    expect(correction[0]?.after).toMatchObject({ type: "DEVELOPMENT", objectionId: objection.id });

    // A decided objection cannot be decided again.
    const again = await runGraphQL(deps(), city, REJECT, { id: objection.id, answer: "no" });
    expect(errorCodes(again)).toEqual(["CONFLICT"]);
  });

  it("lets a correction lapse when the household's facts change", async () => {
    const filed = await runGraphQL<any>(deps(), self, FILE, { uscc: ERQI, reason: "有误" });
    await runGraphQL(deps(), city, ACCEPT, {
      id: filed.data.fileTypingObjection.id,
      type: "DEVELOPMENT",
      reason: "核实",
    });
    expect((await loadFacts(getDb().db, [ERQI], "2026-01-01")).get(ERQI)?.type).toBe("DEVELOPMENT");
    // Re-importing the same record keeps the correction; a changed figure ends it.
    await importHouseholds(getDb().db, [JSON.stringify(record(ERQI, "410103", 500))]);
    expect((await loadFacts(getDb().db, [ERQI], "2026-01-01")).get(ERQI)?.type).toBe("DEVELOPMENT");
    await importHouseholds(getDb().db, [JSON.stringify(record(ERQI, "410103", 650))]);
    expect((await loadFacts(getDb().db, [ERQI], "2026-01-01")).get(ERQI)?.type).toBe("GROWTH");
    const mine = await runGraphQL<any>(deps(), self, MINE, { uscc: ERQI });
    expect(mine.data.household.typing).toMatchObject({ type: "GROWTH", correction: null });
  });

  it("is rejected with an answer the household sees", async () => {
    const filed = await runGraphQL<any>(deps(), self, FILE, { uscc: ERQI, reason: "应为发展型" });
    const rejected = await runGraphQL<any>(deps(), erqiOperator, REJECT, {
      id: filed.data.fileTypingObjection.id,
      answer: "上年度纳税500元、参保2人、营业收入25万元，符合成长型 A，维持原判定",
    });
    expect(rejected.data.rejectTypingObjection).toMatchObject({
      status: "REJECTED",
      correctedType: null,
    });
    const mine = await runGraphQL<any>(deps(), self, MINE, { uscc: ERQI });
    expect(mine.data.household.typing).toMatchObject({ type: "GROWTH", correction: null });
    expect(mine.data.household.typingObjections[0]).toMatchObject({
      status: "REJECTED",
      answer: "上年度纳税500元、参保2人、营业收入25万元，符合成长型 A，维持原判定",
    });
    const steps = await audit(filed.data.fileTypingObjection.id);
    expect(steps.map((s) => s.action)).toEqual([
      "typing.objection.file",
      "typing.objection.reject",
    ]);
    // After the answer, a new objection may be filed.
    const second = await runGraphQL(deps(), self, FILE, { uscc: ERQI, reason: "补充材料" });
    expect(second.errors).toBeUndefined();
  });

  it("refuses objections by anyone but the household, a second open one, and bad decisions", async () => {
    const count = async () =>
      (
        await getDb()
          .db.selectFrom("typing_objection")
          .select(sql<number>`count(*)::int`.as("n"))
          .executeTakeFirstOrThrow()
      ).n;
    const audits = async () =>
      (
        await getDb()
          .db.selectFrom("audit_log")
          .select(sql<number>`count(*)::int`.as("n"))
          .executeTakeFirstOrThrow()
      ).n;
    const auditsBefore = await audits();
    const foreign = await runGraphQL(deps(), neighbour, FILE, { uscc: ERQI, reason: "x" });
    expect(errorCodes(foreign)).toEqual(["FORBIDDEN"]);
    expect(foreign.errors?.[0]?.message).toBe(
      `a household may object only to its own type: this token is ${(neighbour as { uscc: string }).uscc}'s, not ${ERQI}'s`,
    );
    expect(
      errorCodes(await runGraphQL(deps(), erqiOperator, FILE, { uscc: ERQI, reason: "x" })),
    ).toEqual(["FORBIDDEN"]);
    expect(
      errorCodes(await runGraphQL(deps(), { role: "PUBLIC" }, FILE, { uscc: ERQI, reason: "x" })),
    ).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await runGraphQL(deps(), self, FILE, { uscc: ERQI, reason: "   " }))).toEqual(
      ["BAD_USER_INPUT"],
    );
    expect(await count()).toBe(0);
    expect(await audits()).toBe(auditsBefore);

    const first = await runGraphQL<any>(deps(), self, FILE, { uscc: ERQI, reason: "有误" });
    expect(first.errors).toBeUndefined();
    const second = await runGraphQL(deps(), self, FILE, { uscc: ERQI, reason: "再次" });
    expect(errorCodes(second)).toEqual(["CONFLICT"]);
    expect(second.errors?.[0]?.message).toContain("already open");
    expect(await count()).toBe(1);

    const id = first.data.fileTypingObjection.id;
    const same = await runGraphQL(deps(), erqiOperator, ACCEPT, {
      id,
      type: "GROWTH",
      reason: "x",
    });
    expect(errorCodes(same)).toEqual(["BAD_USER_INPUT"]);
    const noReason = await runGraphQL(deps(), erqiOperator, ACCEPT, {
      id,
      type: "DEVELOPMENT",
      reason: "",
    });
    expect(errorCodes(noReason)).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await runGraphQL(deps(), self, REJECT, { id, answer: "x" }))).toEqual([
      "FORBIDDEN",
    ]);
    const missing = await runGraphQL(deps(), city, REJECT, {
      id: "00000000-0000-4000-8000-000000000000",
      answer: "x",
    });
    expect(errorCodes(missing)).toEqual(["NOT_FOUND"]);
    const correction = await getDb().db.selectFrom("typing_correction").selectAll().execute();
    expect(correction).toEqual([]);
    // The neighbour cannot read this household's objection either.
    const peek = await runGraphQL(
      deps(),
      neighbour,
      `query($id: ID!) { typingObjection(id: $id) { reason } }`,
      {
        id,
      },
    );
    expect(errorCodes(peek)).toEqual(["FORBIDDEN"]);
  });

  it("refuses an objection before the household has a result", async () => {
    await getDb().db.deleteFrom("typing_result").execute();
    await getDb().db.deleteFrom("typing_run").execute();
    const answer = await runGraphQL(deps(), self, FILE, { uscc: ERQI, reason: "有误" });
    expect(errorCodes(answer)).toEqual(["BAD_USER_INPUT"]);
  });
});
