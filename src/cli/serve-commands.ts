import type { Command } from "commander";
import type { Config } from "../config.ts";

export function registerServeCommands(_program: Command, _config: Config): void {}
