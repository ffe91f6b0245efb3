import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validateEntry } from "../../src/categories/category-applications.ts";
import { CATEGORY_CONDITIONS, CATEGORY_KINDS } from "../../src/categories/category-conditions.ts";
import {
  checkEligibility,
  type EligibilitySubject,
  penaltyWindowEndsOn,
} from "../../src/categories/category-eligibility.ts";
import { quotaLimit } from "../../src/categories/category-quota.ts";
import { drawSample, sampleSize } from "../../src/categories/category-spot-check.ts";
import {
  extensionConditionHolds,
  type UpkeepFacts,
  upkeepOf,
} from "../../src/categories/category-upkeep.ts";
import {
  blocksNewRecognition,
  fraudBanCovers,
  fraudBanEndsOn,
  inLastYear,
  missingReportYears,
  validityOf,
  validityYears,
} from "../../src/categories/category-validity.ts";
import { BadInputError } from "../../src/errors.ts";
import { type HouseholdRecord, snapshotOf } from "../support/household-arbitraries.ts";

const subject = (over: Partial<EligibilitySubject> = {}): EligibilitySubject => ({
  uscc: "92410103MA0000001X",
  status: "ACTIVE",
  countyCode: "410103",
  type: "GROWTH",
  proprietorGroups: [],
  proprietorDishonestDebtor: false,
  penalties: [],
  recognitions: [],
  proprietorRecognitions: [],
  openApplication: null,
  ...over,
});

/** What upkeep is told besides the household's records, and the records' few facts that vary. */
type UpkeepHousehold = Partial<Omit<UpkeepFacts, "household">> & {
  type?: string;
  status?: HouseholdRecord["status"];
  penalties?: HouseholdRecord["penalties"];
  proprietorDishonestDebtor?: boolean;
};

/**
 * Upkeep's facts for a household stored from a contract record (snapshotOf): 在册, typed 成长型,
 * registered in 2015, meeting every base standard, unless told otherwise.
 */
const upkeepFacts = ({
  type = "GROWTH",
  status = "ACTIVE",
  penalties = [],
  proprietorDishonestDebtor = false,
  ...told
}: UpkeepHousehold = {}): UpkeepFacts => ({
  reportedYears: [],
  reportNotConfirmed: false,
  spotCheckFailed: false,
  ...told,
  household: snapshotOf(
    {
      uscc: "92410103MA0000001X",
      name: "二七区测试小吃店",
      proprietor: { idHash: "h", dishonestDebtor: proprietorDishonestDebtor },
      countyCode: "410103",
      registeredOn: "2015-03-01",
      status,
      penalties,
    },
    { type, run: null, correction: null },
  ),
});

const codes = (
  s: EligibilitySubject,
  source: "SELF" | "DEPARTMENT" = "SELF",
  asOf = "2026-10-01",
) => checkEligibility(s, { asOf, source }).map((r) => r.code);

const recognition = (over: Record<string, unknown> = {}) => ({
  id: "00000000-0000-4000-8000-000000000001",
  uscc: "92410103MA0000001X",
  category: "FAMOUS",
  recognized_on: "2026-10-20",
  valid_from: "2027-01-01",
  valid_until: "2029-10-20",
  ended_on: null as string | null,
  end_reason: null as string | null,
  revoked_on: null as string | null,
  ...over,
});

describe("reference conditions (三(二) 主要参考条件)", () => {
  it("codes 知名 一…四, 特色 一…四, 优质 一…六, 新兴 一…四 with Chinese labels", () => {
    const byCategory = Object.fromEntries(
      CATEGORY_KINDS.map((c) => [
        c,
        CATEGORY_CONDITIONS.filter((x) => x.category === c).map((x) => x.code),
      ]),
    );
    expect(byCategory).toEqual({
      FAMOUS: ["FAMOUS_1", "FAMOUS_2", "FAMOUS_3", "FAMOUS_4"],
      DISTINCTIVE: ["DISTINCTIVE_1", "DISTINCTIVE_2", "DISTINCTIVE_3", "DISTINCTIVE_4"],
      QUALITY: ["QUALITY_1", "QUALITY_2", "QUALITY_3", "QUALITY_4", "QUALITY_5", "QUALITY_6"],
      EMERGING: ["EMERGING_1", "EMERGING_2", "EMERGING_3", "EMERGING_4"],
    });
    expect(CATEGORY_CONDITIONS.find((c) => c.code === "QUALITY_4")?.label).toBe(
      "优质四：拥有依法认定的“老字号”或百年老店",
    );
  });

  it("accepts only the chosen category's conditions, each once, and evidence", () => {
    expect(
      validateEntry({
        category: "QUALITY",
        conditions: ["QUALITY_6", "QUALITY_4"],
        evidence: " 中华老字号 ",
      }),
    ).toEqual({
      category: "QUALITY",
      conditions: ["QUALITY_4", "QUALITY_6"],
      evidence: "中华老字号",
    });
    const bad = (input: Parameters<typeof validateEntry>[0]) => {
      try {
        validateEntry(input);
      } catch (error) {
        return error instanceof BadInputError ? error.argument : "other";
      }
      return "accepted";
    };
    expect(bad({ category: "FAMOUS", conditions: ["FAMOUS_1", "QUALITY_4"], evidence: "x" })).toBe(
      "conditions[1]",
    );
    expect(bad({ category: "FAMOUS", conditions: ["FAMOUS_5"], evidence: "x" })).toBe(
      "conditions[0]",
    );
    expect(bad({ category: "FAMOUS", conditions: ["FAMOUS_1", "FAMOUS_1"], evidence: "x" })).toBe(
      "conditions[1]",
    );
    expect(bad({ category: "FAMOUS", conditions: [], evidence: "x" })).toBe("conditions");
    expect(bad({ category: "FAMOUS", conditions: ["FAMOUS_1"], evidence: "  " })).toBe("evidence");
    expect(bad({ category: "NONE", conditions: ["FAMOUS_1"], evidence: "x" })).toBe("category");
  });
});

