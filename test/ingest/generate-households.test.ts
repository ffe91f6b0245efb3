import { describe, expect, it } from "vitest";
import { ZHENGZHOU_AREAS } from "../../src/households/areas.ts";
import { generateHouseholds } from "../../src/ingest/generate-households.ts";
import { householdJson } from "../../src/ingest/household-record.ts";
import { createHouseholdValidator } from "../../src/ingest/household-validator.ts";
import { industryLabel } from "../../src/ingest/industries.ts";

const lines = (count: number, seed: number, asOfYear?: number) =>
  [...generateHouseholds({ count, seed, ...(asOfYear ? { asOfYear } : {}) })].map(householdJson);

describe("generateHouseholds", () => {
  it("is deterministic for a seed, and a smaller count gives a prefix", () => {
    const a = lines(300, 7);
    expect(lines(300, 7)).toEqual(a);
    expect(lines(100, 7)).toEqual(a.slice(0, 100));
    expect(lines(300, 8)).not.toEqual(a);
  });

  it("generates records that pass the import validation, already in canonical form", () => {
    const validate = createHouseholdValidator();
    for (const asOfYear of [2025, 2031]) {
      for (const line of lines(2000, 3, asOfYear)) {
        const result = validate(line);
        expect(result.ok ? [] : result.errors, line).toEqual([]);
        if (result.ok) expect(householdJson(result.record)).toBe(line);
      }
    }
  });

  it("spreads households like Zhengzhou's and includes the unusual ones", () => {
    const records = [...generateHouseholds({ count: 5000, seed: 11 })];
    expect(new Set(records.map((r) => r.uscc)).size).toBe(records.length);
    for (const r of records) {
      expect(r.uscc.slice(0, 8)).toBe(`92${r.countyCode}`);
      expect(r.registeredOn >= "2000-01-01" && r.registeredOn <= "2025-06-30").toBe(true);
      if (r.industryCode) expect(industryLabel(r.industryCode), r.industryCode).not.toBeNull();
    }
    const share = (test: (r: (typeof records)[number]) => boolean) =>
      records.filter(test).length / records.length;
    // Every area appears; 金水区 is the largest.
    const byArea = ZHENGZHOU_AREAS.map((a) => share((r) => r.countyCode === a.code));
    expect(Math.min(...byArea)).toBeGreaterThan(0);
    expect(share((r) => r.countyCode === "410105")).toBe(Math.max(...byArea));
    // Retail leads, then catering and services.
    const f52 = share((r) => r.industryCode?.startsWith("F52") ?? false);
    const h62 = share((r) => r.industryCode?.startsWith("H62") ?? false);
    const o = share((r) => r.industryCode?.startsWith("O") ?? false);
    expect(f52).toBeGreaterThan(h62);
    expect(h62).toBeGreaterThan(0.1);
    expect(o).toBeGreaterThan(0.1);
    // A few percent of the rare cases, none absent and none dominant.
    const rare = {
      abnormal: share((r) => r.abnormalListed),
      penalised: share((r) => r.penalties.length > 0),
      repaired: share((r) => r.penalties.some((p) => p.repairedOn !== null)),
      suspended: share((r) => r.suspensions.length > 0),
      seasonal: share((r) => r.seasonal),
      dishonest: share((r) => r.proprietor.dishonestDebtor),
      relaxed: share((r) => r.proprietor.groups.length > 0),
      closed: share((r) => r.status !== "ACTIVE"),
      noIndustry: share((r) => r.industryCode === undefined),
    };
    for (const [name, value] of Object.entries(rare)) {
      expect(value, name).toBeGreaterThan(0.001);
      expect(value, name).toBeLessThan(0.2);
    }
    // Proprietors with more than one household.
    const perProprietor = new Map<string, number>();
    for (const r of records) {
      perProprietor.set(r.proprietor.idHash, (perProprietor.get(r.proprietor.idHash) ?? 0) + 1);
    }
    expect([...perProprietor.values()].filter((n) => n > 1).length).toBeGreaterThan(20);
    // Revenue is skewed: the mean well above the median, some figures unknown.
    const revenues = records
      .flatMap((r) => r.yearly.map((y) => y.revenue))
      .filter((v): v is number => v !== null)
      .sort((a, b) => a - b);
    const mean = revenues.reduce((s, v) => s + v, 0) / revenues.length;
    expect(mean).toBeGreaterThan(1.3 * (revenues[Math.floor(revenues.length / 2)] as number));
    expect(records.some((r) => r.yearly.some((y) => y.revenue === null))).toBe(true);
  });
});
