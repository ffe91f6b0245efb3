import { createContextCache } from "@pothos/core";
import DataLoader from "dataloader";
import { canSeeHousehold, type Principal } from "../auth/principal.ts";
import { operatorCovers, requireId } from "../categories/category-access.ts";
import {
  type ApprovalResult,
  applicationsOfHouseholds,
  applyForCategory,
  approveCategoryApplication,
  type CategoryApplicationRow,
  type CategoryVisitRow,
  type EntryResult,
  getCategoryApplication,
  listCategoryApplications,
  recommendForCategory,
  recordCategoryVisit,
  rejectCategoryApplication,
  respondToCategoryRecommendation,
  visitsOfApplications,
  withdrawCategoryApplication,
} from "../categories/category-applications.ts";
import {
  type CategoryAuditRow,
  type CategoryEntity,
  categoryHistory,
} from "../categories/category-audit.ts";
import {
  CATEGORY_CONDITIONS,
  CATEGORY_KINDS,
  CATEGORY_LABELS,
  type CategoryConditionInfo,
  conditionInfo,
  EXTENSION_CONDITION_LABELS,
} from "../categories/category-conditions.ts";
import { type CategoryRefusal, REFUSAL_CODES } from "../categories/category-eligibility.ts";
import {
  type CityQuota,
  type CountyQuota,
  cityQuota,
  countyQuota,
  type QuotaCounts,
  setCategoryQuotaShare,
} from "../categories/category-quota.ts";
import {
  type CategoryExtensionRow,
  cancelCategoryRecognition,
  extendCategoryRecognition,
  extensionsOfRecognitions,
  getCategoryRecognition,
  listCategoryUpkeep,
  listPublicRecognitions,
  type PublicRecognition,
  type RecognitionWithHousehold,
  recognitionsOfApplications,
  recognitionsOfHouseholds,
  revokeCategoryRecognition,
  type UpkeepItem,
} from "../categories/category-recognitions.ts";
import {
  type CategoryReportRow,
  reportsOfRecognitions,
  reviewCategoryReport,
  submitCategoryReport,
} from "../categories/category-reports.ts";
import {
  type CategorySpotCheckItemRow,
  type CategorySpotCheckRow,
  drawCategorySpotCheck,
  getSpotCheck,
  recordSpotCheckResult,
  spotCheckItems,
} from "../categories/category-spot-check.ts";
import { CANCEL_GROUND_LABELS, CANCEL_GROUNDS } from "../categories/category-upkeep.ts";
import { recognitionStands } from "../categories/category-validity.ts";
import { BadInputError, ForbiddenError } from "../errors.ts";
import { areaByCode, requireCountyCode, ZHENGZHOU_AREAS } from "../households/areas.ts";
import { rowsByKey } from "../loaders/rows-by-key.ts";
import { recognitionOn } from "../matching/household-facts.ts";
import { builder } from "./builder.ts";
import { type Context, todayOf } from "./context.ts";
import { HouseholdRef } from "./household.ts";
import { connectionFromRows, decodeCursor, forwardPage } from "./pagination.ts";

// 三(二) 个体工商户分类培育 (名特优新): entry by application or recommendation with consent, review
// within the county's quota, validity, upkeep, revocation, the province's spot check and the
// public notice. Thin over src/categories; every rule lives there.

/** Per-request loaders: one query per table for every household or application on a page. */
const loadersOf = createContextCache((ctx: Context) => ({
  recognitions: new DataLoader<string, RecognitionWithHousehold[]>(async (usccs) =>
    rowsByKey(usccs, await recognitionsOfHouseholds(ctx.db, usccs), (r) => r.uscc),
  ),
  applications: new DataLoader<string, CategoryApplicationRow[]>(async (usccs) =>
    rowsByKey(usccs, await applicationsOfHouseholds(ctx.db, usccs), (a) => a.uscc),
  ),
  visits: new DataLoader<string, CategoryVisitRow[]>(async (ids) =>
    rowsByKey(ids, await visitsOfApplications(ctx.db, ids), (v) => v.application_id),
  ),
  recognitionOfApplication: new DataLoader<string, RecognitionWithHousehold | null>(async (ids) => {
    const rows = await recognitionsOfApplications(ctx.db, ids);
    return ids.map((id) => rows.find((r) => r.application_id === id) ?? null);
  }),
  reports: new DataLoader<string, CategoryReportRow[]>(async (ids) =>
    rowsByKey(ids, await reportsOfRecognitions(ctx.db, ids), (r) => r.recognition_id),
  ),
  extensions: new DataLoader<string, CategoryExtensionRow[]>(async (ids) =>
    rowsByKey(ids, await extensionsOfRecognitions(ctx.db, ids), (e) => e.recognition_id),
  ),
}));

// ── Enums ────────────────────────────────────────────────────────────────────
export const CategoryEnum = builder.enumType("Category", {
  description: "名特优新 category (三(二)).",
  values: Object.fromEntries(
    CATEGORY_KINDS.map((c) => [c, { description: CATEGORY_LABELS[c] }]),
  ) as Record<(typeof CATEGORY_KINDS)[number], { description: string }>,
});

const CategoryConditionEnum = builder.enumType("CategoryCondition", {
  description:
    "The seed's reference conditions (主要参考条件) of each category: `<CATEGORY>_<n>` is the n-th (一是 = 1).",
  values: Object.fromEntries(
    CATEGORY_CONDITIONS.map((c) => [c.code, { description: c.label }]),
  ) as Record<string, { description: string }>,
});

