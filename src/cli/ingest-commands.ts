import { once } from "node:events";
import {
  createReadStream,
  createWriteStream,
  statSync,
  unlinkSync,
  type WriteStream,
} from "node:fs";
import { userInfo } from "node:os";
import type { Writable } from "node:stream";
import { MultiBar, Presets } from "cli-progress";
import type { Command } from "commander";
import type { Config } from "../config.ts";
import { BadInputError } from "../errors.ts";
import { grantAfterImport } from "../grants/grant-triggers.ts";
import { requireCountyCode } from "../households/areas.ts";
import { exportHouseholds } from "../ingest/export-households.ts";
import { generateHouseholds } from "../ingest/generate-households.ts";
import { householdJson } from "../ingest/household-record.ts";
import {
  formatRejection,
  HouseholdImportError,
  type ImportSummary,
  importHouseholds,
  type RejectedLine,
} from "../ingest/import-households.ts";
import { readLines } from "../ingest/read-lines.ts";
import { seedHouseholds } from "../ingest/seed-households.ts";
import { integer, positiveInteger, subcommandGroup } from "./command-options.ts";
import { withDatabase } from "./with-database.ts";

/** `import households`, `export households` and `seed --households`. */
export function registerIngestCommands(program: Command, config: Config): void {
  subcommandGroup(program, "import", "import records from files")
    .command("households")
    .description(
      "import household records (JSON Lines in the exchange contract, src/ingest/household-record.schema.json)",
    )
    .argument("<file>", "JSON Lines file, or - for standard input")
    .option("--skip-invalid", "import the valid lines and write the invalid ones to --rejects")
    .option(
      "--rejects <file>",
      "where --skip-invalid writes rejected lines (default: FILE.rejects.jsonl)",
    )
    .option("--batch-size <n>", "households per insert", positiveInteger, 2000)
    .action(
      async (
        file: string,
        options: { skipInvalid?: boolean; rejects?: string; batchSize: number },
      ) => {
        if (options.rejects !== undefined && !options.skipInvalid) {
          throw new BadInputError(
            "--rejects names where --skip-invalid writes the rejected lines: give --skip-invalid too (without it, any invalid line imports nothing)",
          );
        }
        await withDatabase(config, async ({ db }) => {
          await importFile(db, file, options);
          // 三(一)3 免申即享: the facts changed, so the grants follow as of today.
          const grants = await grantAfterImport(db, new Date(), {
            actor: `cli:${userInfo().username}`,
            ref: file,
            onError: (error) =>
              console.error(
                `warning: the grant run after the import failed (npx zhixiang grant retries it): ${error instanceof Error ? error.message : String(error)}`,
              ),
          });
          if (grants) console.log(`grant run ${grants.runId}: ${grants.granted} new grants`);
        });
      },
    );

  subcommandGroup(program, "export", "export records to files")
    .command("households")
    .description("write every household as canonical JSON Lines (the format import reads)")
    .option("--out <file>", "output file (default: standard output)")
    .option("--county <code>", "only the households of this county-level area")
    .action(async (options: { out?: string; county?: string }) => {
      if (options.county !== undefined) requireCountyCode(options.county, "--county");
      await withDatabase(config, async ({ db }) => {
        const out = options.out ? createWriteStream(options.out) : process.stdout;
        let count = 0;
        // One snapshot for the whole export, whatever imports run meanwhile.
        await db
          .transaction()
          .setIsolationLevel("repeatable read")
          .execute(async (trx) => {
            const lines = exportHouseholds(
              trx,
              options.county ? { countyCode: options.county } : {},
            );
            for await (const line of lines) {
              await writeLine(out, line);
              count++;
            }
          });
        if (options.out) {
          await closeStream(out as WriteStream);
          console.error(`exported ${count} households to ${options.out}`);
        }
      });
    });

  program
    .command("seed")
    .description("generate realistic Zhengzhou households, deterministic for a seed")
    .requiredOption("--households <n>", "how many households", positiveInteger)
    .option("--seed <s>", "random seed", integer, 1)
    .option("--as-of-year <year>", "year the data is as of", integer, 2025)
    .option("--out <file>", "write JSON Lines to this file instead of the database")
    .action(
      async (options: { households: number; seed: number; asOfYear: number; out?: string }) => {
        const records = generateHouseholds({
          count: options.households,
          seed: options.seed,
          asOfYear: options.asOfYear,
        });
        if (options.out) {
          const out = createWriteStream(options.out);
          for (const record of records) await writeLine(out, householdJson(record));
          await closeStream(out);
          console.error(`wrote ${options.households} households to ${options.out}`);
          return;
        }
        await withDatabase(config, async ({ db }) => {
          const summary = await seedHouseholds(db, {
            count: options.households,
            seed: options.seed,
            asOfYear: options.asOfYear,
          });
          console.log(describe(summary));
        });
      },
    );
}

