import { type Kysely, sql, type Transaction } from "kysely";
import type { Database } from "../db/types.ts";
import { BadInputError } from "../errors.ts";
import { beginFirstLoad } from "./first-load.ts";
import {
  type LineBatch,
  type ParsedBatch,
  type RejectedLine,
  repeatedUscc,
} from "./household-batch.ts";
import { type BatchParser, inThreadParser, threadParser } from "./household-parsers.ts";

export type { RejectedLine } from "./household-batch.ts";

export interface ImportOptions {
  /** Import the valid lines and reject the others (default: any invalid line imports nothing). */
  skipInvalid?: boolean;
  /** Households per INSERT; memory holds a few batches (parsed ahead, and the one written). */
  batchSize?: number;
  /**
   * Threads that validate and prepare batches beside the one writing them (default 2). An input
   * of one batch is parsed in the calling thread; 0 parses everything there.
   */
  parseThreads?: number;
  /** Called for every rejected line, in the order found (a repeated USCC once its batch is written). */
  onReject?: (rejected: RejectedLine) => void | Promise<void>;
  /** Called after each batch is written. */
  onProgress?: (progress: ImportSummary) => void;
}

export interface ImportSummary {
  /** Non-blank lines read. */
  lines: number;
  /** Valid households written: inserted + changed + unchanged. */
  imported: number;
  /** Households new to the database. */
  inserted: number;
  /** Households whose facts changed (their record hash differs). */
  changed: number;
  /** Households re-imported with identical facts: `facts_changed_at` kept. */
  unchanged: number;
  rejected: number;
  /** Loaded into empty tables, their indexes built once at the end (first-load.ts). */
  firstLoad: boolean;
}

/** An import with invalid lines and without `skipInvalid`: nothing was written. */
export class HouseholdImportError extends BadInputError {
  constructor(
    readonly summary: ImportSummary,
    /** The first rejected lines (all of them are given to `onReject`). */
    readonly sample: RejectedLine[],
  ) {
    const first = sample[0];
    super(
      `${summary.rejected} of ${summary.lines} lines are invalid; nothing was imported` +
        (first ? ` (first: ${formatRejection(first)[0]})` : ""),
      "lines",
      { rejected: summary.rejected, sample },
    );
  }
}

/** `line N: field: reason`, one string per error (`line N: reason` for a whole-line error). */
export function formatRejection(rejected: RejectedLine): string[] {
  return rejected.errors.map((e) =>
    e.field
      ? `line ${rejected.line}: ${e.field}: ${e.reason}`
      : `line ${rejected.line}: ${e.reason}`,
  );
}

