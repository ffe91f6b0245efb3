import { createHash } from "node:crypto";
import { type Kysely, type Selectable, sql } from "kysely";
import { recordAudit } from "../audit.ts";
import { isCalendarDate, todayInChina } from "../dates.ts";
import type { Database, TypingRunTable } from "../db/types.ts";
import { BadInputError, ConflictError, DomainError } from "../errors.ts";
import {
  DEFAULT_STANDARDS_DIR,
  loadTypingStandards,
  standardFor,
} from "./load-typing-standards.ts";
import { typingResultsQuery } from "./typing-sql.ts";
import type { TypingStandard } from "./typing-standard.ts";

/**
 * 三(一)2 分型方式: a typing run types every household as of a date, set-based in SQL.
 *
 * Everything a run writes — the standard version it applies, its run row, one result per
 * household (one INSERT … SELECT, or one per USCC range when batched), finished_at, the counts
 * and the audit entry — is written in one transaction. Until it commits the previous run stays
 * current, so a run that fails or is killed changes nothing; a failure the process lives to see
 * is noted as an unfinished run with its error. Once it commits it is current unless a run of a
 * later as-of date has finished (currentTypingRunId).
 * Runs wait for each other (an advisory lock), and the same date with the same standard and
 * data gives the same results.
 */

/** 三(一)2 分型周期: the yearly run after July's annual reports (the 名特优新 quota's base), or any other. */
export const RUN_KINDS = ["YEARLY", "ADHOC"] as const;
export type RunKind = (typeof RUN_KINDS)[number];

export type TypingRunRow = Selectable<TypingRunTable>;

/** What a run counts: households by type, and by county and type. */
export interface TypingCounts {
  total: number;
  byType: Record<string, number>;
  byCounty: Record<string, Record<string, number>>;
}

export type TypingProgress =
  | { phase: "checking" }
  /** `estimated`: read from the results table's growth while the one statement runs. */
  | { phase: "typing"; done: number; total: number; estimated?: boolean }
  | { phase: "finishing" };

export interface RunTypingInput {
  asOf: string;
  kind?: RunKind;
  /** The audit actor (actorOf(principal), or `cli:<user>`). */
  actor: string;
  /** The clock: a date after today in China is refused. */
  now: Date;
  /** The folder of standard versions (default policies-data/typing/). */
  standardsDir?: string;
  /** A version to apply instead of the one in force on asOf. */
  standardVersion?: string | null;
  /**
   * Households per INSERT … SELECT (each a USCC range, all in the one transaction), so that
   * progress can be reported; default: one statement for everything.
   */
  batchSize?: number;
  onProgress?: (progress: TypingProgress) => void;
  /**
   * PostgreSQL only (a pool: the polling query needs a connection of its own; PGlite has one):
   * while the one statement runs, estimate its progress every `pollMs` from the growth of
   * typing_result, which the uncommitted rows already occupy.
   */
  pollProgress?: { pollMs: number };
}

/** About what one result takes in typing_result's heap (tuple, line pointer, page overhead). */
const BYTES_PER_RESULT = 140;

/** Runs wait for one another: two at once would each be current for a moment. */
const RUN_LOCK = 7_310_001;

/** Checks what can be checked before the database is touched; returns the standard to apply. */
async function prepare(input: RunTypingInput): Promise<TypingStandard> {
  const { asOf } = input;
  if (!isCalendarDate(asOf)) {
    throw new BadInputError(`asOf must be a calendar date YYYY-MM-DD, got "${asOf}"`, "asOf");
  }
  const today = todayInChina(input.now);
  if (asOf > today) {
    throw new BadInputError(
      `asOf ${asOf} is in the future (today in China is ${today}): a run types what is known`,
      "asOf",
    );
  }
  const kind = input.kind ?? "ADHOC";
  if (!(RUN_KINDS as readonly string[]).includes(kind)) {
    throw new BadInputError(`kind must be one of ${RUN_KINDS.join(", ")}, got "${kind}"`, "kind");
  }
  // 三(一)2 分型周期: 每年7月份个体工商户年度报告结束后 — annual reports run to 30 June.
  if (kind === "YEARLY" && asOf.slice(5) < "07-01") {
    throw new BadInputError(
      `a YEARLY run is made after the annual reports (1 January–30 June): asOf ${asOf} is before 1 July`,
      "asOf",
    );
  }
  const standards = await loadTypingStandards(input.standardsDir ?? DEFAULT_STANDARDS_DIR);
  const standard = standardFor(standards, asOf, input.standardVersion);

  return standard;
}

