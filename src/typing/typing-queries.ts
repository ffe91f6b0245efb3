import { type Kysely, type Selectable, sql } from "kysely";
import type { Database, TypingCorrectionTable } from "../db/types.ts";
import { currentTypingRunId, runsInForceFirst } from "../matching/household-facts.ts";
import type { TypingRunRow } from "./run-typing.ts";

/**
 * Reading typing runs and results. The current run is the finished one of the latest as-of date
 * (household-facts.ts currentTypingRunId); a household's type in force is its result there, unless
 * an accepted objection's correction stands (its facts_changed_at equals the household's).
 */

export interface TypingResultRow {
  run: TypingRunRow;
  uscc: string;
  type: string;
  codes: string[];
}

export type TypingCorrectionRow = Selectable<TypingCorrectionTable>;

export async function getTypingRun(
  db: Kysely<Database>,
  id: string,
): Promise<TypingRunRow | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom("typing_run").selectAll().where("id", "=", id).executeTakeFirst();
}

export function isUuid(text: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text);
}

/** The current run: the finished one of the latest as-of date (currentTypingRunId), or undefined before any. */
export async function currentTypingRun(db: Kysely<Database>): Promise<TypingRunRow | undefined> {
  return db
    .selectFrom("typing_run")
    .selectAll()
    .where("id", "=", currentTypingRunId(db))
    .executeTakeFirst();
}

/**
 * 三(一)2 分型周期: the finished YEARLY run of the latest as-of date (the 名特优新 quota's base,
 * 三(二)1 以每年个体工商户集中分型判定数量为基准), or undefined. By date, not by finish time: an
 * older year run again later does not displace the newer year; a year run again (same date)
 * replaces its earlier run.
 */
export async function latestYearlyRun(db: Kysely<Database>): Promise<TypingRunRow | undefined> {
  return db
    .selectFrom("typing_run")
    .selectAll()
    .where("kind", "=", "YEARLY")
    .where("finished_at", "is not", null)
    .orderBy(runsInForceFirst("typing_run"))
    .limit(1)
    .executeTakeFirst();
}

/** A keyset position: a timestamp as PostgreSQL prints it (microseconds kept) and an id. */
export interface Keyset {
  at: string;
  id: string;
}

/** Runs newest first (unfinished and failed ones included), keyset-paged by start time and id. */
export async function listTypingRuns(
  db: Kysely<Database>,
  page: { after?: Keyset | undefined; limit: number },
): Promise<(TypingRunRow & { keyset: Keyset })[]> {
  let query = db
    .selectFrom("typing_run")
    .selectAll()
    .select(sql<string>`started_at::text`.as("keyset_at"));
  if (page.after) {
    const { at, id } = page.after;
    query = query.where(sql<boolean>`(started_at, id) < (${at}::timestamptz, ${id}::uuid)`);
  }
  const rows = await query
    .orderBy("started_at", "desc")
    .orderBy("id", "desc")
    .limit(page.limit)
    .execute();
  return rows.map(({ keyset_at, ...run }) => ({ ...run, keyset: { at: keyset_at, id: run.id } }));
}

/**
 * The household's results in finished runs, newest first in the current run's order (as-of date,
 * then finish, then id), so that the result in the current run comes before any other (one
 * primary-key probe per run).
 */
export async function typingResultsOf(
  db: Kysely<Database>,
  uscc: string,
  limit = 100,
): Promise<TypingResultRow[]> {
  const rows = await db
    .selectFrom("typing_run as r")
    .innerJoin("typing_result as t", (join) =>
      join.onRef("t.run_id", "=", "r.id").on("t.uscc", "=", uscc),
    )
    .selectAll("r")
    .select(["t.type as result_type", "t.codes as result_codes"])
    .where("r.finished_at", "is not", null)
    .orderBy(runsInForceFirst("r"))
    .limit(limit)
    .execute();
  return rows.map(({ result_type, result_codes, ...run }) => ({
    run,
    uscc,
    type: result_type,
    codes: result_codes,
  }));
}

/** The household's result in the given run, or undefined. */
export async function typingResultIn(
  db: Kysely<Database>,
  runId: string,
  uscc: string,
): Promise<{ type: string; codes: string[] } | undefined> {
  return db
    .selectFrom("typing_result")
    .select(["type", "codes"])
    .where("run_id", "=", runId)
    .where("uscc", "=", uscc)
    .executeTakeFirst();
}

/** The accepted objection's correction in force for the household (its facts unchanged since). */
export async function correctionInForce(
  db: Kysely<Database>,
  uscc: string,
): Promise<TypingCorrectionRow | undefined> {
  // The timestamps are compared in SQL: a JS Date would drop their microseconds.
  return db
    .selectFrom("typing_correction as c")
    .innerJoin("household as h", (join) =>
      join.onRef("h.uscc", "=", "c.uscc").onRef("h.facts_changed_at", "=", "c.facts_changed_at"),
    )
    .selectAll("c")
    .where("c.uscc", "=", uscc)
    .executeTakeFirst();
}

/** What a household's type in force is made of. */
export interface CurrentTypingOf {
  /** Its result in the current run (undefined: not typed by it, or no run yet). */
  result: TypingResultRow | undefined;
  correction: TypingCorrectionRow | undefined;
  /** The type in force: the correction's, else the result's; null when neither exists. */
  type: string | null;
}

export async function currentTypingOf(
  db: Kysely<Database>,
  uscc: string,
): Promise<CurrentTypingOf> {
  const [run, correction] = await Promise.all([currentTypingRun(db), correctionInForce(db, uscc)]);
  const found = run ? await typingResultIn(db, run.id, uscc) : undefined;
  const result = run && found ? { run, uscc, ...found } : undefined;
  return { result, correction, type: correction?.type ?? result?.type ?? null };
}

/**
 * currentTypingOf for many households at once (a page of them): three queries whatever their
 * number. Households with neither a result nor a correction are absent from the map.
 */
export async function currentTypingsOf(
  db: Kysely<Database>,
  usccs: readonly string[],
): Promise<Map<string, CurrentTypingOf>> {
  const wanted = [...new Set(usccs)];
  const found = new Map<string, CurrentTypingOf>();
  if (wanted.length === 0) return found;
  const among = sql<boolean>`uscc = any(${wanted}::text[])`;
  const [run, corrections] = await Promise.all([
    currentTypingRun(db),
    db
      .selectFrom("typing_correction as c")
      .innerJoin("household as h", (join) =>
        join.onRef("h.uscc", "=", "c.uscc").onRef("h.facts_changed_at", "=", "c.facts_changed_at"),
      )
      .selectAll("c")
      .where(sql<boolean>`c.uscc = any(${wanted}::text[])`)
      .execute(),
  ]);
  const results = run
    ? await db
        .selectFrom("typing_result")
        .select(["uscc", "type", "codes"])
        .where("run_id", "=", run.id)
        .where(among)
        .execute()
    : [];
  for (const r of results) {
    if (!run) break;
    found.set(r.uscc, {
      result: { run, uscc: r.uscc, type: r.type, codes: r.codes },
      correction: undefined,
      type: r.type,
    });
  }
  for (const c of corrections) {
    const entry = found.get(c.uscc) ?? { result: undefined, correction: undefined, type: null };
    found.set(c.uscc, { ...entry, correction: c, type: c.type });
  }
  return found;
}
