import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { householdJson } from "../../src/ingest/household-record.ts";
import { createHouseholdValidator } from "../../src/ingest/household-validator.ts";

const validate = createHouseholdValidator();
const example = readFileSync(
  new URL("./fixtures/example-households.jsonl", import.meta.url),
  "utf8",
)
  .trim()
  .split("\n");

/** The first example household with changes applied (undefined removes a field). */
function variant(change: (record: Record<string, any>) => void): string {
  const record = JSON.parse(example[0] as string);
  change(record);
  return JSON.stringify(record);
}

function errorsOf(line: string) {
  const result = validate(line);
  return result.ok ? [] : result.errors;
}

describe("household record validation", () => {
  it("accepts every example household and returns it in canonical form with defaults", () => {
    for (const line of example) {
      const result = validate(line);
      expect(result.ok, line).toBe(true);
    }
    const result = validate(example[3] as string);
    if (!result.ok) throw new Error("expected valid");
    expect(result.record.abnormalListed).toBe(false);
    expect(result.record.proprietor.groups).toEqual([]);
    expect(result.record.proprietor.dishonestDebtor).toBe(true);
    expect(result.record.yearly).toEqual([]);
    expect(Object.keys(result.record)).toEqual([
      "uscc",
      "name",
      "proprietor",
      "countyCode",
      "industryCode",
      "registeredOn",
      "status",
      "annualReports",
      "abnormalListed",
      "seriousViolationListed",
      "taxAbnormal",
      "seasonal",
      "suspensions",
      "yearly",
      "penalties",
    ]);
  });

  it("names the field and the reason of each schema error, all of them at once", () => {
    const errors = errorsOf(
      variant((r) => {
        r.status = "OPEN";
        r.nickname = "x";
        r.proprietor.idHash = undefined;
        r.yearly[1].taxPaid = "3600";
        r.yearly[0].revenue = -1;
      }),
    );
    expect(errors).toEqual(
      expect.arrayContaining([
        { field: "status", reason: "must be one of ACTIVE, REVOKED, DEREGISTERED, CANCELLED" },
        { field: "nickname", reason: expect.stringMatching(/unknown field/) },
        { field: "proprietor/idHash", reason: "is required" },
        { field: "yearly/1/taxPaid", reason: "must be a number or null" },
        { field: "yearly/0/revenue", reason: "must be >= 0" },
      ]),
    );
    expect(errors).toHaveLength(5);
  });

  it("wants real calendar dates", () => {
    expect(errorsOf(variant((r) => (r.registeredOn = "2025-02-29")))).toEqual([
      { field: "registeredOn", reason: expect.stringMatching(/real calendar date/) },
    ]);
    expect(errorsOf(variant((r) => (r.registeredOn = "2012-02-29")))).toEqual([]);
    expect(errorsOf(variant((r) => (r.registeredOn = "2014-5-20")))).toHaveLength(1);
  });

  it("checks the USCC's check character and that it is an individual business's", () => {
    expect(errorsOf(variant((r) => (r.uscc = "92410103A1JDY3TFAM")))).toEqual([
      { field: "uscc", reason: "check character is M, GB 32100-2015 gives L" },
    ]);
    expect(errorsOf(variant((r) => (r.uscc = "92410103A1JDY3TFAI")))).toEqual([
      { field: "uscc", reason: expect.stringMatching(/18 characters/) },
    ]);
    // A valid enterprise code (91…) is not a household.
    expect(errorsOf(variant((r) => (r.uscc = "91410103A1JDY3TFAP")))).toEqual([
      { field: "uscc", reason: "must start with 92 (an individual business)" },
    ]);
  });

  it("wants a county-level area of Zhengzhou", () => {
    expect(errorsOf(variant((r) => (r.countyCode = "410199")))).toEqual([
      { field: "countyCode", reason: "410199 is not a county-level area of Zhengzhou" },
    ]);
  });

  it("refuses inconsistent suspensions, years and penalties", () => {
    const errors = errorsOf(
      variant((r) => {
        r.suspensions = [
          { from: "2024-03-01", to: "2024-01-31" },
          { from: "2020-01-01", to: "2023-06-01" },
          { from: "2024-06-01" },
          { from: "2024-09-01", to: null },
          { from: "2013-01-01", to: "2013-02-01" },
        ];
        r.yearly.push({ year: 2023, taxPaid: 1 });
        r.yearly.push({ year: 2012 });
        r.annualReports.push(2013);
        r.penalties = [{ decidedOn: "2024-05-01", kind: "FINE", repairedOn: "2024-04-30" }];
      }),
    );
    expect(errors).toEqual(
      expect.arrayContaining([
        { field: "suspensions/0/to", reason: "2024-01-31 is before from (2024-03-01)" },
        { field: "suspensions/1/to", reason: expect.stringMatching(/3 years/) },
        { field: "suspensions/3/to", reason: expect.stringMatching(/second open suspension/) },
        { field: "suspensions/4/from", reason: expect.stringMatching(/before registration/) },
        { field: "yearly/2/year", reason: "2023 is listed twice (also yearly/0)" },
        {
          field: "yearly/3/year",
          reason: expect.stringMatching(/before the year of registration/),
        },
        {
          field: "annualReports/3",
          reason: expect.stringMatching(/before the year of registration/),
        },
        {
          field: "penalties/0/repairedOn",
          reason: "2024-04-30 is before the penalty was decided (2024-05-01)",
        },
      ]),
    );
  });

  it("refuses overlapping suspensions but accepts consecutive ones", () => {
    const overlapping = variant((r) => {
      r.suspensions = [
        { from: "2020-01-01", to: "2020-03-01" },
        { from: "2020-02-01", to: "2020-04-01" },
      ];
    });
    expect(errorsOf(overlapping)).toEqual([
      { field: "suspensions/1", reason: "overlaps suspensions/0" },
    ]);
    const consecutive = variant((r) => {
      r.suspensions = [
        { from: "2020-03-02", to: null },
        { from: "2020-01-01", to: "2020-03-01" },
      ];
    });
    expect(errorsOf(consecutive)).toEqual([]);
  });

  it("says when a line is not JSON or not an object", () => {
    expect(errorsOf('{"uscc": "9241')).toEqual([
      { field: "", reason: expect.stringMatching(/^not valid JSON/) },
    ]);
    expect(errorsOf("[1, 2]")).toEqual([
      { field: "", reason: "must be a JSON object (one household a line)" },
    ]);
  });

  it("gives the same canonical form whatever the order of keys and lists", () => {
    const shuffled = variant((r) => {
      r.yearly.reverse();
      r.annualReports.reverse();
      r.proprietor = { groups: [], name: r.proprietor.name, idHash: r.proprietor.idHash };
    });
    const a = validate(example[0] as string);
    const b = validate(shuffled);
    if (!a.ok || !b.ok) throw new Error("expected valid");
    expect(householdJson(b.record)).toBe(householdJson(a.record));
  });
});

describe("the contract schema", () => {
  it("is the app's copy of the shared contract", () => {
    const own = readFileSync(
      new URL("../../src/ingest/household-record.schema.json", import.meta.url),
      "utf8",
    );
    const candidates = [
      new URL("../../../shared/contracts/household-record.schema.json", import.meta.url),
      new URL("file:///work/shared/contracts/household-record.schema.json"),
    ].filter((url) => existsSync(url));
    for (const shared of candidates) {
      expect(JSON.parse(own), shared.pathname).toEqual(JSON.parse(readFileSync(shared, "utf8")));
    }
  });
});
