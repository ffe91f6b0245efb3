import { createHash } from "node:crypto";
import type { Compilable, CompiledQuery, Kysely } from "kysely";
import pg from "pg";
import type { Database } from "./types.ts";

/**
 * The comment that opts a query in to a named prepared statement. PostgreSQL plans an unnamed
 * statement on every execution; for a query run for one household at a time whose planning costs
 * more than its execution (the entitlements' one row: 1.2 ms planning, 0.5 ms executing), a named
 * statement is parsed once per connection and, after five executions, runs a cached generic plan.
 * Opt-in, never automatic: a set-based statement keeps a plan made for its parameters and the
 * settings of its transaction. To PGlite, which has one connection and no pool, and to anyone
 * reading the server's log, it is a comment.
 */
const PREPARE_MARK = "/* prepared */ ";

/** Named statements a connection keeps at most; past that, marked queries run unnamed. */
const MAX_NAMED_PER_CONNECTION = 64;

/** The query, run as a named prepared statement on PostgreSQL (PreparingClient). */
export function preparedQuery<R>(query: CompiledQuery<R>): CompiledQuery<R> {
  return { ...query, sql: `${PREPARE_MARK}${query.sql}` };
}

/** The rows of `query`, run as a named prepared statement on PostgreSQL. */
export async function executePrepared<R>(db: Kysely<Database>, query: Compilable<R>): Promise<R[]> {
  return (await db.executeQuery(preparedQuery(query.compile()))).rows;
}

/**
 * A pg client that runs the queries marked by `preparedQuery` as named statements (pg parses a
 * name once per connection), named by a hash of their text so that two texts never share a name.
 * Given to the pool as its `Client`.
 */
export class PreparingClient extends pg.Client {
  readonly #names = new Map<string, string>();

  // biome-ignore lint/suspicious/noExplicitAny: overrides every overload of pg's Client.query
  override query(config: any, values?: any, callback?: any): any {
    if (typeof config === "string" && config.startsWith(PREPARE_MARK)) {
      const name = this.#nameOf(config);
      if (name) return super.query({ name, text: config, values }, callback);
    }
    return super.query(config, values, callback);
  }

  #nameOf(text: string): string | undefined {
    let name = this.#names.get(text);
    if (name === undefined && this.#names.size < MAX_NAMED_PER_CONNECTION) {
      name = `zx_${createHash("sha256").update(text).digest("hex").slice(0, 32)}`;
      this.#names.set(text, name);
    }
    return name;
  }
}