async function importFile(
  db: Parameters<typeof importHouseholds>[0],
  file: string,
  options: { skipInvalid?: boolean; rejects?: string; batchSize: number },
): Promise<void> {
  const fromStdin = file === "-";
  if (!fromStdin) assertReadable(file);
  const stream = fromStdin ? null : createReadStream(file);
  const size = fromStdin ? 0 : statSync(file).size;
  const lines = readLines(stream ?? process.stdin);

  // A progress bar on a terminal only; errors are printed above it.
  const bars =
    process.stderr.isTTY && size > 0
      ? new MultiBar(
          {
            stream: process.stderr,
            format:
              "importing [{bar}] {percentage}% | {households} households | {rate}/s | ETA {eta_formatted}",
            hideCursor: true,
            clearOnComplete: true,
          },
          Presets.shades_classic,
        )
      : null;
  const bar = bars?.create(size, 0, { households: 0, rate: 0 });
  const report = (text: string) => (bars ? bars.log(`${text}\n`) : console.error(text));

  const rejectsPath = options.rejects ?? `${fromStdin ? "stdin" : file}.rejects.jsonl`;
  const rejects = options.skipInvalid ? createWriteStream(rejectsPath) : null;
  const started = performance.now();
  try {
    const summary = await importHouseholds(db, lines, {
      skipInvalid: options.skipInvalid ?? false,
      batchSize: options.batchSize,
      onReject: async (rejected: RejectedLine) => {
        if (rejects) {
          const { line, errors, text } = rejected;
          await writeLine(rejects, JSON.stringify({ line, errors, text }));
        } else {
          for (const message of formatRejection(rejected)) report(message);
        }
      },
      onProgress: (progress) => {
        const seconds = (performance.now() - started) / 1000;
        bar?.update(stream?.bytesRead ?? 0, {
          households: progress.imported,
          rate: Math.round(progress.imported / Math.max(seconds, 0.001)),
        });
      },
    });
    bars?.stop();
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${describe(summary)} in ${seconds.toFixed(1)} s (${Math.round(summary.imported / Math.max(seconds, 0.001))} households/s)`,
    );
    if (rejects && summary.rejected > 0) {
      console.log(`rejected ${summary.rejected} invalid lines, written to ${rejectsPath}`);
    }
  } catch (error) {
    bars?.stop();
    if (error instanceof HouseholdImportError) {
      throw new BadInputError(
        `${error.summary.rejected} of ${error.summary.lines} lines of ${file} are invalid; nothing was imported (--skip-invalid imports the valid ones)`,
      );
    }
    throw error;
  } finally {
    if (rejects) {
      await closeStream(rejects);
      // No rejects, no file: an empty one would only suggest there were some.
      if (rejects.bytesWritten === 0) unlinkSync(rejectsPath);
    }
  }
}

function describe(summary: ImportSummary): string {
  const how = summary.firstLoad ? "; first load: indexes built at the end" : "";
  return `imported ${summary.imported} households (${summary.inserted} new, ${summary.changed} changed, ${summary.unchanged} unchanged${how})`;
}

/** Writes a line, waiting when the stream's buffer is full, so memory does not grow. */
async function writeLine(out: Writable, line: string): Promise<void> {
  if (!out.write(`${line}\n`)) await once(out, "drain");
}

async function closeStream(stream: WriteStream): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

function assertReadable(file: string): void {
  try {
    if (!statSync(file).isFile()) throw new BadInputError(`${file} is not a file`);
  } catch (error) {
    if (error instanceof BadInputError) throw error;
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new BadInputError(`${file} does not exist`);
    }
    throw new BadInputError(`cannot read ${file}: ${(error as Error).message}`);
  }
}
