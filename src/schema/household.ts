import { canSeeHousehold } from "../auth/principal.ts";
import type { HouseholdRow } from "../db/types.ts";
import { ForbiddenError } from "../errors.ts";
import { getHousehold, listHouseholds } from "../households/household-queries.ts";
import { requireUscc } from "../ingest/uscc.ts";
import { builder, connectionComplexity } from "./builder.ts";
import { connectionFromRows, decodeCursor, forwardPage } from "./pagination.ts";

export const HouseholdRef = builder.objectRef<HouseholdRow>("Household");

export const HouseholdStatusEnum = builder.enumType("HouseholdStatus", {
  description: "Registration status (登记状态).",
  values: {
    ACTIVE: { description: "存续（在册）" },
    REVOKED: { description: "吊销" },
    DEREGISTERED: { description: "注销" },
    CANCELLED: { description: "撤销" },
  } as const,
});

const ProprietorGroupEnum = builder.enumType("ProprietorGroup", {
  description: "Groups for which category recognition may be relaxed (三(二)1).",
  values: {
    VETERAN: { description: "退役军人" },
    GRADUATE: { description: "高校毕业生" },
    DISABLED: { description: "残疾人" },
    RETURNING_MIGRANT: { description: "返乡创业农民工" },
  } as const,
});

const PenaltyKindEnum = builder.enumType("PenaltyKind", {
  values: [
    "WARNING",
    "FINE",
    "CONFISCATION",
    "LICENCE_ACTION",
    "BUSINESS_RESTRICTION",
    "DETENTION",
  ] as const,
});

const Proprietor = builder
  .objectRef<
    Pick<HouseholdRow, "proprietor_name" | "proprietor_groups" | "proprietor_dishonest_debtor">
  >("Proprietor")
  .implement({
    description: "经营者 (the natural person running the business).",
    fields: (t) => ({
      name: t.string({ nullable: true, resolve: (p) => p.proprietor_name }),
      groups: t.field({
        type: [ProprietorGroupEnum],
        resolve: (p) => p.proprietor_groups as (typeof ProprietorGroupEnum.$inferType)[],
      }),
      dishonestDebtor: t.boolean({
        description: "Listed by a court as 失信被执行人.",
        resolve: (p) => p.proprietor_dishonest_debtor,
      }),
    }),
  });

const YearFigures = builder
  .objectRef<{
    year: number;
    tax_paid: number | null;
    insured_employees: number | null;
    revenue: number | null;
  }>("YearFigures")
  .implement({
    description: "Figures of one calendar year; an absent figure is unknown, not zero.",
    fields: (t) => ({
      year: t.exposeInt("year"),
      taxPaid: t.float({
        nullable: true,
        description: "实际缴纳税款, 元",
        resolve: (y) => y.tax_paid,
      }),
      insuredEmployees: t.int({ nullable: true, resolve: (y) => y.insured_employees }),
      revenue: t.float({
        nullable: true,
        description: "销售额或营业收入, 元",
        resolve: (y) => y.revenue,
      }),
    }),
  });

const Suspension = builder
  .objectRef<{ from_on: string; to_on: string | null }>("Suspension")
  .implement({
    description: "歇业备案 filing.",
    fields: (t) => ({
      from: t.field({ type: "Date", resolve: (s) => s.from_on }),
      to: t.field({ type: "Date", nullable: true, resolve: (s) => s.to_on }),
    }),
  });

const Penalty = builder
  .objectRef<{ decided_on: string; kind: string; repaired_on: string | null }>("Penalty")
  .implement({
    description: "Administrative penalty publicised in the national enterprise credit system.",
    fields: (t) => ({
      decidedOn: t.field({ type: "Date", resolve: (p) => p.decided_on }),
      kind: t.field({
        type: PenaltyKindEnum,
        resolve: (p) => p.kind as typeof PenaltyKindEnum.$inferType,
      }),
      repairedOn: t.field({ type: "Date", nullable: true, resolve: (p) => p.repaired_on }),
    }),
  });

