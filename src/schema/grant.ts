import DataLoader from "dataloader";
import { actorOf, canSeeHousehold, type Principal } from "../auth/principal.ts";
import type { HouseholdRow } from "../db/types.ts";
import { ForbiddenError, NotFoundError } from "../errors.ts";
import { type Entitlement, householdEntitlements } from "../grants/entitlements.ts";
import {
  eventKeyOf,
  type GrantEventRow,
  parseEventKey,
  readGrantEvents,
} from "../grants/grant-events.ts";
import {
  countGrants,
  type GRANT_GROUPINGS,
  type GRANT_STATUSES,
  type GrantFilter,
  type GrantRow,
  type GrantSummaryRow,
  grantById,
  grantIdOf,
  grantKeyOf,
  grantSummary,
  listGrants,
  parseGrantKey,
} from "../grants/grant-queries.ts";
import { scopedGrantFilter } from "../grants/grant-scope.ts";
import { revokeGrant } from "../grants/revoke-grant.ts";
import { type GrantRunSummary, runGrants } from "../grants/run-grants.ts";
import { explainGrant, type WhatIfResult, whatIf } from "../grants/what-if.ts";
import { getHousehold } from "../households/household-queries.ts";
import { requireUscc } from "../ingest/uscc.ts";
import { policyVersionById } from "../policies/policy-queries.ts";
import type { PolicyVersion } from "../policies/policy-version.ts";
import { builder, connectionComplexity, MAX_PAGE_SIZE } from "./builder.ts";
import { type Context, todayOf } from "./context.ts";
import { HouseholdRef } from "./household.ts";
import { connectionFromRows, decodeCursor, forwardPage } from "./pagination.ts";
import { ConditionRef, EligibilityOutcomeEnum, PolicyVersionRef } from "./policy.ts";

// 三(一)3 免申即享: entitlements of a household, the grants ledger and its outbox, grant runs,
// revocation and replay. Thin over src/grants.

/** Per-request loader of policy versions by id (a page of grants shares a few versions). */
const versionLoaders = new WeakMap<Context, DataLoader<string, PolicyVersion | undefined>>();

function versionOf(ctx: Context, id: string): Promise<PolicyVersion> {
  let loader = versionLoaders.get(ctx);
  if (!loader) {
    loader = new DataLoader(
      async (ids) => Promise.all(ids.map((i) => policyVersionById(ctx.db, i))),
      { batch: false },
    );
    versionLoaders.set(ctx, loader);
  }
  return loader.load(id).then((v) => {
    if (!v) throw new NotFoundError(`no policy version ${id}`);
    return v;
  });
}

/** Whether the principal may see this grant: its household, its county, or its department. */
async function canSeeGrant(ctx: Context, grant: GrantRow): Promise<boolean> {
  const p = ctx.principal;
  switch (p.role) {
    case "OPERATOR":
    case "HOUSEHOLD":
      return canSeeHousehold(p, grant.uscc, grant.county_code);
    case "DEPARTMENT":
      return (await versionOf(ctx, grant.policy_version_id)).departmentCode === p.departmentCode;
    default:
      return false;
  }
}

// ── Enums ───────────────────────────────────────────────────────────────────
const GrantStatusEnum = builder.enumType("GrantStatus", {
  values: {
    ACTIVE: { description: "In force." },
    REVOKED: {
      description: "Revoked by an operator, with a reason (the grant stays in the ledger).",
    },
  } as const satisfies Record<(typeof GRANT_STATUSES)[number], unknown>,
});

const GrantGroupingEnum = builder.enumType("GrantGrouping", {
  values: {
    POLICY: { description: "By policy code." },
    COUNTY: { description: "By county code (GB/T 2260)." },
    TYPE: { description: "By the household's type when granted." },
    CATEGORY: { description: "By the household's 名特优新 category when granted." },
    MONTH: { description: "By the month (YYYY-MM) of the decision's as-of date." },
  } as const satisfies Record<(typeof GRANT_GROUPINGS)[number], unknown>,
});

