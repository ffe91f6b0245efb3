import type { Command } from "commander";
import type { Config } from "../config.ts";
import { withDatabase } from "./with-database.ts";

export function registerDbCommands(program: Command, config: Config): void {
  const db = program.command("db").description("database upkeep");
  db.command("migrate")
    .description(
      "run pending migrations (PostgreSQL when DATABASE_URL is set, else embedded PGlite)",
    )
    .action(async () => {
      await withDatabase(config, async ({ engine }) => {
        console.log(`migrated (${engine})`);
      });
    });
}