const SourceEnum = builder.enumType("CategoryApplicationSource", {
  values: {
    SELF: { description: "自主申报 (the household applied)" },
    DEPARTMENT: {
      description: "部门推荐 (a department recommended it, with the proprietor's consent)",
    },
  } as const,
});

const StateEnum = builder.enumType("CategoryApplicationState", {
  values: {
    AWAITING_CONSENT: {
      description: "Recommended; waits for the proprietor's consent (经营者本人同意).",
    },
    SUBMITTED: { description: "In review by the county (走访核实, then approval or rejection)." },
    APPROVED: { description: "Recognised (认定)." },
    REJECTED: { description: "Not recognised; see decisionReason." },
    DECLINED: { description: "The proprietor did not consent to the recommendation." },
    WITHDRAWN: { description: "Withdrawn by the household or the recommending department." },
  } as const,
});

const RefusalCodeEnum = builder.enumType("CategoryRefusalCode", {
  description: "Why an entry or an approval was refused; each comes with a Chinese reason.",
  values: REFUSAL_CODES,
});

const EndReasonEnum = builder.enumType("CategoryEndReason", {
  values: {
    CANCELLED: { description: "取消认定: no longer meets the standard (三(二)2)." },
    REVOKED: {
      description: "撤销认定: obtained by fraud; no new application for 5 years (三(二)2).",
    },
  } as const,
});

const CancelGroundEnum = builder.enumType("CategoryCancelGround", {
  values: Object.fromEntries(
    CANCEL_GROUNDS.map((g) => [g, { description: CANCEL_GROUND_LABELS[g] }]),
  ) as Record<(typeof CANCEL_GROUNDS)[number], { description: string }>,
});

const ExtensionConditionEnum = builder.enumType("CategoryExtensionCondition", {
  description: "三(二)2 有效期和评估确认: the conditions for extending validity by 3 years.",
  values: {
    A: { description: EXTENSION_CONDITION_LABELS.A },
    B: { description: EXTENSION_CONDITION_LABELS.B },
    C: { description: EXTENSION_CONDITION_LABELS.C },
    D: { description: EXTENSION_CONDITION_LABELS.D },
  } as const,
});

const ReportKindEnum = builder.enumType("CategoryReportKind", {
  values: {
    ANNUAL: { description: "年度信息报告, due by 31 July of each year of validity." },
    PROPRIETOR_CHANGE: { description: "变更经营者后的报告." },
  } as const,
});

type CategoryValue = typeof CategoryEnum.$inferType;
const asCategory = (value: string) => value as CategoryValue;

// ── Object types ─────────────────────────────────────────────────────────────
const ConditionRef = builder.objectRef<CategoryConditionInfo>("CategoryConditionInfo").implement({
  description: "One of the seed's reference conditions, with its Chinese label.",
  fields: (t) => ({
    code: t.field({ type: CategoryConditionEnum, resolve: (c) => c.code }),
    category: t.field({ type: CategoryEnum, resolve: (c) => c.category }),
    number: t.exposeInt("number", { description: "The seed's ordinal (一是 = 1)." }),
    label: t.exposeString("label"),
  }),
});

const RefusalRef = builder.objectRef<CategoryRefusal>("CategoryRefusal").implement({
  description: "One reason an entry or approval was refused.",
  fields: (t) => ({
    code: t.field({ type: RefusalCodeEnum, resolve: (r) => r.code }),
    reason: t.exposeString("reason", {
      description: "In Chinese, naming the record, dates and clause.",
    }),
    details: t.field({ type: "JSON", nullable: true, resolve: (r) => r.details }),
  }),
});

const AuditEntryRef = builder.objectRef<CategoryAuditRow>("CategoryAuditEntry").implement({
  description: "One change of state: who, when, from what to what, and why.",
  fields: (t) => ({
    at: t.field({ type: "DateTime", resolve: (e) => e.at }),
    actor: t.exposeString("actor"),
    action: t.exposeString("action"),
    before: t.field({ type: "JSON", nullable: true, resolve: (e) => e.before }),
    after: t.field({ type: "JSON", nullable: true, resolve: (e) => e.after }),
    reason: t.exposeString("reason", { nullable: true }),
  }),
});

function historyOf(ctx: Context, entity: CategoryEntity, id: string) {
  return categoryHistory(ctx.db, entity, id);
}

/** The schema's types, for field helpers shared by object types. */
type SchemaTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** The fields a county's quota and the city's cap share; `of` names whose they are. */
function quotaCountFields<Q extends QuotaCounts>(
  t: PothosSchemaTypes.ObjectFieldBuilder<SchemaTypes, Q>,
  of: { households: string; recognitions: string },
) {
  return {
    yearlyRunId: t.id({ nullable: true, resolve: (q) => q.yearlyRun?.id ?? null }),
    yearlyRunAsOf: t.field({
      type: "Date",
      nullable: true,
      resolve: (q) => q.yearlyRun?.asOf ?? null,
    }),
    base: t.int({
      description: `成长型 + 发展型 households of ${of.households} in that run.`,
      resolve: (q) => q.base,
    }),
    limit: t.int({ resolve: (q) => q.limit }),
    used: t.int({
      description: `Recognitions of ${of.recognitions} standing today and still valid next 1 January.`,
      resolve: (q) => q.used,
    }),
    left: t.int({ resolve: (q) => q.left }),
  };
}

