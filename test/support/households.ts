import { createHash } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database, NewHousehold } from "../../src/db/types.ts";

/** Inserts minimal households directly (tests of other capabilities; import has its own tests). */
export async function insertHouseholds(
  db: Kysely<Database>,
  rows: (Partial<NewHousehold> & { uscc: string })[],
): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto("household")
    .values(
      rows.map((r) => ({
        name: `测试${r.uscc.slice(-4)}`,
        proprietor_id_hash: `sha256:${r.uscc}`,
        proprietor_name: null,
        county_code: r.uscc.slice(2, 8),
        industry_code: "F5211",
        registered_on: "2015-01-01",
        status: "ACTIVE",
        record_hash: createHash("sha256").update(r.uscc).digest("hex"),
        ...r,
      })),
    )
    .execute();
}
