import type { Principal } from "../auth/principal.ts";
import { actorOf, canSeeHousehold, unreachable } from "../auth/principal.ts";
import {
  type BankConsentRow,
  consentIsInForce,
  grantBankConsent,
  listBankConsents,
  revokeBankConsent,
} from "../banks/bank-consents.ts";
import { listingsPerMinute, setBankRateLimit } from "../banks/bank-rate-limits.ts";
import { consentFactsOf } from "../banks/credit-criteria.ts";
import {
  addCreditProductVersion,
  type BankActor,
  type CreditProductRow,
  type CreditProductVersionRow,
  listCreditProducts,
  productVersions,
  publishCreditProductVersion,
  registerCreditProduct,
  requireCreditProduct,
  retireCreditProduct,
  versionInForce,
  versionStatus,
} from "../banks/credit-products.ts";
import {
  countListing,
  type Listing,
  listCandidatesForBank,
} from "../banks/list-candidates-for-bank.ts";
import {
  accessCursorKey,
  listPreCreditAccess,
  type PreCreditAccessEntry,
} from "../banks/pre-credit-access.ts";
import type { PreCreditCandidate } from "../banks/pre-credit-candidates.ts";
import { ForbiddenError, NotFoundError } from "../errors.ts";
import { getHousehold } from "../households/household-queries.ts";
import { builder } from "./builder.ts";
import type { Context } from "./context.ts";
import { connectionFromRows, decodeCursor, forwardPage } from "./pagination.ts";

// 三(二)3 鼓励金融机构将分类结果应用于授信评价、金融产品匹配、预授信: banks' credit products,
// households' consent, candidate listings and their access log. Thin over src/banks.

function bankActor(ctx: Context): BankActor {
  if (ctx.principal.role !== "BANK") throw new ForbiddenError("only a bank may do this");
  return { bankCode: ctx.principal.bankCode, actor: actorOf(ctx.principal), at: ctx.now() };
}

function householdActor(ctx: Context) {
  if (ctx.principal.role !== "HOUSEHOLD") throw new ForbiddenError("only a household may do this");
  return { uscc: ctx.principal.uscc, actor: actorOf(ctx.principal), at: ctx.now() };
}

/**
 * The bank whose data a principal may read: a bank only its own (naming another is FORBIDDEN),
 * an operator any one or all (null).
 */
function readableBank(principal: Principal, bankCode: string | null | undefined): string | null {
  switch (principal.role) {
    case "BANK":
      if (bankCode && bankCode !== principal.bankCode) {
        throw new ForbiddenError(`a bank sees only its own data (${principal.bankCode})`);
      }
      return principal.bankCode;
    case "OPERATOR":
      return bankCode ?? null;
    case "PUBLIC":
    case "DEPARTMENT":
    case "HOUSEHOLD":
      throw new ForbiddenError("only banks and operators may read this");
    default:
      return unreachable(principal);
  }
}

const VersionStatusEnum = builder.enumType("CreditProductVersionStatus", {
  values: {
    DRAFT: { description: "Written, not in force; may be listed as a preview." },
    PUBLISHED: { description: "The version in force." },
    SUPERSEDED: { description: "Was in force until a later version was published." },
  } as const,
});

type VersionWithProduct = CreditProductVersionRow & { inForceVersion: number | null };

const CreditProductVersionRef = builder
  .objectRef<VersionWithProduct>("CreditProductVersion")
  .implement({
    description: "One immutable version of a product's criteria: a change is a new version.",
    fields: (t) => ({
      version: t.exposeInt("version"),
      status: t.field({
        type: VersionStatusEnum,
        resolve: (v) => versionStatus(v, v.inForceVersion),
      }),
      criteria: t.field({
        type: "JSON",
        description: "The rule (JSON-logic over the fact catalog's PUBLIC and BANK facts).",
        resolve: (v) => v.criteria,
      }),
      criteriaHash: t.exposeString("criteria_hash", {
        description: "sha256 of the canonical criteria, as recorded in the access log.",
      }),
      facts: t.exposeStringList("facts", { description: "The facts the criteria read." }),
      consentFacts: t.stringList({
        description:
          "The BANK facts the criteria read: when there are any, only households whose consent to the bank is in force can match.",
        resolve: (v) => consentFactsOf(v.facts),
      }),
      note: t.exposeString("note", { nullable: true }),
      createdAt: t.field({ type: "DateTime", resolve: (v) => v.created_at }),
      publishedAt: t.field({ type: "DateTime", nullable: true, resolve: (v) => v.published_at }),
    }),
  });