const QuotaRef = builder.objectRef<CountyQuota>("CategoryQuota").implement({
  description:
    "三(二)1 数量比例: the county's quota — 5% (or the share the city set) of its 成长型 plus 发展型 households in the latest yearly typing run, rounded down — and how much of it recognitions standing now use.",
  fields: (t) => {
    // The run and base first, the counts last, with the county's share between (the order the
    // schema lists them in).
    const { limit, used, left, ...run } = quotaCountFields(t, {
      households: "the county",
      recognitions: "the county",
    });
    return {
      countyCode: t.exposeString("countyCode"),
      countyName: t.string({
        nullable: true,
        resolve: (q) => areaByCode(q.countyCode)?.name ?? null,
      }),
      ...run,
      sharePercent: t.float({ resolve: (q) => q.shareBasisPoints / 100 }),
      shareSetByCity: t.exposeBoolean("shareSetByCity"),
      limit,
      used,
      left,
    };
  },
});

const CityQuotaRef = builder.objectRef<CityQuota>("CategoryCityQuota").implement({
  description:
    "三(二)1 数量应当控制在“成长型”和“发展型”个体工商户总数的5%以内: the city-wide cap — 5% of the city's 成长型 plus 发展型 households in the latest yearly typing run, rounded down — which approvals keep to whatever shares the counties were given.",
  fields: (t) => quotaCountFields(t, { households: "the city", recognitions: "every county" }),
});

const VisitRef = builder.objectRef<CategoryVisitRow>("CategoryVisit").implement({
  description: "走访核实: what the county's visit found.",
  fields: (t) => ({
    visitedOn: t.field({ type: "Date", resolve: (v) => v.visited_on }),
    confirmed: t.exposeBoolean("confirmed"),
    findings: t.exposeString("findings"),
    recordedAt: t.field({ type: "DateTime", resolve: (v) => v.recorded_at }),
    recordedBy: t.exposeString("recorded_by"),
  }),
});

const ReportRef = builder.objectRef<CategoryReportRow>("CategoryReport").implement({
  description: "信息报告 on a recognition.",
  fields: (t) => ({
    id: t.exposeID("id"),
    recognitionId: t.exposeID("recognition_id"),
    kind: t.field({
      type: ReportKindEnum,
      resolve: (r) => r.kind as "ANNUAL" | "PROPRIETOR_CHANGE",
    }),
    year: t.exposeInt("year"),
    content: t.exposeString("content"),
    submittedOn: t.field({ type: "Date", resolve: (r) => r.submitted_on }),
    confirmed: t.exposeBoolean("confirmed", {
      nullable: true,
      description: "null until an operator reviews it.",
    }),
    reviewNote: t.exposeString("review_note", { nullable: true }),
    reviewedAt: t.field({ type: "DateTime", nullable: true, resolve: (r) => r.reviewed_at }),
    history: t.field({
      type: [AuditEntryRef],
      resolve: (x, _a, ctx) => historyOf(ctx, "category_report", x.id),
    }),
  }),
});

const ExtensionRef = builder.objectRef<CategoryExtensionRow>("CategoryExtension").implement({
  description: "有效期延长3年.",
  fields: (t) => ({
    condition: t.field({
      type: ExtensionConditionEnum,
      resolve: (e) => e.condition as "A" | "B" | "C" | "D",
    }),
    evidence: t.exposeString("evidence"),
    previousValidUntil: t.field({ type: "Date", resolve: (e) => e.previous_valid_until }),
    validUntil: t.field({ type: "Date", resolve: (e) => e.valid_until }),
    extendedOn: t.field({ type: "Date", resolve: (e) => e.extended_on }),
    extendedBy: t.exposeString("extended_by"),
  }),
});

function canSeeRecognition(principal: Principal, r: { uscc: string; county_code: string }) {
  return canSeeHousehold(principal, r.uscc, r.county_code);
}

