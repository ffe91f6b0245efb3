import { type Kysely, sql, type Transaction } from "kysely";
import { arrayLiteral } from "../db/array-literal.ts";
import type { Database } from "../db/types.ts";
import { BadInputError } from "../errors.ts";
import { beginFirstLoad } from "./first-load.ts";
import { type HouseholdRecord, householdHash, householdJson } from "./household-record.ts";
import { createHouseholdValidator, type FieldError } from "./household-validator.ts";

export interface ImportOptions {
  /** Import the valid lines and reject the others (default: any invalid line imports nothing). */
  skipInvalid?: boolean;
  /** Households per INSERT; memory holds at most two batches. */
  batchSize?: number;
  /** Called for every rejected line, in the order found (a repeated USCC once its batch is written). */
  onReject?: (rejected: RejectedLine) => void | Promise<void>;
  /** Called after each batch is written. */
  onProgress?: (progress: ImportSummary) => void;
}

export interface RejectedLine {
  /** 1-based line number in the input, blank lines counted. */
  line: number;
  text: string;
  errors: FieldError[];
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

interface Pending {
  line: number;
  text: string;
  record: HouseholdRecord;
  hash: string;
}

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
  const validate = createHouseholdValidator();
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

  // One batch is written while the next is read and validated: the database and the parser work
  // at the same time, and the loop waits for the previous write before starting the next one.
  let writing: Promise<void> = Promise.resolve();
  const write = async (batch: Pending[]) => {
    await writing;
    writing = writeBatch(trx, batch, summary, reject).then(() => options.onProgress?.(summary));
    // Attach a handler now (the promise is awaited later) so a failure is never "unhandled".
    writing.catch(() => {});
  };

  let batch: Pending[] = [];
  let lineInBatch = new Map<string, number>();
  let lineNumber = 0;
  try {
    for await (const raw of lines) {
      lineNumber++;
      const text = lineNumber === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      if (text.trim() === "") continue;
      summary.lines++;
      const result = validate(text);
      if (!result.ok) {
        await reject({ line: lineNumber, text, errors: result.errors });
        continue;
      }
      const { record } = result;
      const earlier = lineInBatch.get(record.uscc);
      if (earlier !== undefined) {
        await reject({ line: lineNumber, text, errors: [repeatedUscc(`line ${earlier}`)] });
        continue;
      }
      lineInBatch.set(record.uscc, lineNumber);
      const json = householdJson(record);
      batch.push({ line: lineNumber, text, record, hash: householdHash(json) });
      if (batch.length >= batchSize) {
        await write(batch);
        batch = [];
        lineInBatch = new Map();
      }
    }
    if (batch.length > 0) await write(batch);
    await writing;
  } catch (error) {
    // Let a write in flight finish before the transaction rolls back under it.
    await writing.catch(() => {});
    throw error;
  }

  if (summary.rejected > 0 && !options.skipInvalid) {
    // Thrown inside the transaction: it rolls back, so nothing of this input is kept.
    throw new HouseholdImportError(summary, sample);
  }
  await firstLoad?.restore();
  return summary;
}

function repeatedUscc(where: string): FieldError {
  return {
    field: "uscc",
    reason: `repeats the household of ${where}; a USCC may appear once in an input`,
  };
}

/** The columns of `household` that come from the record, as one unnest(...) of arrays. */
function householdRows(records: HouseholdRecord[], hashes: string[]) {
  const col = (pick: (r: HouseholdRecord) => string | boolean | null) =>
    arrayLiteral(records.map(pick));
  return sql`unnest(
      ${col((r) => r.uscc)}::text[], ${col((r) => r.name)}::text[],
      ${col((r) => r.proprietor.idHash)}::text[], ${col((r) => r.proprietor.name ?? null)}::text[],
      ${col((r) => r.proprietor.groups.join(","))}::text[],
      ${col((r) => r.proprietor.dishonestDebtor)}::bool[], ${col((r) => r.countyCode)}::text[],
      ${col((r) => r.industryCode ?? null)}::text[], ${col((r) => r.registeredOn)}::date[],
      ${col((r) => r.status)}::text[], ${col((r) => r.annualReports.join(","))}::text[],
      ${col((r) => r.abnormalListed)}::bool[], ${col((r) => r.seriousViolationListed)}::bool[],
      ${col((r) => r.taxAbnormal)}::bool[], ${col((r) => r.seasonal)}::bool[], ${arrayLiteral(hashes)}::text[]
    ) AS t(uscc, name, id_hash, proprietor_name, groups, dishonest, county, industry,
      registered, status, reports, abnormal, serious, tax_abnormal, seasonal, hash)`;
}

/**
 * Writes one batch: the households new to the database are inserted, those whose canonical
 * record changed are updated (and their yearly figures, suspensions and penalties rewritten),
 * and those with identical facts are not written at all, so a re-import of the same facts
 * changes nothing. Each statement takes one array a column (`unnest`): the number of
 * parameters does not grow with the batch.
 *
 * A USCC repeated in the input is found without holding the input's USCCs in memory: a row this
 * import wrote has `imported_at = now()` (the transaction's start), and one it left unchanged
 * is noted in a temporary table. Both are looked at only for rows that already exist, so a
 * first import of new households pays nothing for it.
 */
