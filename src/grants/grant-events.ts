import { type Kysely, type Selectable, sql } from "kysely";
import type { Database, GrantEventTable } from "../db/types.ts";
import { BadInputError } from "../errors.ts";

export type GrantEventRow = Selectable<GrantEventTable>;

/** A reader's position in the outbox: the last event read. */
export interface EventPosition {
  /** The writing transaction's id (xid8, as decimal text). */
  xid: string;
  seq: number;
}

export function eventKeyOf(row: Pick<GrantEventRow, "xid" | "seq">): string {
  return `${row.xid}:${row.seq}`;
}

export function parseEventKey(key: string, argument = "after"): EventPosition {
  const match = /^(\d{1,20}):(\d{1,19})$/.exec(key);
  if (!match) throw new BadInputError("malformed cursor", argument);
  return { xid: match[1] as string, seq: Number(match[2]) };
}

/**
 * 三(一)3 免申即享 outbox: the events after `after`, oldest first, for a messaging system that
 * must tell every household at least once and never miss one.
 *
 * The gap problem: sequence numbers are taken when a row is written, not when its transaction
 * commits, so an event with a lower number can become visible after a reader has passed it.
 * Here a reader sees only events of transactions older than the oldest transaction still
 * running (`xid < pg_snapshot_xmin(pg_current_snapshot())`): every such transaction has ended,
 * so no event can appear among them later. Events are ordered by (xid, seq), and any event that
 * becomes visible later belongs to a transaction at or above that horizon, which is above every
 * position read so far. So a reader that resumes after its last position never skips one.
 *
 * The cost: events wait until every older writing transaction ends (a long grant run delays the
 * events of later short ones), and a reader may see an event twice if it crashes before saving
 * its position (at least once, never lost). Read-only transactions do not hold the horizon back.
 */
export async function readGrantEvents(
  db: Kysely<Database>,
  options: { after?: EventPosition | undefined; limit: number; countyCode?: string | null },
): Promise<GrantEventRow[]> {
  let query = db
    .selectFrom("grant_event")
    .select([
      "seq",
      sql<string>`xid::text`.as("xid"),
      "kind",
      "policy_code",
      "period",
      "uscc",
      "county_code",
      "reason",
      "at",
    ])
    .where(sql<boolean>`xid < pg_snapshot_xmin(pg_current_snapshot())`);
  if (options.after) {
    query = query.where(
      sql<boolean>`(xid, seq) > (${options.after.xid}::xid8, ${options.after.seq}::bigint)`,
    );
  }
  if (options.countyCode) query = query.where("county_code", "=", options.countyCode);
  return query.orderBy("xid").orderBy("seq").limit(options.limit).execute();
}