const RecognitionRef = builder.objectRef<RecognitionWithHousehold>("CategoryRecognition");
RecognitionRef.implement({
  description:
    "认定: in force (it counts as the fact `category`) from validFrom — 1 January after recognition — until validUntil (exclusive), unless it ended earlier (endedOn). Readable by operators of its county and by the household.",
  authScopes: (r, ctx) => canSeeRecognition(ctx.principal, r),
  fields: (t) => ({
    id: t.exposeID("id"),
    uscc: t.exposeString("uscc"),
    householdName: t.exposeString("household_name"),
    countyCode: t.exposeString("county_code"),
    category: t.field({ type: CategoryEnum, resolve: (r) => asCategory(r.category) }),
    source: t.field({
      type: SourceEnum,
      nullable: true,
      resolve: (r) => r.source as "SELF" | "DEPARTMENT" | null,
    }),
    applicationId: t.exposeID("application_id", { nullable: true }),
    recognizedOn: t.field({ type: "Date", resolve: (r) => r.recognized_on }),
    validFrom: t.field({ type: "Date", resolve: (r) => r.valid_from }),
    validUntil: t.field({ type: "Date", description: "Exclusive.", resolve: (r) => r.valid_until }),
    typeAtRecognition: t.exposeString("type_at_recognition", { nullable: true }),
    endedOn: t.field({ type: "Date", nullable: true, resolve: (r) => r.ended_on }),
    endReason: t.field({
      type: EndReasonEnum,
      nullable: true,
      resolve: (r) => r.end_reason as "CANCELLED" | "REVOKED" | null,
    }),
    endGround: t.field({
      type: CancelGroundEnum,
      nullable: true,
      resolve: (r) => r.end_ground as (typeof CANCEL_GROUNDS)[number] | null,
    }),
    endNote: t.exposeString("end_note", { nullable: true }),
    revokedOn: t.field({ type: "Date", nullable: true, resolve: (r) => r.revoked_on }),
    inForce: t.boolean({
      description: "Whether it gives its category on asOf (default today).",
      args: { asOf: t.arg({ type: "Date" }) },
      resolve: (r, args, ctx) => recognitionOn([r], args.asOf ?? todayOf(ctx)) !== undefined,
    }),
    standing: t.boolean({
      description:
        "Made, not expired and not ended on asOf (default today); may not be in force yet.",
      args: { asOf: t.arg({ type: "Date" }) },
      resolve: (r, args, ctx) => recognitionStands(r, args.asOf ?? todayOf(ctx)),
    }),
    reports: t.field({
      type: [ReportRef],
      resolve: (r, _a, ctx) => loadersOf(ctx).reports.load(r.id),
    }),
    extensions: t.field({
      type: [ExtensionRef],
      resolve: (r, _a, ctx) => loadersOf(ctx).extensions.load(r.id),
    }),
    history: t.field({
      type: [AuditEntryRef],
      resolve: (x, _a, ctx) => historyOf(ctx, "category_recognition", x.id),
    }),
  }),
});

function canSeeApplication(principal: Principal, a: CategoryApplicationRow): boolean {
  switch (principal.role) {
    case "OPERATOR":
      return operatorCovers(principal, a.county_code);
    case "HOUSEHOLD":
      return principal.uscc === a.uscc;
    case "DEPARTMENT":
      return a.source === "DEPARTMENT" && a.recommended_by === principal.departmentCode;
    default:
      return false;
  }
}

const ApplicationRef = builder.objectRef<CategoryApplicationRow>("CategoryApplication");
ApplicationRef.implement({
  description:
    "A 名特优新 application (自主申报) or recommendation (部门推荐). Readable by operators of the household's county, by the household, and by the department that recommended it.",
  authScopes: (a, ctx) => canSeeApplication(ctx.principal, a),
  fields: (t) => ({
    id: t.exposeID("id"),
    uscc: t.exposeString("uscc"),
    countyCode: t.exposeString("county_code"),
    category: t.field({ type: CategoryEnum, resolve: (a) => asCategory(a.category) }),
    conditions: t.field({
      type: [ConditionRef],
      resolve: (a) => a.conditions.flatMap((c) => conditionInfo(c) ?? []),
    }),
    evidence: t.exposeString("evidence"),
    source: t.field({ type: SourceEnum, resolve: (a) => a.source as "SELF" | "DEPARTMENT" }),
    recommendedBy: t.exposeString("recommended_by", {
      nullable: true,
      description: "The recommending department's code.",
    }),
    state: t.field({ type: StateEnum, resolve: (a) => a.state as typeof StateEnum.$inferType }),
    enteredOn: t.field({
      type: "Date",
      description: "申报或推荐之日: the eligibility windows are measured from it.",
      resolve: (a) => a.entered_on,
    }),
    createdAt: t.field({ type: "DateTime", resolve: (a) => a.created_at }),
    consentedAt: t.field({ type: "DateTime", nullable: true, resolve: (a) => a.consented_at }),
    decidedAt: t.field({ type: "DateTime", nullable: true, resolve: (a) => a.decided_at }),
    decisionReason: t.exposeString("decision_reason", { nullable: true }),
    visits: t.field({
      type: [VisitRef],
      resolve: (a, _args, ctx) => loadersOf(ctx).visits.load(a.id),
    }),
    recognition: t.field({
      type: RecognitionRef,
      nullable: true,
      resolve: (a, _args, ctx) => loadersOf(ctx).recognitionOfApplication.load(a.id),
    }),
    history: t.field({
      type: [AuditEntryRef],
      resolve: (x, _a, ctx) => historyOf(ctx, "category_application", x.id),
    }),
  }),
});

interface Payload {
  application: CategoryApplicationRow | null;
  recognition: RecognitionWithHousehold | null;
  refusals: CategoryRefusal[];
  quota: CountyQuota | null;
}

const PayloadRef = builder.objectRef<Payload>("CategoryApplicationPayload").implement({
  description:
    "The outcome of an entry or an approval. Refused: `refusals` says why (and for an approval the application is unchanged). Accepted: `refusals` is empty.",
  fields: (t) => ({
    application: t.field({ type: ApplicationRef, nullable: true, resolve: (p) => p.application }),
    recognition: t.field({ type: RecognitionRef, nullable: true, resolve: (p) => p.recognition }),
    refusals: t.field({ type: [RefusalRef], resolve: (p) => p.refusals }),
    quota: t.field({
      type: QuotaRef,
      nullable: true,
      description: "For an approval: the county's quota after it (or as it stood when refused).",
      resolve: (p) => p.quota,
    }),
  }),
});

const entryPayload = (r: EntryResult): Payload => ({
  application: r.application,
  recognition: null,
  refusals: r.refusals,
  quota: null,
});

