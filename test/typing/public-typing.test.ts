import { beforeAll, expect, it } from "vitest";
import type { Principal } from "../../src/auth/principal.ts";
import { importHouseholds } from "../../src/ingest/import-households.ts";
import { runTyping } from "../../src/typing/run-typing.ts";
import { describeEachEngine } from "../support/databases.ts";
import { errorCodes, runGraphQL, testDeps } from "../support/graphql.ts";
import type { HouseholdRecord } from "../support/household-arbitraries.ts";
import { jsonLines, typingUscc } from "./typing-cases.ts";

const NOW = new Date("2026-11-27T08:00:00Z");
const PUBLIC: Principal = { role: "PUBLIC" };

const shop = (n: number, name: string, taxPaid: number | null): HouseholdRecord => ({
  uscc: typingUscc(800 + n, "410105"),
  name,
  proprietor: { idHash: `sha256:public${n}`, name: "王某" },
  countyCode: "410105",
  industryCode: "H6210",
  registeredOn: "2018-04-01",
  status: "ACTIVE",
  annualReports: [2024],
  yearly: [{ year: 2024, taxPaid, insuredEmployees: 2, revenue: 120000 }],
});

const NOODLES = shop(1, "金水区老王烩面馆", 2000);
const NOODLES_2 = shop(2, "金水区老王烩面馆二店", 30000);
const PERCENT = shop(3, "金水区100%鲜果铺", null);

const LOOKUP = `query($uscc: String, $name: String) {
  publicTyping(uscc: $uscc, name: $name) { name uscc countyCode type asOf }
}`;

describeEachEngine("查询公示: public lookup of types and of the standard", (getDb) => {
  const deps = () => testDeps(getDb(), () => NOW);

  beforeAll(async () => {
    await getDb().reset();
    await importHouseholds(getDb().db, jsonLines([NOODLES, NOODLES_2, PERCENT]).trim().split("\n"));
  });

  it("answers by USCC and by name without a token, with the five public fields only", async () => {
    const before = await runGraphQL<any>(deps(), PUBLIC, LOOKUP, { uscc: NOODLES.uscc });
    expect(before.errors).toBeUndefined();
    expect(before.data.publicTyping).toEqual([
      { name: NOODLES.name, uscc: NOODLES.uscc, countyCode: "410105", type: null, asOf: null },
    ]);

    await runTyping(getDb().db, { asOf: "2025-08-01", kind: "YEARLY", actor: "test", now: NOW });
    const byUscc = await runGraphQL<any>(deps(), PUBLIC, LOOKUP, {
      uscc: NOODLES.uscc.toLowerCase(),
    });
    expect(byUscc.data.publicTyping).toEqual([
      {
        name: NOODLES.name,
        uscc: NOODLES.uscc,
        countyCode: "410105",
        type: "GROWTH",
        asOf: "2025-08-01",
      },
    ]);

    const byName = await runGraphQL<any>(deps(), PUBLIC, LOOKUP, { name: "金水区老王烩面馆" });
    expect(byName.data.publicTyping.map((p: any) => [p.name, p.type])).toEqual([
      ["金水区老王烩面馆", "GROWTH"],
      ["金水区老王烩面馆二店", "DEVELOPMENT"],
    ]);
    const part = await runGraphQL<any>(deps(), PUBLIC, LOOKUP, { name: "烩面馆二" });
    expect(part.data.publicTyping.map((p: any) => p.uscc)).toEqual([NOODLES_2.uscc]);
    // A keyword is matched literally: % is not a wildcard.
    const percent = await runGraphQL<any>(deps(), PUBLIC, LOOKUP, { name: "0%鲜" });
    expect(percent.data.publicTyping.map((p: any) => [p.uscc, p.type])).toEqual([
      [PERCENT.uscc, "GROWTH"],
    ]);
    expect(
      (await runGraphQL<any>(deps(), PUBLIC, LOOKUP, { name: "%%" })).data.publicTyping,
    ).toEqual([]);
    const unknown = await runGraphQL<any>(deps(), PUBLIC, LOOKUP, { uscc: "92410105MA00000000" });
    expect(unknown.data.publicTyping).toEqual([]);
  });

  it("refuses a lookup without exactly one well-formed key", async () => {
    for (const vars of [
      {},
      { uscc: NOODLES.uscc, name: "老王" },
      { uscc: "123" },
      { name: "老" },
    ]) {
      expect(
        errorCodes(await runGraphQL(deps(), PUBLIC, LOOKUP, vars)),
        JSON.stringify(vars),
      ).toEqual(["BAD_USER_INPUT"]);
    }
  });

  it("reaches nothing else of the household: every field of PublicTyping is a scalar or an enum", async () => {
    const answer = await runGraphQL<any>(
      deps(),
      PUBLIC,
      `{ __type(name: "PublicTyping") { fields { name args { name } type { kind ofType { kind ofType { kind } } } } } }`,
    );
    const fields = answer.data.__type.fields;
    expect(fields.map((f: any) => f.name).sort()).toEqual([
      "asOf",
      "countyCode",
      "name",
      "type",
      "uscc",
    ]);
    for (const f of fields) {
      const kinds = [f.type.kind, f.type.ofType?.kind, f.type.ofType?.ofType?.kind];
      expect(
        kinds.some((k) => k === "OBJECT" || k === "INTERFACE" || k === "UNION" || k === "LIST"),
      ).toBe(false);
      expect(f.args).toEqual([]);
    }
    // And the household itself stays closed to the public.
    const closed = await runGraphQL(
      deps(),
      PUBLIC,
      `query($u: String!) { household(uscc: $u) { name } }`,
      {
        u: NOODLES.uscc,
      },
    );
    expect(errorCodes(closed)).toEqual(["UNAUTHENTICATED"]);
  });

  it("publishes the standard in readable Chinese to anyone", async () => {
    const answer = await runGraphQL<any>(
      deps(),
      PUBLIC,
      `{ typingStandard { version title source effectiveFrom text textEn
          baseConditions { code label formula }
          types { type label requirement conditions { code label clause formula } }
          otherwiseCode }
        typingStandards { version } }`,
    );
    expect(answer.errors).toBeUndefined();
    const s = answer.data.typingStandard;
    expect(s.version).toBe("2025-1");
    expect(s.text).toContain("一、基础标准（三(一)1 基础标准）");
    expect(s.text).toContain(
      "GROWTH_C_REVENUE　上年度销售额或营业收入在30万元（含）以上、60万元以下",
    );
    expect(s.types.map((t: any) => t.type)).toEqual(["SURVIVAL", "DEVELOPMENT", "GROWTH"]);
    expect(s.types[2].conditions[0]).toEqual({
      code: "GROWTH_A_TAX",
      label: "上年度实际缴纳税款1万元（含）以下",
      clause: "三(一)1 成长型 A",
      formula: "上年度实际缴纳税款 ≤ 1万元",
    });
    expect(s.types[1].requirement).toBe("成立2年（含）以上［注册年限 ≥ 2年］");
    expect(s.otherwiseCode).toBe("INSUFFICIENT_DATA");
    expect(answer.data.typingStandards).toEqual([{ version: "2025-1" }]);
    const missing = await runGraphQL(
      deps(),
      PUBLIC,
      `{ typingStandard(version: "1999") { version } }`,
    );
    expect(errorCodes(missing)).toEqual(["BAD_USER_INPUT"]);
  });
});
