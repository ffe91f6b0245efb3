import { type Kysely, sql } from "kysely";
import type { Database } from "../../src/db/types.ts";

/**
 * Waits until every grant event is below the outbox horizon (the oldest transaction still
 * running anywhere on the server), as a reader would. On a shared PostgreSQL server other test
 * files' transactions can hold the horizon back for a while; PGlite has no other transactions.
 */
export async function outboxSettled(db: Kysely<Database>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await sql<{ pending: number }>`
      SELECT count(*)::int AS pending FROM grant_event
      WHERE xid >= pg_snapshot_xmin(pg_current_snapshot())`.execute(db);
    if ((rows[0]?.pending ?? 0) === 0) return;
    if (Date.now() > deadline) throw new Error(`${rows[0]?.pending} grant events still in flight`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
