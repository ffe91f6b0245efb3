import DataLoader from "dataloader";
import type { Kysely, Selectable } from "kysely";
import type {
  Database,
  HouseholdPenaltyTable,
  HouseholdSuspensionTable,
  HouseholdYearTable,
} from "../db/types.ts";
import { rowsByKey } from "./rows-by-key.ts";

export type HouseholdYearRow = Selectable<HouseholdYearTable>;
export type HouseholdSuspensionRow = Selectable<HouseholdSuspensionTable>;
export type HouseholdPenaltyRow = Selectable<HouseholdPenaltyTable>;

const byUscc = (row: { uscc: string }) => row.uscc;

/** Per-request loaders: one query per table for all households of a page. */
export function createHouseholdLoaders(db: Kysely<Database>) {
  return {
    years: new DataLoader<string, HouseholdYearRow[]>(async (usccs) =>
      rowsByKey(
        usccs,
        await db
          .selectFrom("household_year")
          .selectAll()
          .where("uscc", "in", [...usccs])
          .orderBy("year")
          .execute(),
        byUscc,
      ),
    ),
    suspensions: new DataLoader<string, HouseholdSuspensionRow[]>(async (usccs) =>
      rowsByKey(
        usccs,
        await db
          .selectFrom("household_suspension")
          .selectAll()
          .where("uscc", "in", [...usccs])
          .orderBy("seq")
          .execute(),
        byUscc,
      ),
    ),
    penalties: new DataLoader<string, HouseholdPenaltyRow[]>(async (usccs) =>
      rowsByKey(
        usccs,
        await db
          .selectFrom("household_penalty")
          .selectAll()
          .where("uscc", "in", [...usccs])
          .orderBy("seq")
          .execute(),
        byUscc,
      ),
    ),
  };
}

export type HouseholdLoaders = ReturnType<typeof createHouseholdLoaders>;