const GrantEventKindEnum = builder.enumType("GrantEventKind", {
  values: {
    GRANTED: { description: "A new grant: tell the household what it receives." },
    REVOKED: { description: "A grant revoked: tell the household why." },
  } as const,
});

const GrantTriggerEnum = builder.enumType("GrantTrigger", {
  values: {
    MANUAL: { description: "Run on demand (CLI or mutation)." },
    TYPING_RUN: { description: "After a typing run." },
    POLICY_PUBLISHED: { description: "After a policy version was published." },
    IMPORT: { description: "After a household import." },
  } as const,
});

// ── Objects ─────────────────────────────────────────────────────────────────
export const GrantRef = builder.objectRef<GrantRow>("Grant");

builder.objectType(GrantRef, {
  description:
    "One grant of the 免申即享 ledger: a household received an AUTO policy for a period. Kept for ever; revoked at most once, with a reason.",
  fields: (t) => ({
    id: t.id({
      description: "The grant's ledger key (policy, period, household), opaque.",
      resolve: (g) => grantIdOf(g),
    }),
    uscc: t.exposeString("uscc"),
    household: t.field({
      type: HouseholdRef,
      nullable: true,
      description: "The household, for operators of its county and the household itself.",
      resolve: async (g, _args, ctx) =>
        canSeeHousehold(ctx.principal, g.uscc, g.county_code)
          ? ((await getHousehold(ctx.db, g.uscc)) ?? null)
          : null,
    }),
    policyCode: t.exposeString("policy_code"),
    policyVersion: t.field({
      type: PolicyVersionRef,
      description: "The version that decided it (immutable).",
      resolve: (g, _args, ctx) => versionOf(ctx, g.policy_version_id),
    }),
    period: t.exposeString("period", { description: "2025, 2025-Q3, 2025-07 or ONCE." }),
    periodStart: t.field({ type: "Date", nullable: true, resolve: (g) => g.period_start }),
    periodEnd: t.field({ type: "Date", nullable: true, resolve: (g) => g.period_end }),
    asOf: t.field({
      type: "Date",
      description: "The date its facts were taken as of.",
      resolve: (g) => g.as_of,
    }),
    amount: t.exposeFloat("amount", { nullable: true, description: "元; null: no money." }),
    facts: t.field({
      type: "JSON",
      description: "The facts the rule and the amount read, as they were when decided.",
      resolve: (g) => g.facts,
    }),
    countyCode: t.exposeString("county_code"),
    type: t.exposeString("type", {
      nullable: true,
      description: "The household's type when granted (SURVIVAL, GROWTH, DEVELOPMENT…).",
    }),
    category: t.exposeString("category", {
      description: "The household's 名特优新 category when granted (NONE: none).",
    }),
    runId: t.exposeID("run_id", { nullable: true }),
    grantedAt: t.field({ type: "DateTime", resolve: (g) => g.granted_at }),
    status: t.field({
      type: GrantStatusEnum,
      resolve: (g) => (g.revoked_at === null ? "ACTIVE" : "REVOKED"),
    }),
    revokedAt: t.field({ type: "DateTime", nullable: true, resolve: (g) => g.revoked_at }),
    revokedBy: t.exposeString("revoked_by", { nullable: true }),
    revokeReason: t.exposeString("revoke_reason", { nullable: true }),
    explanation: t.string({
      description:
        "Why it was granted, one condition a line: derived from the immutable version and the stored facts, so it reads the same years later.",
      resolve: async (g, _args, ctx) =>
        explainGrant(ctx.policyRules, await versionOf(ctx, g.policy_version_id), g).explanation
          .text,
    }),
    conditions: t.field({
      type: [ConditionRef],
      resolve: async (g, _args, ctx) =>
        explainGrant(ctx.policyRules, await versionOf(ctx, g.policy_version_id), g).explanation
          .conditions,
    }),
    amountExplanation: t.string({
      nullable: true,
      description: "When the amount is a rule: how it was computed from the stored facts.",
      resolve: async (g, _args, ctx) =>
        explainGrant(ctx.policyRules, await versionOf(ctx, g.policy_version_id), g)
          .amountExplanation?.text ?? null,
    }),
  }),
});

