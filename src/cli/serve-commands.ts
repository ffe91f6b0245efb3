import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import type { Config } from "../config.ts";

/** The server and the schema are imported only by the commands that need them (memory). */
export function registerServeCommands(program: Command, config: Config): void {
  program
    .command("start")
    .description("migrate, load demo data when the database is empty, print demo tokens, serve")
    .option("--households <n>", "demo households to generate when empty", "2000")
    .action(async (options: { households: string }) => {
      const { serve } = await import("./serve.ts");
      await serve(config, { demoHouseholds: Number(options.households) });
    });
  program
    .command("serve")
    .description("migrate and serve (no demo data, no demo tokens)")
    .action(async () => {
      const { serve } = await import("./serve.ts");
      await serve(config, {});
    });
  program
    .command("schema")
    .description("GraphQL schema")
    .command("print")
    .description("print the GraphQL schema (SDL)")
    .option("--out <file>", "write to a file instead of stdout")
    .action(async (options: { out?: string }) => {
      const [{ printSchema }, { schema }] = await Promise.all([
        import("graphql"),
        import("../schema/index.ts"),
      ]);
      const sdl = `${printSchema(schema)}\n`;
      if (options.out) writeFileSync(options.out, sdl);
      else process.stdout.write(sdl);
    });
}
