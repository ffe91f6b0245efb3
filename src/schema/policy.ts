import { actorOf, canSeeHousehold, type Principal } from "../auth/principal.ts";
import { BadInputError, ForbiddenError, NotFoundError } from "../errors.ts";
import { grantAfterPublish } from "../grants/grant-triggers.ts";
import { VALUE_LABELS } from "../matching/explain-text.ts";
import { loadFacts } from "../matching/household-facts.ts";
import type { ExplainedCondition } from "../matching/rule-types.ts";
import { validateRule } from "../matching/validate-rule.ts";
import {
  compiledPolicyOf,
  evaluatePolicy,
  failingExamples,
  type PolicyEvaluation,
} from "../policies/compiled-policy.ts";
import {
  checkFacts,
  type GRANT_PERIODS,
  type OUTCOMES,
  POLICY_KINDS,
  type POLICY_MODES,
  type PolicyExample,
} from "../policies/policy-content.ts";
import {
  getPolicy,
  listPolicies,
  type Policy,
  policiesInForce,
  policyHistory,
  policyVersionById,
} from "../policies/policy-queries.ts";
import {
  createPolicy,
  discardPolicyDraft,
  type PolicyEditor,
  publishPolicy,
  refuse,
  retirePolicy,
  updatePolicyDraft,
} from "../policies/policy-registry.ts";
import {
  inForceOn,
  type PolicyVersion,
  type VERSION_STATUSES,
} from "../policies/policy-version.ts";
import {
  type ImpactBucket,
  type ImpactCounts,
  type ImpactTarget,
  type PolicyImpact,
  previewPolicyImpact,
} from "../policies/preview-policy-impact.ts";
import { builder } from "./builder.ts";
import { type Context, todayOf } from "./context.ts";

// 8-10: the policy registry for departments (create, edit, publish, retire, preview) and the
// published policies for everyone with a token. Thin over src/policies.

/** The department a principal speaks for, or null. */
function departmentOf(principal: Principal): string | null {
  return principal.role === "DEPARTMENT" ? principal.departmentCode : null;
}

function editorOf(ctx: Context): PolicyEditor {
  if (ctx.principal.role !== "DEPARTMENT")
    throw new ForbiddenError("only a department may do this");
  return { departmentCode: ctx.principal.departmentCode, actor: actorOf(ctx.principal) };
}

/** Drafts are the owning department's only; published versions are for every token. */
function canSeeVersion(principal: Principal, version: PolicyVersion): boolean {
  if (principal.role === "PUBLIC") return false;
  return version.status !== "DRAFT" || departmentOf(principal) === version.departmentCode;
}

// ── Enums ───────────────────────────────────────────────────────────────────
export const PolicyKindEnum = builder.enumType("PolicyKind", {
  description: "The kind of support (三(一)3 帮扶措施, 三(二)3 培育政策).",
  values: POLICY_KINDS,
});

export const PolicyModeEnum = builder.enumType("PolicyMode", {
  values: {
    AUTO: { description: "免申即享: granted without an application." },
    APPLY: { description: "The household applies (see howToApply)." },
  } as const satisfies Record<(typeof POLICY_MODES)[number], unknown>,
});

export const GrantPeriodEnum = builder.enumType("GrantPeriod", {
  description: "The period one grant covers (a calendar year unless the policy says otherwise).",
  values: {
    CALENDAR_YEAR: { description: "Once per calendar year." },
    CALENDAR_QUARTER: { description: "Once per calendar quarter." },
    CALENDAR_MONTH: { description: "Once per calendar month." },
    ONCE: { description: "Once for the whole life of the policy." },
  } as const satisfies Record<(typeof GRANT_PERIODS)[number], unknown>,
});

