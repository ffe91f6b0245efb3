import { randomUUID } from "node:crypto";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { ApolloServer, HeaderMap } from "@apollo/server";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { sql } from "kysely";
import { authenticate } from "../auth/tokens.ts";
import { DomainError } from "../errors.ts";
import { type AppDeps, type Context, createContext } from "../schema/context.ts";
import { schema } from "../schema/index.ts";
import { compiledExecution } from "./compiled-executor.ts";
import { formatError } from "./format-error.ts";
import { landingPage } from "./landing-page.ts";
import { logUnexpectedErrors } from "./log-errors.ts";
import { queryLimits } from "./query-limits.ts";

/** Extra HTTP routes that capabilities add (CSV downloads…): return true when handled. */
export type HttpRoute = (
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: AppDeps,
) => Promise<boolean>;

export interface ApolloOptions {
  /**
   * Operations compiled by graphql-jit (compiled-executor.ts), the default; false runs graphql-js's
   * own `execute`, which the tests hold the compiled one equal to.
   */
  compiled?: boolean;
}

/** A new Apollo server (one per HTTP server, or per test using executeOperation). */
export function createApolloServer(
  deps: AppDeps,
  options: ApolloOptions = {},
): ApolloServer<Context> {
  const execution =
    options.compiled === false ? { schema } : { gateway: compiledExecution(schema) };
  return new ApolloServer<Context>({
    ...execution,
    formatError,
    includeStacktraceInErrorResponses: false,
    // The command that starts the server stops it on SIGINT/SIGTERM (src/cli/serve.ts), closing
    // the database after it; Apollo's own handlers would race it and end the process first.
    stopOnTerminationSignals: false,
    // No landing page from a CDN: the service runs without internet; `/` serves a local page.
    // No cache-control hints (nothing here is cacheable by a CDN): Apollo's default plugin would
    // otherwise run a hook on every resolved field.
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      logUnexpectedErrors(),
      queryLimits(schema),
    ],
    logger: {
      debug: (m) => deps.logger.debug(m),
      info: (m) => deps.logger.info(m),
      warn: (m) => deps.logger.warn(m),
      error: (m) => deps.logger.error(m),
    },
  });
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1_000_000;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new DomainError("request body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

/** Starts GraphQL at /graphql, health at /healthz, a local landing page at /, and `routes`. */
export async function startHttpServer(
  deps: AppDeps,
  options: { port: number; host?: string; routes?: HttpRoute[] },
): Promise<RunningServer> {
  const apollo = createApolloServer(deps);
  await apollo.start();
  const routes = options.routes ?? [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId =
      (req.headers["x-request-id"] as string | undefined)?.slice(0, 64) || randomUUID();
    res.setHeader("x-request-id", requestId);
    const url = new URL(req.url ?? "/", "http://localhost");
    const started = performance.now();
    const log = deps.logger.child({ requestId });
    try {
      if (url.pathname === "/healthz") {
        // Liveness and readiness: the process answers and the database does too.
        await sql`SELECT 1`.execute(deps.db);
        return sendJson(res, 200, { status: "ok", database: deps.engine });
      }
      if (url.pathname === "/" && req.method === "GET") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end(landingPage());
        return;
      }
      for (const route of routes) {
        if (await route(req, res, url, deps)) return;
      }
      if (url.pathname !== "/graphql") return sendJson(res, 404, { error: "not found" });

      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
      }
      // Authenticate before GraphQL runs, so that a bad token is a plain 401.
      const principal = await authenticate(deps.db, headers.get("authorization"));
      const raw = req.method === "POST" ? await readBody(req) : "";
      let body: unknown = raw;
      if (raw && (headers.get("content-type") ?? "").includes("json")) {
        try {
          body = JSON.parse(raw);
        } catch (error) {
          // JSON.parse says what it found and where ("… in JSON at position 17").
          const detail = error instanceof Error ? error.message : String(error);
          return sendJson(res, 400, {
            errors: [
              {
                message: `request body is not valid JSON: ${detail}`,
                extensions: { code: "BAD_REQUEST" },
              },
            ],
          });
        }
      }
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? "GET", headers, search: url.search, body },
        context: async () => createContext(deps, principal, requestId),
      });
      res.statusCode = response.status ?? 200;
      for (const [key, value] of response.headers) res.setHeader(key, value);
      if (response.body.kind === "complete") {
        res.end(response.body.string);
      } else {
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
      }
    } catch (error) {
      if (error instanceof DomainError) {
        const status = error.code === "UNAUTHENTICATED" ? 401 : 400;
        sendJson(res, status, {
          errors: [{ message: error.message, extensions: { code: error.code } }],
        });
      } else {
        log.error({ err: error }, "request failed");
        if (!res.headersSent)
          sendJson(res, 500, { errors: [{ message: "Internal server error" }] });
        else res.end();
      }
    } finally {
      log.info(
        {
          method: req.method,
          path: url.pathname,
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
        },
        "request",
      );
    }
  };

  const server: Server = createHttpServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port, options.host ?? "127.0.0.1", resolve),
  );
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return {
    url: `http://localhost:${port}/graphql`,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await apollo.stop();
    },
  };
}
