import { BadInputError } from "../errors.ts";
import { MAX_PAGE_SIZE } from "./builder.ts";

export interface PageArgs {
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
}

export const DEFAULT_PAGE_SIZE = 50;

/** Forward keyset pages only: `first` (1…500) and `after`. */
export function forwardPage(args: PageArgs): { first: number; after: string | undefined } {
  if (args.last != null || args.before != null) {
    throw new BadInputError("only forward pagination (first, after) is supported", "last");
  }
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new BadInputError(`first must be between 1 and ${MAX_PAGE_SIZE}, got ${first}`, "first");
  }
  return { first, after: args.after ?? undefined };
}

/**
 * A Relay connection from rows fetched with `limit: first + 1` (the extra row says whether
 * there is a next page). The cursor is opaque to clients.
 */
export function connectionFromRows<T>(
  rows: T[],
  first: number,
  toCursor: (row: T) => string,
  extra?: { totalCount?: number },
) {
  const nodes = rows.slice(0, first);
  const edges = nodes.map((node) => ({ node, cursor: encodeCursor(toCursor(node)) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    ...extra,
  };
}

export function encodeCursor(key: string): string {
  return Buffer.from(key, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string | undefined, argument = "after"): string | undefined {
  if (cursor === undefined) return undefined;
  const key = Buffer.from(cursor, "base64url").toString("utf8");
  if (!key || encodeCursor(key) !== cursor) throw new BadInputError("malformed cursor", argument);
  return key;
}