export const PolicyVersionStatusEnum = builder.enumType("PolicyVersionStatus", {
  values: {
    DRAFT: { description: "Editable by its department; never in force." },
    PUBLISHED: { description: "The latest published version: in force from effectiveFrom." },
    SUPERSEDED: { description: "A later version took over the day after inForceUntil." },
    RETIRED: { description: "The policy ended on inForceUntil." },
  } as const satisfies Record<(typeof VERSION_STATUSES)[number], unknown>,
});

export const EligibilityOutcomeEnum = builder.enumType("EligibilityOutcome", {
  values: {
    ELIGIBLE: { description: "The rule holds." },
    INELIGIBLE: { description: "The rule does not hold." },
    UNDETERMINED: { description: "The rule depends on facts that are unknown." },
  } as const satisfies Record<(typeof OUTCOMES)[number], unknown>,
});

// ── Objects ─────────────────────────────────────────────────────────────────
const LegalBasis = builder.objectRef<{ document: string; clause: string }>("LegalBasis").implement({
  fields: (t) => ({
    document: t.exposeString("document", {
      description: "Document number, e.g. 郑市监〔2025〕6号.",
    }),
    clause: t.exposeString("clause", { description: "The clause, e.g. 三(一)3 生存型." }),
  }),
});

const PolicyExampleRef = builder.objectRef<PolicyExample>("PolicyExample").implement({
  description: "A sample household and the outcome the policy must give it.",
  fields: (t) => ({
    name: t.exposeString("name"),
    facts: t.field({ type: "JSON", resolve: (e) => e.facts }),
    expected: t.field({ type: EligibilityOutcomeEnum, resolve: (e) => e.expected }),
    expectedAmount: t.exposeFloat("expectedAmount", { nullable: true }),
  }),
});

interface ExampleResult {
  path: string;
  example: PolicyExample;
  evaluation: PolicyEvaluation;
  passes: boolean;
}

const ExampleResultRef = builder.objectRef<ExampleResult>("PolicyExampleResult").implement({
  description: "An example run through the version's rule: publishing needs every one to pass.",
  fields: (t) => ({
    path: t.exposeString("path", { description: "JSON pointer of the example, e.g. /examples/1." }),
    name: t.string({ resolve: (r) => r.example.name }),
    expected: t.field({ type: EligibilityOutcomeEnum, resolve: (r) => r.example.expected }),
    actual: t.field({ type: EligibilityOutcomeEnum, resolve: (r) => r.evaluation.outcome }),
    expectedAmount: t.float({ nullable: true, resolve: (r) => r.example.expectedAmount }),
    actualAmount: t.float({ nullable: true, resolve: (r) => r.evaluation.amount }),
    passes: t.exposeBoolean("passes"),
    explanation: t.string({ resolve: (r) => r.evaluation.explanation.text }),
  }),
});

export const ConditionRef = builder.objectRef<ExplainedCondition>("ExplainedCondition").implement({
  description: "One condition of a rule as evaluated: the fact, the value seen, whether it held.",
  fields: (t) => ({
    path: t.exposeString("path", { description: "JSON pointer of the condition in the rule." }),
    fact: t.exposeString("fact", { nullable: true }),
    value: t.field({ type: "JSON", nullable: true, resolve: (c) => c.value }),
    operator: t.exposeString("operator"),
    threshold: t.field({ type: "JSON", nullable: true, resolve: (c) => c.threshold ?? null }),
    holds: t.exposeBoolean("holds", { nullable: true, description: "null: unknown." }),
    text: t.exposeString("text"),
  }),
});

const EvaluationRef = builder.objectRef<PolicyEvaluation>("PolicyEvaluation").implement({
  description: "A policy version decided for one household's facts, explained.",
  fields: (t) => ({
    outcome: t.field({ type: EligibilityOutcomeEnum, resolve: (e) => e.outcome }),
    missingFacts: t.stringList({
      description: "For UNDETERMINED: the unknown facts the outcome depends on.",
      resolve: (e) => e.missingFacts,
    }),
    amount: t.exposeFloat("amount", {
      nullable: true,
      description: "The amount in 元 for an eligible household; null when none or unknown.",
    }),
    explanation: t.string({ resolve: (e) => e.explanation.text }),
    conditions: t.field({ type: [ConditionRef], resolve: (e) => e.explanation.conditions }),
  }),
});

