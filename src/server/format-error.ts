import { unwrapResolverError } from "@apollo/server/errors";
import { ForbiddenError as PothosForbiddenError } from "@pothos/plugin-scope-auth";
import type { GraphQLFormattedError } from "graphql";
import { BadInputError, DomainError } from "../errors.ts";

/** Codes that graphql-js and Apollo assign to problems in the request itself: safe to show. */
const REQUEST_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "OPERATION_RESOLUTION_FAILURE",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
]);

/**
 * The one place where errors become what a client sees: domain errors keep their message and
 * code, request errors keep theirs, and everything else is masked — no stack, SQL or internals.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
  if (original instanceof DomainError) {
    const extensions: Record<string, unknown> = { code: original.code };
    if (original instanceof BadInputError) {
      if (original.argument) extensions.argument = original.argument;
      if (original.details !== undefined) extensions.details = original.details;
    }
    return { ...base, message: original.message, extensions };
  }
  if (original instanceof PothosForbiddenError) {
    return { ...base, message: original.message, extensions: { code: "FORBIDDEN" } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === "string" && REQUEST_CODES.has(code)) {
    return { ...base, extensions: { code } };
  }
  return {
    ...base,
    message: "Internal server error",
    extensions: { code: "INTERNAL_SERVER_ERROR" },
  };
}
