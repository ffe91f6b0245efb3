import { describe, expect, it } from "vitest";
import { FACTS } from "../../src/matching/fact-catalog.ts";
import {
  type CategoryRecognitionRow,
  currentTyping,
  factsOf,
  recognitionOn,
} from "../../src/matching/household-facts.ts";
import { snapshotOf } from "../support/household-arbitraries.ts";
import { FACTS_CASES } from "./facts-boundary-cases.ts";

const base = FACTS_CASES[0]?.record;
if (!base) throw new Error("no cases");

function recognition(
  id: string,
  category: string,
  validFrom: string,
  validUntil: string,
  endedOn: string | null = null,
  recognizedOn = "2025-10-15",
): CategoryRecognitionRow {
  return {
    id,
    uscc: base?.uscc ?? "",
    category,
    recognized_on: recognizedOn,
    valid_from: validFrom,
    valid_until: validUntil,
    ended_on: endedOn,
    end_reason: endedOn ? "CANCELLED" : null,
  };
}

describe("factsOf", () => {
  it.each(FACTS_CASES)("$name", ({ record, asOf, expected }) => {
    expect(factsOf(snapshotOf(record), asOf)).toMatchObject(expected);
  });

  it("gives exactly the catalog's facts, each of its type and null only where nullable", () => {
    for (const { record, asOf } of FACTS_CASES) {
      const facts = factsOf(snapshotOf(record), asOf);
      expect(Object.keys(facts).sort()).toEqual(FACTS.map((f) => f.name).sort());
      for (const fact of FACTS) {
        const value = facts[fact.name as keyof typeof facts];
        if (value === null) {
          expect(fact.nullable, `${fact.name} is null`).toBe(true);
          continue;
        }
        switch (fact.type) {
          case "number":
            expect(typeof value).toBe("number");
            break;
          case "integer":
            expect(Number.isInteger(value)).toBe(true);
            break;
          case "string":
            expect(typeof value).toBe("string");
            break;
          case "enum":
            expect(fact.values).toContain(value);
            break;
          case "boolean":
            expect(typeof value).toBe("boolean");
            break;
          case "stringList":
            expect(Array.isArray(value)).toBe(true);
            for (const item of value as string[]) expect(fact.values).toContain(item);
            break;
        }
      }
    }
  });

  it("refuses an as-of date that is not a calendar date", () => {
    expect(() => factsOf(snapshotOf(base), "2025-02-29")).toThrow(/asOf/);
    expect(() => factsOf(snapshotOf(base), "2025-8-1")).toThrow(/asOf/);
  });

  // 三(一)2 异议处理: the correction replaces the run's type while it stands.
  it("takes the type in force: the correction's, else the run's, else unknown", () => {
    const run = { runId: "r1", type: "SURVIVAL", codes: ["SURVIVAL"] };
    const correction = { objectionId: "o1", type: "GROWTH" };
    expect(factsOf(snapshotOf(base, currentTyping(run, null)), "2025-08-01").type).toBe("SURVIVAL");
    expect(factsOf(snapshotOf(base, currentTyping(run, correction)), "2025-08-01").type).toBe(
      "GROWTH",
    );
    expect(factsOf(snapshotOf(base, currentTyping(null, correction)), "2025-08-01").type).toBe(
      "GROWTH",
    );
    expect(currentTyping(null, null)).toBeNull();
    expect(factsOf(snapshotOf(base, null), "2025-08-01").type).toBeNull();
  });

  // 三(二)2 有效期: from 1 January after recognition, for 3 years, unless ended earlier.
  it("takes the category of the recognition in force on the date", () => {
    const famous = recognition("a", "FAMOUS", "2026-01-01", "2029-01-01", "2027-03-01");
    const category = (asOf: string, recognitions = [famous]) =>
      factsOf(snapshotOf(base, null, recognitions), asOf).category;
    expect(category("2025-12-31")).toBe("NONE");
    expect(category("2026-01-01")).toBe("FAMOUS");
    expect(category("2027-02-28")).toBe("FAMOUS");
    expect(category("2027-03-01")).toBe("NONE");
    const full = recognition("b", "QUALITY", "2026-01-01", "2029-01-01");
    expect(category("2028-12-31", [full])).toBe("QUALITY");
    expect(category("2029-01-01", [full])).toBe("NONE");
  });

  it("orders overlapping recognitions by valid_from, then recognized_on, then id", () => {
    const older = recognition("f", "FAMOUS", "2025-01-01", "2028-01-01");
    const newer = recognition("a", "EMERGING", "2026-01-01", "2029-01-01");
    expect(recognitionOn([older, newer], "2026-06-01")?.category).toBe("EMERGING");
    expect(recognitionOn([newer, older], "2026-06-01")?.category).toBe("EMERGING");
    const sameStart = recognition("b", "QUALITY", "2026-01-01", "2029-01-01", null, "2025-11-01");
    expect(recognitionOn([newer, sameStart], "2026-06-01")?.category).toBe("QUALITY");
    const sameAll = recognition("c", "DISTINCTIVE", "2026-01-01", "2029-01-01", null, "2025-11-01");
    expect(recognitionOn([sameAll, sameStart], "2026-06-01")?.category).toBe("DISTINCTIVE");
    expect(recognitionOn([older, newer], "2024-12-31")).toBeUndefined();
  });
});