const EntitlementRef = builder.objectRef<Entitlement>("Entitlement").implement({
  description:
    "A published policy in force, decided for one household as of a date, with its explanation.",
  fields: (t) => ({
    policy: t.field({ type: PolicyVersionRef, resolve: (e) => e.version }),
    period: t.string({
      description: "The period of the date under the policy's grant period (2025, 2025-Q3…).",
      resolve: (e) => e.period.key,
    }),
    outcome: t.field({
      type: EligibilityOutcomeEnum,
      description:
        "ELIGIBLE, INELIGIBLE, or UNDETERMINED while a fact it depends on is unknown (an amount rule's too).",
      resolve: (e) => e.outcome,
    }),
    missingFacts: t.stringList({
      description: "For UNDETERMINED: the unknown facts that would decide it.",
      resolve: (e) => e.missingFacts,
    }),
    explanation: t.string({
      description: "The rule explained in Chinese, one condition a line.",
      resolve: (e) => e.explanation.text,
    }),
    conditions: t.field({ type: [ConditionRef], resolve: (e) => e.explanation.conditions }),
    amountExplanation: t.string({
      nullable: true,
      description: "When the amount is a rule: how it was computed.",
      resolve: (e) => e.amountExplanation?.text ?? null,
    }),
    amount: t.exposeFloat("amount", {
      nullable: true,
      description: "元 for an eligible household; null when none or unknown.",
    }),
    grant: t.field({
      type: GrantRef,
      nullable: true,
      description: "AUTO policies: the grant made for the period (null: none yet).",
      resolve: (e) => e.grant,
    }),
    howToApply: t.string({
      nullable: true,
      description: "APPLY policies: where and how to apply.",
      resolve: (e) => (e.version.mode === "APPLY" ? e.version.howToApply : null),
    }),
  }),
});

const GrantSummaryRef = builder.objectRef<GrantSummaryRow>("GrantSummaryGroup").implement({
  fields: (t) => ({
    key: t.exposeString("key", {
      nullable: true,
      description: "The policy code, county code, type, category or month; null: not known.",
    }),
    grants: t.exposeInt("grants", { description: "Grants in force." }),
    households: t.exposeInt("households", { description: "Households with a grant in force." }),
    amount: t.exposeFloat("amount", { description: "元 of the grants in force." }),
    revoked: t.exposeInt("revoked", { description: "Grants revoked." }),
  }),
});

const GrantEventRef = builder.objectRef<GrantEventRow>("GrantEvent").implement({
  description: "An outbox event: a grant made or revoked.",
  fields: (t) => ({
    kind: t.field({
      type: GrantEventKindEnum,
      resolve: (e) => e.kind as "GRANTED" | "REVOKED",
    }),
    grantId: t.id({ resolve: (e) => grantIdOf(e) }),
    uscc: t.exposeString("uscc"),
    policyCode: t.exposeString("policy_code"),
    period: t.exposeString("period"),
    countyCode: t.exposeString("county_code"),
    grant: t.field({
      type: GrantRef,
      nullable: true,
      description: "The grant: its amount, version, facts and explanation.",
      resolve: async (e, _args, ctx) => (await grantById(ctx.db, grantIdOf(e))) ?? null,
    }),
    reason: t.exposeString("reason", { nullable: true, description: "REVOKED: why." }),
    at: t.field({ type: "DateTime", resolve: (e) => e.at }),
  }),
});