async function approvalPayload(ctx: Context, r: ApprovalResult): Promise<Payload> {
  const recognition = r.recognition
    ? ((await getCategoryRecognition(ctx.db, r.recognition.id)) ?? null)
    : null;
  return { application: r.application, recognition, refusals: r.refusals, quota: r.quota };
}

const UpkeepItemRef = builder.objectRef<UpkeepItem>("CategoryUpkeepItem").implement({
  description:
    "A recognition that needs an operator: grounds to cancel it (取消认定), or in its last year (评估, possible extension).",
  fields: (t) => ({
    recognition: t.field({ type: RecognitionRef, resolve: (i) => i.recognition }),
    grounds: t.field({ type: [CancelGroundEnum], resolve: (i) => i.status.grounds }),
    missingReportYears: t.intList({
      description: "Years of validity whose report was due by 31 July and is missing.",
      resolve: (i) => i.status.missingReportYears,
    }),
    inLastYear: t.boolean({ resolve: (i) => i.status.inLastYear }),
  }),
});

const SpotCheckItemRef = builder
  .objectRef<CategorySpotCheckItemRow>("CategorySpotCheckItem")
  .implement({
    fields: (t) => ({
      rank: t.exposeInt("rank"),
      recognitionId: t.exposeID("recognition_id"),
      uscc: t.exposeString("uscc"),
      countyCode: t.exposeString("county_code"),
      confirmed: t.exposeBoolean("confirmed", {
        nullable: true,
        description: "The field verification's result; null until recorded.",
      }),
      note: t.exposeString("note", { nullable: true }),
      verifiedOn: t.field({ type: "Date", nullable: true, resolve: (i) => i.verified_on }),
    }),
  });

const SpotCheckRef = builder.objectRef<CategorySpotCheckRow>("CategorySpotCheck").implement({
  description:
    "三(二)2 按照3%的比例进行抽查: the year's sample of recognitions, drawn from the recorded seed (SHA-256 of seed, USCC and recognition id, lowest first; 3% rounded up).",
  fields: (t) => ({
    id: t.exposeID("id"),
    year: t.exposeInt("year"),
    seed: t.exposeString("seed"),
    population: t.exposeInt("population", { description: "Recognitions made in the year." }),
    sampleSize: t.exposeInt("sample_size"),
    drawnAt: t.field({ type: "DateTime", resolve: (s) => s.drawn_at }),
    drawnBy: t.exposeString("drawn_by"),
    items: t.field({
      type: [SpotCheckItemRef],
      description: "A county operator sees its county's items only.",
      resolve: (s, _a, ctx) =>
        spotCheckItems(
          ctx.db,
          s.id,
          ctx.principal.role === "OPERATOR" ? ctx.principal.countyCode : null,
        ),
    }),
    history: t.field({
      type: [AuditEntryRef],
      resolve: (x, _a, ctx) => historyOf(ctx, "category_spot_check", x.id),
    }),
  }),
});

const PublicRecognitionRef = builder
  .objectRef<PublicRecognition>("PublicCategoryRecognition")
  .implement({
    description: "公示: a recognition in force, as anyone may see it.",
    fields: (t) => ({
      name: t.exposeString("name"),
      uscc: t.exposeString("uscc"),
      countyCode: t.exposeString("county_code"),
      countyName: t.string({
        nullable: true,
        resolve: (r) => areaByCode(r.county_code)?.name ?? null,
      }),
      category: t.field({ type: CategoryEnum, resolve: (r) => asCategory(r.category) }),
      validFrom: t.field({ type: "Date", resolve: (r) => r.valid_from }),
      validUntil: t.field({
        type: "Date",
        description: "Exclusive.",
        resolve: (r) => r.valid_until,
      }),
    }),
  });

// ── On Household ─────────────────────────────────────────────────────────────
builder.objectFields(HouseholdRef, (t) => ({
  category: t.field({
    type: CategoryEnum,
    nullable: true,
    description:
      "The 名特优新 category in force on asOf (default today), as the fact `category` reads it; null: none.",
    args: { asOf: t.arg({ type: "Date" }) },
    resolve: async (h, args, ctx) => {
      const recognitions = await loadersOf(ctx).recognitions.load(h.uscc);
      const r = recognitionOn(recognitions, args.asOf ?? todayOf(ctx));
      return r ? asCategory(r.category) : null;
    },
  }),
  categoryRecognitions: t.field({
    type: [RecognitionRef],
    description: "Every 名特优新 recognition of the household, latest first.",
    resolve: (h, _a, ctx) => loadersOf(ctx).recognitions.load(h.uscc),
  }),
  categoryApplications: t.field({
    type: [ApplicationRef],
    description: "Its applications and recommendations, newest first.",
    resolve: (h, _a, ctx) => loadersOf(ctx).applications.load(h.uscc),
  }),
}));

// ── Inputs ───────────────────────────────────────────────────────────────────
const ApplyInput = builder.inputType("ApplyForCategoryInput", {
  fields: (t) => ({
    category: t.field({ type: CategoryEnum, required: true }),
    conditions: t.field({
      type: [CategoryConditionEnum],
      required: true,
      description: "The category's reference conditions the household meets (at least one).",
    }),
    evidence: t.string({ required: true, description: "The evidence, as text." }),
  }),
});