export const PolicyVersionRef = builder.objectRef<PolicyVersion>("PolicyVersion");

builder.objectType(PolicyVersionRef, {
  description:
    "One version of a policy. A published version never changes; drafts are seen only by their department.",
  authScopes: (version, ctx) => canSeeVersion(ctx.principal, version),
  fields: (t) => ({
    id: t.exposeID("id"),
    code: t.exposeString("code"),
    departmentCode: t.exposeString("departmentCode"),
    version: t.exposeInt("version"),
    status: t.field({ type: PolicyVersionStatusEnum, resolve: (v) => v.status }),
    title: t.exposeString("title"),
    kind: t.field({ type: PolicyKindEnum, resolve: (v) => v.kind }),
    mode: t.field({ type: PolicyModeEnum, resolve: (v) => v.mode }),
    howToApply: t.exposeString("howToApply", { nullable: true }),
    rule: t.field({
      type: "JSON",
      description: "The eligibility rule (JSON-logic over the fact catalog).",
      resolve: (v) => v.rule,
    }),
    benefit: t.exposeString("benefit"),
    amount: t.field({
      type: "JSON",
      nullable: true,
      description: "null (no money), a number of 元, or a rule over facts giving it.",
      resolve: (v) => v.amount,
    }),
    legalBasis: t.field({ type: LegalBasis, resolve: (v) => v.legalBasis }),
    effectiveFrom: t.field({ type: "Date", resolve: (v) => v.effectiveFrom }),
    effectiveUntil: t.field({
      type: "Date",
      nullable: true,
      description: "The last day the content states (inclusive); null: open-ended.",
      resolve: (v) => v.effectiveUntil,
    }),
    inForceUntil: t.field({
      type: "Date",
      nullable: true,
      description:
        "The term's actual last day (inclusive): effectiveUntil, or earlier once superseded or retired; null: open-ended (always null for a draft).",
      resolve: (v) => v.inForceUntil,
    }),
    grantPeriod: t.field({ type: GrantPeriodEnum, resolve: (v) => v.grantPeriod }),
    examples: t.field({ type: [PolicyExampleRef], resolve: (v) => v.examples }),
    exampleResults: t.field({
      type: [ExampleResultRef],
      description: "Each example run through the rule: publishing needs every one to pass.",
      resolve: (v, _args, ctx) => {
        const compiled = compiledPolicyOf(ctx.policyRules, v);
        const failing = new Set(failingExamples(compiled, v.examples).map((f) => f.path));
        return v.examples.map((example, i) => {
          const path = `/examples/${i}`;
          return {
            path,
            example,
            evaluation: evaluatePolicy(compiled, example.facts),
            passes: !failing.has(path),
          };
        });
      },
    }),
    notes: t.exposeString("notes", { nullable: true }),
    contentHash: t.exposeString("contentHash"),
    source: t.exposeString("source", { description: "API, or the policies-data file." }),
    createdAt: t.field({ type: "DateTime", resolve: (v) => v.createdAt }),
    createdBy: t.exposeString("createdBy"),
    publishedAt: t.field({ type: "DateTime", nullable: true, resolve: (v) => v.publishedAt }),
    publishedBy: t.exposeString("publishedBy", { nullable: true }),
    endedAt: t.field({ type: "DateTime", nullable: true, resolve: (v) => v.endedAt }),
    endedBy: t.exposeString("endedBy", { nullable: true }),
    evaluate: t.field({
      type: EvaluationRef,
      description:
        "Decides this version for facts given by hand, or for a household (uscc) as of a date: operators of its county and the household itself.",
      args: {
        facts: t.arg({ type: "JSON", description: "Facts by name; left out: unknown." }),
        uscc: t.arg.string(),
        asOf: t.arg({ type: "Date", description: "Default: today." }),
      },
      resolve: async (v, args, ctx) => {
        const compiled = compiledPolicyOf(ctx.policyRules, v);
        if ((args.facts == null) === (args.uscc == null)) {
          throw new BadInputError("give either facts or uscc", "facts");
        }
        if (args.facts != null) {
          const checked = checkFacts(args.facts, "/facts");
          if (!checked.ok) refuse("invalid facts", checked.issues, "facts");
          return evaluatePolicy(compiled, checked.facts);
        }
        const uscc = args.uscc as string;
        const asOf = args.asOf ?? todayOf(ctx);
        const facts = (await loadFacts(ctx.db, [uscc], asOf)).get(uscc);
        if (!facts) throw new NotFoundError(`no household ${uscc}`);
        if (!canSeeHousehold(ctx.principal, uscc, facts.countyCode)) {
          throw new ForbiddenError("only operators of its county and the household itself");
        }
        return evaluatePolicy(compiled, facts);
      },
    }),
  }),
});

