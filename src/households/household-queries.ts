import type { Kysely } from "kysely";
import { executePrepared } from "../db/prepared-statements.ts";
import type { Database, HouseholdRow } from "../db/types.ts";

export interface HouseholdFilter {
  countyCode?: string | null | undefined;
  /** A GB/T 4754 code or prefix: "H" or "H62" matches H6210. */
  industryCode?: string | null | undefined;
  status?: string | null | undefined;
}

export async function getHousehold(
  db: Kysely<Database>,
  uscc: string,
): Promise<HouseholdRow | undefined> {
  // Asked on nearly every request that names a household: a named statement (parsed once).
  const [row] = await executePrepared(
    db,
    db.selectFrom("household").selectAll().where("uscc", "=", uscc),
  );
  return row;
}

/** One page in USCC order (keyset: `after` is the last USCC seen), `limit` rows at most. */
export async function listHouseholds(
  db: Kysely<Database>,
  filter: HouseholdFilter,
  page: { after?: string | undefined; limit: number },
): Promise<HouseholdRow[]> {
  let query = db.selectFrom("household").selectAll();
  if (filter.countyCode) query = query.where("county_code", "=", filter.countyCode);
  if (filter.industryCode) query = query.where("industry_code", "like", `${filter.industryCode}%`);
  if (filter.status) query = query.where("status", "=", filter.status);
  if (page.after) query = query.where("uscc", ">", page.after);
  return query.orderBy("uscc").limit(page.limit).execute();
}
