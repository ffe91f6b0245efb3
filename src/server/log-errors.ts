import type { ApolloServerPlugin } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import { GraphQLError } from "graphql";
import { DomainError } from "../errors.ts";
import type { Context } from "../schema/context.ts";

/**
 * Logs what formatError masks: an unexpected error is logged in full, with the request id, so the
 * client's "Internal server error" can be traced. Expected errors (domain, request) are not.
 */
export function logUnexpectedErrors(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            const original = unwrapResolverError(error);
            if (original instanceof DomainError) continue;
            if (original instanceof GraphQLError && original.extensions?.code) continue;
            if (original instanceof GraphQLError && !original.originalError) continue;
            contextValue.logger.error({ err: original }, "unexpected error");
          }
        },
      };
    },
  };
}