async function writeBatch(
  trx: Transaction<Database>,
  batch: Pending[],
  summary: ImportSummary,
  reject: (rejected: RejectedLine) => Promise<void>,
): Promise<void> {
  // Sorted by USCC, the index entries of a batch land near each other.
  batch.sort((a, b) => (a.record.uscc < b.record.uscc ? -1 : 1));
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
    FROM ${householdRows(
      batch.map((p) => p.record),
      batch.map((p) => p.hash),
    )}
    ON CONFLICT (uscc) DO NOTHING
    RETURNING uscc`.execute(trx);
  const isNew = new Set(inserted.rows.map((row) => row.uscc));
  const existing = batch.filter((p) => !isNew.has(p.record.uscc));

  const stored = new Map<string, { hash: string; repeated: boolean }>();
  if (existing.length > 0) {
    const { rows } = await sql<{ uscc: string; record_hash: string; repeated: boolean }>`
      WITH present AS (
        SELECT uscc, record_hash, imported_at = now() AS written_now
        FROM household WHERE uscc = ANY(${arrayLiteral(existing.map((p) => p.record.uscc))}::text[])),
      first_seen AS (
        INSERT INTO household_import_seen (uscc)
        SELECT uscc FROM present WHERE NOT written_now
        ON CONFLICT DO NOTHING RETURNING uscc)
      SELECT p.uscc, p.record_hash, (p.written_now OR f.uscc IS NULL) AS repeated
      FROM present p LEFT JOIN first_seen f ON f.uscc = p.uscc`.execute(trx);
    for (const row of rows) stored.set(row.uscc, { hash: row.record_hash, repeated: row.repeated });
  }

  const fresh: Pending[] = [];
  const changed: Pending[] = [];
  for (const pending of batch) {
    if (isNew.has(pending.record.uscc)) {
      summary.imported++;
      summary.inserted++;
      fresh.push(pending);
      continue;
    }
    const row = stored.get(pending.record.uscc);
    if (!row || row.repeated) {
      // Absent: deleted by another transaction meanwhile; treated like a repeat, not guessed at.
      await reject({
        line: pending.line,
        text: pending.text,
        errors: [repeatedUscc("an earlier line")],
      });
      continue;
    }
    summary.imported++;
    if (row.hash !== pending.hash) {
      summary.changed++;
      changed.push(pending);
    } else {
      summary.unchanged++;
    }
  }

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
      FROM ${householdRows(
        changed.map((p) => p.record),
        changed.map((p) => p.hash),
      )}
      WHERE household.uscc = t.uscc`.execute(trx);
    const usccs = changed.map((p) => p.record.uscc);
    for (const table of ["household_year", "household_suspension", "household_penalty"] as const) {
      await trx
        .deleteFrom(table)
        .where(sql<boolean>`uscc = ANY(${arrayLiteral(usccs)}::text[])`)
        .execute();
    }
  }
  await insertChildren(
    trx,
    [...fresh, ...changed].map((p) => p.record),
  );
}

async function insertChildren(trx: Transaction<Database>, records: HouseholdRecord[]) {
  const years = { uscc: [] as string[], year: [] as number[], tax: [] as (number | null)[] };
  const insured: (number | null)[] = [];
  const revenue: (number | null)[] = [];
  const suspensions = { uscc: [] as string[], seq: [] as number[], from: [] as string[] };
  const suspensionTo: (string | null)[] = [];
  const penalties = { uscc: [] as string[], seq: [] as number[], decided: [] as string[] };
  const penaltyKind: string[] = [];
  const repaired: (string | null)[] = [];
  for (const r of records) {
    for (const y of r.yearly) {
      years.uscc.push(r.uscc);
      years.year.push(y.year);
      years.tax.push(y.taxPaid);
      insured.push(y.insuredEmployees);
      revenue.push(y.revenue);
    }
    // seq is the position in the canonical (sorted) list, so it is a function of the facts.
    r.suspensions.forEach((s, seq) => {
      suspensions.uscc.push(r.uscc);
      suspensions.seq.push(seq);
      suspensions.from.push(s.from);
      suspensionTo.push(s.to);
    });
    r.penalties.forEach((p, seq) => {
      penalties.uscc.push(r.uscc);
      penalties.seq.push(seq);
      penalties.decided.push(p.decidedOn);
      penaltyKind.push(p.kind);
      repaired.push(p.repairedOn);
    });
  }
  if (years.uscc.length > 0) {
    await sql`
      INSERT INTO household_year (uscc, year, tax_paid, insured_employees, revenue)
      SELECT * FROM unnest(${arrayLiteral(years.uscc)}::text[], ${arrayLiteral(years.year)}::smallint[],
        ${arrayLiteral(years.tax)}::float8[], ${arrayLiteral(insured)}::int[], ${arrayLiteral(revenue)}::float8[])`.execute(
      trx,
    );
  }
  if (suspensions.uscc.length > 0) {
    await sql`
      INSERT INTO household_suspension (uscc, seq, from_on, to_on)
      SELECT * FROM unnest(${arrayLiteral(suspensions.uscc)}::text[], ${arrayLiteral(suspensions.seq)}::smallint[],
        ${arrayLiteral(suspensions.from)}::date[], ${arrayLiteral(suspensionTo)}::date[])`.execute(
      trx,
    );
  }
  if (penalties.uscc.length > 0) {
    await sql`
      INSERT INTO household_penalty (uscc, seq, decided_on, kind, repaired_on)
      SELECT * FROM unnest(${arrayLiteral(penalties.uscc)}::text[], ${arrayLiteral(penalties.seq)}::smallint[],
        ${arrayLiteral(penalties.decided)}::date[], ${arrayLiteral(penaltyKind)}::text[], ${arrayLiteral(repaired)}::date[])`.execute(
      trx,
    );
  }
}
