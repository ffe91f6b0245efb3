import { resolve } from "node:path";
import type { Command } from "commander";
import type { Config } from "../config.ts";
import { isCalendarDate, todayInChina } from "../dates.ts";
import { BadInputError } from "../errors.ts";
import { grantAfterPolicyFiles } from "../grants/grant-triggers.ts";
import {
  DEFAULT_POLICIES_DIR,
  loadPolicyFiles,
  readPolicyFiles,
} from "../policies/load-policy-files.ts";
import { policiesInForce } from "../policies/policy-queries.ts";
import { withDatabase } from "./with-database.ts";

function requireDate(value: string, option: string): string {
  if (!isCalendarDate(value)) {
    throw new BadInputError(`${option} must be a calendar date YYYY-MM-DD, got "${value}"`, option);
  }
  return value;
}

/** `policies check|load|list`: the policies-data files and the policies in force. */
export function registerPolicyCommands(program: Command, config: Config): void {
  const policies = program.command("policies").description("the policy registry and policies-data");

  policies
    .command("check")
    .description("check policies-data files (format, rules, examples) without a database")
    .option("--dir <dir>", "folder of policy files", DEFAULT_POLICIES_DIR)
    .action((options: { dir: string }) => {
      const files = readPolicyFiles(resolve(options.dir));
      console.log(`${files.length} policies, every example passing`);
    });

  policies
    .command("load")
    .description(
      "load policies-data into the registry (as `start` does): new versions for changed files",
    )
    .option("--dir <dir>", "folder of policy files", DEFAULT_POLICIES_DIR)
    .action(async (options: { dir: string }) => {
      await withDatabase(config, async ({ db }) => {
        const report = await loadPolicyFiles(db, resolve(options.dir));
        console.log(
          `${report.created.length} new, ${report.versioned.length} new versions${
            report.versioned.length > 0 ? ` (${report.versioned.join(", ")})` : ""
          }, ${report.unchanged.length} unchanged`,
        );
        // 三(一)3 免申即享: new AUTO versions are granted at once.
        const grants = await grantAfterPolicyFiles(db, report, new Date(), {
          actor: "SYSTEM:policies-data",
        });
        if (grants) console.log(`grant run ${grants.runId}: ${grants.granted} new grants`);
      });
    });

  policies
    .command("list")
    .description("the published versions in force on a date")
    .option("--as-of <date>", "YYYY-MM-DD (default: today in China)")
    .action(async (options: { asOf?: string }) => {
      const asOf = requireDate(options.asOf ?? todayInChina(new Date()), "--as-of");
      await withDatabase(config, async ({ db }) => {
        const versions = await policiesInForce(db, asOf);
        for (const v of versions) {
          const amount =
            v.amount === null
              ? ""
              : typeof v.amount === "number"
                ? ` ${v.amount}元`
                : " 金额按规则";
          console.log(
            `${v.code.padEnd(40)} v${v.version} ${v.departmentCode.padEnd(12)} ${v.mode.padEnd(5)} ${v.title}${amount}`,
          );
        }
        console.log(`${versions.length} policies in force on ${asOf}`);
      });
    });
}
