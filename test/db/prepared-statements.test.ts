import { type CompiledQuery, sql } from "kysely";
import { expect, it } from "vitest";
import { preparedQuery } from "../../src/db/prepared-statements.ts";
import { describeEachEngine } from "../support/databases.ts";

describeEachEngine("prepared queries", (getDb) => {
  const sumOf = (k: number) =>
    sql<{ n: number }>`SELECT ${k}::int + count(*)::int AS n FROM generate_series(1, 3)`.compile(
      getDb().db,
    );

  it("answer as the same query unmarked, on either engine", async () => {
    const { db } = getDb();
    for (const k of [1, 2, 1]) {
      const plain = await db.executeQuery(sumOf(k));
      const prepared = await db.executeQuery(preparedQuery(sumOf(k)));
      expect(prepared.rows).toEqual(plain.rows);
      expect(prepared.rows).toEqual([{ n: k + 3 }]);
    }
  });

  it("run as named statements on PostgreSQL, one per text, at most 64 a connection", async () => {
    const { db, engine } = getDb();
    if (engine !== "postgres") return;
    await db.connection().execute(async (connection) => {
      const named = async () =>
        (
          await sql<{ statement: string }>`
            SELECT statement FROM pg_prepared_statements WHERE name LIKE 'zx\\_%'`.execute(
            connection,
          )
        ).rows.map((r) => r.statement);
      const before = (await named()).length;
      const tagged = (k: number, tag: string) =>
        preparedQuery({ ...sumOf(k), sql: `${sumOf(k).sql} -- ${tag}` } as CompiledQuery<{
          n: number;
        }>);
      const marked = tagged(7, "once");
      await connection.executeQuery(marked);
      await connection.executeQuery(marked);
      await connection.executeQuery(sumOf(8));
      // The same text with other parameters is the same statement.
      expect((await connection.executeQuery(tagged(9, "once"))).rows).toEqual([{ n: 12 }]);
      const after = await named();
      expect(after.length).toBe(before + 1);
      expect(after).toContain(marked.sql);
      // 70 distinct texts: the first 64 of the connection are named, the rest run unnamed and
      // still answer.
      for (let k = 0; k < 70; k++) {
        expect((await connection.executeQuery(tagged(k, `${k}`))).rows).toEqual([{ n: k + 3 }]);
      }
      expect((await named()).length).toBe(64);
    });
  });
});