describe("eligibility at entry (三(二)1)", () => {
  it("takes 成长型 and 发展型; 生存型 only by department recommendation or a relaxed group", () => {
    expect(codes(subject({ type: "GROWTH" }))).toEqual([]);
    expect(codes(subject({ type: "DEVELOPMENT" }))).toEqual([]);
    expect(codes(subject({ type: "SURVIVAL" }))).toEqual(["TYPE_NOT_ELIGIBLE"]);
    expect(codes(subject({ type: "SURVIVAL" }), "DEPARTMENT")).toEqual([]);
    for (const group of ["VETERAN", "GRADUATE", "DISABLED", "RETURNING_MIGRANT"]) {
      expect(codes(subject({ type: "SURVIVAL", proprietorGroups: [group] }))).toEqual([]);
    }
  });

  it("never takes 不符合分型条件 or an untyped household, whoever enters it", () => {
    for (const source of ["SELF", "DEPARTMENT"] as const) {
      expect(
        codes(subject({ type: "NOT_CLASSIFIABLE", proprietorGroups: ["VETERAN"] }), source),
      ).toEqual(["NOT_CLASSIFIABLE"]);
      expect(codes(subject({ type: null }), source)).toEqual(["NOT_TYPED"]);
    }
  });

  it("reports every failure at once, each with a Chinese reason", () => {
    const refusals = checkEligibility(
      subject({
        type: "SURVIVAL",
        proprietorDishonestDebtor: true,
        penalties: [
          { uscc: "x", seq: 1, decided_on: "2025-05-01", kind: "FINE", repaired_on: null },
        ],
        openApplication: { id: "a1", state: "SUBMITTED", source: "SELF" },
      }),
      { asOf: "2026-10-01", source: "SELF" },
    );
    expect(refusals.map((r) => r.code)).toEqual([
      "TYPE_NOT_ELIGIBLE",
      "ACTIVE_PENALTY",
      "DISHONEST_DEBTOR",
      "APPLICATION_PENDING",
    ]);
    expect(refusals[0]?.reason).toContain("生存型");
    expect(refusals[2]?.reason).toContain("失信被执行人");
    // The application itself is not "another" one when it is re-checked at approval.
    expect(
      checkEligibility(
        subject({ openApplication: { id: "a1", state: "SUBMITTED", source: "SELF" } }),
        {
          asOf: "2026-10-01",
          source: "SELF",
          applicationId: "a1",
        },
      ),
    ).toEqual([]);
  });

  it("measures the penalty window as the shared fact does, and names its first free day", () => {
    const fine = { uscc: "x", seq: 1, decided_on: "2024-02-29", kind: "FINE", repaired_on: null };
    expect(penaltyWindowEndsOn(fine)).toBe("2026-02-28");
    const s = subject({ penalties: [fine] });
    expect(codes(s, "SELF", "2026-02-27")).toEqual(["ACTIVE_PENALTY"]);
    expect(codes(s, "SELF", "2026-02-28")).toEqual([]);
  });

  it("bars a household for 5 years from a revocation for fraud, and only for fraud", () => {
    const revoked = recognition({
      ended_on: "2021-11-20",
      end_reason: "REVOKED",
      revoked_on: "2021-11-20",
    });
    expect(codes(subject({ recognitions: [revoked] }), "SELF", "2026-11-19")).toEqual([
      "REVOKED_FOR_FRAUD",
    ]);
    expect(codes(subject({ recognitions: [revoked] }), "DEPARTMENT", "2026-11-19")).toEqual([
      "REVOKED_FOR_FRAUD",
    ]);
    expect(codes(subject({ recognitions: [revoked] }), "SELF", "2026-11-20")).toEqual([]);
    const cancelled = recognition({ ended_on: "2025-03-01", end_reason: "CANCELLED" });
    expect(codes(subject({ recognitions: [cancelled] }), "SELF", "2025-03-01")).toEqual([]);
    expect(fraudBanEndsOn("2024-02-29")).toBe("2029-02-28");
    expect(fraudBanCovers("2024-02-29", "2029-02-27")).toBe(true);
    expect(fraudBanCovers("2024-02-29", "2029-02-28")).toBe(false);
  });

  it("allows one recognition per household and per proprietor and county, without overlap", () => {
    const standing = recognition();
    expect(codes(subject({ recognitions: [standing] }), "SELF", "2026-11-01")).toEqual([
      "ALREADY_RECOGNISED",
    ]);
    expect(codes(subject({ recognitions: [standing] }), "SELF", "2028-12-31")).toEqual([
      "ALREADY_RECOGNISED",
    ]);
    // In its last year a new one would start when it ends: no overlap.
    expect(codes(subject({ recognitions: [standing] }), "SELF", "2029-01-01")).toEqual([]);
    const other = recognition({ uscc: "92410103MA0000002X" });
    expect(codes(subject({ proprietorRecognitions: [other] }), "SELF", "2026-11-01")).toEqual([
      "PROPRIETOR_RECOGNISED_IN_COUNTY",
    ]);
  });
});

