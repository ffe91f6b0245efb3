import { createContextCache } from "@pothos/core";
import DataLoader from "dataloader";
import { actorOf, canSeeHousehold } from "../auth/principal.ts";
import type { HouseholdRow } from "../db/types.ts";
import { BadInputError } from "../errors.ts";
import { grantAfterTypingRun } from "../grants/grant-triggers.ts";
import { getHousehold } from "../households/household-queries.ts";
import { staticText } from "../matching/explain-text.ts";
import { type CompiledStandard, compileTypingStandard } from "../typing/decide-type.ts";
import {
  appliedStandard,
  explainTypingResult,
  type TypingExplanation,
} from "../typing/explain-typing.ts";
import { loadTypingStandards, standardFor } from "../typing/load-typing-standards.ts";
import { lookupTyping, type PublicTyping } from "../typing/lookup-typing.ts";
import {
  type RUN_KINDS,
  runTyping,
  type TypingCounts,
  type TypingRunRow,
} from "../typing/run-typing.ts";
import { standardTextEn, standardTextZh } from "../typing/standard-text.ts";
import {
  decideTypingObjection,
  fileTypingObjection,
  getTypingObjection,
  listTypingObjections,
  type OBJECTION_STATUSES,
  objectionsOf,
  type TypingObjectionRow,
} from "../typing/typing-objections.ts";
import {
  type CurrentTypingOf,
  currentTypingsOf,
  getTypingRun,
  type Keyset,
  listTypingRuns,
  type TypingCorrectionRow,
  type TypingResultRow,
  typingResultsOf,
} from "../typing/typing-queries.ts";
import {
  codeLabel,
  isTypeCode,
  TYPE_CODES,
  TYPE_LABELS,
  type TypeCode,
  type TypingStandard,
} from "../typing/typing-standard.ts";
import { builder } from "./builder.ts";
import { type Context, todayOf } from "./context.ts";
import { HouseholdRef } from "./household.ts";
import { connectionFromRows, decodeCursor, forwardPage } from "./pagination.ts";

// 三(一) 个体工商户分型: runs, a household's type with its explanation and history, the public
// lookup and the standard (查询公示), objections (异议处理). Thin over src/typing.

/** Per-request caches: current typings by USCC (one batch per page), standards by version. */
const cachesOf = createContextCache((ctx: Context) => ({
  current: new DataLoader<string, CurrentTypingOf | null>(async (usccs) => {
    const found = await currentTypingsOf(ctx.db, usccs);
    return usccs.map((u) => found.get(u) ?? null);
  }),
  standards: new Map<string, Promise<CompiledStandard>>(),
  explanations: new Map<string, Promise<TypingExplanation>>(),
}));

function compiledStandard(ctx: Context, version: string): Promise<CompiledStandard> {
  const cache = cachesOf(ctx).standards;
  let found = cache.get(version);
  if (!found) {
    found = appliedStandard(ctx.db, version).then(compileTypingStandard);
    cache.set(version, found);
  }
  return found;
}

// ── Enums ────────────────────────────────────────────────────────────────────
export const HouseholdTypeEnum = builder.enumType("HouseholdType", {
  description: "分型结果 (三(一)1).",
  values: Object.fromEntries(
    TYPE_CODES.map((code) => [code, { description: TYPE_LABELS[code].zh }]),
  ) as Record<TypeCode, { description: string }>,
});

const RunKindEnum = builder.enumType("TypingRunKind", {
  description: "三(一)2 分型周期.",
  values: {
    YEARLY: { description: "每年7月年报结束后的集中分型判定 (the 名特优新 quota's base)" },
    ADHOC: { description: "其他时间的定期或不定期分型判定" },
  } as const,
});

const ObjectionStatusEnum = builder.enumType("TypingObjectionStatus", {
  values: {
    OPEN: { description: "待处理" },
    ACCEPTED: { description: "已受理并更正分型结果" },
    REJECTED: { description: "未予更正，已答复" },
  } as const,
});

const asType = (value: string) => value as TypeCode;
/** A timestamptz column as read (a Date; the table types leave a generated one unresolved). */
const instant = (value: unknown) => value as Date;

