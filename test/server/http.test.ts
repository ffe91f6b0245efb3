import { serverAudits } from "graphql-http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createToken } from "../../src/auth/tokens.ts";
import { type RunningServer, startHttpServer } from "../../src/server/create-server.ts";
import { describeEachEngine } from "../support/databases.ts";
import { testDeps } from "../support/graphql.ts";

/**
 * Audits that only warn: Apollo deliberately answers 400, not 200, to a document that does not
 * parse or validate, or whose variables do not coerce, even when the client accepts
 * application/json. (GETs without a content type are refused by CSRF prevention: notices only.)
 */
const ACCEPTED_WARNINGS = ["572B", "FDE2", "7B9B"];

describeEachEngine("HTTP server", (getDb) => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startHttpServer(testDeps(getDb()), { port: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("answers /healthz with the database engine", async () => {
    const res = await fetch(server.url.replace("/graphql", "/healthz"));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", database: getDb().engine });
  });

  it("passes the GraphQL over HTTP audits with no error", async () => {
    const failures: string[] = [];
    const warnings: string[] = [];
    for (const audit of serverAudits({ url: server.url, fetchFn: fetch })) {
      const result = await audit.fn();
      if (result.status === "error") failures.push(`${audit.name}: ${result.reason}`);
      if (result.status === "warn") warnings.push(audit.id);
    }
    expect(failures).toEqual([]);
    expect(warnings.sort()).toEqual([...ACCEPTED_WARNINGS].sort());
  });

  it("answers a body that is not JSON with 400, BAD_REQUEST and where it broke", async () => {
    const res = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"query": "{ __typename }"',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { message: string; extensions: unknown }[] };
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]?.extensions).toEqual({ code: "BAD_REQUEST" });
    expect(body.errors[0]?.message).toMatch(/^request body is not valid JSON: .*position 26/);
  });

  it("refuses an unknown token with 401 and never echoes it", async () => {
    const res = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer zx_bogus_secret" },
      body: JSON.stringify({ query: "{ serviceName }" }),
    });
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(text).toContain("UNAUTHENTICATED");
    expect(text).not.toContain("zx_bogus_secret");
  });

  it("serves a signed-in operator over HTTP with a request id", async () => {
    const { token } = await createToken(getDb().db, { role: "OPERATOR", scopeCode: null });
    const res = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: "{ households(first: 1) { edges { node { uscc } } } }" }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBeTruthy();
    expect(await res.json()).toEqual({ data: { households: { edges: [] } } });
  });

  it("masks internal errors: no SQL or stack reaches the client", async () => {
    const res = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{ not json",
    });
    expect(res.status).toBe(400);
    expect(await res.text()).not.toMatch(/at .*\.ts:\d+/);
  });
});
