import SchemaBuilder from "@pothos/core";
import ComplexityPlugin from "@pothos/plugin-complexity";
import ErrorsPlugin from "@pothos/plugin-errors";
import RelayPlugin from "@pothos/plugin-relay";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import { ForbiddenError, UnauthenticatedError } from "../errors.ts";
import type { Context } from "./context.ts";
import { forbiddenMessage } from "./forbidden-message.ts";

/** The largest page any connection serves (`first` above it is refused). */
export const MAX_PAGE_SIZE = 500;

/**
 * Complexity of a connection field: its page size, counted against the request's limit. A `first`
 * above MAX_PAGE_SIZE counts as the largest page, so that the resolver, not the complexity
 * check, refuses it with the argument named ("first must be between 1 and 500"). Like every
 * complexity function here, it reads only its field's arguments: the limits check keeps its
 * outcome by the values of the variables in them (src/server/query-limits.ts).
 */
export function connectionComplexity(args: { first?: number | null }) {
  return { field: 1, multiplier: Math.ceil(Math.min(args.first ?? 50, MAX_PAGE_SIZE) / 10) };
}

export interface AuthScopes {
  /** Anyone, token or not. */
  public: boolean;
  /** Any valid token. */
  signedIn: boolean;
  department: boolean;
  operator: boolean;
  /** An operator without a county: city-wide. */
  cityOperator: boolean;
  bank: boolean;
  household: boolean;
}

export type Scalars = {
  Date: { Input: string; Output: string };
  DateTime: { Input: Date; Output: Date | string };
  JSON: { Input: unknown; Output: unknown };
};

export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: AuthScopes;
  Scalars: Scalars;
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin, ErrorsPlugin, RelayPlugin, ComplexityPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (ctx) => {
      const role = ctx.principal.role;
      return {
        public: true,
        signedIn: role !== "PUBLIC",
        department: role === "DEPARTMENT",
        operator: role === "OPERATOR",
        cityOperator: ctx.principal.role === "OPERATOR" && ctx.principal.countyCode === null,
        bank: role === "BANK",
        household: role === "HOUSEHOLD",
      };
    },
    // No token at all is UNAUTHENTICATED; a token of the wrong role or scope is FORBIDDEN.
    unauthorizedError: (_parent, ctx, info, result) =>
      ctx.principal.role === "PUBLIC"
        ? new UnauthenticatedError("this needs a token: send `Authorization: Bearer <token>`")
        : new ForbiddenError(forbiddenMessage(info, result)),
  },
  relay: {
    clientMutationId: "omit",
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    cursorType: "String",
  },
  errors: { defaultTypes: [] },
  // What each field costs. The limits (QUERY_LIMITS) are checked once per operation before it
  // runs (src/server/query-limits.ts), not in each root field. A connection's multiplier is
  // first/10, since its `edges` list counts ×10 already.
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 10,
  },
});

/** Bounds on what one operation may ask for. */
export const QUERY_LIMITS = { depth: 12, breadth: 300, complexity: 50_000 } as const;