/** The JSON of a standard with its keys sorted: the same content gives the same digest. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * Records the standard version a run applies. A version is immutable: the same version with
 * other content is refused (the province publishes a change as a new version).
 */
export async function recordStandard(
  db: Kysely<Database>,
  standard: TypingStandard,
): Promise<void> {
  const text = canonical(standard.definition);
  const digest = createHash("sha256").update(text).digest("hex");
  await db
    .insertInto("typing_standard")
    .values({ version: standard.version, definition: text, digest, source_file: standard.file })
    .onConflict((oc) => oc.column("version").doNothing())
    .execute();
  const stored = await db
    .selectFrom("typing_standard")
    .select(["digest", "source_file"])
    .where("version", "=", standard.version)
    .executeTakeFirstOrThrow();
  if (stored.digest !== digest) {
    throw new ConflictError(
      `typing standard version "${standard.version}" in ${standard.file} differs from the one ` +
        `already applied (from ${stored.source_file}): publish the change as a new version`,
    );
  }
}

/**
 * USCC ranges of about `size` households each, covering every USCC (the first and last ranges
 * are open), for a run in batches. Read in the run's snapshot, like the batches themselves.
 */
async function usccRanges(
  db: Kysely<Database>,
  size: number,
  asOf: string,
): Promise<{ total: number; ranges: { from: string | null; to: string | null }[] }> {
  if (!Number.isInteger(size) || size < 1) {
    throw new BadInputError(`batchSize must be a positive whole number, got ${size}`, "batchSize");
  }
  // The households to type: those registered on or before the date.
  const count = await db
    .selectFrom("household")
    .select(sql<number>`count(*)::int`.as("n"))
    .where("registered_on", "<=", asOf)
    .executeTakeFirstOrThrow();
  const starts = await sql<{ uscc: string }>`
    SELECT uscc FROM (SELECT uscc, row_number() OVER (ORDER BY uscc) AS n FROM household) numbered
    WHERE (n - 1) % ${size}::bigint = 0 AND n > 1
    ORDER BY uscc`.execute(db);
  const ranges: { from: string | null; to: string | null }[] = [];
  let from: string | null = null;
  for (const { uscc } of starts.rows) {
    ranges.push({ from, to: uscc });
    from = uscc;
  }
  ranges.push({ from, to: null });
  return { total: count.n, ranges };
}

/**
 * Estimates the progress of the one INSERT … SELECT from another connection: the households to
 * type (counted in the run's snapshot) and the growth of typing_result since the start. Returns
 * the function that stops it.
 */