const VersionCountRef = builder
  .objectRef<GrantRunSummary["versions"][number]>("GrantRunVersionCount")
  .implement({
    fields: (t) => ({
      policyVersionId: t.exposeID("versionId"),
      policyCode: t.exposeString("policyCode"),
      version: t.exposeInt("version"),
      period: t.exposeString("period"),
      granted: t.exposeInt("granted"),
      amount: t.exposeFloat("amount", { nullable: true }),
      ms: t.exposeInt("ms", { description: "How long its statement took." }),
    }),
  });

const GrantRunRef = builder.objectRef<GrantRunSummary>("GrantRun").implement({
  description: "A grant run: every AUTO policy in force granted to every household that qualifies.",
  fields: (t) => ({
    id: t.exposeID("runId"),
    asOf: t.field({ type: "Date", resolve: (r) => r.asOf }),
    trigger: t.field({ type: GrantTriggerEnum, resolve: (r) => r.trigger }),
    countyCode: t.exposeString("countyCode", {
      nullable: true,
      description: "A county operator's run covers its county only; null: the city.",
    }),
    granted: t.exposeInt("granted"),
    versions: t.field({ type: [VersionCountRef], resolve: (r) => r.versions }),
    startedAt: t.field({ type: "DateTime", resolve: (r) => r.startedAt }),
    finishedAt: t.field({ type: "DateTime", resolve: (r) => r.finishedAt }),
  }),
});

const WhatIfRef = builder.objectRef<WhatIfResult>("WhatIfResult").implement({
  description: "A past case decided again with the facts and the rule version of that date.",
  fields: (t) => ({
    uscc: t.exposeString("uscc"),
    asOf: t.field({ type: "Date", resolve: (r) => r.asOf }),
    policy: t.field({ type: PolicyVersionRef, resolve: (r) => r.version }),
    inForce: t.exposeBoolean("inForce", { description: "Whether the version was in force then." }),
    period: t.string({ resolve: (r) => r.period.key }),
    factsSource: t.string({
      description:
        "GRANT: the facts stored with the grant decided as of that date by this version. RECORDS: computed from the household's records as of that date.",
      resolve: (r) => r.factsSource,
    }),
    facts: t.field({ type: "JSON", resolve: (r) => r.facts }),
    outcome: t.field({ type: EligibilityOutcomeEnum, resolve: (r) => r.outcome }),
    missingFacts: t.stringList({ resolve: (r) => r.missingFacts }),
    explanation: t.string({ resolve: (r) => r.explanation.text }),
    conditions: t.field({ type: [ConditionRef], resolve: (r) => r.explanation.conditions }),
    amount: t.exposeFloat("amount", { nullable: true }),
    grant: t.field({
      type: GrantRef,
      nullable: true,
      description: "The household's grant of the policy for that period, if any.",
      resolve: (r) => r.grant,
    }),
  }),
});

const GrantFilterInput = builder.inputType("GrantFilter", {
  description:
    "Every field narrows; a county operator sees only its county, a department only its policies.",
  fields: (t) => ({
    policyCode: t.string(),
    departmentCode: t.string(),
    countyCode: t.string({ description: "GB/T 2260 county code." }),
    uscc: t.string(),
    type: t.string({ description: "The household's type when granted." }),
    category: t.string({ description: "The 名特优新 category when granted (NONE: none)." }),
    period: t.string({ description: "2025, 2025-Q3, 2025-07 or ONCE." }),
    from: t.field({ type: "Date", description: "Decided as of this date or later." }),
    to: t.field({ type: "Date", description: "Decided as of this date or earlier." }),
    status: t.field({ type: GrantStatusEnum }),
  }),
});

function filterOf(principal: Principal, input: object | null | undefined): GrantFilter {
  return scopedGrantFilter(principal, { ...(input ?? {}) } as GrantFilter);
}

/** A department's entitlements show only its own policies; the household's and operators' all. */
function entitlementDepartment(principal: Principal): string | null {
  return principal.role === "DEPARTMENT" ? principal.departmentCode : null;
}