// ── Runs ─────────────────────────────────────────────────────────────────────
const TypingCountRef = builder
  .objectRef<{ countyCode: string; type: string; households: number }>("TypingCount")
  .implement({
    fields: (t) => ({
      countyCode: t.exposeString("countyCode"),
      type: t.field({ type: HouseholdTypeEnum, resolve: (c) => asType(c.type) }),
      households: t.exposeInt("households"),
    }),
  });

const TypingTypeCountRef = builder
  .objectRef<{ type: string; households: number }>("TypingTypeCount")
  .implement({
    fields: (t) => ({
      type: t.field({ type: HouseholdTypeEnum, resolve: (c) => asType(c.type) }),
      households: t.exposeInt("households"),
    }),
  });

function countsOf(run: TypingRunRow): TypingCounts {
  const raw = typeof run.counts === "string" ? JSON.parse(run.counts) : run.counts;
  return (raw as TypingCounts | null) ?? { total: 0, byType: {}, byCounty: {} };
}

export const TypingRunRef = builder.objectRef<TypingRunRow>("TypingRun").implement({
  description:
    "A typing run (分型判定) as of a date. Current: the finished run of the latest as-of date (of two with the same date, the one finished last). A run without finishedAt never took effect.",
  fields: (t) => ({
    id: t.exposeID("id"),
    asOf: t.field({ type: "Date", resolve: (r) => r.as_of }),
    kind: t.field({ type: RunKindEnum, resolve: (r) => r.kind as (typeof RUN_KINDS)[number] }),
    standardVersion: t.exposeString("standard_version"),
    startedAt: t.field({ type: "DateTime", resolve: (r) => r.started_at }),
    finishedAt: t.field({ type: "DateTime", nullable: true, resolve: (r) => r.finished_at }),
    failedAt: t.field({ type: "DateTime", nullable: true, resolve: (r) => r.failed_at }),
    error: t.string({
      nullable: true,
      description: "Why it failed (its results were rolled back).",
      resolve: (r) => r.error,
    }),
    total: t.int({
      description: "Households typed (0 until finished).",
      resolve: (r) => countsOf(r).total,
    }),
    countsByType: t.field({
      type: [TypingTypeCountRef],
      resolve: (r) =>
        Object.entries(countsOf(r).byType).map(([type, households]) => ({ type, households })),
    }),
    counts: t.field({
      type: [TypingCountRef],
      description: "Households by county and type.",
      resolve: (r) =>
        Object.entries(countsOf(r).byCounty)
          .sort(([a], [b]) => a.localeCompare(b))
          .flatMap(([countyCode, byType]) =>
            Object.entries(byType).map(([type, households]) => ({ countyCode, type, households })),
          ),
    }),
  }),
});

// ── A household's typing ─────────────────────────────────────────────────────
interface TypingView {
  household: HouseholdRow;
  result: TypingResultRow;
  /** Only on the current typing: the accepted objection's correction in force. */
  correction: TypingCorrectionRow | null;
}

function explanationOf(view: TypingView, ctx: Context): Promise<TypingExplanation> {
  const cache = cachesOf(ctx).explanations;
  const key = `${view.result.run.id}|${view.household.uscc}|${view.correction?.objection_id ?? ""}`;
  let found = cache.get(key);
  if (!found) {
    found = compiledStandard(ctx, view.result.run.standard_version).then((compiled) =>
      explainTypingResult(
        ctx.db,
        compiled,
        view.household.uscc,
        view.result.run,
        view.result,
        view.correction,
      ),
    );
    cache.set(key, found);
  }
  return found;
}

const TypingReasonRef = builder
  .objectRef<{ code: string; label: string; clause: string | null }>("TypingReason")
  .implement({
    description: "A reason code of a result with its Chinese label and the seed's clause.",
    fields: (t) => ({
      code: t.exposeString("code"),
      label: t.exposeString("label"),
      clause: t.exposeString("clause", { nullable: true }),
    }),
  });

const TypingConditionRef = builder
  .objectRef<{
    code: string;
    labelZh: string;
    clause: string;
    holds: boolean | null;
    text: string;
  }>("TypingCondition")
  .implement({
    description: "One condition of the standard on the household's facts as of the run's date.",
    fields: (t) => ({
      code: t.exposeString("code"),
      label: t.exposeString("labelZh"),
      clause: t.exposeString("clause"),
      holds: t.boolean({
        nullable: true,
        description: "null: a figure it needs is unknown (which counts as not holding).",
        resolve: (c) => c.holds,
      }),
      text: t.exposeString("text", { description: "e.g. 上年度营业收入 45.2万元 ≥ 30万元：满足" }),
    }),
  });