async function pollProgress(
  db: Kysely<Database>,
  trx: Kysely<Database>,
  asOf: string,
  pollMs: number,
  report: (progress: TypingProgress) => void,
): Promise<() => void> {
  const size = async () =>
    (
      await sql<{
        bytes: number;
      }>`SELECT pg_relation_size('typing_result')::float8 AS bytes`.execute(db)
    ).rows[0]?.bytes ?? 0;
  const [count, start] = await Promise.all([
    trx
      .selectFrom("household")
      .select(sql<number>`count(*)::int`.as("n"))
      .where("registered_on", "<=", asOf)
      .executeTakeFirstOrThrow(),
    size(),
  ]);
  const total = count.n;
  report({ phase: "typing", done: 0, total, estimated: true });
  let stopped = false;
  const timer = setInterval(() => {
    size()
      .then((bytes) => {
        if (stopped) return;
        // Never 100% before the statement ends: the counts and the commit still follow.
        const done = Math.min(total - 1, Math.floor((bytes - start) / BYTES_PER_RESULT));
        report({ phase: "typing", done: Math.max(0, done), total, estimated: true });
      })
      .catch(() => undefined);
  }, pollMs);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/**
 * One INSERT … SELECT of the results of the households in `range` (all: null bounds); returns
 * how many it wrote.
 */
async function insertResults(
  trx: Kysely<Database>,
  runId: string,
  standard: TypingStandard,
  asOf: string,
  range: { from: string | null; to: string | null },
): Promise<number> {
  const select = typingResultsQuery(trx, standard, asOf, range);
  const result = await trx
    .insertInto("typing_result")
    .columns(["run_id", "uscc", "county_code", "type", "codes"])
    .expression(
      trx
        .selectFrom(select.as("t"))
        .select([
          sql<string>`${runId}::uuid`.as("run_id"),
          "t.uscc",
          "t.county_code",
          "t.type",
          "t.codes",
        ]),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

/** The run's results counted by county and type (the run's rows are one primary-key range). */
async function countResults(trx: Kysely<Database>, runId: string): Promise<TypingCounts> {
  const rows = await trx
    .selectFrom("typing_result")
    .select(["county_code", "type", sql<number>`count(*)::int`.as("households")])
    .where("run_id", "=", runId)
    .groupBy(["county_code", "type"])
    .execute();
  const counts: TypingCounts = { total: 0, byType: {}, byCounty: {} };
  for (const row of rows) {
    const county = row.county_code ?? "";
    counts.total += row.households;
    counts.byType[row.type] = (counts.byType[row.type] ?? 0) + row.households;
    const byCounty = counts.byCounty[county] ?? {};
    counts.byCounty[county] = byCounty;
    byCounty[row.type] = (byCounty[row.type] ?? 0) + row.households;
  }
  return counts;
}

/** Makes a typing run; returns the finished run. */
export async function runTyping(
  db: Kysely<Database>,
  input: RunTypingInput,
): Promise<TypingRunRow> {
  input.onProgress?.({ phase: "checking" });
  const standard = await prepare(input);
  const kind = input.kind ?? "ADHOC";
  const startedAt = new Date();

  try {
    // One transaction for everything the run writes, one snapshot for everything it reads.
    return await db
      .transaction()
      .setIsolationLevel("repeatable read")
      .execute(async (trx) => {
        await sql`SELECT pg_advisory_xact_lock(${RUN_LOCK}::bigint)`.execute(trx);
        // A batch job: hash joins in memory rather than in batches on disk.
        await sql`SET LOCAL work_mem = '64MB'`.execute(trx);
        await recordStandard(trx, standard);
        const run = await trx
          .insertInto("typing_run")
          .values({
            as_of: input.asOf,
            standard_version: standard.version,
            kind,
            started_at: sql<Date>`clock_timestamp()`,
            created_by: input.actor,
          })
          .returning("id")
          .executeTakeFirstOrThrow();

        const batches =
          input.batchSize !== undefined
            ? await usccRanges(trx, input.batchSize, input.asOf)
            : { total: null, ranges: [{ from: null, to: null }] };
        const stopPolling =
          input.pollProgress && input.onProgress && input.batchSize === undefined
            ? await pollProgress(db, trx, input.asOf, input.pollProgress.pollMs, input.onProgress)
            : () => {};
        let typed = 0;
        try {
          for (const range of batches.ranges) {
            typed += await insertResults(trx, run.id, standard, input.asOf, range);
            stopPolling();
            input.onProgress?.({ phase: "typing", done: typed, total: batches.total ?? typed });
          }
        } finally {
          stopPolling();
        }
        // Nobody was registered on or before the date: there is nothing to type (and the
        // transaction, rolled back, leaves nothing written).
        if (typed === 0) await refuseEmptyRun(trx, input.asOf);

        input.onProgress?.({ phase: "finishing" });
        const counts = await countResults(trx, run.id);
        const finished = await trx
          .updateTable("typing_run")
          .set({ finished_at: sql<Date>`clock_timestamp()`, counts: JSON.stringify(counts) })
          .where("id", "=", run.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await recordAudit(trx, {
          actor: input.actor,
          action: "typing.run",
          entity: "typing_run",
          entityId: run.id,
          before: null,
          after: { asOf: input.asOf, kind, standardVersion: standard.version, counts },
        });
        return finished;
      });
  } catch (error) {
    // Refused input wrote nothing. A run that failed otherwise is noted, unfinished, so that
    // operators see it; its results were rolled back.
    if (!(error instanceof DomainError)) {
      await db
        .insertInto("typing_run")
        .values({
          as_of: input.asOf,
          standard_version: standard.version,
          kind,
          started_at: startedAt,
          created_by: input.actor,
          failed_at: sql<Date>`clock_timestamp()`,
          error: error instanceof Error ? error.message.slice(0, 1000) : String(error),
        })
        .execute()
        .catch(() => undefined);
    }
    throw error;
  }
}

/** A run that typed nobody: the date is before any data, or there are no households at all. */
async function refuseEmptyRun(trx: Kysely<Database>, asOf: string): Promise<never> {
  const earliest = await trx
    .selectFrom("household")
    .select((eb) => eb.fn.min("registered_on").as("first"))
    .executeTakeFirst();
  const first = earliest?.first ?? null;
  if (first === null) {
    throw new BadInputError("there are no households to type: import households first", "asOf");
  }
  throw new BadInputError(
    `asOf ${asOf} is before any data: the earliest household was registered on ${first}`,
    "asOf",
  );
}
