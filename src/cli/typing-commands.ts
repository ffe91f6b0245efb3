import { userInfo } from "node:os";
import { resolve } from "node:path";
import { Presets, SingleBar } from "cli-progress";
import type { Command } from "commander";
import type { Config } from "../config.ts";
import { todayInChina } from "../dates.ts";
import { BadInputError, NotFoundError } from "../errors.ts";
import { grantAfterTypingRun } from "../grants/grant-triggers.ts";
import { areaByCode } from "../households/areas.ts";
import { requireUscc } from "../ingest/uscc.ts";
import { compileTypingStandard } from "../typing/decide-type.ts";
import { appliedStandard, explainTypingResult } from "../typing/explain-typing.ts";
import {
  DEFAULT_STANDARDS_DIR,
  loadTypingStandards,
  standardFor,
} from "../typing/load-typing-standards.ts";
import {
  RUN_KINDS,
  type RunKind,
  runTyping,
  type TypingCounts,
  type TypingProgress,
} from "../typing/run-typing.ts";
import { standardTextEn, standardTextZh } from "../typing/standard-text.ts";
import { currentTypingOf, listTypingRuns } from "../typing/typing-queries.ts";
import { TYPE_CODES, TYPE_LABELS } from "../typing/typing-standard.ts";
import { withDatabase } from "./with-database.ts";

/**
 * Progress on stderr: a bar on a terminal, otherwise a line at each tenth (logs, CI). On
 * PostgreSQL the one statement's progress is estimated from the results table's growth; with
 * --batch-size it is counted batch by batch; on PGlite without batches only the phases show.
 */
function progressReporter(): { report(p: TypingProgress): void; stop(): void } {
  const tty = process.stderr.isTTY === true;
  const bar = tty
    ? new SingleBar(
        {
          format:
            "typing |{bar}| {percentage}% {value}/{total} households{approx}, {duration_formatted}",
          stream: process.stderr,
          hideCursor: true,
        },
        Presets.shades_classic,
      )
    : null;
  let started = false;
  let lastTenth = -1;
  const t0 = Date.now();
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  return {
    report(p) {
      switch (p.phase) {
        case "checking":
          if (!tty) console.error("checking the date, the standard and the data…");
          break;
        case "typing": {
          const approx = p.estimated ? " (estimated)" : "";
          if (bar) {
            if (!started) bar.start(p.total, 0, { approx });
            started = true;
            bar.setTotal(p.total);
            bar.update(p.done, { approx });
            break;
          }
          const tenth = p.total > 0 ? Math.floor((10 * p.done) / p.total) : 10;
          if (tenth === lastTenth) break;
          lastTenth = tenth;
          console.error(
            `typing: ${p.estimated ? "about " : ""}${p.done}/${p.total} households (${tenth * 10}%), ${elapsed()}`,
          );
          break;
        }
        case "finishing":
          if (!tty) console.error(`counting and committing…, ${elapsed()}`);
          break;
      }
    },
    stop() {
      if (started) bar?.stop();
      started = false;
    },
  };
}

function countsTable(counts: TypingCounts): string {
  const columns = TYPE_CODES;
  const header = ["county", ...columns.map((c) => TYPE_LABELS[c].zh), "total"];
  const rows: string[][] = [];
  for (const [county, byType] of Object.entries(counts.byCounty).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    const total = Object.values(byType).reduce((a, b) => a + b, 0);
    rows.push([
      `${county} ${areaByCode(county)?.name ?? ""}`.trim(),
      ...columns.map((c) => String(byType[c] ?? 0)),
      String(total),
    ]);
  }
  rows.push(["all", ...columns.map((c) => String(counts.byType[c] ?? 0)), String(counts.total)]);
  return [header, ...rows].map((r) => r.join("\t")).join("\n");
}