const TypingTypeCheckRef = builder
  .objectRef<{
    type: string;
    labelZh: string;
    applies: boolean;
    requires: { labelZh: string; holds: boolean | null; text: string } | null;
    conditions: {
      code: string;
      labelZh: string;
      clause: string;
      holds: boolean | null;
      text: string;
    }[];
  }>("TypingTypeCheck")
  .implement({
    description: "One type of the standard checked: its requirement and its conditions.",
    fields: (t) => ({
      type: t.field({ type: HouseholdTypeEnum, resolve: (c) => asType(c.type) }),
      label: t.exposeString("labelZh"),
      applies: t.exposeBoolean("applies"),
      requirement: t.string({
        nullable: true,
        resolve: (c) => (c.requires ? `${c.requires.labelZh}——${c.requires.text}` : null),
      }),
      conditions: t.field({ type: [TypingConditionRef], resolve: (c) => c.conditions }),
    }),
  });

const TypingCorrectionRef = builder.objectRef<TypingCorrectionRow>("TypingCorrection").implement({
  description:
    "An accepted objection's corrected type: in force until the household's facts change.",
  fields: (t) => ({
    type: t.field({ type: HouseholdTypeEnum, resolve: (c) => asType(c.type) }),
    reason: t.exposeString("reason"),
    correctedAt: t.field({ type: "DateTime", resolve: (c) => instant(c.corrected_at) }),
    objectionId: t.exposeID("objection_id"),
  }),
});

const HouseholdTypingRef = builder.objectRef<TypingView>("HouseholdTyping").implement({
  description: "A household's typing result in a run, with why.",
  fields: (t) => ({
    type: t.field({
      type: HouseholdTypeEnum,
      description: "The type in force: the correction's when one stands, else the run's result.",
      resolve: (v) => asType(v.correction?.type ?? v.result.type),
    }),
    typeLabel: t.string({
      description: "生存型 / 成长型 / 发展型 / 不符合分型条件",
      resolve: (v) => {
        const type = v.correction?.type ?? v.result.type;
        return isTypeCode(type) ? TYPE_LABELS[type].zh : type;
      },
    }),
    result: t.field({
      type: HouseholdTypeEnum,
      description: "The run's result (before any correction).",
      resolve: (v) => asType(v.result.type),
    }),
    asOf: t.field({ type: "Date", resolve: (v) => v.result.run.as_of }),
    run: t.field({ type: TypingRunRef, resolve: (v) => v.result.run }),
    codes: t.stringList({
      description:
        "The codes of the conditions that held (the result's first), or the base-standard failures, or INSUFFICIENT_DATA.",
      resolve: (v) => v.result.codes,
    }),
    reasons: t.field({
      type: [TypingReasonRef],
      resolve: async (v, _a, ctx) => {
        const { standard } = await compiledStandard(ctx, v.result.run.standard_version);
        return v.result.codes.map((code) => {
          const label = codeLabel(standard, code);
          return { code, label: label?.zh ?? code, clause: label?.clause ?? null };
        });
      },
    }),
    explanation: t.string({
      description:
        "Why, in Chinese: the run's standard on the household's facts as of the run's date, each condition with its figures.",
      resolve: async (v, _a, ctx) => (await explanationOf(v, ctx)).text,
    }),
    baseConditions: t.field({
      type: [TypingConditionRef],
      description: "基础标准, condition by condition.",
      resolve: async (v, _a, ctx) => (await explanationOf(v, ctx)).decision.base,
    }),
    typeChecks: t.field({
      type: [TypingTypeCheckRef],
      description: "Each type in the standard's order (empty when the base standard fails).",
      resolve: async (v, _a, ctx) => (await explanationOf(v, ctx)).decision.types,
    }),
    correction: t.field({
      type: TypingCorrectionRef,
      nullable: true,
      resolve: (v) => v.correction,
    }),
  }),
});

