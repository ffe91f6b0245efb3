import DataLoader from "dataloader";
import type { Kysely, Selectable } from "kysely";
import type {
  Database,
  HouseholdPenaltyTable,
  HouseholdSuspensionTable,
  HouseholdYearTable,
} from "../db/types.ts";

export type HouseholdYearRow = Selectable<HouseholdYearTable>;
export type HouseholdSuspensionRow = Selectable<HouseholdSuspensionTable>;
export type HouseholdPenaltyRow = Selectable<HouseholdPenaltyTable>;

function groupBy<T extends { uscc: string }>(keys: readonly string[], rows: T[]): T[][] {
  const groups = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const row of rows) groups.get(row.uscc)?.push(row);
  return keys.map((k) => groups.get(k) ?? []);
}

/** Per-request loaders: one query per table for all households of a page. */
export function createHouseholdLoaders(db: Kysely<Database>) {
  return {
    years: new DataLoader<string, HouseholdYearRow[]>(async (usccs) =>
      groupBy(
        usccs,
        await db
          .selectFrom("household_year")
          .selectAll()
          .where("uscc", "in", [...usccs])
          .orderBy("year")
          .execute(),
      ),
    ),
    suspensions: new DataLoader<string, HouseholdSuspensionRow[]>(async (usccs) =>
      groupBy(
        usccs,
        await db
          .selectFrom("household_suspension")
          .selectAll()
          .where("uscc", "in", [...usccs])
          .orderBy("seq")
          .execute(),
      ),
    ),
    penalties: new DataLoader<string, HouseholdPenaltyRow[]>(async (usccs) =>
      groupBy(
        usccs,
        await db
          .selectFrom("household_penalty")
          .selectAll()
          .where("uscc", "in", [...usccs])
          .orderBy("seq")
          .execute(),
      ),
    ),
  };
}

export type HouseholdLoaders = ReturnType<typeof createHouseholdLoaders>;