async function entitlementsOf(
  ctx: Context,
  household: HouseholdRow,
  asOf: string | null | undefined,
) {
  const entitlements = await householdEntitlements(ctx.db, household.uscc, asOf ?? todayOf(ctx), {
    cache: ctx.policyRules,
    departmentCode: entitlementDepartment(ctx.principal),
  });
  return entitlements ?? [];
}

// ── Household fields ────────────────────────────────────────────────────────
builder.objectFields(HouseholdRef, (t) => ({
  entitlements: t.field({
    type: [EntitlementRef],
    description:
      "三(一)3 免申即享: every published policy in force on asOf (default today), decided with its explanation.",
    complexity: 20,
    args: { asOf: t.arg({ type: "Date" }) },
    resolve: (h, args, ctx) => entitlementsOf(ctx, h, args.asOf),
  }),
  grants: t.field({
    type: [GrantRef],
    description: "The household's grants, newest period first.",
    complexity: 10,
    args: { status: t.arg({ type: GrantStatusEnum }) },
    resolve: async (h, args, ctx) => {
      const rows = await listGrants(
        ctx.db,
        { uscc: h.uscc, status: args.status },
        { limit: MAX_PAGE_SIZE },
      );
      return rows.sort((a, b) => (a.period < b.period ? 1 : a.period > b.period ? -1 : 0));
    },
  }),
}));