describe("validity (三(二)2)", () => {
  it("takes effect on 1 January after the day of recognition and ends 3 years after that day", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("2020-01-01"), max: new Date("2035-12-31"), noInvalidDate: true }),
        (d) => {
          const day = d.toISOString().slice(0, 10);
          const y = Number(day.slice(0, 4));
          const sameDay = `${y + 3}${day.slice(4)}`;
          expect(validityOf(day)).toEqual({
            validFrom: `${y + 1}-01-01`,
            validUntil: day.endsWith("-02-29") ? `${y + 3}-02-28` : sameDay,
          });
        },
      ),
    );
    expect(validityOf("2025-11-20")).toEqual({ validFrom: "2026-01-01", validUntil: "2028-11-20" });
    expect(validityOf("2024-02-29")).toEqual({ validFrom: "2025-01-01", validUntil: "2027-02-28" });
  });

  it("is in its last year from one year before it ends", () => {
    const r = recognition();
    expect(inLastYear(r, "2028-10-19")).toBe(false);
    expect(inLastYear(r, "2028-10-20")).toBe(true);
    expect(inLastYear(r, "2029-10-19")).toBe(true);
    expect(inLastYear(r, "2029-10-20")).toBe(false);
    expect(inLastYear({ ...r, ended_on: "2029-06-01" }, "2029-06-01")).toBe(false);
    expect(blocksNewRecognition(r, "2026-10-20")).toBe(true);
  });

  it("lists a year's report as missing from 1 August, and only for years of validity", () => {
    const r = recognition();
    expect(validityYears(r)).toEqual([2027, 2028, 2029]);
    expect(missingReportYears(r, [], "2027-07-31")).toEqual([]);
    expect(missingReportYears(r, [], "2027-08-01")).toEqual([2027]);
    expect(missingReportYears(r, [2027], "2028-08-01")).toEqual([2028]);
    // Cancelled before a due date: nothing more is due.
    expect(missingReportYears({ ...r, ended_on: "2028-05-01" }, [2027], "2028-09-01")).toEqual([]);
  });

  it("lists grounds to cancel only while the recognition stands", () => {
    const facts = upkeepFacts({
      type: "NOT_CLASSIFIABLE",
      status: "DEREGISTERED",
      penalties: [{ decidedOn: "2027-03-01", kind: "FINE", repairedOn: null }],
      proprietorDishonestDebtor: true,
      reportNotConfirmed: true,
      spotCheckFailed: true,
    });
    expect(upkeepOf(recognition(), facts, "2027-08-01").grounds).toEqual([
      "MISSING_REPORT",
      "NOT_REGISTERED",
      "NOT_CLASSIFIABLE",
      "ACTIVE_PENALTY",
      "DISHONEST_DEBTOR",
      "REPORT_NOT_CONFIRMED",
      "SPOT_CHECK_FAILED",
    ]);
    expect(upkeepOf(recognition(), facts, "2030-01-01").grounds).toEqual([]);
  });

  it("lists a recognised household that no longer meets the base standards of entry", () => {
    const grounds = (over: UpkeepHousehold, date = "2028-03-01") =>
      upkeepOf(recognition(), upkeepFacts({ reportedYears: [2027, 2028, 2029], ...over }), date)
        .grounds;
    expect(grounds({})).toEqual([]);
    // 三(一)1 登记在册.
    expect(grounds({ status: "DEREGISTERED" })).toEqual(["NOT_REGISTERED"]);
    // 三(二)1 B.
    expect(grounds({ proprietorDishonestDebtor: true })).toEqual(["DISHONEST_DEBTOR"]);
    // 三(二)1 A, measured on the day: from the decision for 2 years, until credit repair; never a
    // warning.
    const fine = { decidedOn: "2027-06-10", kind: "FINE", repairedOn: null } as const;
    expect(grounds({ penalties: [fine] }, "2027-06-09")).toEqual([]);
    expect(grounds({ penalties: [fine] }, "2027-06-10")).toEqual(["ACTIVE_PENALTY"]);
    expect(grounds({ penalties: [fine] }, "2029-06-09")).toEqual(["ACTIVE_PENALTY"]);
    expect(grounds({ penalties: [fine] }, "2029-06-10")).toEqual([]);
    expect(grounds({ penalties: [{ ...fine, repairedOn: "2028-01-15" }] })).toEqual([]);
    expect(grounds({ penalties: [{ ...fine, kind: "WARNING" }] })).toEqual([]);
  });

  it("extends on C only after a rise in type since recognition, and on D only after a recommendation", () => {
    const self = { source: "SELF", type_at_recognition: "GROWTH" };
    expect(extensionConditionHolds("C", self, "DEVELOPMENT").holds).toBe(true);
    expect(extensionConditionHolds("C", self, "GROWTH").holds).toBe(false);
    const survivor = { ...self, type_at_recognition: "SURVIVAL" };
    expect(extensionConditionHolds("C", survivor, "GROWTH").holds).toBe(true);
    // 生存型 → 发展型 climbs past 成长型.
    expect(extensionConditionHolds("C", survivor, "DEVELOPMENT").holds).toBe(true);
    expect(extensionConditionHolds("C", survivor, "SURVIVAL").holds).toBe(false);
    expect(
      extensionConditionHolds("C", { ...self, type_at_recognition: "DEVELOPMENT" }, "DEVELOPMENT")
        .holds,
    ).toBe(false);
    expect(extensionConditionHolds("C", self, "NOT_CLASSIFIABLE").holds).toBe(false);
    expect(
      extensionConditionHolds("C", { ...self, type_at_recognition: null }, "DEVELOPMENT").holds,
    ).toBe(false);
    expect(extensionConditionHolds("D", self, "GROWTH").holds).toBe(false);
    expect(extensionConditionHolds("D", { ...self, source: "DEPARTMENT" }, "GROWTH").holds).toBe(
      true,
    );
    expect(extensionConditionHolds("A", self, null).holds).toBe(true);
  });
});

