import type { AuthFailure, ForbiddenResult } from "@pothos/plugin-scope-auth";
import type { GraphQLResolveInfo } from "graphql";

/** What each auth scope (builder.ts) asks of a token, for people. */
const SCOPE_NEEDS: Record<string, string> = {
  signedIn: "a token",
  department: "a department's token",
  operator: "an operator's token",
  cityOperator: "a city-wide operator's token (one without a county)",
  bank: "a bank's token",
  household: "the household's own token",
};

/** Who may read the types that decide it object by object (their authScopes functions). */
const READERS: Record<string, string> = {
  Household: "operators of its county (or city-wide) and the household itself",
  CategoryRecognition: "operators of the household's county and the household",
  CategoryApplication:
    "operators of the household's county, the household, and the department that recommended it",
  PolicyVersion: "any token once published; a draft only its department",
  TypingObjection: "the household and operators of its county",
};

/**
 * A FORBIDDEN message that says what was refused and who may have it, instead of the scope
 * plugin's "Not authorized to …": `Mutation.runTyping needs a city-wide operator's token (one
 * without a county)`, or `this Household is readable only by operators of its county (or
 * city-wide) and the household itself`.
 */
export function forbiddenMessage(info: GraphQLResolveInfo, result: ForbiddenResult): string {
  const scopes = [...new Set(scopesOf(result.failure))].filter((s) => s in SCOPE_NEEDS);
  if (scopes.length > 0) {
    const needs = scopes.map((s) => SCOPE_NEEDS[s]).join(" or ");
    return `${info.parentType.name}.${info.fieldName} needs ${needs}`;
  }
  // An object's own check fails on its fields: the type is the parent of the field refused.
  const type = info.parentType.name;
  const readers = READERS[type];
  return readers ? `this ${type} is readable only by ${readers}` : result.message;
}

function scopesOf(failure: AuthFailure): string[] {
  switch (failure.kind) {
    case "AuthScope":
      return [failure.scope];
    case "AnyAuthScopes":
    case "AllAuthScopes":
      return failure.failures.flatMap(scopesOf);
    default:
      return [];
  }
}
