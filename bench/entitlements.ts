// Entitlements over HTTP benchmark (docs/performance.md, "## Grants").
//
//   npx tsx bench/entitlements.ts [--households 1000000] [--engine postgres|pglite]
//                                 [--connections 10] [--seconds 20]
//
// The grants benchmark's database (bench/_grants-fixture.ts): households through the contract,
// typed, 50 published policies (25 AUTO, 25 APPLY) and a grant run. The server runs in a child
// process (started with --serve) so the load tool does not share its event loop; autocannon then
// drives, with 10 connections on loopback, first the trivial `{ __typename }` (the floor: HTTP,
// token, Apollo), then `household(uscc) { entitlements { … explanation … } }` over a rotating
// sample of households, and prints p50, p99 and requests per second of each and their ratio.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { sql } from "kysely";
import { pino } from "pino";
import { createToken } from "../src/auth/tokens.ts";
import { runGrants } from "../src/grants/run-grants.ts";
import { createPolicyRuleCache } from "../src/policies/compiled-policy.ts";
import { startHttpServer } from "../src/server/create-server.ts";
import {
  BENCH_AS_OF,
  migrateBench,
  openGrantsBench,
  populateGrantsBench,
  publishBenchPolicies,
} from "./_grants-fixture.ts";

const { values } = parseArgs({
  options: {
    households: { type: "string", default: "1000000" },
    engine: { type: "string", default: "postgres" },
    connections: { type: "string", default: "10" },
    seconds: { type: "string", default: "20" },
    serve: { type: "boolean", default: false },
  },
});
const households = Number(values.households);
const connections = Number(values.connections);
const duration = Number(values.seconds);

const ENTITLEMENTS = `query ($uscc: String!) {
  household(uscc: $uscc) {
    uscc
    entitlements(asOf: "${BENCH_AS_OF}") {
      policy { code title mode }
      period outcome missingFacts explanation amount howToApply
      grant { id amount period }
    }
  }
}`;

/** The child: the service as `npm start` runs it (pool of 10), printing its port. */
async function serve(): Promise<void> {
  const handle = await openGrantsBench(values.engine, households, 10);
  const server = await startHttpServer(
    {
      db: handle.db,
      engine: handle.engine,
      logger: pino({ level: "silent" }),
      now: () => new Date(),
      policyRules: createPolicyRuleCache(),
    },
    { port: 0 },
  );
  console.log(`PORT ${server.port}`);
  process.once("SIGTERM", async () => {
    await server.close();
    await handle.close();
    process.exit(0);
  });
}

function startChild(): Promise<{ child: ChildProcess; port: number }> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      self,
      "--serve",
      "--engine",
      values.engine,
      "--households",
      String(households),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NonNullable<typeof child.stdout> });
    lines.on("line", (line) => {
      const match = /^PORT (\d+)$/.exec(line);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
}

interface Figures {
  p50: number;
  p99: number;
  rps: number;
  errors: number;
  non2xx: number;
}

async function load(
  url: string,
  token: string,
  body: () => string,
  title: string,
): Promise<Figures> {
  // `warmup` exists in autocannon 8 but not in its type definitions.
  const options: autocannon.Options & { warmup: { connections: number; duration: number } } = {
    url,
    title,
    connections,
    duration,
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    warmup: { connections, duration: 3 },
    requests: [
      {
        setupRequest: (request) => ({ ...request, body: body() }),
      },
    ],
  };
  const result = await autocannon(options);
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    rps: result.requests.average,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

async function main(): Promise<void> {
  const handle = await openGrantsBench(values.engine, households, 3);
  const { db } = handle;
  await migrateBench(db);
  await populateGrantsBench(db, households, false);
  await publishBenchPolicies(db);
  await sql`TRUNCATE policy_grant, grant_event, grant_run`.execute(db);
  const run = await runGrants(db, {
    asOf: BENCH_AS_OF,
    trigger: "MANUAL",
    actor: "bench",
    concurrency: 2,
  });
  const token = (await createToken(db, { role: "OPERATOR", scopeCode: null, label: "bench" }))
    .token;
  const sample = (
    await sql<{ uscc: string }>`
      SELECT uscc FROM household ORDER BY md5(uscc) LIMIT 5000`.execute(db)
  ).rows.map((r) => r.uscc);
  await handle.close();
  console.log(
    `entitlements: ${households} households, 50 policies in force (25 AUTO with ${run.granted} grants), ${connections} connections, ${duration} s each, ${values.engine}`,
  );

  const { child, port } = await startChild();
  try {
    const url = `http://127.0.0.1:${port}/graphql`;
    // Check the query once: every entry explained, no error.
    const probe = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: ENTITLEMENTS, variables: { uscc: sample[0] } }),
    });
    const probed = (await probe.json()) as {
      errors?: unknown;
      data?: { household: { entitlements: unknown[] } };
    };
    if (probed.errors || probed.data?.household.entitlements.length !== 50) {
      throw new Error(`unexpected answer: ${JSON.stringify(probed).slice(0, 500)}`);
    }
    const floorBody = JSON.stringify({ query: "{ __typename }" });
    const floor = await load(url, token, () => floorBody, "floor");
    let next = 0;
    const ours = await load(
      url,
      token,
      () =>
        JSON.stringify({
          query: ENTITLEMENTS,
          variables: { uscc: sample[next++ % sample.length] },
        }),
      "entitlements",
    );
    const line = (name: string, f: Figures) =>
      `${name.padEnd(14)} p50 ${f.p50} ms  p99 ${f.p99} ms  ${Math.round(f.rps)} req/s  (errors ${f.errors}, non-2xx ${f.non2xx})`;
    console.log(line("{ __typename }", floor));
    console.log(line("entitlements", ours));
    console.log(`share of the floor's requests per second: ${(ours.rps / floor.rps).toFixed(2)}`);
  } finally {
    child.kill("SIGTERM");
  }
}

if (values.serve) await serve();
else await main();
