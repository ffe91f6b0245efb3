import type { ApolloServerOptionsWithGateway, BaseContext } from "@apollo/server";
import {
  GraphQLError,
  type GraphQLSchema,
  getVariableValues,
  type OperationDefinitionNode,
  printSchema,
} from "graphql";
import { type CompiledQuery, compileQuery, isCompiledQuery } from "graphql-jit";

type GatewayInterface = ApolloServerOptionsWithGateway<BaseContext>["gateway"];
type GatewayExecutor = NonNullable<Awaited<ReturnType<GatewayInterface["load"]>>["executor"]>;

/**
 * Apollo's hook for another executor (its gateway interface), serving our own schema with
 * operations compiled by graphql-jit instead of interpreted by graphql-js's `execute`.
 *
 * Apollo still parses, validates and caches each document (its document store hands back the same
 * DocumentNode for the same query text), and formats every error; only execution changes. An
 * operation is compiled the first time it is seen and kept beside its node in that document (a
 * WeakMap: it goes when Apollo's cache lets the document go). The resolvers, the scope-auth checks
 * wrapped into them, and the scalars are the schema's own; the query limits are checked before
 * execution (query-limits.ts).
 *
 * Why: `household { entitlements }` resolves about 650 fields a request, and graphql-js spends
 * more CPU walking them than the rule engine spends deciding the 50 policies (docs/performance.md).
 */
export function compiledExecution(schema: GraphQLSchema): GatewayInterface {
  const compiled = new WeakMap<OperationDefinitionNode, CompiledQuery>();
  const executor: GatewayExecutor = async (request) => {
    let query = compiled.get(request.operation);
    if (!query) {
      const result = compileQuery(schema, request.document, request.operationName ?? undefined);
      if (!isCompiledQuery(result)) return { errors: result.errors?.map(asGraphQLError) };
      query = result;
      compiled.set(request.operation, query);
    }
    // Variables are checked by graphql-js first, so that a wrong one is the same BAD_USER_INPUT
    // (and HTTP 400) with the same message as without compilation.
    const variables = request.request.variables ?? {};
    const coerced = getVariableValues(
      schema,
      request.operation.variableDefinitions ?? [],
      variables,
    );
    if (coerced.errors) return { errors: coerced.errors };
    const result = await query.query(undefined, request.context, variables);
    return result.errors ? { ...result, errors: result.errors.map(asGraphQLError) } : result;
  };
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => {};
    },
    load: async () => ({ executor }),
    stop: async () => {},
  };
}

/**
 * graphql-jit's errors imitate graphql-js's but leave `extensions` undefined, which Apollo's error
 * formatting reads: each becomes a graphql-js GraphQLError with the same message, path, locations
 * and original error, so formatError and the error log see what graphql-js would have given.
 */
function asGraphQLError(error: GraphQLError): GraphQLError {
  const copy = new GraphQLError(error.message, {
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
  if (error.locations)
    Object.defineProperty(copy, "locations", { value: error.locations, enumerable: true });
  return copy;
}