const PolicyRef = builder.objectRef<Policy>("Policy").implement({
  description: "A policy: a stable code owned by one department, with its versions.",
  fields: (t) => ({
    code: t.exposeString("code"),
    departmentCode: t.exposeString("departmentCode"),
    createdAt: t.field({ type: "DateTime", resolve: (p) => p.createdAt }),
    inForce: t.field({
      type: PolicyVersionRef,
      nullable: true,
      description: "The version in force on `asOf` (default today), if any.",
      args: { asOf: t.arg({ type: "Date" }) },
      resolve: async (p, args, ctx) => {
        const asOf = args.asOf ?? todayOf(ctx);
        const history = await policyHistory(ctx.db, p.code);
        return history.find((v) => inForceOn(v, asOf)) ?? null;
      },
    }),
    draft: t.field({
      type: PolicyVersionRef,
      nullable: true,
      description: "The open draft: its department only (null for others).",
      resolve: async (p, _args, ctx) => {
        if (departmentOf(ctx.principal) !== p.departmentCode) return null;
        const history = await policyHistory(ctx.db, p.code);
        return history.find((v) => v.status === "DRAFT") ?? null;
      },
    }),
    versions: t.field({
      type: [PolicyVersionRef],
      description: "The history, oldest first (drafts for its department only).",
      resolve: async (p, _args, ctx) =>
        (await policyHistory(ctx.db, p.code)).filter((v) => canSeeVersion(ctx.principal, v)),
    }),
  }),
});

// ── Impact preview ──────────────────────────────────────────────────────────
// The counts shared by the total and every bucket (objects inherit an interface's fields).
const ImpactFigures = builder.interfaceRef<ImpactCounts>("ImpactFigures").implement({
  description: "Households eligible, ineligible and undetermined, and the estimated amount.",
  fields: (t) => ({
    eligible: t.exposeInt("eligible"),
    ineligible: t.exposeInt("ineligible"),
    undetermined: t.exposeInt("undetermined"),
    households: t.exposeInt("households"),
    estimatedAmount: t.exposeFloat("estimatedAmount", {
      nullable: true,
      description: "元 over the eligible; null when the policy gives no money.",
    }),
    eligibleWithUnknownAmount: t.exposeInt("eligibleWithUnknownAmount", {
      description: "Eligible households whose amount rule is unknown (not in estimatedAmount).",
    }),
  }),
});

const ImpactCountsRef = builder.objectRef<ImpactCounts>("ImpactCounts").implement({
  interfaces: [ImpactFigures],
  isTypeOf: (value) => !("key" in (value as object)),
  fields: () => ({}),
});