const RecommendInput = builder.inputType("RecommendForCategoryInput", {
  fields: (t) => ({
    uscc: t.string({ required: true }),
    category: t.field({ type: CategoryEnum, required: true }),
    conditions: t.field({ type: [CategoryConditionEnum], required: true }),
    evidence: t.string({ required: true }),
  }),
});

const ApplicationFilterInput = builder.inputType("CategoryApplicationFilter", {
  fields: (t) => ({
    countyCode: t.string(),
    state: t.field({ type: StateEnum }),
    category: t.field({ type: CategoryEnum }),
    source: t.field({ type: SourceEnum }),
  }),
});

/** The county an operator's listing covers: its own, or the one a city-wide operator names. */
function operatorCounty(
  principal: Principal,
  countyCode: string | null | undefined,
): string | null {
  if (principal.role !== "OPERATOR") throw new ForbiddenError("only operators may do this");
  if (principal.countyCode !== null) {
    if (countyCode && countyCode !== principal.countyCode) {
      throw new ForbiddenError(`this operator sees only county ${principal.countyCode}`);
    }
    return principal.countyCode;
  }
  if (countyCode) requireCountyCode(countyCode);
  return countyCode ?? null;
}

function applicationCursor(a: CategoryApplicationRow): string {
  const at = a.created_at instanceof Date ? a.created_at : new Date(a.created_at);
  return `${at.toISOString()}|${a.id}`;
}

function parseApplicationCursor(after: string | undefined) {
  const key = decodeCursor(after);
  if (key === undefined) return undefined;
  const [createdAt, id] = key.split("|");
  if (!createdAt || !id || Number.isNaN(new Date(createdAt).getTime())) {
    throw new BadInputError("malformed cursor", "after");
  }
  return { createdAt, id };
}

// ── Queries ──────────────────────────────────────────────────────────────────
builder.queryFields((t) => ({
  categoryConditions: t.field({
    type: [ConditionRef],
    description: "The seed's reference conditions, of one category or all.",
    authScopes: { public: true },
    args: { category: t.arg({ type: CategoryEnum }) },
    resolve: (_root, args) =>
      CATEGORY_CONDITIONS.filter((c) => !args.category || c.category === args.category),
  }),
  categoryApplication: t.field({
    type: ApplicationRef,
    nullable: true,
    description:
      "One application: operators of its county, the household, the recommending department.",
    authScopes: { operator: true, household: true, department: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) =>
      (await getCategoryApplication(ctx.db, String(args.id))) ?? null,
  }),
  categoryApplications: t.connection({
    type: ApplicationRef,
    description:
      "Applications in the order they were entered (the review queue). Operators: their county (a city-wide operator any); departments: their own recommendations.",
    authScopes: { operator: true, department: true },
    args: { filter: t.arg({ type: ApplicationFilterInput }) },
    resolve: async (_root, args, ctx) => {
      const { first, after } = forwardPage(args);
      const filter = { ...args.filter };
      const principal = ctx.principal;
      const scoped =
        principal.role === "DEPARTMENT"
          ? { ...filter, recommendedBy: principal.departmentCode, source: "DEPARTMENT" }
          : { ...filter, countyCode: operatorCounty(principal, filter.countyCode) };
      const rows = await listCategoryApplications(ctx.db, scoped, {
        after: parseApplicationCursor(after),
        limit: first + 1,
      });
      return connectionFromRows(rows, first, applicationCursor);
    },
  }),
  categoryRecognition: t.field({
    type: RecognitionRef,
    nullable: true,
    authScopes: { operator: true, household: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) =>
      (await getCategoryRecognition(ctx.db, String(args.id))) ?? null,
  }),
  categoryQuota: t.field({
    type: QuotaRef,
    description:
      "A county's quota today: limit, used and left. A county operator's own county by default.",
    authScopes: { operator: true },
    args: { countyCode: t.arg.string() },
    resolve: async (_root, args, ctx) => {
      const county = operatorCounty(ctx.principal, args.countyCode);
      if (!county)
        throw new BadInputError("countyCode is required for a city-wide operator", "countyCode");
      return countyQuota(ctx.db, county, todayOf(ctx));
    },
  }),
  categoryCityQuota: t.field({
    type: CityQuotaRef,
    description:
      "The city-wide cap today (三(二)1 5%以内): approvals in any county are refused once it is used up.",
    authScopes: { operator: true },
    resolve: (_root, _args, ctx) => cityQuota(ctx.db, todayOf(ctx)),
  }),
  categoryQuotas: t.field({
    type: [QuotaRef],
    description: "Every county's quota today (a county operator: its own).",
    authScopes: { operator: true },
    resolve: async (_root, _args, ctx) => {
      const county = operatorCounty(ctx.principal, null);
      const codes = county ? [county] : ZHENGZHOU_AREAS.map((a) => a.code);
      const date = todayOf(ctx);
      const quotas: CountyQuota[] = [];
      for (const code of codes) quotas.push(await countyQuota(ctx.db, code, date));
      return quotas;
    },
  }),
  categoryUpkeep: t.connection({
    type: UpkeepItemRef,
    description:
      "Recognitions standing today that need an operator: a ground to cancel (CategoryCancelGround: a missing annual report (due 31 July), no longer 在册, a type now 不符合分型条件, an unrepaired fine in the last 2 years, a dishonest-debtor proprietor, a report or spot check not confirmed) — or in their last year. In USCC order.",
    authScopes: { operator: true },
    args: { countyCode: t.arg.string() },
    resolve: async (_root, args, ctx) => {
      const { first, after } = forwardPage(args);
      const items = await listCategoryUpkeep(
        ctx.db,
        { countyCode: operatorCounty(ctx.principal, args.countyCode) },
        todayOf(ctx),
        { after: decodeCursor(after), limit: first + 1 },
      );
      return connectionFromRows(items, first, (i) => i.recognition.uscc);
    },
  }),
  categorySpotCheck: t.field({
    type: SpotCheckRef,
    nullable: true,
    description: "The province's spot check of a year's recognitions, if drawn.",
    authScopes: { operator: true },
    args: { year: t.arg.int({ required: true }) },
    resolve: async (_root, args, ctx) => (await getSpotCheck(ctx.db, args.year)) ?? null,
  }),
  publicCategoryRecognitions: t.connection({
    type: PublicRecognitionRef,
    description:
      "公示: the 名特优新 recognitions in force today, by county and category, for anyone. In USCC order.",
    authScopes: { public: true },
    args: {
      countyCode: t.arg.string(),
      category: t.arg({ type: CategoryEnum }),
    },
    resolve: async (_root, args, ctx) => {
      const { first, after } = forwardPage(args);
      if (args.countyCode) requireCountyCode(args.countyCode);
      const rows = await listPublicRecognitions(
        ctx.db,
        { countyCode: args.countyCode, category: args.category },
        todayOf(ctx),
        { after: decodeCursor(after), limit: first + 1 },
      );
      return connectionFromRows(rows, first, (r) => r.uscc);
    },
  }),
}));