describe("quota (三(二)1 5%以内)", () => {
  it("never exceeds the share of the base, and is the largest count that does not", () => {
    fc.assert(
      fc.property(fc.nat(2_000_000), fc.integer({ min: 0, max: 10_000 }), (base, bp) => {
        const limit = quotaLimit(base, bp);
        expect(limit * 10_000).toBeLessThanOrEqual(base * bp);
        expect((limit + 1) * 10_000).toBeGreaterThan(base * bp);
      }),
    );
    expect(quotaLimit(60, 500)).toBe(3);
    expect(quotaLimit(59, 500)).toBe(2);
    expect(quotaLimit(19, 500)).toBe(0);
  });
});

describe("spot check (三(二)2 按照3%的比例进行抽查)", () => {
  const population = fc.uniqueArray(
    fc.record({ id: fc.uuid(), uscc: fc.stringMatching(/^92410103[0-9A-Z]{10}$/) }),
    { selector: (m) => m.id, maxLength: 120 },
  );

  it("draws 3% rounded up, from the population, the same sample for the same seed in any order", () => {
    fc.assert(
      fc.property(population, fc.string(), fc.nat(), (members, seed, shift) => {
        const sample = drawSample(members, seed);
        expect(sample).toHaveLength(Math.ceil((members.length * 3) / 100));
        expect(sample.length).toBe(sampleSize(members.length));
        for (const m of sample) expect(members).toContain(m);
        const rotated = members.map(
          (_, i) => members[(i + shift) % members.length] as (typeof members)[number],
        );
        expect(drawSample(rotated, seed)).toEqual(sample);
      }),
    );
  });

  it("depends on the seed", () => {
    const members = Array.from({ length: 100 }, (_, i) => ({
      id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      uscc: `92410103MA${String(i).padStart(7, "0")}X`,
    }));
    const samples = new Set(
      ["a", "b", "c", "d", "e"].map((s) => JSON.stringify(drawSample(members, s))),
    );
    expect(samples.size).toBeGreaterThan(1);
    expect(drawSample(members, "a")).toHaveLength(3);
  });
});
