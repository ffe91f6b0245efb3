import { describe, expect, it } from "vitest";
import { DatabaseUnavailableError, openDatabase } from "../../src/db/database.ts";

// A newcomer's DATABASE_URL that cannot be used is refused at open with what to do, never a
// driver's stack, and never with the password.
describe("opening PostgreSQL as DATABASE_URL says", () => {
  it("says when no server answers, hiding the password", async () => {
    const refused = openDatabase({ url: "postgres://postgres:s3cret@127.0.0.1:1/zhixiang" });
    await expect(refused).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(refused).rejects.toThrow(
      "no PostgreSQL server answers at postgres://postgres:***@127.0.0.1:1/zhixiang (ECONNREFUSED): start it, or unset DATABASE_URL to use the embedded database",
    );
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)(
    "says when the database does not exist, and how to create it",
    async () => {
      const url = new URL(process.env.TEST_DATABASE_URL as string);
      url.pathname = "/zhixiang_no_such_database";
      await expect(openDatabase({ url: url.toString() })).rejects.toThrow(
        /database "zhixiang_no_such_database" does not exist .*: create it first \(createdb -h .* zhixiang_no_such_database\)/,
      );
    },
  );
});
