import type { ApolloServerPlugin } from "@apollo/server";
import { createComplexityRule } from "@pothos/plugin-complexity";
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
} from "graphql";
import { QUERY_LIMITS } from "../schema/builder.ts";
import type { Context } from "../schema/context.ts";

/** Outcomes kept per document (one for each value of the variables its complexity reads). */
const OUTCOMES_PER_DOCUMENT = 256;

interface DocumentLimits {
  /** The variables the operation's complexity can read. */
  variables: readonly string[];
  /** Refusals (none: within the limits) by operation name and those variables' values. */
  outcomes: Map<string, readonly string[]>;
}

/**
 * Refuses an operation over QUERY_LIMITS (depth, breadth, complexity from the fields' costs and
 * the request's variables) before anything runs, with one BAD_USER_INPUT error for the whole
 * operation ("query depth 16 exceeds the limit of 12"), rather than one per root field.
 *
 * The outcome is kept beside the document Apollo caches, by operation name and the values of the
 * only variables it can depend on: those in the arguments of fields whose complexity is a
 * function of them (a connection's `first`). A client that sends the same operation for
 * household after household is checked once, not on every request.
 */
export function queryLimits(schema: GraphQLSchema): ApolloServerPlugin<Context> {
  const byDocument = new WeakMap<DocumentNode, DocumentLimits>();
  const limitsOf = (document: DocumentNode): DocumentLimits => {
    let limits = byDocument.get(document);
    if (!limits) {
      limits = { variables: complexityVariables(schema, document), outcomes: new Map() };
      byDocument.set(document, limits);
    }
    return limits;
  };
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request, contextValue }) {
          const limits = limitsOf(document);
          const variables = request.variables ?? {};
          const key = JSON.stringify([
            request.operationName ?? null,
            ...limits.variables.map((name) => variables[name] ?? null),
          ]);
          let refusals = limits.outcomes.get(key);
          if (!refusals) {
            refusals = refusalsOf(schema, document, {
              context: contextValue,
              variableValues: variables,
              operationName: request.operationName ?? undefined,
            });
            if (limits.outcomes.size >= OUTCOMES_PER_DOCUMENT) limits.outcomes.clear();
            limits.outcomes.set(key, refusals);
          }
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

/** What QUERY_LIMITS refuses in the operation, from Pothos's complexity rule. */
function refusalsOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  options: { context: Context; variableValues: Record<string, unknown>; operationName?: string },
): string[] {
  const refusals: string[] = [];
  const rule = createComplexityRule({
    ...options,
    validate: (state) => {
      for (const kind of ["depth", "breadth", "complexity"] as const) {
        if (state[kind] > QUERY_LIMITS[kind]) {
          refusals.push(`query ${kind} ${state[kind]} exceeds the limit of ${QUERY_LIMITS[kind]}`);
        }
      }
    },
  });
  // The rule's own errors (variables that do not coerce) are left to execution, which reports
  // them as graphql-js does; only the limits are refused here.
  validate(schema, document, [rule]);
  return refusals;
}

/**
 * The variables used in the arguments of fields whose complexity is a function (of their
 * arguments: complexity functions read nothing else, see connectionComplexity), anywhere in the
 * document, fragments included.
 */
function complexityVariables(schema: GraphQLSchema, document: DocumentNode): string[] {
  const typeInfo = new TypeInfo(schema);
  const names = new Set<string>();
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(argument) {
        if (typeof typeInfo.getFieldDef()?.extensions?.complexity !== "function") return;
        visit(argument.value, {
          Variable(variable) {
            names.add(variable.name.value);
          },
        });
      },
    }),
  );
  return [...names].sort();
}