async function withInForce(
  ctx: Context,
  productId: string,
  versions: CreditProductVersionRow[],
): Promise<VersionWithProduct[]> {
  const inForce = await versionInForce(ctx.db, productId);
  return versions.map((v) => ({ ...v, inForceVersion: inForce?.version ?? null }));
}

const CreditProductRef = builder.objectRef<CreditProductRow>("CreditProduct").implement({
  description: "A bank's credit product for pre-credit (预授信). A bank sees only its own.",
  fields: (t) => ({
    id: t.exposeID("id"),
    bankCode: t.exposeString("bank_code"),
    code: t.exposeString("code", { description: "The bank's own product code." }),
    name: t.exposeString("name"),
    description: t.exposeString("description", { nullable: true }),
    retired: t.boolean({ resolve: (p) => p.retired_at !== null }),
    retiredAt: t.field({ type: "DateTime", nullable: true, resolve: (p) => p.retired_at }),
    retiredReason: t.exposeString("retired_reason", { nullable: true }),
    createdAt: t.field({ type: "DateTime", resolve: (p) => p.created_at }),
    versionInForce: t.field({
      type: CreditProductVersionRef,
      nullable: true,
      description: "The latest published version, listed by default; null before any is.",
      resolve: async (p, _a, ctx) => {
        const v = await versionInForce(ctx.db, p.id);
        return v ? { ...v, inForceVersion: v.version } : null;
      },
    }),
    versions: t.field({
      type: [CreditProductVersionRef],
      description: "Every version, oldest first.",
      resolve: async (p, _a, ctx) => withInForce(ctx, p.id, await productVersions(ctx.db, p.id)),
    }),
  }),
});

const PreCreditCandidateRef = builder
  .objectRef<PreCreditCandidate>("PreCreditCandidate")
  .implement({
    description:
      "A household matching a product. Public facts always; its own figures (BANK facts) only while its consent to this bank, or to all banks, is in force — null otherwise, whatever they are.",
    fields: (t) => ({
      uscc: t.exposeString("uscc", { description: "统一社会信用代码" }),
      name: t.exposeString("name", { description: "字号名称" }),
      consentInForce: t.exposeBoolean("consentInForce", {
        description: "The household's consent to this bank (or to all banks) is in force.",
      }),
      type: t.exposeString("type", {
        nullable: true,
        description: "分型结果: SURVIVAL, GROWTH, DEVELOPMENT or NOT_CLASSIFIABLE",
      }),
      category: t.exposeString("category", {
        description: "名特优新: NONE, FAMOUS, DISTINCTIVE, QUALITY or EMERGING",
      }),
      countyCode: t.exposeString("countyCode"),
      industryCode: t.exposeString("industryCode", { nullable: true }),
      industrySection: t.exposeString("industrySection", { nullable: true }),
      registeredYears: t.exposeInt("registeredYears"),
      taxPaidLastYear: t.exposeFloat("taxPaidLastYear", {
        nullable: true,
        description: "上年度实际缴纳税款, 元 (consent only)",
      }),
      insuredEmployeesLastYear: t.exposeInt("insuredEmployeesLastYear", {
        nullable: true,
        description: "上年度参保人数 (consent only)",
      }),
      revenueLastYear: t.exposeFloat("revenueLastYear", {
        nullable: true,
        description: "上年度营业收入, 元 (consent only)",
      }),
    }),
  });

