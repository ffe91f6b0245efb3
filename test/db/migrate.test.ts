import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.ts";
import { migrateToLatest } from "../../src/db/migrate.ts";

const url = process.env.TEST_DATABASE_URL;

// The migrator's catalog questions concern its own schema only: tables created and dropped in
// another schema meanwhile (a grant run's facts snapshot, another test file's schema) must not
// make a migration fail. PostgreSQL only: PGlite has one connection, nothing runs beside it.
describe.skipIf(!url)(
  "migrateToLatest beside tables created and dropped elsewhere [postgres]",
  () => {
    it("migrates, again and again, while another schema churns", async () => {
      const own = `test_${randomBytes(6).toString("hex")}`;
      const other = `test_${randomBytes(6).toString("hex")}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${own}; CREATE SCHEMA ${other}`);
      const churn = new pg.Client({ connectionString: url });
      await churn.connect();
      const handle = await openDatabase({ url, searchPath: own, poolSize: 2 });
      let churning = true;
      let dropped = 0;
      const churned = (async () => {
        for (let i = 0; churning; i++) {
          await churn.query(`CREATE TABLE ${other}.t${i} (id serial PRIMARY KEY, x text)`);
          await churn.query(`DROP TABLE ${other}.t${i}`);
          dropped++;
        }
      })();
      try {
        for (let round = 0; round < 40; round++) await migrateToLatest(handle.db);
      } finally {
        churning = false;
        await churned;
        await handle.close();
        await admin.query(`DROP SCHEMA ${own} CASCADE; DROP SCHEMA ${other} CASCADE`);
        await admin.end();
        await churn.end();
      }
      expect(dropped).toBeGreaterThan(40);
    });
  },
);