const ImpactBucketRef = builder
  .objectRef<ImpactBucket & { dimension: string }>("ImpactBucket")
  .implement({
    description: "The counts of one value of a breakdown.",
    interfaces: [ImpactFigures],
    isTypeOf: (value) => "key" in (value as object),
    fields: (t) => ({
      key: t.exposeString("key", { nullable: true, description: "null: the value is unknown." }),
      labelZh: t.string({
        nullable: true,
        resolve: (b) => (b.key === null ? "未知" : (VALUE_LABELS[b.dimension]?.[b.key] ?? null)),
      }),
    }),
  });

const PolicyImpactRef = builder.objectRef<PolicyImpact>("PolicyImpact").implement({
  description: "How many households a rule reaches as of a date, computed over all of them in SQL.",
  fields: (t) => {
    const breakdown = (dimension: "type" | "category" | "countyCode" | "industrySection") =>
      t.field({
        type: [ImpactBucketRef],
        resolve: (impact: PolicyImpact) => {
          const buckets = {
            type: impact.byType,
            category: impact.byCategory,
            countyCode: impact.byCounty,
            industrySection: impact.byIndustrySection,
          }[dimension];
          return buckets.map((b) => ({ ...b, dimension }));
        },
      });
    return {
      asOf: t.field({ type: "Date", resolve: (i) => i.asOf }),
      total: t.field({ type: ImpactCountsRef, resolve: (i) => i.total }),
      byType: breakdown("type"),
      byCategory: breakdown("category"),
      byCounty: breakdown("countyCode"),
      byIndustrySection: breakdown("industrySection"),
    };
  },
});

/** The rule (and amount) to preview: a version of the department's own, or a bare rule. */
async function impactTarget(
  ctx: Context,
  args: { code?: string | null; versionId?: string | null; rule?: unknown; amount?: unknown },
): Promise<ImpactTarget> {
  const given = [args.code, args.versionId, args.rule].filter((a) => a != null).length;
  if (given !== 1) throw new BadInputError("give exactly one of code, versionId or rule", "rule");
  const department = editorOf(ctx).departmentCode;
  if (args.rule != null) {
    const rule = validateRule(args.rule, { expect: "boolean" });
    if (!rule.ok) refuse("invalid rule", prefix(rule.issues, "/rule"), "rule");
    if (args.amount == null) return { rule: rule.rule, amount: null };
    if (typeof args.amount === "number") {
      if (!Number.isFinite(args.amount) || args.amount < 0) {
        throw new BadInputError("amount must be a number of 元, zero or more", "amount");
      }
      return { rule: rule.rule, amount: args.amount };
    }
    const amount = validateRule(args.amount, { expect: "number" });
    if (!amount.ok) refuse("invalid amount", prefix(amount.issues, "/amount"), "amount");
    return { rule: rule.rule, amount: amount.rule };
  }
  let version: PolicyVersion | undefined;
  if (args.versionId != null) {
    version = await policyVersionById(ctx.db, args.versionId);
    if (!version) throw new NotFoundError(`no policy version ${args.versionId}`);
  } else {
    const history = await policyHistory(ctx.db, args.code as string);
    version = history.find((v) => v.status === "DRAFT") ?? history.at(-1);
    if (!version) throw new NotFoundError(`no policy ${args.code}`);
  }
  if (version.status === "DRAFT" && version.departmentCode !== department) {
    throw new ForbiddenError(`policy ${version.code} belongs to ${version.departmentCode}`);
  }
  const compiled = compiledPolicyOf(ctx.policyRules, version);
  return {
    rule: compiled.eligibility.rule,
    amount: compiled.amountRule?.rule ?? compiled.fixedAmount,
  };
}

function prefix(issues: readonly { path: string; message: string }[], path: string) {
  return issues.map((i) => ({ path: `${path}${i.path}`, message: i.message }));
}