const BankConsentRef = builder.objectRef<BankConsentRow>("BankConsent").implement({
  description: "A household's consent that a bank (or every bank) may match on its own figures.",
  fields: (t) => ({
    id: t.exposeID("id"),
    uscc: t.exposeString("uscc"),
    bankCode: t.exposeString("bank_code", {
      nullable: true,
      description: "The bank holding the consent; null: all banks.",
    }),
    allBanks: t.boolean({ resolve: (c) => c.bank_code === null }),
    grantedAt: t.field({ type: "DateTime", resolve: (c) => c.granted_at }),
    validUntil: t.field({
      type: "Date",
      description: "Last day in force (China time), inclusive.",
      resolve: (c) => c.valid_until,
    }),
    revokedAt: t.field({ type: "DateTime", nullable: true, resolve: (c) => c.revoked_at }),
    revokedReason: t.exposeString("revoked_reason", {
      nullable: true,
      description: "REVOKED by the household, or REPLACED by a later grant to the same bank.",
    }),
    inForce: t.boolean({ resolve: (c, _a, ctx) => consentIsInForce(c, ctx.now()) }),
  }),
});

const PreCreditAccessRef = builder.objectRef<PreCreditAccessEntry>("PreCreditAccess").implement({
  description: "One candidate listing by a bank, recorded before any household was read.",
  fields: (t) => ({
    id: t.exposeID("id"),
    at: t.field({ type: "DateTime", resolve: (a) => a.at }),
    bankCode: t.exposeString("bank_code"),
    tokenId: t.exposeString("token_id", { description: "The id (never the secret) of the token." }),
    productId: t.exposeID("product_id"),
    productVersion: t.exposeInt("product_version"),
    criteriaHash: t.exposeString("criteria_hash"),
    asOf: t.field({ type: "Date", resolve: (a) => a.as_of }),
    first: t.exposeInt("page_first"),
    after: t.exposeString("page_after", {
      nullable: true,
      description:
        "The USCC the page started after; null for a first page, or when afterHidden is true.",
    }),
    afterHidden: t.exposeBoolean("page_after_hidden", {
      description:
        "To an operator of a county: the page started after a household of another county, whose USCC is withheld.",
    }),
    rowsReturned: t.exposeInt("rows_returned", {
      nullable: true,
      description: "Candidates the page returned (recorded in the listing's own transaction).",
    }),
    totalCount: t.exposeInt("total_count", {
      nullable: true,
      description: "Set when the total count was asked for too.",
    }),
  }),
});

const BankRateLimitRef = builder
  .objectRef<{ bankCode: string; listingsPerMinute: number }>("BankRateLimit")
  .implement({
    fields: (t) => ({
      bankCode: t.exposeString("bankCode"),
      listingsPerMinute: t.exposeInt("listingsPerMinute"),
    }),
  });

const RegisterCreditProductInput = builder.inputType("RegisterCreditProductInput", {
  fields: (t) => ({
    code: t.string({ required: true, description: "The bank's own code, unique in the bank." }),
    name: t.string({ required: true }),
    description: t.string(),
    criteria: t.field({
      type: "JSON",
      required: true,
      description: "JSON-logic over PUBLIC and BANK facts; INTERNAL facts are refused.",
    }),
    note: t.string({ description: "What this version is for." }),
  }),
});

/** The connection of candidates, with what it was computed from and a count read on demand. */
type CandidateConnection = ReturnType<typeof connectionFromRows<PreCreditCandidate>> & {
  listing: Listing;
};

