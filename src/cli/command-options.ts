import { type Command, InvalidArgumentError } from "commander";

/**
 * The command group `name`, shared when another capability made it already (`export grants`
 * beside `export households`), or a new one.
 */
export function subcommandGroup(program: Command, name: string, description: string): Command {
  return (
    program.commands.find((command) => command.name() === name) ??
    program.command(name).description(description)
  );
}

/** An option's value as a whole number. */
export function integer(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError("expected a whole number");
  return Number(value);
}

/** An option's value as a whole number of at least 1. */
export function positiveInteger(value: string): number {
  const n = integer(value);
  if (n < 1) throw new InvalidArgumentError("expected a number of at least 1");
  return n;
}
