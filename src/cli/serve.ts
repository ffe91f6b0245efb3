import { pino } from "pino";
import type { Config } from "../config.ts";
import { todayInChina } from "../dates.ts";
import { openDatabase } from "../db/database.ts";
import { migrateToLatest } from "../db/migrate.ts";
import { grantAfterPolicyFiles } from "../grants/grant-triggers.ts";
import { grantsCsvRoute } from "../grants/grants-csv-route.ts";
import { createPolicyRuleCache } from "../policies/compiled-policy.ts";
import { DEFAULT_POLICIES_DIR, loadPolicyFiles } from "../policies/load-policy-files.ts";
import { startPreviewSnapshotRefresher } from "../policies/preview-snapshot-refresher.ts";
import type { AppDeps } from "../schema/context.ts";
import { startHttpServer } from "../server/create-server.ts";
import { prepareDemo } from "./demo.ts";

/**
 * `zhixiang start` and `serve`: migrate, load policies-data, (start: the demo), then serve
 * GraphQL. Loaded by serve-commands.ts only when one of them runs, so that other commands do not
 * carry the server's modules.
 */
export async function serve(config: Config, options: { demoHouseholds?: number }): Promise<void> {
  const logger = pino({ level: config.logLevel, redact: ["req.headers.authorization", "token"] });
  const handle = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  await migrateToLatest(handle.db);
  const deps: AppDeps = {
    db: handle.db,
    engine: handle.engine,
    logger,
    now: () => new Date(),
    policyRules: createPolicyRuleCache(),
  };
  await loadPoliciesAtStart(deps);
  const demo =
    options.demoHouseholds !== undefined
      ? await prepareDemo(deps, options.demoHouseholds)
      : undefined;
  const server = await startHttpServer(deps, {
    port: config.port,
    host: "0.0.0.0",
    routes: [grantsCsvRoute],
  });
  // The facts snapshots that departments' previews read, computed in the background for today
  // (the preview's default date) and again once the facts change, for the dates previewed within
  // the last hour.
  const refresher = startPreviewSnapshotRefresher(handle.db, {
    everyMs: 60_000,
    usedWithinMs: 3_600_000,
    keepReady: () => [todayInChina(deps.now())],
    now: deps.now,
    onRefresh: (dates) => logger.info({ dates }, "preview facts snapshots computed"),
    onError: (error) =>
      logger.error({ err: error }, "refreshing the preview facts snapshots failed"),
  });
  const where = handle.engine === "pglite" ? `embedded PGlite in ${config.dataDir}` : "PostgreSQL";
  console.log(`\n直享 Zhixiang serving GraphQL at ${server.url} (${where})`);
  if (demo) console.log(demo.instructions(server.url));
  // `on` with a guard, not `once`: a second signal while the database closes is ignored rather
  // than ending the process before the close is done. (Apollo's own signal handlers are off for
  // the same reason: create-server.ts.)
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping the server and closing the database`);
    await server.close();
    await refresher.stop();
    await handle.close();
    console.log("stopped");
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

/**
 * 11: policies-data is loaded at every start (a malformed file stops it, naming file and path);
 * 三(一)3 免申即享: new AUTO versions from the files are granted at once, as of today.
 */
export async function loadPoliciesAtStart(deps: AppDeps): Promise<void> {
  const { db, logger } = deps;
  const policies = await loadPolicyFiles(db, DEFAULT_POLICIES_DIR);
  logger.info(
    {
      created: policies.created.length,
      versioned: policies.versioned,
      unchanged: policies.unchanged.length,
    },
    "policies-data loaded",
  );
  await grantAfterPolicyFiles(db, policies, deps.now(), {
    actor: "SYSTEM:policies-data",
    onError: (error) => logger.error({ err: error }, "grant run after loading policies failed"),
  });
}