builder.queryFields((t) => ({
  creditProducts: t.connection({
    type: CreditProductRef,
    description: "Products in id order: a bank's own, or (operators) every bank's.",
    authScopes: { bank: true, operator: true },
    args: {
      bankCode: t.arg.string({ description: "Operators: one bank only." }),
      includeRetired: t.arg.boolean({ defaultValue: false }),
    },
    resolve: async (_root, args, ctx) => {
      const { first, after } = forwardPage(args);
      const rows = await listCreditProducts(
        ctx.db,
        {
          bankCode: readableBank(ctx.principal, args.bankCode),
          includeRetired: args.includeRetired ?? false,
        },
        { after: decodeCursor(after), limit: first + 1 },
      );
      return connectionFromRows(rows, first, (p) => p.id);
    },
  }),
  creditProduct: t.field({
    type: CreditProductRef,
    description: "One product by id; another bank's product is NOT_FOUND to a bank.",
    authScopes: { bank: true, operator: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) =>
      requireCreditProduct(ctx.db, String(args.id), readableBank(ctx.principal, null)),
  }),
  preCreditCandidates: t.connection(
    {
      type: PreCreditCandidateRef,
      description:
        "预授信: the households matching one of the bank's products today (China time), in USCC order. Counted against the bank's rate limit and recorded in the access log.",
      authScopes: { bank: true },
      args: {
        productId: t.arg.id({ required: true }),
        version: t.arg.int({
          description: "A version to preview (a draft); default: the version in force.",
        }),
      },
      resolve: async (_root, args, ctx): Promise<CandidateConnection> => {
        if (ctx.principal.role !== "BANK") throw new ForbiddenError("only a bank lists candidates");
        const { first, after } = forwardPage(args);
        const listing = await listCandidatesForBank(ctx.db, {
          bankCode: ctx.principal.bankCode,
          tokenId: ctx.principal.tokenId,
          productId: String(args.productId),
          version: args.version,
          first,
          after: decodeCursor(after),
          now: ctx.now(),
        });
        return {
          ...connectionFromRows(listing.candidates, first, (c) => c.uscc),
          listing,
        };
      },
    },
    {
      name: "PreCreditCandidateConnection",
      fields: (c) => ({
        totalCount: c.int({
          description:
            "Every match, not just this page: counts over the whole register, so it is computed only when asked for (and recorded in the access log).",
          resolve: (conn, _a, ctx) => countListing(ctx.db, (conn as CandidateConnection).listing),
        }),
        asOf: c.field({
          type: "Date",
          description: "The date the facts are as of (today in China).",
          resolve: (conn) => (conn as CandidateConnection).listing.query.asOf,
        }),
        productVersion: c.int({
          resolve: (conn) => (conn as CandidateConnection).listing.version.version,
        }),
        criteriaHash: c.string({
          resolve: (conn) => (conn as CandidateConnection).listing.version.criteria_hash,
        }),
      }),
    },
  ),
  bankConsents: t.field({
    type: [BankConsentRef],
    description:
      "Who holds a household's consent, newest first: the household itself, or operators of its county.",
    authScopes: { household: true, operator: true },
    args: {
      uscc: t.arg.string({ description: "Default: the household's own." }),
      inForceOnly: t.arg.boolean({ defaultValue: false }),
    },
    resolve: async (_root, args, ctx) => {
      const uscc = args.uscc ?? (ctx.principal.role === "HOUSEHOLD" ? ctx.principal.uscc : null);
      if (!uscc) throw new NotFoundError("name the household: uscc");
      const household = await getHousehold(ctx.db, uscc);
      if (!household) throw new NotFoundError(`no household with USCC ${uscc}`);
      if (!canSeeHousehold(ctx.principal, household.uscc, household.county_code)) {
        throw new ForbiddenError("this household's consents are not yours to see");
      }
      return listBankConsents(ctx.db, uscc, {
        inForceOnly: args.inForceOnly ?? false,
        now: ctx.now(),
      });
    },
  }),
  preCreditAccessLog: t.connection({
    type: PreCreditAccessRef,
    description:
      "Every candidate listing, newest first: operators see all (an operator of a county without the USCC of another county's household a page started after), a bank its own.",
    authScopes: { bank: true, operator: true },
    args: {
      bankCode: t.arg.string(),
      productId: t.arg.id(),
    },
    resolve: async (_root, args, ctx) => {
      const { first, after } = forwardPage(args);
      const rows = await listPreCreditAccess(
        ctx.db,
        {
          bankCode: readableBank(ctx.principal, args.bankCode),
          productId: args.productId == null ? null : String(args.productId),
          readerCounty: ctx.principal.role === "OPERATOR" ? ctx.principal.countyCode : null,
        },
        { after: decodeCursor(after), limit: first + 1 },
      );
      return connectionFromRows(rows, first, accessCursorKey);
    },
  }),
  bankRateLimit: t.field({
    type: BankRateLimitRef,
    description: "Listings per minute allowed to a bank (a bank: its own).",
    authScopes: { bank: true, operator: true },
    args: { bankCode: t.arg.string() },
    resolve: async (_root, args, ctx) => {
      const bankCode = readableBank(ctx.principal, args.bankCode);
      if (bankCode === null) throw new NotFoundError("name the bank: bankCode");
      return { bankCode, listingsPerMinute: await listingsPerMinute(ctx.db, bankCode) };
    },
  }),
}));

