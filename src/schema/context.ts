import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Principal } from "../auth/principal.ts";
import { todayInChina } from "../dates.ts";
import type { Engine } from "../db/database.ts";
import type { Database } from "../db/types.ts";
import { createHouseholdLoaders, type HouseholdLoaders } from "../loaders/household-loaders.ts";
import { createPolicyRuleCache, type PolicyRuleCache } from "../policies/compiled-policy.ts";

/** What the service is built from: passed in, never module-level singletons. */
export interface AppDeps {
  db: Kysely<Database>;
  engine: Engine;
  logger: Logger;
  /** The clock; tests pass a fixed one. */
  now: () => Date;
  /** Compiled policy rules by version id, kept for the process (a new one per request if absent). */
  policyRules?: PolicyRuleCache;
}

/** One GraphQL request's context. */
export interface Context extends AppDeps {
  principal: Principal;
  requestId: string;
  loaders: HouseholdLoaders;
  policyRules: PolicyRuleCache;
}

export function createContext(deps: AppDeps, principal: Principal, requestId: string): Context {
  return {
    ...deps,
    logger: deps.logger.child({ requestId }),
    principal,
    requestId,
    loaders: createHouseholdLoaders(deps.db),
    policyRules: deps.policyRules ?? createPolicyRuleCache(),
  };
}

/** Today's date in China on the request's clock: what an omitted `asOf` means. */
export function todayOf(ctx: Pick<AppDeps, "now">): string {
  return todayInChina(ctx.now());
}