// ── Objections ───────────────────────────────────────────────────────────────
const TypingObjectionRef = builder.objectRef<TypingObjectionRow>("TypingObjection").implement({
  description:
    "异议: a household's objection to its type. Seen by the household and by operators of its county.",
  authScopes: (o, ctx) => canSeeHousehold(ctx.principal, o.uscc, o.county_code),
  fields: (t) => ({
    id: t.exposeID("id"),
    uscc: t.exposeString("uscc"),
    countyCode: t.exposeString("county_code"),
    household: t.field({
      type: HouseholdRef,
      nullable: true,
      resolve: async (o, _a, ctx) => (await getHousehold(ctx.db, o.uscc)) ?? null,
    }),
    objectedType: t.field({
      type: HouseholdTypeEnum,
      description: "The type in force when filed.",
      resolve: (o) => asType(o.objected_type),
    }),
    run: t.field({
      type: TypingRunRef,
      nullable: true,
      resolve: async (o, _a, ctx) =>
        o.run_id ? ((await getTypingRun(ctx.db, o.run_id)) ?? null) : null,
    }),
    reason: t.exposeString("reason"),
    status: t.field({
      type: ObjectionStatusEnum,
      resolve: (o) => o.status as (typeof OBJECTION_STATUSES)[number],
    }),
    filedAt: t.field({ type: "DateTime", resolve: (o) => instant(o.filed_at) }),
    decidedAt: t.field({ type: "DateTime", nullable: true, resolve: (o) => o.decided_at }),
    correctedType: t.field({
      type: HouseholdTypeEnum,
      nullable: true,
      resolve: (o) => (o.corrected_type ? asType(o.corrected_type) : null),
    }),
    answer: t.string({
      nullable: true,
      description: "The operator's answer: the reason for the correction, or why not.",
      resolve: (o) => o.answer,
    }),
  }),
});

// ── On Household ─────────────────────────────────────────────────────────────
builder.objectFields(HouseholdRef, (t) => ({
  typing: t.field({
    type: HouseholdTypingRef,
    nullable: true,
    description:
      "The type in force (the fact `type`) with its explanation and the run it came from; null before the household is typed.",
    resolve: async (h, _a, ctx) => {
      const current = await cachesOf(ctx).current.load(h.uscc);
      if (!current) return null;
      let result = current.result;
      // A correction without a result in the current run (a run as of an earlier date): explain
      // it on the household's latest result.
      if (!result) result = (await typingResultsOf(ctx.db, h.uscc, 1))[0];
      if (!result) return null;
      return { household: h, result, correction: current.correction ?? null };
    },
  }),
  typingHistory: t.field({
    type: [HouseholdTypingRef],
    description:
      "Its results in the other finished runs (not the current one), the latest as-of date first (of two with the same date, the one finished last).",
    args: { first: t.arg.int({ defaultValue: 20 }) },
    resolve: async (h, args, ctx) => {
      const first = args.first ?? 20;
      if (first < 1 || first > 100) throw new BadInputError("first must be 1 to 100", "first");
      const current = await cachesOf(ctx).current.load(h.uscc);
      const currentRunId = current?.result?.run.id;
      const results = await typingResultsOf(ctx.db, h.uscc, first + 1);
      return results
        .filter((r) => r.run.id !== currentRunId)
        .slice(0, first)
        .map((result) => ({ household: h, result, correction: null }));
    },
  }),
  typingObjections: t.field({
    type: [TypingObjectionRef],
    description: "Its objections, newest first, with the answers.",
    resolve: (h, _a, ctx) => objectionsOf(ctx.db, h.uscc),
  }),
}));

// ── The standard and the public lookup (查询公示) ─────────────────────────────
const StandardConditionRef = builder
  .objectRef<{ code: string; labelZh: string; labelEn: string; clause: string; formula: string }>(
    "TypingStandardCondition",
  )
  .implement({
    fields: (t) => ({
      code: t.exposeString("code"),
      label: t.exposeString("labelZh"),
      labelEn: t.exposeString("labelEn"),
      clause: t.exposeString("clause"),
      formula: t.exposeString("formula", {
        description: "The rule in Chinese, e.g. 上年度实际缴纳税款 ≤ 1万元",
      }),
    }),
  });

const StandardTypeRef = builder
  .objectRef<{
    type: string;
    labelZh: string;
    requirement: string | null;
    conditions: {
      code: string;
      labelZh: string;
      labelEn: string;
      clause: string;
      formula: string;
    }[];
  }>("TypingStandardType")
  .implement({
    fields: (t) => ({
      type: t.field({ type: HouseholdTypeEnum, resolve: (s) => asType(s.type) }),
      label: t.exposeString("labelZh"),
      requirement: t.exposeString("requirement", { nullable: true }),
      conditions: t.field({ type: [StandardConditionRef], resolve: (s) => s.conditions }),
    }),
  });