export function registerTypingCommands(program: Command, config: Config): void {
  program
    .command("type")
    .description("typing run (分型判定): type every household as of a date, set-based in SQL")
    .requiredOption("--as-of <date>", "the date typed as of, YYYY-MM-DD (not after today in China)")
    .option(
      "--kind <kind>",
      `${RUN_KINDS.join(" or ")}: YEARLY is the run after July's annual reports`,
      "ADHOC",
    )
    .option(
      "--standard-version <version>",
      "apply this version instead of the one in force on the date",
    )
    .option("--standards <dir>", "folder of standard versions", DEFAULT_STANDARDS_DIR)
    .option(
      "--batch-size <n>",
      "type in batches of n households (exact progress; slower than one statement at scale)",
    )
    .action(
      async (options: {
        asOf: string;
        kind: string;
        standardVersion?: string;
        standards: string;
        batchSize?: string;
      }) => {
        const kind = options.kind.toUpperCase();
        if (!(RUN_KINDS as readonly string[]).includes(kind)) {
          throw new BadInputError(
            `--kind must be one of ${RUN_KINDS.join(", ")}, got "${options.kind}"`,
          );
        }
        const batchSize = options.batchSize === undefined ? undefined : Number(options.batchSize);
        if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1)) {
          throw new BadInputError(
            `--batch-size must be a positive whole number, got "${options.batchSize}"`,
          );
        }
        await withDatabase(config, async ({ db, engine }) => {
          const progress = progressReporter();
          const t0 = Date.now();
          try {
            const run = await runTyping(db, {
              asOf: options.asOf,
              kind: kind as RunKind,
              actor: `cli:${userInfo().username}`,
              now: new Date(),
              standardsDir: resolve(options.standards),
              standardVersion: options.standardVersion ?? null,
              ...(batchSize !== undefined ? { batchSize } : {}),
              // A second connection reads the progress: PostgreSQL's pool has one, PGlite not.
              ...(engine === "postgres" ? { pollProgress: { pollMs: 500 } } : {}),
              onProgress: (p) => progress.report(p),
            });
            progress.stop();
            const counts = run.counts as TypingCounts;
            console.log(
              `typing run ${run.id}: ${run.kind} as of ${run.as_of}, standard ${run.standard_version}, ${counts.total} households in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
            );
            console.log(countsTable(counts));
            // 三(一)3 免申即享: the types changed, so the grants follow.
            const grants = await grantAfterTypingRun(db, run, {
              actor: `cli:${userInfo().username}`,
              onError: (error) =>
                console.error(
                  `warning: the grant run after typing failed (npx zhixiang grant --as-of ${run.as_of} retries it): ${error instanceof Error ? error.message : String(error)}`,
                ),
            });
            if (grants) {
              console.log(
                `grant run ${grants.runId}: ${grants.granted} new grants as of ${run.as_of}`,
              );
            }
          } finally {
            progress.stop();
          }
        });
      },
    );

  const typing = program.command("typing").description("typing (分型): standard, runs, results");
  typing
    .command("standard")
    .description("check every standard version and print one in readable Chinese (or English)")
    .option("--standards <dir>", "folder of standard versions", DEFAULT_STANDARDS_DIR)
    .option("--standard-version <version>", "this version (default: the one in force on --as-of)")
    .option("--as-of <date>", "the date whose standard to print (default today)")
    .option("--en", "print in English")
    .action(
      async (options: {
        standards: string;
        standardVersion?: string;
        asOf?: string;
        en?: boolean;
      }) => {
        // Loading checks every file: an invalid one stops here with its name, JSON path and reason.
        const standards = await loadTypingStandards(resolve(options.standards));
        const asOf = options.asOf ?? todayInChina(new Date());
        const standard = standardFor(standards, asOf, options.standardVersion ?? null);
        console.log(options.en ? standardTextEn(standard) : standardTextZh(standard));
        console.error(
          `\n${standards.length} version(s) checked: ${standards.map((s) => s.version).join(", ")}`,
        );
      },
    );
  typing
    .command("runs")
    .description("list typing runs, newest first")
    .option("--limit <n>", "how many", "20")
    .action(async (options: { limit: string }) => {
      await withDatabase(config, async ({ db }) => {
        const runs = await listTypingRuns(db, { limit: Number(options.limit) || 20 });
        for (const run of runs) {
          const counts = run.counts as TypingCounts | null;
          const state = run.finished_at
            ? `finished ${new Date(run.finished_at).toISOString()}`
            : run.failed_at
              ? `FAILED: ${run.error}`
              : "unfinished (never took effect)";
          console.log(
            `${run.id}  ${run.kind.padEnd(6)} as of ${run.as_of}  standard ${run.standard_version}  ${counts?.total ?? 0} households  ${state}`,
          );
        }
        if (runs.length === 0) console.log("no typing runs yet");
      });
    });
  typing
    .command("show")
    .description("a household's type in force, with its explanation in Chinese")
    .argument("<uscc>")
    .action(async (uscc: string) => {
      requireUscc(uscc, "<uscc>");
      await withDatabase(config, async ({ db }) => {
        const current = await currentTypingOf(db, uscc);
        if (!current.result) {
          throw new NotFoundError(`household ${uscc} has no result in the current typing run`);
        }
        const { run } = current.result;
        const compiled = compileTypingStandard(await appliedStandard(db, run.standard_version));
        const explanation = await explainTypingResult(
          db,
          compiled,
          uscc,
          run,
          current.result,
          current.correction ?? null,
        );
        console.log(explanation.text);
        console.log(`\ncodes: ${current.result.codes.join(", ")}`);
      });
    });
}
