import type { Kysely } from "kysely";
import type { Database, NewHousehold } from "../../src/db/types.ts";
import { withCheckCharacter } from "../../src/ingest/uscc.ts";
import { createPolicy, publishPolicy } from "../../src/policies/policy-registry.ts";
import type { PolicyVersion } from "../../src/policies/policy-version.ts";
import { insertHouseholds } from "../support/households.ts";

/** A test USCC in county 4101xx: 92 + county + a 10-digit number (18 characters). */
export function usccOf(county: string, n: number): string {
  return withCheckCharacter(`92${county}${String(n).padStart(9, "0")}`);
}

export interface TestHousehold extends Partial<NewHousehold> {
  uscc: string;
  /** The type of the current typing run; absent: not typed. */
  type?: string;
  /** Figures of 2024 (上年度 for an as-of date in 2025); absent: no figures that year. */
  revenue2024?: number | null;
  tax2024?: number | null;
  insured2024?: number | null;
}

export const TYPING_RUN_ID = "00000000-0000-4000-8000-00000000abcd";

/** Households with their 2024 figures and one finished typing run giving their types. */
export async function seedHouseholds(db: Kysely<Database>, rows: TestHousehold[]): Promise<void> {
  await insertHouseholds(
    db,
    rows.map(({ type: _t, revenue2024: _r, tax2024: _x, insured2024: _i, ...h }) => h),
  );
  const years = rows.filter(
    (r) => r.revenue2024 !== undefined || r.tax2024 !== undefined || r.insured2024 !== undefined,
  );
  if (years.length > 0) {
    await db
      .insertInto("household_year")
      .values(
        years.map((r) => ({
          uscc: r.uscc,
          year: 2024,
          revenue: r.revenue2024 ?? null,
          tax_paid: r.tax2024 ?? null,
          insured_employees: r.insured2024 ?? null,
        })),
      )
      .execute();
  }
  const typed = rows.filter((r) => r.type !== undefined);
  const run = await db
    .selectFrom("typing_run")
    .select("id")
    .where("id", "=", TYPING_RUN_ID)
    .executeTakeFirst();
  if (!run) {
    await db
      .insertInto("typing_run")
      .values({
        id: TYPING_RUN_ID,
        as_of: "2025-08-01",
        standard_version: "test",
        started_at: "2025-08-01 00:00:00+08",
        finished_at: "2025-08-01 00:10:00+08",
        counts: null,
        created_by: "test",
      })
      .execute();
  }
  if (typed.length > 0) {
    await db
      .insertInto("typing_result")
      .values(
        typed.map((r) => ({ run_id: TYPING_RUN_ID, uscc: r.uscc, type: r.type ?? "", codes: [] })),
      )
      .execute();
  }
}

export const LEGAL_BASIS = { document: "郑市监〔2025〕6号", clause: "三(一)3 帮扶措施" };

export interface PolicyInput {
  code: string;
  department?: string;
  mode?: "AUTO" | "APPLY";
  rule: unknown;
  amount?: unknown;
  grantPeriod?: string;
  effectiveFrom?: string;
  effectiveUntil?: string | null;
  examples: unknown[];
  title?: string;
  howToApply?: string | null;
}

/** Creates and publishes a policy through the registry, as a department would. */
export async function publishTestPolicy(
  db: Kysely<Database>,
  input: PolicyInput,
): Promise<PolicyVersion> {
  const department = input.department ?? "SAMR_ZZ";
  const editor = { departmentCode: department, actor: `DEPARTMENT:${department}:test` };
  const mode = input.mode ?? "AUTO";
  await createPolicy(db, editor, input.code, {
    title: input.title ?? `测试政策 ${input.code}`,
    kind: "SUBSIDY",
    mode,
    howToApply: input.howToApply ?? (mode === "APPLY" ? "向所在地市场监管部门申请。" : null),
    rule: input.rule,
    benefit: "测试补贴",
    amount: input.amount ?? null,
    legalBasis: LEGAL_BASIS,
    effectiveFrom: input.effectiveFrom ?? "2025-01-01",
    effectiveUntil: input.effectiveUntil ?? null,
    grantPeriod: input.grantPeriod ?? "CALENDAR_YEAR",
    examples: input.examples,
    notes: null,
  });
  return publishPolicy(db, editor, input.code);
}

/** 三(一)1 成长型 C: a growth household with 上年度营业收入 of at least 30万元. */
export const GROWTH_REVENUE_RULE = {
  and: [{ "==": [{ var: "type" }, "GROWTH"] }, { ">=": [{ var: "revenueLastYear" }, 300000] }],
};

export const GROWTH_REVENUE_EXAMPLES = [
  {
    name: "成长型，营收45万",
    facts: { type: "GROWTH", revenueLastYear: 450000 },
    expected: "ELIGIBLE",
  },
  {
    name: "生存型",
    facts: { type: "SURVIVAL", revenueLastYear: 450000 },
    expected: "INELIGIBLE",
  },
];