const TypingStandardRef = builder.objectRef<TypingStandard>("TypingStandard").implement({
  description:
    "分型标准: the typing standard, a version of policies-data/typing/, readable by anyone.",
  fields: (t) => ({
    version: t.exposeString("version"),
    title: t.exposeString("titleZh"),
    source: t.exposeString("source"),
    effectiveFrom: t.field({ type: "Date", nullable: true, resolve: (s) => s.effectiveFrom }),
    text: t.string({
      description: "The whole standard in Chinese.",
      resolve: (s) => standardTextZh(s),
    }),
    textEn: t.string({
      description: "The whole standard in English.",
      resolve: (s) => standardTextEn(s),
    }),
    baseConditions: t.field({
      type: [StandardConditionRef],
      resolve: (s) => s.base.conditions.map((c) => ({ ...c, formula: staticText(c.rule.root) })),
    }),
    types: t.field({
      type: [StandardTypeRef],
      description: "In the order they are tried: the first that applies is the result.",
      resolve: (s) =>
        s.types.map((ty) => ({
          type: ty.type,
          labelZh: ty.labelZh,
          requirement: ty.requires
            ? `${ty.requires.labelZh}［${staticText(ty.requires.rule.root)}］`
            : null,
          conditions: ty.conditions.map((c) => ({ ...c, formula: staticText(c.rule.root) })),
        })),
    }),
    otherwiseCode: t.string({ resolve: (s) => s.otherwise.code }),
  }),
});

const PublicTypingRef = builder.objectRef<PublicTyping>("PublicTyping").implement({
  description:
    "查询公示: a household's published type. Exactly these five fields; nothing else of the household is reachable from here.",
  fields: (t) => ({
    name: t.exposeString("name", { description: "字号名称" }),
    uscc: t.exposeString("uscc", { description: "统一社会信用代码" }),
    countyCode: t.exposeString("countyCode", { description: "登记区县 (GB/T 2260)" }),
    type: t.field({
      type: HouseholdTypeEnum,
      nullable: true,
      description: "null: not typed yet",
      resolve: (p) => (p.type ? asType(p.type) : null),
    }),
    asOf: t.field({ type: "Date", nullable: true, resolve: (p) => p.asOf }),
  }),
});

// ── Cursors ──────────────────────────────────────────────────────────────────
const keysetCursor = (row: { keyset: Keyset }) => `${row.keyset.at}|${row.keyset.id}`;

function parseKeyset(after: string | undefined): Keyset | undefined {
  const key = decodeCursor(after);
  if (key === undefined) return undefined;
  const bar = key.lastIndexOf("|");
  const at = key.slice(0, bar);
  const id = key.slice(bar + 1);
  if (bar < 1 || Number.isNaN(new Date(at).getTime()) || !/^[0-9a-f-]{36}$/.test(id)) {
    throw new BadInputError("malformed cursor", "after");
  }
  return { at, id };
}

