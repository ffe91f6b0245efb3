import { type Kysely, sql } from "kysely";
import type { Database } from "../db/types.ts";
import { BadInputError } from "../errors.ts";
import { requireUscc } from "../ingest/uscc.ts";
import { currentTypingRunId } from "../matching/household-facts.ts";

/**
 * 三(一)2 查询公示: 以个体工商户名称或统一社会信用代码为关键词查询分型结果. Anyone may look up,
 * without a token; the answer carries exactly these five fields and nothing else.
 */
export interface PublicTyping {
  name: string;
  uscc: string;
  countyCode: string;
  /** The type in force (an accepted correction's, else the current run's); null: not typed. */
  type: string | null;
  /** The date the current run typed as of; null when not typed. */
  asOf: string | null;
}

/** At most this many households answer a name. */
export const LOOKUP_LIMIT = 20;
const MIN_NAME = 2;
const MAX_NAME = 60;

/** Escapes LIKE's wildcards so that a keyword matches literally. */
function literalLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * By exact USCC, or by name (the exact name first, then names containing the keyword, at most
 * LOOKUP_LIMIT). Exactly one of the two must be given.
 */
export async function lookupTyping(
  db: Kysely<Database>,
  by: { uscc?: string | null; name?: string | null },
): Promise<PublicTyping[]> {
  const uscc = by.uscc?.trim().toUpperCase() || null;
  const name = by.name?.trim() || null;
  if ((uscc === null) === (name === null)) {
    throw new BadInputError("give either uscc or name (one of the two)", uscc ? "name" : "uscc");
  }
  if (uscc !== null) requireUscc(uscc);
  if (name !== null && ([...name].length < MIN_NAME || [...name].length > MAX_NAME)) {
    throw new BadInputError(`name must be ${MIN_NAME} to ${MAX_NAME} characters`, "name");
  }

  let query = db
    .selectFrom("household as h")
    .leftJoin("typing_run as run", (join) => join.on("run.id", "=", currentTypingRunId(db)))
    .leftJoin("typing_result as r", (join) =>
      join.onRef("r.uscc", "=", "h.uscc").onRef("r.run_id", "=", "run.id"),
    )
    .leftJoin("typing_correction as c", (join) =>
      join.onRef("c.uscc", "=", "h.uscc").onRef("c.facts_changed_at", "=", "h.facts_changed_at"),
    )
    .select([
      "h.name",
      "h.uscc",
      "h.county_code as countyCode",
      sql<string | null>`coalesce(c.type, r.type)`.as("type"),
      sql<
        string | null
      >`CASE WHEN coalesce(c.type, r.type) IS NULL THEN NULL ELSE run.as_of END`.as("asOf"),
    ]);
  if (uscc !== null) {
    query = query.where("h.uscc", "=", uscc);
  } else {
    const keyword = name as string;
    query = query
      .where("h.name", "like", `%${literalLike(keyword)}%`)
      .orderBy(sql`(h.name = ${keyword})`, "desc")
      .orderBy("h.name")
      .orderBy("h.uscc");
  }
  const rows = await query.limit(LOOKUP_LIMIT).execute();
  // Only the five public fields leave this function, whatever the query selected.
  return rows.map((r) => ({
    name: r.name,
    uscc: r.uscc,
    countyCode: r.countyCode,
    type: r.type,
    asOf: r.asOf,
  }));
}
