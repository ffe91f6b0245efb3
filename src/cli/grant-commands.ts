import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { userInfo } from "node:os";
import type { Writable } from "node:stream";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { Config } from "../config.ts";
import { isCalendarDate, todayInChina } from "../dates.ts";
import {
  checkGrantFilter,
  GRANT_GROUPINGS,
  GRANT_STATUSES,
  type GrantFilter,
  type GrantGrouping,
  type GrantStatus,
  grantSummary,
} from "../grants/grant-queries.ts";
import { grantsCsv } from "../grants/grants-csv.ts";
import { revokeGrant } from "../grants/revoke-grant.ts";
import { type GrantRunSummary, runGrants } from "../grants/run-grants.ts";
import { positiveInteger, subcommandGroup } from "./command-options.ts";
import { withDatabase } from "./with-database.ts";

/** The actor recorded for what the command line does: who ran it, on this machine. */
function cliActor(): string {
  return `CLI:${userInfo().username}`;
}

/**
 * `grant --as-of D` (a grant run), `export grants` (CSV), `grants summary` and `grants revoke`:
 * 三(一)3 免申即享 from the command line.
 */
export function registerGrantCommands(program: Command, config: Config): void {
  program
    .command("grant")
    .description(
      "run the 免申即享 grants: every AUTO policy in force to every household that qualifies and has not had it this period",
    )
    .option("--as-of <date>", "the date the facts are taken as of (default: today in China)", date)
    .option("--county <code>", "only households of this county")
    .option("--concurrency <n>", "statements at once on PostgreSQL", positiveInteger, 2)
    .action(async (options: { asOf?: string; county?: string; concurrency: number }) => {
      await withDatabase(config, async ({ db }) => {
        const summary = await runGrants(db, {
          asOf: options.asOf ?? todayInChina(new Date()),
          trigger: "MANUAL",
          actor: cliActor(),
          countyCode: options.county ?? null,
          concurrency: options.concurrency,
        });
        printRun(summary);
      });
    });

  addFilterOptions(
    subcommandGroup(program, "export", "export records to files")
      .command("grants")
      .description("write the filtered grants as CSV (streamed: any size)"),
  )
    .option("--out <file>", "output file (default: standard output)")
    .option("--no-bom", "leave out the UTF-8 byte order mark spreadsheet programs need")
    .action(async (options: FilterOptions & { out?: string; bom: boolean }) => {
      const filter = filterOf(options);
      await withDatabase(config, async ({ db }) => {
        const out: Writable = options.out ? createWriteStream(options.out) : process.stdout;
        let bytes = 0;
        for await (const chunk of grantsCsv(db, filter, { byteOrderMark: options.bom })) {
          bytes += Buffer.byteLength(chunk);
          if (!out.write(chunk)) await once(out, "drain");
        }
        if (options.out) {
          await new Promise<void>((resolve, reject) =>
            (out as WriteStream).end((error?: Error | null) => (error ? reject(error) : resolve())),
          );
          console.error(`wrote ${bytes} bytes to ${options.out}`);
        }
      });
    });

  const grants = program.command("grants").description("the grants ledger");
  addFilterOptions(
    grants
      .command("summary")
      .description("counts and amounts of the filtered grants")
      .addOption(
        new Option("--by <grouping>", "group by").choices([...GRANT_GROUPINGS]).default("POLICY"),
      ),
  ).action(async (options: FilterOptions & { by: GrantGrouping }) => {
    const filter = filterOf(options);
    await withDatabase(config, async ({ db }) => {
      const rows = await grantSummary(db, options.by, filter);
      console.table(
        rows.map((r) => ({
          [options.by.toLowerCase()]: r.key ?? "(unknown)",
          grants: r.grants,
          households: r.households,
          amount: r.amount,
          revoked: r.revoked,
        })),
      );
    });
  });
  grants
    .command("revoke")
    .description("revoke a grant with a reason (audited; the household is told)")
    .argument("<id>", "the grant's id (as GraphQL and grantEvents give it)")
    .requiredOption("--reason <text>", "why")
    .action(async (id: string, options: { reason: string }) => {
      await withDatabase(config, async ({ db }) => {
        const grant = await revokeGrant(db, {
          id,
          reason: options.reason,
          actor: cliActor(),
          countyCode: null,
        });
        console.log(`revoked grant ${id} (${grant.policy_code} ${grant.period} ${grant.uscc})`);
      });
    });
}

interface FilterOptions {
  policy?: string;
  department?: string;
  county?: string;
  uscc?: string;
  type?: string;
  category?: string;
  period?: string;
  from?: string;
  to?: string;
  status?: GrantStatus;
}

function addFilterOptions(command: Command): Command {
  return command
    .option("--policy <code>", "policy code")
    .option("--department <code>", "the policies of this department")
    .option("--county <code>", "county code (GB/T 2260)")
    .option("--uscc <uscc>", "one household")
    .option("--type <type>", "the household's type when granted")
    .option("--category <category>", "the household's 名特优新 category when granted")
    .option("--period <period>", "2025, 2025-Q3, 2025-07 or ONCE")
    .option("--from <date>", "decided as of this date or later", date)
    .option("--to <date>", "decided as of this date or earlier", date)
    .addOption(new Option("--status <status>", "ACTIVE or REVOKED").choices([...GRANT_STATUSES]));
}

function filterOf(options: FilterOptions): GrantFilter {
  const filter: GrantFilter = {
    policyCode: options.policy,
    departmentCode: options.department,
    countyCode: options.county,
    uscc: options.uscc,
    type: options.type,
    category: options.category,
    period: options.period,
    from: options.from,
    to: options.to,
    status: options.status,
  };
  checkGrantFilter(filter);
  return filter;
}

function printRun(summary: GrantRunSummary): void {
  const seconds = (summary.finishedAt.getTime() - summary.startedAt.getTime()) / 1000;
  console.table(
    summary.versions.map((v) => ({
      policy: v.policyCode,
      version: v.version,
      period: v.period,
      granted: v.granted,
      amount: v.amount,
      ms: v.ms,
    })),
  );
  console.log(
    `grant run ${summary.runId} as of ${summary.asOf}${summary.countyCode ? ` (county ${summary.countyCode})` : ""}: ${summary.granted} grants from ${summary.versions.length} AUTO policies in ${seconds.toFixed(1)} s`,
  );
}

function date(value: string): string {
  if (!isCalendarDate(value)) throw new InvalidArgumentError("expected a date YYYY-MM-DD");
  return value;
}