const SAMPLE_SIZE = 100;

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Imports household records, one JSON object a line (contracts/household-record.schema.json).
 *
 * Everything happens in one transaction: either all valid lines are written (every line, unless
 * `skipInvalid`) or nothing is. Lines stream through: a batch is validated while the previous
 * one is being written, and reading waits for that write, so memory stays at two batches
 * whatever the input's length. A household already present is replaced by the new record
 * (`facts_changed_at` and `imported_at` set to the transaction's time); one whose canonical
 * record is identical (same `record_hash`) is left untouched, so importing the same facts again
 * changes nothing. A USCC may appear only once in an input: a repeat is rejected like an
 * invalid line. Lines come from `readLines` for a stream, or any (async) iterable of strings.
 */
export async function importHouseholds(
  db: Db,
  lines: AsyncIterable<string> | Iterable<string>,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  if (db.isTransaction) return importInTransaction(db as Transaction<Database>, lines, options);
  return db.transaction().execute((trx) => importInTransaction(trx, lines, options));
}

async function importInTransaction(
  trx: Transaction<Database>,
  lines: AsyncIterable<string> | Iterable<string>,
  options: ImportOptions,
): Promise<ImportSummary> {
  const batchSize = options.batchSize ?? 2000;
  // The USCCs seen by this import, to refuse a repeat in a later batch without holding them all
  // in memory. Dropped at commit; emptied first in case the caller's transaction ran another.
  await sql`CREATE TEMPORARY TABLE IF NOT EXISTS household_import_seen (uscc text PRIMARY KEY)
    ON COMMIT DROP`.execute(trx);
  await sql`TRUNCATE household_import_seen`.execute(trx);
  // Into empty tables, the rows go in first and the indexes are built afterwards (first-load.ts).
  const firstLoad = await beginFirstLoad(trx);
  const summary: ImportSummary = {
    lines: 0,
    imported: 0,
    inserted: 0,
    changed: 0,
    unchanged: 0,
    rejected: 0,
    firstLoad: firstLoad !== null,
  };
  const sample: RejectedLine[] = [];
  const reject = async (rejected: RejectedLine) => {
    summary.rejected++;
    if (sample.length < SAMPLE_SIZE) sample.push(rejected);
    await options.onReject?.(rejected);
  };

  // A pipeline: batches are parsed ahead (in parser threads, household-parsers.ts) while the
  // previous one is written, and each is written in input order once the one before it is. At
  // most `threads + 1` batches are parsed ahead, so memory does not grow with the input; reading
  // waits when they are.
  const threads = Math.max(0, options.parseThreads ?? 2);
  let parser: BatchParser | null = null;
  const parserFor = (batch: LineBatch) => {
    // A full first batch means more may follow: worth starting the threads.
    parser ??=
      threads > 0 && batch.texts.length >= batchSize ? threadParser(threads) : inThreadParser();
    return parser;
  };
  const ahead: { batch: LineBatch; parsed: Promise<ParsedBatch> }[] = [];
  let writing: Promise<void> = Promise.resolve();
  const writeNext = async () => {
    const next = ahead.shift();
    if (!next) return;
    const parsed = await next.parsed;
    for (const rejected of parsed.rejected) await reject(rejected);
    await writing;
    writing = writeBatch(trx, next.batch, parsed, summary, reject).then(() =>
      options.onProgress?.(summary),
    );
    // Attach a handler now (the promise is awaited later) so a failure is never "unhandled".
    writing.catch(() => {});
  };
  const dispatch = async (batch: LineBatch) => {
    const parsed = parserFor(batch).parse(batch);
    parsed.catch(() => {});
    ahead.push({ batch, parsed });
    if (ahead.length > threads) await writeNext();
  };

  let batch: LineBatch = { texts: [], lines: [] };
  let lineNumber = 0;
  try {
    for await (const raw of lines) {
      lineNumber++;
      const text = lineNumber === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      if (text.trim() === "") continue;
      summary.lines++;
      batch.texts.push(text);
      batch.lines.push(lineNumber);
      if (batch.texts.length >= batchSize) {
        await dispatch(batch);
        batch = { texts: [], lines: [] };
      }
    }
    if (batch.texts.length > 0) await dispatch(batch);
    while (ahead.length > 0) await writeNext();
    await writing;
  } catch (error) {
    // Let a write in flight finish before the transaction rolls back under it.
    await writing.catch(() => {});
    throw error;
  } finally {
    await (parser as BatchParser | null)?.close();
  }

  if (summary.rejected > 0 && !options.skipInvalid) {
    // Thrown inside the transaction: it rolls back, so nothing of this input is kept.
    throw new HouseholdImportError(summary, sample);
  }
  await firstLoad?.restore();
  return summary;
}

/** The columns of `household` that come from the record, as one unnest(...) of array literals. */
function householdRows(c: ParsedBatch["household"]) {
  return sql`unnest(
      ${c.uscc}::text[], ${c.name}::text[], ${c.idHash}::text[], ${c.proprietorName}::text[],
      ${c.groups}::text[], ${c.dishonest}::bool[], ${c.county}::text[], ${c.industry}::text[],
      ${c.registered}::date[], ${c.status}::text[], ${c.reports}::text[], ${c.abnormal}::bool[],
      ${c.serious}::bool[], ${c.taxAbnormal}::bool[], ${c.seasonal}::bool[], ${c.hash}::text[]
    ) AS t(uscc, name, id_hash, proprietor_name, groups, dishonest, county, industry,
      registered, status, reports, abnormal, serious, tax_abnormal, seasonal, hash)`;
}

/**
 * Writes one parsed batch: the households new to the database are inserted, those whose
 * canonical record changed are updated (and their yearly figures, suspensions and penalties
 * rewritten), and those with identical facts are not written at all, so a re-import of the same
 * facts changes nothing. Each statement binds one array literal a column (`unnest`): the number
 * of parameters does not grow with the batch.
 *
 * A USCC repeated in the input is found without holding the input's USCCs in memory: a row this
 * import wrote has `imported_at = now()` (the transaction's start), and one it left unchanged
 * is noted in a temporary table. Both are looked at only for rows that already exist, so a
 * first import of new households pays nothing for it.
 */
async function writeBatch(
  trx: Transaction<Database>,
  batch: LineBatch,
  parsed: ParsedBatch,
  summary: ImportSummary,
  reject: (rejected: RejectedLine) => Promise<void>,
): Promise<void> {
  if (parsed.usccs.length === 0) return;
  const inserted = await sql<{ uscc: string }>`
    INSERT INTO household (
      uscc, name, proprietor_id_hash, proprietor_name, proprietor_groups,
      proprietor_dishonest_debtor, county_code, industry_code, registered_on, status,
      annual_reports, abnormal_listed, serious_violation_listed, tax_abnormal, seasonal,
      record_hash, facts_changed_at, imported_at)
    SELECT t.uscc, t.name, t.id_hash, t.proprietor_name, string_to_array(t.groups, ','),
      t.dishonest, t.county, t.industry, t.registered, t.status,
      string_to_array(t.reports, ',')::smallint[], t.abnormal, t.serious, t.tax_abnormal,
      t.seasonal, t.hash, now(), now()
    FROM ${householdRows(parsed.household)}
    ON CONFLICT (uscc) DO NOTHING
    RETURNING uscc`.execute(trx);
  summary.imported += inserted.rows.length;
  summary.inserted += inserted.rows.length;
  if (inserted.rows.length === parsed.usccs.length) {
    // All new (a first load, mostly): every household's rows go in as they are.
    await insertChildren(trx, parsed, null);
    return;
  }

  const isNew = new Set(inserted.rows.map((row) => row.uscc));
  const existing = parsed.usccs.filter((uscc) => !isNew.has(uscc));
  const { rows } = await sql<{ uscc: string; record_hash: string; repeated: boolean }>`
    WITH present AS (
      SELECT uscc, record_hash, imported_at = now() AS written_now
      FROM household WHERE uscc = ANY(${existing}::text[])),
    first_seen AS (
      INSERT INTO household_import_seen (uscc)
      SELECT uscc FROM present WHERE NOT written_now
      ON CONFLICT DO NOTHING RETURNING uscc)
    SELECT p.uscc, p.record_hash, (p.written_now OR f.uscc IS NULL) AS repeated
    FROM present p LEFT JOIN first_seen f ON f.uscc = p.uscc`.execute(trx);
  const stored = new Map(rows.map((row) => [row.uscc, row]));

  const textOf = new Map(batch.lines.map((line, i) => [line, batch.texts[i] as string]));
  const changed: string[] = [];
  const repeats: RejectedLine[] = [];
  parsed.usccs.forEach((uscc, i) => {
    if (isNew.has(uscc)) return;
    const row = stored.get(uscc);
    if (!row || row.repeated) {
      // Absent: deleted by another transaction meanwhile; treated like a repeat, not guessed at.
      const line = parsed.lines[i] as number;
      repeats.push({
        line,
        text: textOf.get(line) ?? "",
        errors: [repeatedUscc("an earlier line")],
      });
      return;
    }
    summary.imported++;
    if (row.record_hash !== parsed.hashes[i]) {
      summary.changed++;
      changed.push(uscc);
    } else {
      summary.unchanged++;
    }
  });
  for (const rejected of repeats.sort((a, b) => a.line - b.line)) await reject(rejected);

  if (changed.length > 0) {
    await sql`
      UPDATE household SET
        name = t.name,
        proprietor_id_hash = t.id_hash,
        proprietor_name = t.proprietor_name,
        proprietor_groups = string_to_array(t.groups, ','),
        proprietor_dishonest_debtor = t.dishonest,
        county_code = t.county,
        industry_code = t.industry,
        registered_on = t.registered,
        status = t.status,
        annual_reports = string_to_array(t.reports, ',')::smallint[],
        abnormal_listed = t.abnormal,
        serious_violation_listed = t.serious,
        tax_abnormal = t.tax_abnormal,
        seasonal = t.seasonal,
        record_hash = t.hash,
        facts_changed_at = now(),
        imported_at = now()
      FROM ${householdRows(parsed.household)}
      WHERE household.uscc = t.uscc AND t.uscc = ANY(${changed}::text[])`.execute(trx);
    for (const table of ["household_year", "household_suspension", "household_penalty"] as const) {
      await trx.deleteFrom(table).where(sql<boolean>`uscc = ANY(${changed}::text[])`).execute();
    }
  }
  const written = [...isNew, ...changed];
  if (written.length > 0) await insertChildren(trx, parsed, written);
}

/**
 * The yearly figures, suspensions and penalties of the batch's households, or of `only` those
 * (the new and the changed ones) when some were left alone.
 */
async function insertChildren(
  trx: Transaction<Database>,
  parsed: ParsedBatch,
  only: string[] | null,
) {
  const keep = only === null ? sql`` : sql`WHERE t.uscc = ANY(${only}::text[])`;
  const { years, suspensions, penalties } = parsed;
  if (years.count > 0) {
    await sql`
      INSERT INTO household_year (uscc, year, tax_paid, insured_employees, revenue)
      SELECT * FROM unnest(${years.uscc}::text[], ${years.year}::smallint[],
        ${years.tax}::float8[], ${years.insured}::int[], ${years.revenue}::float8[])
        AS t(uscc, year, tax, insured, revenue) ${keep}`.execute(trx);
  }
  if (suspensions.count > 0) {
    await sql`
      INSERT INTO household_suspension (uscc, seq, from_on, to_on)
      SELECT * FROM unnest(${suspensions.uscc}::text[], ${suspensions.seq}::smallint[],
        ${suspensions.from}::date[], ${suspensions.to}::date[]) AS t(uscc, seq, from_on, to_on)
        ${keep}`.execute(trx);
  }
  if (penalties.count > 0) {
    await sql`
      INSERT INTO household_penalty (uscc, seq, decided_on, kind, repaired_on)
      SELECT * FROM unnest(${penalties.uscc}::text[], ${penalties.seq}::smallint[],
        ${penalties.decided}::date[], ${penalties.kind}::text[], ${penalties.repaired}::date[])
        AS t(uscc, seq, decided_on, kind, repaired_on) ${keep}`.execute(trx);
  }
}