// ── Root fields ─────────────────────────────────────────────────────────────
builder.queryFields((t) => ({
  entitlements: t.field({
    type: [EntitlementRef],
    description:
      "A household's entitlements as of a date (default today): the household itself, operators of its county, and departments (their own policies only).",
    authScopes: { operator: true, household: true, department: true },
    complexity: 20,
    args: { uscc: t.arg.string({ required: true }), asOf: t.arg({ type: "Date" }) },
    resolve: async (_root, args, ctx) => {
      requireUscc(args.uscc);
      const household = await getHousehold(ctx.db, args.uscc);
      if (!household) throw new NotFoundError(`no household ${args.uscc}`);
      if (
        ctx.principal.role !== "DEPARTMENT" &&
        !canSeeHousehold(ctx.principal, household.uscc, household.county_code)
      ) {
        throw new ForbiddenError("only operators of its county and the household itself");
      }
      return entitlementsOf(ctx, household, args.asOf);
    },
  }),
  grant: t.field({
    type: GrantRef,
    nullable: true,
    description: "One grant by id.",
    authScopes: { operator: true, department: true, household: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const grant = await grantById(ctx.db, String(args.id));
      if (!grant) return null;
      if (!(await canSeeGrant(ctx, grant))) throw new ForbiddenError("not a grant you may see");
      return grant;
    },
  }),
  grants: t.connection(
    {
      type: GrantRef,
      description:
        "The ledger, filtered, in (policy, period, USCC) order. Operators (a county operator: its county only) and departments (their policies only).",
      authScopes: { operator: true, department: true },
      complexity: connectionComplexity,
      args: { filter: t.arg({ type: GrantFilterInput }) },
      resolve: async (_root, args, ctx) => {
        const { first, after } = forwardPage(args);
        const filter = filterOf(ctx.principal, args.filter);
        const key = decodeCursor(after);
        const rows = await listGrants(ctx.db, filter, {
          after: key === undefined ? undefined : parseGrantKey(key),
          limit: first + 1,
        });
        return { ...connectionFromRows(rows, first, grantKeyOf), filter };
      },
    },
    {
      fields: (c) => ({
        totalCount: c.int({
          description: "Grants matching the filter (counted only when asked for).",
          resolve: (connection, _args, ctx) =>
            countGrants(ctx.db, (connection as unknown as { filter: GrantFilter }).filter),
        }),
      }),
    },
  ),
  grantSummary: t.field({
    type: [GrantSummaryRef],
    description:
      "Counts and amounts of the filtered grants by policy, county, type, category or month.",
    authScopes: { operator: true, department: true },
    complexity: 20,
    args: {
      groupBy: t.arg({ type: GrantGroupingEnum, required: true }),
      filter: t.arg({ type: GrantFilterInput }),
    },
    resolve: (_root, args, ctx) =>
      grantSummary(ctx.db, args.groupBy, filterOf(ctx.principal, args.filter)),
  }),
  grantEvents: t.connection({
    type: GrantEventRef,
    description:
      "The outbox, oldest first: pass the last endCursor as `after` to read on. An event appears only once every older writing transaction has ended, so a reader resuming from its cursor never misses one (it may see one twice after a crash: at least once). An empty page keeps the cursor: read again later. Operators (a county operator: its county only).",
    authScopes: { operator: true },
    complexity: connectionComplexity,
    resolve: async (_root, args, ctx) => {
      const { first, after } = forwardPage(args);
      const key = decodeCursor(after);
      const rows = await readGrantEvents(ctx.db, {
        after: key === undefined ? undefined : parseEventKey(key),
        limit: first + 1,
        countyCode: ctx.principal.role === "OPERATOR" ? ctx.principal.countyCode : null,
      });
      return connectionFromRows(rows, first, eventKeyOf);
    },
  }),
  whatIf: t.field({
    type: WhatIfRef,
    description:
      "Replays a decision: the household under a policy version as of a date, with that date's facts (the grant's stored facts when it was decided then). Operators of its county, the household itself, and the department owning the policy.",
    authScopes: { operator: true, household: true, department: true },
    args: {
      uscc: t.arg.string({ required: true }),
      asOf: t.arg({ type: "Date", required: true }),
      policyVersionId: t.arg.id({ required: true }),
    },
    resolve: async (_root, args, ctx) => {
      const versionId = String(args.policyVersionId);
      const p = ctx.principal;
      if (p.role === "DEPARTMENT") {
        const version = await policyVersionById(ctx.db, versionId);
        if (version && version.departmentCode !== p.departmentCode) {
          throw new ForbiddenError(`department ${p.departmentCode} replays only its own policies`);
        }
      } else {
        const household = await getHousehold(ctx.db, args.uscc);
        if (!household) throw new NotFoundError(`no household ${args.uscc}`);
        if (!canSeeHousehold(p, household.uscc, household.county_code)) {
          throw new ForbiddenError("only operators of its county and the household itself");
        }
      }
      return whatIf(ctx.db, { uscc: args.uscc, asOf: args.asOf, versionId }, ctx.policyRules);
    },
  }),
}));

builder.mutationFields((t) => ({
  runGrants: t.field({
    type: GrantRunRef,
    description:
      "Runs the grants now as of asOf (default today): every AUTO policy in force to every household that qualifies and has not had it this period. A county operator's run covers its county.",
    authScopes: { operator: true },
    args: { asOf: t.arg({ type: "Date" }) },
    resolve: (_root, args, ctx) =>
      runGrants(ctx.db, {
        asOf: args.asOf ?? todayOf(ctx),
        trigger: "MANUAL",
        actor: actorOf(ctx.principal),
        countyCode: ctx.principal.role === "OPERATOR" ? ctx.principal.countyCode : null,
      }),
  }),
  revokeGrant: t.field({
    type: GrantRef,
    description:
      "Revokes a grant with a reason (audited; the household is told by a REVOKED event). The grant stays in the ledger.",
    authScopes: { operator: true },
    args: {
      id: t.arg.id({ required: true }),
      reason: t.arg.string({ required: true }),
    },
    resolve: (_root, args, ctx) =>
      revokeGrant(ctx.db, {
        id: String(args.id),
        reason: args.reason,
        actor: actorOf(ctx.principal),
        countyCode: ctx.principal.role === "OPERATOR" ? ctx.principal.countyCode : null,
      }),
  }),
}));