// ── Inputs ──────────────────────────────────────────────────────────────────
const LegalBasisInput = builder.inputType("LegalBasisInput", {
  fields: (t) => ({
    document: t.string({ required: true, description: "e.g. 郑市监〔2025〕6号" }),
    clause: t.string({ required: true, description: "e.g. 三(一)3 生存型" }),
  }),
});

const PolicyExampleInput = builder.inputType("PolicyExampleInput", {
  fields: (t) => ({
    name: t.string({ required: true }),
    facts: t.field({
      type: "JSON",
      required: true,
      description: "Facts by name: every fact the rules read (null for unknown).",
    }),
    expected: t.field({ type: EligibilityOutcomeEnum, required: true }),
    expectedAmount: t.float({ description: "For ELIGIBLE examples of a policy with an amount." }),
  }),
});

const contentFields = (required: boolean) =>
  builder.inputType(required ? "PolicyInput" : "PolicyPatch", {
    description: required
      ? "A policy's content. Examples: at least one ELIGIBLE and one INELIGIBLE."
      : "The fields to change; the rest is kept from the open draft or the latest version.",
    fields: (t) => ({
      title: t.string({ required }),
      kind: t.field({ type: PolicyKindEnum, required }),
      mode: t.field({ type: PolicyModeEnum, required }),
      howToApply: t.string({ description: "Required for APPLY." }),
      rule: t.field({ type: "JSON", required, description: "JSON-logic over catalog facts." }),
      benefit: t.string({ required }),
      amount: t.field({
        type: "JSON",
        description: "null, a number of 元, or a rule over facts giving the number.",
      }),
      legalBasis: t.field({ type: LegalBasisInput, required }),
      effectiveFrom: t.field({ type: "Date", required }),
      effectiveUntil: t.field({ type: "Date", description: "Last day in force (inclusive)." }),
      grantPeriod: t.field({ type: GrantPeriodEnum, description: "Default CALENDAR_YEAR." }),
      examples: t.field({ type: [PolicyExampleInput], required }),
      notes: t.string(),
    }),
  });
const PolicyInput = contentFields(true);
const PolicyPatch = contentFields(false);

/**
 * GraphQL input objects as plain JSON: fields not sent are left out (a patch keeps them), explicit
 * nulls stay (a patch clears them).
 */
function plain(input: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(input)) as Record<string, unknown>;
}

// ── Root fields ─────────────────────────────────────────────────────────────
builder.queryFields((t) => ({
  policy: t.field({
    type: PolicyRef,
    nullable: true,
    description: "One policy by code (any token).",
    authScopes: { signedIn: true },
    args: { code: t.arg.string({ required: true }) },
    resolve: async (_root, { code }, ctx) => (await getPolicy(ctx.db, code)) ?? null,
  }),
  policies: t.field({
    type: [PolicyVersionRef],
    description:
      "Each policy's latest version (drafts: its own department only), or with inForceOn the versions in force on that date.",
    authScopes: { signedIn: true },
    args: {
      departmentCode: t.arg.string(),
      kind: t.arg({ type: PolicyKindEnum }),
      mode: t.arg({ type: PolicyModeEnum }),
      status: t.arg({ type: PolicyVersionStatusEnum }),
      inForceOn: t.arg({ type: "Date" }),
    },
    resolve: (_root, args, ctx) =>
      listPolicies(ctx.db, args, { draftsOf: departmentOf(ctx.principal) }),
  }),
  policiesInForce: t.field({
    type: [PolicyVersionRef],
    description: "The published versions in force on a date (default today), by code.",
    authScopes: { signedIn: true },
    args: { asOf: t.arg({ type: "Date" }) },
    resolve: (_root, args, ctx) => policiesInForce(ctx.db, args.asOf ?? todayOf(ctx)),
  }),
  policyVersion: t.field({
    type: PolicyVersionRef,
    nullable: true,
    description: "One version by id: published ones for any token, drafts for their department.",
    authScopes: { signedIn: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const version = await policyVersionById(ctx.db, String(id));
      if (!version) return null;
      if (!canSeeVersion(ctx.principal, version)) {
        throw new ForbiddenError(`this draft belongs to ${version.departmentCode}`);
      }
      return version;
    },
  }),
  previewPolicyImpact: t.field({
    type: PolicyImpactRef,
    description:
      "How many households a policy (its draft, else its latest version), a version, or a bare rule makes eligible as of a date, by type, category, county and industry section, with the estimated amount. Departments only.",
    authScopes: { department: true },
    complexity: 50,
    args: {
      asOf: t.arg({ type: "Date", description: "Default: today." }),
      code: t.arg.string({
        description: "A policy of one's own department: its draft, else its latest version.",
      }),
      versionId: t.arg.id(),
      rule: t.arg({ type: "JSON", description: "A bare eligibility rule." }),
      amount: t.arg({ type: "JSON", description: "With rule: a number of 元 or an amount rule." }),
    },
    resolve: async (_root, args, ctx) => {
      const target = await impactTarget(ctx, {
        code: args.code,
        versionId: args.versionId == null ? null : String(args.versionId),
        rule: args.rule,
        amount: args.amount,
      });
      return previewPolicyImpact(ctx.db, target, args.asOf ?? todayOf(ctx));
    },
  }),
}));

