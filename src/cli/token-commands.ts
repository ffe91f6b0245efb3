import type { Command } from "commander";
import { TOKEN_ROLES, type TokenRole } from "../auth/principal.ts";
import { createToken, revokeToken } from "../auth/tokens.ts";
import type { Config } from "../config.ts";
import { BadInputError } from "../errors.ts";
import { withDatabase } from "./with-database.ts";

export function registerTokenCommands(program: Command, config: Config): void {
  const token = program.command("token").description("API tokens (stored only as hashes)");
  token
    .command("create")
    .description("create a token and print it once")
    .requiredOption("--role <role>", `one of ${TOKEN_ROLES.join(", ")}`)
    .option(
      "--scope <code>",
      "department code, county code (omit: city-wide operator), bank code or USCC",
    )
    .option("--label <text>", "what the token is for")
    .action(async (options: { role: string; scope?: string; label?: string }) => {
      const role = options.role.toUpperCase();
      if (!TOKEN_ROLES.includes(role as TokenRole)) {
        throw new BadInputError(
          `--role must be one of ${TOKEN_ROLES.join(", ")}, got "${options.role}"`,
        );
      }
      await withDatabase(config, async ({ db }) => {
        const created = await createToken(db, {
          role: role as TokenRole,
          scopeCode: options.scope ?? null,
          ...(options.label ? { label: options.label } : {}),
        });
        console.log(`id:    ${created.id}\ntoken: ${created.token}`);
      });
    });
  token
    .command("revoke")
    .description("revoke a token by its id or by the token itself")
    .argument("<idOrToken>")
    .action(async (idOrToken: string) => {
      await withDatabase(config, async ({ db }) => {
        const revoked = await revokeToken(db, idOrToken);
        console.log(`revoked ${revoked.id}`);
      });
    });
}
