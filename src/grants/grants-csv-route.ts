import { once } from "node:events";
import type { ServerResponse } from "node:http";
import type { Principal } from "../auth/principal.ts";
import { authenticate } from "../auth/tokens.ts";
import { BadInputError, DomainError } from "../errors.ts";
import type { HttpRoute } from "../server/create-server.ts";
import { checkGrantFilter, type GrantFilter, type GrantStatus } from "./grant-queries.ts";
import { scopedGrantFilter } from "./grant-scope.ts";
import { grantsCsv } from "./grants-csv.ts";

export const GRANTS_CSV_PATH = "/exports/grants.csv";

const FILTER_PARAMS = [
  "policyCode",
  "departmentCode",
  "countyCode",
  "uscc",
  "type",
  "category",
  "period",
  "from",
  "to",
  "status",
] as const;

/** The filter from the query string: the same names as the GraphQL GrantFilter's fields. */
export function grantFilterFromQuery(params: URLSearchParams): GrantFilter {
  const filter: Record<string, string> = {};
  for (const key of params.keys()) {
    if (!(FILTER_PARAMS as readonly string[]).includes(key)) {
      throw new BadInputError(
        `unknown parameter "${key}"; the filters are ${FILTER_PARAMS.join(", ")}`,
        key,
      );
    }
  }
  for (const name of FILTER_PARAMS) {
    const value = params.get(name);
    if (value !== null && value !== "") filter[name] = value;
  }
  const result: GrantFilter = { ...filter, status: filter.status as GrantStatus | undefined };
  checkGrantFilter(result);
  return result;
}

const STATUS: Record<string, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
};

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

/**
 * GET /exports/grants.csv?countyCode=…&period=… with `Authorization: Bearer <token>`: the
 * operators' (or a department's) filtered grants as a CSV download, streamed batch by batch with
 * back-pressure (a slow client slows the reading, memory stays at one batch). Errors found before
 * the first byte are JSON as the GraphQL endpoint gives them, with 401, 403 or 400; the scope is
 * that of grants(filter).
 */
export const grantsCsvRoute: HttpRoute = async (req, res, url, deps) => {
  if (url.pathname !== GRANTS_CSV_PATH) return false;
  if (req.method !== "GET") {
    res.writeHead(405, { allow: "GET", "content-type": "application/json; charset=utf-8" });
    res.end(JSON.stringify({ errors: [{ message: "use GET" }] }));
    return true;
  }
  let filter: GrantFilter;
  try {
    const principal: Principal = await authenticate(deps.db, req.headers.authorization);
    if (principal.role === "PUBLIC") {
      sendError(res, 401, "UNAUTHENTICATED", "send `Authorization: Bearer <token>`");
      return true;
    }
    filter = scopedGrantFilter(principal, grantFilterFromQuery(url.searchParams));
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    sendError(res, STATUS[error.code] ?? 400, error.code, error.message);
    return true;
  }
  res.writeHead(200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": 'attachment; filename="grants.csv"',
    "cache-control": "no-store",
  });
  for await (const chunk of grantsCsv(deps.db, filter, { byteOrderMark: true })) {
    if (res.destroyed) break;
    if (!res.write(chunk)) await once(res, "drain");
  }
  res.end();
  return true;
};