builder.objectType(HouseholdRef, {
  description:
    "个体工商户. Readable by operators of its county (or city-wide) and by the household itself.",
  authScopes: (household, ctx) =>
    canSeeHousehold(ctx.principal, household.uscc, household.county_code),
  fields: (t) => ({
    uscc: t.exposeString("uscc", { description: "统一社会信用代码" }),
    name: t.exposeString("name", { description: "字号名称" }),
    proprietor: t.field({ type: Proprietor, resolve: (h) => h }),
    countyCode: t.exposeString("county_code", { description: "GB/T 2260 county-level area" }),
    industryCode: t.exposeString("industry_code", {
      nullable: true,
      description: "GB/T 4754-2017",
    }),
    registeredOn: t.field({ type: "Date", resolve: (h) => h.registered_on }),
    status: t.field({
      type: HouseholdStatusEnum,
      resolve: (h) => h.status as typeof HouseholdStatusEnum.$inferType,
    }),
    annualReports: t.intList({
      description: "Years whose annual report was filed.",
      resolve: (h) => h.annual_reports,
    }),
    abnormalListed: t.exposeBoolean("abnormal_listed", { description: "经营异常, not restored" }),
    seriousViolationListed: t.exposeBoolean("serious_violation_listed", {
      description: "严重违法失信名单, not repaired",
    }),
    taxAbnormal: t.exposeBoolean("tax_abnormal", { description: "税务非正常户, not lifted" }),
    seasonal: t.exposeBoolean("seasonal", { description: "季节性经营" }),
    yearly: t.field({
      type: [YearFigures],
      resolve: (h, _a, ctx) => ctx.loaders.years.load(h.uscc),
    }),
    suspensions: t.field({
      type: [Suspension],
      resolve: (h, _a, ctx) => ctx.loaders.suspensions.load(h.uscc),
    }),
    penalties: t.field({
      type: [Penalty],
      resolve: (h, _a, ctx) => ctx.loaders.penalties.load(h.uscc),
    }),
    factsChangedAt: t.field({ type: "DateTime", resolve: (h) => h.facts_changed_at }),
  }),
});

const HouseholdFilter = builder.inputType("HouseholdFilter", {
  fields: (t) => ({
    countyCode: t.string({ description: "GB/T 2260 code; a county operator sees only its own." }),
    industryCode: t.string({ description: "GB/T 4754 code or prefix (H, H62, H6210)." }),
    status: t.field({ type: HouseholdStatusEnum }),
  }),
});

builder.queryFields((t) => ({
  household: t.field({
    type: HouseholdRef,
    nullable: true,
    description: "One household by USCC: operators of its county, or the household itself.",
    authScopes: { operator: true, household: true },
    args: { uscc: t.arg.string({ required: true }) },
    resolve: async (_root, { uscc }, ctx) => {
      requireUscc(uscc);
      return (await getHousehold(ctx.db, uscc)) ?? null;
    },
  }),
  households: t.connection({
    type: HouseholdRef,
    description: "Households in USCC order; a county operator sees only its county.",
    authScopes: { operator: true },
    complexity: connectionComplexity,
    args: { filter: t.arg({ type: HouseholdFilter }) },
    resolve: async (_root, args, ctx) => {
      const { first, after } = forwardPage(args);
      const filter = { ...args.filter };
      if (ctx.principal.role === "OPERATOR" && ctx.principal.countyCode !== null) {
        if (filter.countyCode && filter.countyCode !== ctx.principal.countyCode) {
          throw new ForbiddenError(`this operator sees only county ${ctx.principal.countyCode}`);
        }
        filter.countyCode = ctx.principal.countyCode;
      }
      const rows = await listHouseholds(ctx.db, filter, {
        after: decodeCursor(after),
        limit: first + 1,
      });
      return connectionFromRows(rows, first, (h) => h.uscc);
    },
  }),
}));
