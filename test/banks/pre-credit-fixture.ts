import type { Kysely } from "kysely";
import type { Principal } from "../../src/auth/principal.ts";
import type { Database } from "../../src/db/types.ts";
import { insertHouseholds } from "../support/households.ts";

/**
 * A small register for the pre-credit tests, as of 2026-03-10 in China (上年度 = 2025):
 * who is typed what, who earned how much, and who is flagged internally.
 */
export const H = {
  /** 410103, GROWTH, revenue 450 000, 知名 (FAMOUS) since 2026. */
  erqiGrowth: "92410103MA0000001X",
  /** 410103, GROWTH, revenue 200 000. */
  erqiSmall: "92410103MA0000002X",
  /** 410103, DEVELOPMENT, revenue 900 000, on the abnormal list (INTERNAL). */
  erqiFlagged: "92410103MA0000003X",
  /** 410103, GROWTH, revoked registration: never a candidate. */
  erqiRevoked: "92410103MA0000004X",
  /** 410105, DEVELOPMENT, revenue 800 000. */
  jinshuiLarge: "92410105MA0000005X",
  /** 410105, SURVIVAL, no figures for 2025 (unknown). */
  jinshuiNew: "92410105MA0000006X",
} as const;

/** 10:00 on 10 March 2026 in China. */
export const START = new Date("2026-03-10T02:00:00Z");

export const zzBank: Principal = { role: "BANK", tokenId: "tok-zzbank", bankCode: "ZZBANK" };
export const otherBank: Principal = { role: "BANK", tokenId: "tok-other", bankCode: "OTHERBANK" };
export const cityOperator: Principal = { role: "OPERATOR", tokenId: "tok-city", countyCode: null };
export const erqiOperator: Principal = {
  role: "OPERATOR",
  tokenId: "tok-erqi",
  countyCode: "410103",
};
export const jinshuiOperator: Principal = {
  role: "OPERATOR",
  tokenId: "tok-jinshui",
  countyCode: "410105",
};
export const department: Principal = {
  role: "DEPARTMENT",
  tokenId: "tok-dept",
  departmentCode: "SAMR_ZZ",
};
export const anyone: Principal = { role: "PUBLIC" };

export function householdPrincipal(uscc: string): Principal {
  return { role: "HOUSEHOLD", tokenId: `tok-${uscc.slice(-4)}`, uscc };
}

export async function seedRegister(db: Kysely<Database>): Promise<void> {
  await insertHouseholds(db, [
    { uscc: H.erqiGrowth, name: "二七惠民便利店", registered_on: "2018-05-01" },
    { uscc: H.erqiSmall, name: "二七小吃", registered_on: "2021-04-01" },
    {
      uscc: H.erqiFlagged,
      name: "二七百货",
      registered_on: "2012-01-01",
      abnormal_listed: true,
    },
    { uscc: H.erqiRevoked, name: "二七旧店", status: "REVOKED" },
    {
      uscc: H.jinshuiLarge,
      name: "金水鸿运餐馆",
      industry_code: "H6210",
      registered_on: "2014-09-01",
    },
    { uscc: H.jinshuiNew, name: "金水新店", registered_on: "2025-06-01" },
  ]);
  await db
    .insertInto("household_year")
    .values([
      { uscc: H.erqiGrowth, year: 2025, tax_paid: 3000, insured_employees: 3, revenue: 450000 },
      { uscc: H.erqiSmall, year: 2025, tax_paid: 800, insured_employees: 1, revenue: 200000 },
      { uscc: H.erqiFlagged, year: 2025, tax_paid: 20000, insured_employees: 8, revenue: 900000 },
      { uscc: H.erqiRevoked, year: 2025, tax_paid: 0, insured_employees: 1, revenue: 500000 },
      { uscc: H.jinshuiLarge, year: 2025, tax_paid: 15000, insured_employees: 6, revenue: 800000 },
    ])
    .execute();
  const run = await db
    .insertInto("typing_run")
    .values({
      as_of: "2025-08-01",
      standard_version: "test",
      kind: "YEARLY",
      started_at: "2025-08-01T00:00:00Z",
      finished_at: "2025-08-01T01:00:00Z",
      counts: null,
      created_by: "test",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const types: [string, string][] = [
    [H.erqiGrowth, "GROWTH"],
    [H.erqiSmall, "GROWTH"],
    [H.erqiFlagged, "DEVELOPMENT"],
    [H.erqiRevoked, "GROWTH"],
    [H.jinshuiLarge, "DEVELOPMENT"],
    [H.jinshuiNew, "SURVIVAL"],
  ];
  await db
    .insertInto("typing_result")
    .values(types.map(([uscc, type]) => ({ run_id: run.id, uscc, type, codes: [] })))
    .execute();
  // 三(二)2: in force from 1 January after recognition, for 3 years.
  await db
    .insertInto("category_recognition")
    .values([
      // In force: erqiGrowth is 知名 (FAMOUS).
      {
        uscc: H.erqiGrowth,
        category: "FAMOUS",
        recognized_on: "2025-11-20",
        valid_from: "2026-01-01",
        valid_until: "2028-11-20",
      },
      // Expired.
      {
        uscc: H.jinshuiLarge,
        category: "QUALITY",
        recognized_on: "2021-11-20",
        valid_from: "2022-01-01",
        valid_until: "2024-11-20",
      },
      // Not yet in force.
      {
        uscc: H.erqiSmall,
        category: "EMERGING",
        recognized_on: "2026-02-20",
        valid_from: "2027-01-01",
        valid_until: "2029-02-20",
      },
    ])
    .execute();
}
