import type { Kysely, Transaction } from "kysely";
import type { Database } from "../db/types.ts";
import { type GenerateOptions, generateHouseholds } from "./generate-households.ts";
import { householdJson } from "./household-record.ts";
import { type ImportSummary, importHouseholds } from "./import-households.ts";

/**
 * Generates households (deterministic for the seed) and imports them through the same path as a
 * file, so demo and benchmark data are validated exactly like real data.
 */
export function seedHouseholds(
  db: Kysely<Database> | Transaction<Database>,
  options: GenerateOptions,
): Promise<ImportSummary> {
  const lines = (function* () {
    for (const record of generateHouseholds(options)) yield householdJson(record);
  })();
  return importHouseholds(db, lines);
}
