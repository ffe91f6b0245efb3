import { GraphQLError, Kind } from "graphql";
import { JSONResolver } from "graphql-scalars";
import { isCalendarDate } from "../dates.ts";
import { builder } from "./builder.ts";

function parseDate(value: unknown): string {
  if (typeof value !== "string" || !isCalendarDate(value)) {
    throw new GraphQLError(
      `Date must be a real calendar date as YYYY-MM-DD, got ${JSON.stringify(value)}`,
      {
        extensions: { code: "BAD_USER_INPUT" },
      },
    );
  }
  return value;
}

builder.scalarType("Date", {
  description: "A calendar date, YYYY-MM-DD (China Standard Time).",
  serialize: (value) => String(value),
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : undefined),
});

builder.scalarType("DateTime", {
  description: "An instant, ISO 8601 with time zone.",
  serialize: (value) => (value instanceof Date ? value.toISOString() : String(value)),
  parseValue: (value) => {
    const date = new Date(String(value));
    if (Number.isNaN(date.getTime())) {
      throw new GraphQLError(`DateTime must be ISO 8601, got ${JSON.stringify(value)}`, {
        extensions: { code: "BAD_USER_INPUT" },
      });
    }
    return date;
  },
});

builder.addScalarType("JSON", JSONResolver);