// ── Queries ──────────────────────────────────────────────────────────────────
builder.queryFields((t) => ({
  publicTyping: t.field({
    type: [PublicTypingRef],
    description:
      "查询公示, without a token: a household's type by exact USCC, or by name (the exact name first, then names containing it; at most 20).",
    authScopes: { public: true },
    args: { uscc: t.arg.string(), name: t.arg.string() },
    resolve: (_root, args, ctx) => lookupTyping(ctx.db, { uscc: args.uscc, name: args.name }),
  }),
  typingStandard: t.field({
    type: TypingStandardRef,
    description:
      "The typing standard in force on `asOf` (default today), or the given version; anyone may read it.",
    authScopes: { public: true },
    args: { version: t.arg.string(), asOf: t.arg({ type: "Date" }) },
    resolve: async (_root, args, ctx) =>
      standardFor(await loadTypingStandards(), args.asOf ?? todayOf(ctx), args.version ?? null),
  }),
  typingStandards: t.field({
    type: [TypingStandardRef],
    description: "Every version of the typing standard, oldest first.",
    authScopes: { public: true },
    resolve: () => loadTypingStandards(),
  }),
  typingRun: t.field({
    type: TypingRunRef,
    nullable: true,
    authScopes: { operator: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => (await getTypingRun(ctx.db, String(args.id))) ?? null,
  }),
  typingRuns: t.connection({
    type: TypingRunRef,
    description: "Typing runs, newest first (unfinished and failed ones included).",
    authScopes: { operator: true },
    resolve: async (_root, args, ctx) => {
      const { first, after } = forwardPage(args);
      const rows = await listTypingRuns(ctx.db, { after: parseKeyset(after), limit: first + 1 });
      return connectionFromRows(rows, first, keysetCursor);
    },
  }),
  typingObjection: t.field({
    type: TypingObjectionRef,
    nullable: true,
    description: "One objection: operators of its county, or the household itself.",
    authScopes: { operator: true, household: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) =>
      (await getTypingObjection(ctx.db, String(args.id))) ?? null,
  }),
  typingObjections: t.connection({
    type: TypingObjectionRef,
    description:
      "The objection queue, oldest first: a county operator sees its county, a city-wide one all.",
    authScopes: { operator: true },
    args: {
      status: t.arg({ type: ObjectionStatusEnum }),
      countyCode: t.arg.string(),
    },
    resolve: async (_root, args, ctx) => {
      const { first, after } = forwardPage(args);
      const rows = await listTypingObjections(
        ctx.db,
        ctx.principal,
        { status: args.status ?? null, countyCode: args.countyCode ?? null },
        { after: parseKeyset(after), limit: first + 1 },
      );
      return connectionFromRows(rows, first, keysetCursor);
    },
  }),
}));

// ── Mutations ────────────────────────────────────────────────────────────────
builder.mutationFields((t) => ({
  runTyping: t.field({
    type: TypingRunRef,
    description:
      "Types every household as of `asOf` (not after today in China) with the standard in force then (or `standardVersion`). City-wide operators only. Atomic: until it finishes, the previous run stays current.",
    authScopes: { cityOperator: true },
    args: {
      asOf: t.arg({ type: "Date", required: true }),
      kind: t.arg({ type: RunKindEnum, defaultValue: "ADHOC" }),
      standardVersion: t.arg.string(),
    },
    resolve: async (_root, args, ctx) => {
      const run = await runTyping(ctx.db, {
        asOf: args.asOf,
        kind: args.kind ?? "ADHOC",
        standardVersion: args.standardVersion ?? null,
        actor: actorOf(ctx.principal),
        now: ctx.now(),
      });
      // 三(一)3 免申即享: the types changed, so the grants follow (a failed grant run is logged;
      // the typing run stands and the next grant run catches up).
      await grantAfterTypingRun(ctx.db, run, {
        actor: actorOf(ctx.principal),
        onError: (error) => ctx.logger.error({ err: error }, "grant run after typing failed"),
      });
      return run;
    },
  }),
  fileTypingObjection: t.field({
    type: TypingObjectionRef,
    description:
      "异议: the household objects to its type in force, with its reason. Only the household itself (its token); one open objection at a time.",
    authScopes: { household: true },
    args: {
      uscc: t.arg.string({ required: true }),
      reason: t.arg.string({ required: true }),
    },
    resolve: (_root, args, ctx) =>
      fileTypingObjection(ctx.db, ctx.principal, { uscc: args.uscc, reason: args.reason }),
  }),
  acceptTypingObjection: t.field({
    type: TypingObjectionRef,
    description:
      "Accepts an open objection: sets the corrected type with the written reason (in force until the household's facts change). Operators of its county.",
    authScopes: { operator: true },
    args: {
      id: t.arg.id({ required: true }),
      type: t.arg({ type: HouseholdTypeEnum, required: true }),
      reason: t.arg.string({ required: true }),
    },
    resolve: (_root, args, ctx) =>
      decideTypingObjection(ctx.db, ctx.principal, String(args.id), {
        decision: "ACCEPT",
        type: args.type,
        reason: args.reason,
      }),
  }),
  rejectTypingObjection: t.field({
    type: TypingObjectionRef,
    description:
      "Rejects an open objection with an answer to the household. Operators of its county.",
    authScopes: { operator: true },
    args: {
      id: t.arg.id({ required: true }),
      answer: t.arg.string({ required: true }),
    },
    resolve: (_root, args, ctx) =>
      decideTypingObjection(ctx.db, ctx.principal, String(args.id), {
        decision: "REJECT",
        answer: args.answer,
      }),
  }),
}));