builder.mutationFields((t) => ({
  createPolicy: t.field({
    type: PolicyVersionRef,
    description: "A new policy of the caller's department, as draft version 1.",
    authScopes: { department: true },
    args: {
      code: t.arg.string({
        required: true,
        description: "Stable code, e.g. SAMR_FAMOUS_PROMOTION.",
      }),
      input: t.arg({ type: PolicyInput, required: true }),
    },
    resolve: (_root, args, ctx) =>
      createPolicy(ctx.db, editorOf(ctx), args.code, plain(args.input)),
  }),
  updatePolicyDraft: t.field({
    type: PolicyVersionRef,
    description:
      "Changes the open draft, or makes a new draft from the latest version (published versions never change).",
    authScopes: { department: true },
    args: {
      code: t.arg.string({ required: true }),
      input: t.arg({ type: PolicyPatch, required: true }),
    },
    resolve: (_root, args, ctx) =>
      updatePolicyDraft(ctx.db, editorOf(ctx), args.code, plain(args.input)),
  }),
  discardPolicyDraft: t.field({
    type: PolicyVersionRef,
    description: "Drops the open draft (returns it as it was).",
    authScopes: { department: true },
    args: { code: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => discardPolicyDraft(ctx.db, editorOf(ctx), args.code),
  }),
  publishPolicy: t.field({
    type: PolicyVersionRef,
    description:
      "Publishes the open draft, in force from effectiveFrom (default: the draft's). Refused while an example fails.",
    authScopes: { department: true },
    args: {
      code: t.arg.string({ required: true }),
      effectiveFrom: t.arg({ type: "Date" }),
    },
    resolve: async (_root, args, ctx) => {
      const version = await publishPolicy(ctx.db, editorOf(ctx), args.code, {
        effectiveFrom: args.effectiveFrom,
      });
      // 三(一)3 免申即享: an AUTO version in force today is granted at once (a failed grant run
      // is logged; the publication stands and the next grant run catches up).
      await grantAfterPublish(ctx.db, version, ctx.now(), {
        actor: actorOf(ctx.principal),
        onError: (error) => ctx.logger.error({ err: error }, "grant run after publishing failed"),
      });
      return version;
    },
  }),
  retirePolicy: t.field({
    type: PolicyVersionRef,
    description: "Ends the policy: the published version stays in force through lastDay.",
    authScopes: { department: true },
    args: {
      code: t.arg.string({ required: true }),
      lastDay: t.arg({ type: "Date", required: true, description: "The last day in force." }),
    },
    resolve: (_root, args, ctx) => retirePolicy(ctx.db, editorOf(ctx), args.code, args.lastDay),
  }),
}));
