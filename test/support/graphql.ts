import { type ExecutionResult, execute, parse } from "graphql";
import { pino } from "pino";
import type { Principal } from "../../src/auth/principal.ts";
import type { DatabaseHandle } from "../../src/db/database.ts";
import { type AppDeps, createContext } from "../../src/schema/context.ts";
import { type ApolloOptions, createApolloServer } from "../../src/server/create-server.ts";

export const silentLogger = pino({ level: "silent" });

export function testDeps(handle: DatabaseHandle, now = () => new Date()): AppDeps {
  return { db: handle.db, engine: handle.engine, logger: silentLogger, now };
}

export interface GraphQLResult<T = Record<string, unknown>> {
  data?: T | null;
  errors?: {
    message: string;
    path?: readonly (string | number)[];
    extensions?: Record<string, unknown>;
  }[];
}

/**
 * Runs an operation through Apollo (formatError included) as `principal`. A new Apollo server per
 * call: an instance used by executeOperation cannot later serve HTTP.
 */
export async function runGraphQL<T = Record<string, unknown>>(
  deps: AppDeps,
  principal: Principal,
  query: string,
  variables?: Record<string, unknown>,
  options?: ApolloOptions,
): Promise<GraphQLResult<T>> {
  const server = createApolloServer(deps, options);
  const response = await server.executeOperation(
    { query, ...(variables ? { variables } : {}) },
    { contextValue: createContext(deps, principal, "test") },
  );
  if (response.body.kind !== "single") throw new Error("expected a single result");
  return response.body.singleResult as GraphQLResult<T>;
}

/** The error codes of a result, in order. */
export function errorCodes(result: GraphQLResult | ExecutionResult): unknown[] {
  return (result.errors ?? []).map((e) => e.extensions?.code);
}

export { execute, parse };
