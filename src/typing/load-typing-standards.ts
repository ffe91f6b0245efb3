import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { BadInputError } from "../errors.ts";
import {
  parseTypingStandard,
  type TypingStandard,
  TypingStandardError,
} from "./typing-standard.ts";

/** policies-data/typing/ of this checkout: where the province's standard versions are kept. */
export const DEFAULT_STANDARDS_DIR = fileURLToPath(
  new URL("../../policies-data/typing/", import.meta.url),
);

/** The file name as a person finds it: relative to the working directory when inside it. */
function shownName(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith("..") ? file : rel;
}

/** Reads and checks one standard file; throws TypingStandardError naming the file and the path. */
export async function loadTypingStandardFile(file: string): Promise<TypingStandard> {
  const name = shownName(file);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new TypingStandardError(name, [
      { path: "", message: `cannot be read: ${(error as Error).message}` },
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TypingStandardError(name, [
      { path: "", message: `is not JSON: ${(error as Error).message}` },
    ]);
  }
  return parseTypingStandard(json, name);
}

/**
 * Every standard version in the folder (each `*.json` file), ordered by the date it takes
 * effect. Any file that does not validate stops everything: a run never goes ahead beside a
 * broken version. Two files with the same version, or in force from the same date, are refused.
 */
export async function loadTypingStandards(
  dir: string = DEFAULT_STANDARDS_DIR,
): Promise<TypingStandard[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith(".json")).sort();
  } catch (error) {
    throw new BadInputError(
      `typing standards folder ${shownName(dir)} cannot be read: ${(error as Error).message}`,
      "standards",
    );
  }
  if (names.length === 0) {
    throw new BadInputError(`no typing standard (*.json) in ${shownName(dir)}`, "standards");
  }
  const standards: TypingStandard[] = [];
  const files = new Map<string, string>();
  const starts = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    const standard = await loadTypingStandardFile(file);
    const other = files.get(standard.version);
    if (other !== undefined) {
      throw new TypingStandardError(shownName(file), [
        {
          path: "/version",
          message: `version "${standard.version}" is also the version of ${other}`,
        },
      ]);
    }
    files.set(standard.version, shownName(file));
    const start = standard.effectiveFrom ?? "";
    const sameStart = starts.get(start);
    if (sameStart !== undefined) {
      throw new TypingStandardError(shownName(file), [
        {
          path: "/effectiveFrom",
          message: `${sameStart} takes effect on the same date; a date has one standard in force`,
        },
      ]);
    }
    starts.set(start, shownName(file));
    standards.push(standard);
  }
  return standards.sort((a, b) => (a.effectiveFrom ?? "").localeCompare(b.effectiveFrom ?? ""));
}

/**
 * The standard that applies to a run as of `asOf`: the named version, or else the latest one in
 * force on that date (effectiveFrom on or before it; null is in force from the start).
 */
export function standardFor(
  standards: readonly TypingStandard[],
  asOf: string,
  version?: string | null,
): TypingStandard {
  if (version) {
    const named = standards.find((s) => s.version === version);
    if (!named) {
      throw new BadInputError(
        `no typing standard has version "${version}"; known: ${standards.map((s) => s.version).join(", ")}`,
        "standardVersion",
      );
    }
    return named;
  }
  let inForce: TypingStandard | undefined;
  for (const standard of standards) {
    if ((standard.effectiveFrom ?? "") <= asOf) inForce = standard;
  }
  if (!inForce) {
    throw new BadInputError(
      `no typing standard is in force on ${asOf}; the first takes effect on ${standards[0]?.effectiveFrom}`,
      "asOf",
    );
  }
  return inForce;
}
