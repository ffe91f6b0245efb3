import { Command, CommanderError } from "commander";
import packageJson from "../../package.json" with { type: "json" };
import { configFromEnv } from "../config.ts";
import { DomainError } from "../errors.ts";
import { registerDbCommands } from "./db-commands.ts";
import { registerGrantCommands } from "./grant-commands.ts";
import { registerIngestCommands } from "./ingest-commands.ts";
import { registerPolicyCommands } from "./policy-commands.ts";
import { registerServeCommands } from "./serve-commands.ts";
import { registerTokenCommands } from "./token-commands.ts";
import { registerTypingCommands } from "./typing-commands.ts";

/** `npx zhixiang …`: every command is registered by a module of its capability. */
export function buildProgram(): Command {
  const config = configFromEnv();
  const program = new Command()
    .name("zhixiang")
    .description(
      "直享 Zhixiang: typing, categories, policies, grants and pre-credit for 个体工商户",
    )
    .version(packageJson.version)
    .showHelpAfterError();
  registerServeCommands(program, config);
  registerDbCommands(program, config);
  registerTokenCommands(program, config);
  registerIngestCommands(program, config);
  registerGrantCommands(program, config);
  registerPolicyCommands(program, config);
  registerTypingCommands(program, config);
  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    // Expected failures print their message only; anything else is a bug and shows its stack.
    console.error(error instanceof DomainError ? `error: ${error.message}` : error);
    process.exit(1);
  }
}

await main();
