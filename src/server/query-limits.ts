import type { ApolloServerPlugin } from "@apollo/server";
import { createComplexityRule } from "@pothos/plugin-complexity";
import { GraphQLError, type GraphQLSchema, validate } from "graphql";
import { QUERY_LIMITS } from "../schema/builder.ts";
import type { Context } from "../schema/context.ts";

/**
 * Refuses an operation over QUERY_LIMITS (depth, breadth, complexity from the fields' costs and
 * the request's variables) before anything runs, with one BAD_USER_INPUT error for the whole
 * operation ("query depth 16 exceeds the limit of 12"), rather than one per root field.
 */
export function queryLimits(schema: GraphQLSchema): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request, contextValue }) {
          const refusals: string[] = [];
          const rule = createComplexityRule({
            context: contextValue,
            variableValues: request.variables ?? {},
            operationName: request.operationName ?? undefined,
            validate: (state) => {
              for (const kind of ["depth", "breadth", "complexity"] as const) {
                if (state[kind] > QUERY_LIMITS[kind]) {
                  refusals.push(
                    `query ${kind} ${state[kind]} exceeds the limit of ${QUERY_LIMITS[kind]}`,
                  );
                }
              }
            },
          });
          // The rule's own errors (variables that do not coerce) are left to execution, which
          // reports them as graphql-js does; only the limits are refused here.
          validate(schema, document, [rule]);
          if (refusals.length > 0) {
            // A request error (as a validation error would be): 400, no data.
            throw new GraphQLError(refusals.join("; "), {
              extensions: { code: "BAD_USER_INPUT", http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