// ── Mutations ────────────────────────────────────────────────────────────────
builder.mutationFields((t) => ({
  applyForCategory: t.field({
    type: PayloadRef,
    description:
      "自主申报: the household (its own token) applies for one category, naming the conditions it meets and its evidence. Refused entries come back with every reason.",
    authScopes: { household: true },
    args: { input: t.arg({ type: ApplyInput, required: true }) },
    resolve: async (_root, { input }, ctx) =>
      entryPayload(await applyForCategory(ctx.db, ctx.principal, input, ctx.now())),
  }),
  recommendForCategory: t.field({
    type: PayloadRef,
    description:
      "部门推荐: a department recommends a household. It waits (AWAITING_CONSENT) until the household consents through its own token.",
    authScopes: { department: true },
    args: { input: t.arg({ type: RecommendInput, required: true }) },
    resolve: async (_root, { input }, ctx) =>
      entryPayload(await recommendForCategory(ctx.db, ctx.principal, input, ctx.now())),
  }),
  respondToCategoryRecommendation: t.field({
    type: ApplicationRef,
    description: "The household consents to (or declines) a department's recommendation of itself.",
    authScopes: { household: true },
    args: {
      applicationId: t.arg.id({ required: true }),
      consent: t.arg.boolean({ required: true }),
      note: t.arg.string(),
    },
    resolve: (_root, args, ctx) =>
      respondToCategoryRecommendation(
        ctx.db,
        ctx.principal,
        { applicationId: String(args.applicationId), consent: args.consent, note: args.note },
        ctx.now(),
      ),
  }),
  withdrawCategoryApplication: t.field({
    type: ApplicationRef,
    description:
      "The household, or the recommending department, withdraws an undecided application.",
    authScopes: { household: true, department: true },
    args: { applicationId: t.arg.id({ required: true }), reason: t.arg.string() },
    resolve: (_root, args, ctx) =>
      withdrawCategoryApplication(
        ctx.db,
        ctx.principal,
        { applicationId: String(args.applicationId), reason: args.reason },
        ctx.now(),
      ),
  }),
  recordCategoryVisit: t.field({
    type: ApplicationRef,
    description:
      "走访核实: an operator of the county records the visit and whether it confirmed the application.",
    authScopes: { operator: true },
    args: {
      applicationId: t.arg.id({ required: true }),
      visitedOn: t.arg({
        type: "Date",
        description:
          "The day of the visit, from the application's entry to today; omitted: today (China time).",
      }),
      confirmed: t.arg.boolean({ required: true }),
      findings: t.arg.string({ required: true }),
    },
    resolve: (_root, args, ctx) =>
      recordCategoryVisit(
        ctx.db,
        ctx.principal,
        {
          applicationId: String(args.applicationId),
          visitedOn: args.visitedOn ?? null,
          confirmed: args.confirmed,
          findings: args.findings,
        },
        ctx.now(),
      ),
  }),
  approveCategoryApplication: t.field({
    type: PayloadRef,
    description:
      "认定: approves a submitted application within the county's quota (approvals in one county are serialised). Refused with reasons, the quota numbers included, when it may not be.",
    authScopes: { operator: true },
    args: { applicationId: t.arg.id({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) =>
      approvalPayload(
        ctx,
        await approveCategoryApplication(
          ctx.db,
          ctx.principal,
          { applicationId: String(args.applicationId), reason: args.reason },
          ctx.now(),
        ),
      ),
  }),
  rejectCategoryApplication: t.field({
    type: ApplicationRef,
    authScopes: { operator: true },
    args: { applicationId: t.arg.id({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) =>
      rejectCategoryApplication(
        ctx.db,
        ctx.principal,
        { applicationId: String(args.applicationId), reason: args.reason },
        ctx.now(),
      ),
  }),
  setCategoryQuotaShare: t.field({
    type: QuotaRef,
    description:
      "三(二)1 市级…统筹确定各区县（市）…的数量比例: a city-wide operator sets a county's share in percent (null: back to 5%).",
    authScopes: { cityOperator: true },
    args: {
      countyCode: t.arg.string({ required: true }),
      sharePercent: t.arg.float(),
      reason: t.arg.string({ required: true }),
    },
    resolve: (_root, args, ctx) =>
      setCategoryQuotaShare(
        ctx.db,
        ctx.principal,
        {
          countyCode: args.countyCode,
          sharePercent: args.sharePercent ?? null,
          reason: args.reason,
        },
        ctx.now(),
      ),
  }),
  submitCategoryReport: t.field({
    type: ReportRef,
    description:
      "信息报告: the household reports on its recognition — ANNUAL by 31 July of each year of validity (year defaults to this year), or PROPRIETOR_CHANGE.",
    authScopes: { household: true },
    args: {
      kind: t.arg({ type: ReportKindEnum, required: true }),
      year: t.arg.int(),
      content: t.arg.string({ required: true }),
    },
    resolve: (_root, args, ctx) =>
      submitCategoryReport(
        ctx.db,
        ctx.principal,
        { kind: args.kind, year: args.year, content: args.content },
        ctx.now(),
      ),
  }),
  reviewCategoryReport: t.field({
    type: ReportRef,
    authScopes: { operator: true },
    args: {
      reportId: t.arg.id({ required: true }),
      confirmed: t.arg.boolean({ required: true }),
      note: t.arg.string({ required: true }),
    },
    resolve: (_root, args, ctx) =>
      reviewCategoryReport(
        ctx.db,
        ctx.principal,
        { reportId: String(args.reportId), confirmed: args.confirmed, note: args.note },
        ctx.now(),
      ),
  }),
  cancelCategoryRecognition: t.field({
    type: RecognitionRef,
    description:
      "取消认定 on a ground that holds today (see categoryUpkeep); it stops counting as the fact from today.",
    authScopes: { operator: true },
    args: {
      recognitionId: t.arg.id({ required: true }),
      ground: t.arg({ type: CancelGroundEnum, required: true }),
      note: t.arg.string({ required: true }),
    },
    resolve: (_root, args, ctx) =>
      cancelCategoryRecognition(
        ctx.db,
        ctx.principal,
        { recognitionId: String(args.recognitionId), ground: args.ground, note: args.note },
        ctx.now(),
      ),
  }),
  revokeCategoryRecognition: t.field({
    type: RecognitionRef,
    description:
      "撤销认定: a self-application's recognition obtained by fraud (三(二)2 在自主申报过程中). It ends today, and the household may not apply again for 5 years. A recognition from a department's recommendation is refused here: cancel it on a ground instead.",
    authScopes: { operator: true },
    args: { recognitionId: t.arg.id({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) =>
      revokeCategoryRecognition(
        ctx.db,
        ctx.principal,
        { recognitionId: String(args.recognitionId), reason: args.reason },
        ctx.now(),
      ),
  }),
  extendCategoryRecognition: t.field({
    type: RecognitionRef,
    description:
      "有效期延长3年: in the last year of validity, on condition A, B, C or D with its evidence.",
    authScopes: { operator: true },
    args: {
      recognitionId: t.arg.id({ required: true }),
      condition: t.arg({ type: ExtensionConditionEnum, required: true }),
      evidence: t.arg.string({ required: true }),
    },
    resolve: (_root, args, ctx) =>
      extendCategoryRecognition(
        ctx.db,
        ctx.principal,
        {
          recognitionId: String(args.recognitionId),
          condition: args.condition,
          evidence: args.evidence,
        },
        ctx.now(),
      ),
  }),
  drawCategorySpotCheck: t.field({
    type: SpotCheckRef,
    description:
      "三(二)2 按照3%的比例进行抽查: a city-wide operator draws the year's sample, once; the seed (given or random) is recorded.",
    authScopes: { cityOperator: true },
    args: {
      year: t.arg.int({
        description: "The year of the recognitions; omitted: this year (China time).",
      }),
      seed: t.arg.string(),
    },
    resolve: (_root, args, ctx) =>
      drawCategorySpotCheck(ctx.db, ctx.principal, { year: args.year, seed: args.seed }, ctx.now()),
  }),
  recordCategorySpotCheckResult: t.field({
    type: SpotCheckItemRef,
    description: "The field verification's result for one sampled recognition.",
    authScopes: { operator: true },
    args: {
      year: t.arg.int({
        description:
          "The sample's year; omitted: the year the recognition was made, the only sample it can be in.",
      }),
      recognitionId: t.arg.id({ required: true }),
      confirmed: t.arg.boolean({ required: true }),
      verifiedOn: t.arg({
        type: "Date",
        description: "The day of the verification, up to today; omitted: today (China time).",
      }),
      note: t.arg.string({ required: true }),
    },
    resolve: (_root, args, ctx) => {
      requireId(String(args.recognitionId), "recognitionId");
      return recordSpotCheckResult(
        ctx.db,
        ctx.principal,
        {
          year: args.year,
          recognitionId: String(args.recognitionId),
          confirmed: args.confirmed,
          verifiedOn: args.verifiedOn,
          note: args.note,
        },
        ctx.now(),
      );
    },
  }),
}));