builder.mutationFields((t) => ({
  registerCreditProduct: t.field({
    type: CreditProductRef,
    description: "A bank registers a product; its criteria become version 1, a draft.",
    authScopes: { bank: true },
    args: { input: t.arg({ type: RegisterCreditProductInput, required: true }) },
    resolve: async (_root, { input }, ctx) =>
      (await registerCreditProduct(ctx.db, bankActor(ctx), input)).product,
  }),
  addCreditProductVersion: t.field({
    type: CreditProductVersionRef,
    description: "New criteria for a product, as a new draft version (versions are immutable).",
    authScopes: { bank: true },
    args: {
      productId: t.arg.id({ required: true }),
      criteria: t.arg({ type: "JSON", required: true }),
      note: t.arg.string(),
    },
    resolve: async (_root, args, ctx) => {
      const version = await addCreditProductVersion(
        ctx.db,
        bankActor(ctx),
        String(args.productId),
        {
          criteria: args.criteria,
          note: args.note,
        },
      );
      return (await withInForce(ctx, version.product_id, [version]))[0] as VersionWithProduct;
    },
  }),
  publishCreditProductVersion: t.field({
    type: CreditProductRef,
    description: "Puts a draft version in force; the one before is superseded.",
    authScopes: { bank: true },
    args: { productId: t.arg.id({ required: true }), version: t.arg.int({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const by = bankActor(ctx);
      await publishCreditProductVersion(ctx.db, by, String(args.productId), args.version);
      return requireCreditProduct(ctx.db, String(args.productId), by.bankCode);
    },
  }),
  retireCreditProduct: t.field({
    type: CreditProductRef,
    description: "Retires a product for good: no more listings or versions.",
    authScopes: { bank: true },
    args: { productId: t.arg.id({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) =>
      retireCreditProduct(ctx.db, bankActor(ctx), String(args.productId), args.reason),
  }),
  grantBankConsent: t.field({
    type: BankConsentRef,
    description:
      "A household lets one bank (bankCode) or all banks (bankCode omitted) match on its own figures until validUntil; replaces its consent in force to the same bank.",
    authScopes: { household: true },
    args: {
      bankCode: t.arg.string({ description: "Omit for all banks." }),
      validUntil: t.arg({ type: "Date", required: true }),
    },
    resolve: async (_root, args, ctx) =>
      grantBankConsent(ctx.db, householdActor(ctx), {
        bankCode: args.bankCode ?? null,
        validUntil: args.validUntil,
      }),
  }),
  revokeBankConsent: t.field({
    type: BankConsentRef,
    description: "A household revokes one of its consents, in force at once.",
    authScopes: { household: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) =>
      revokeBankConsent(ctx.db, householdActor(ctx), String(args.id)),
  }),
  setBankRateLimit: t.field({
    type: BankRateLimitRef,
    description: "A city-wide operator sets a bank's listings per minute (0 stops them).",
    authScopes: { cityOperator: true },
    args: {
      bankCode: t.arg.string({ required: true }),
      listingsPerMinute: t.arg.int({ required: true }),
    },
    resolve: async (_root, args, ctx) => {
      const row = await setBankRateLimit(
        ctx.db,
        { actor: actorOf(ctx.principal), at: ctx.now() },
        args.bankCode,
        args.listingsPerMinute,
      );
      return { bankCode: row.bank_code, listingsPerMinute: row.listings_per_minute };
    },
  }),
}));
