import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Kysely } from "kysely";
import { canonicalJson } from "../canonical-json.ts";
import { todayInChina } from "../dates.ts";
import type { Database } from "../db/types.ts";
import { BadInputError } from "../errors.ts";
import { inTransaction } from "./in-transaction.ts";
import {
  type CheckedContent,
  checkPolicyContent,
  checkPolicyDefinition,
  type PolicyDefinition,
} from "./policy-content.ts";
import { publishContent, requireExamplesPass } from "./policy-registry.ts";

/** policies-data/policies in this checkout: one JSON file per policy. */
export const DEFAULT_POLICIES_DIR = fileURLToPath(
  new URL("../../policies-data/policies", import.meta.url),
);

/** The actor recorded for versions loaded from files. */
export const FILE_LOADER_ACTOR = "SYSTEM:policies-data";

export interface PolicyFileProblem {
  file: string;
  /** JSON pointer in the file ("" for the whole file). */
  path: string;
  message: string;
}

/** One or more policy files cannot be loaded: nothing was written. */
export class PolicyFilesError extends BadInputError {
  constructor(readonly problems: PolicyFileProblem[]) {
    super(
      `policies-data cannot be loaded:\n${problems
        .map((p) => `  ${p.file} ${p.path === "" ? "/" : p.path}: ${p.message}`)
        .join("\n")}`,
      "policies-data",
      { problems },
    );
  }
}

export interface LoadReport {
  /** Policies seen for the first time. */
  created: string[];
  /** Policies whose file changed: a new version each. */
  versioned: string[];
  unchanged: string[];
}

interface ReadFile {
  file: string;
  definition: PolicyDefinition;
  checked: CheckedContent;
  /** sha256 of the file's policy (canonical JSON): a re-start with the same file does nothing. */
  hash: string;
}

/**
 * Reads and checks every `*.json` file of `dir`. Every problem of every file is collected (file
 * name, JSON path, reason) before anything is written.
 */
export function readPolicyFiles(dir: string): ReadFile[] {
  const problems: PolicyFileProblem[] = [];
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((name) => name.endsWith(".json"))
      .sort();
  } catch (error) {
    throw new PolicyFilesError([
      { file: dir, path: "", message: `cannot read the folder: ${(error as Error).message}` },
    ]);
  }
  const files: ReadFile[] = [];
  const seen = new Map<string, string>();
  for (const file of names) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(join(dir, file), "utf8"));
    } catch (error) {
      problems.push({ file, path: "", message: `not JSON: ${(error as Error).message}` });
      continue;
    }
    const checked = checkPolicyDefinition(json);
    if (!checked.ok) {
      for (const issue of checked.issues) problems.push({ file, ...issue });
      continue;
    }
    const { content: definition } = checked.value;
    const other = seen.get(definition.code);
    if (other) {
      problems.push({ file, path: "/code", message: `${definition.code} is also in ${other}` });
      continue;
    }
    seen.set(definition.code, file);
    try {
      requireExamplesPass(checked.value, definition.code);
    } catch (error) {
      if (!(error instanceof BadInputError)) throw error;
      const issues = (error.details as { issues: { path: string; message: string }[] }).issues;
      for (const issue of issues) problems.push({ file, ...issue });
      continue;
    }
    const hash = createHash("sha256").update(canonicalJson(definition)).digest("hex");
    // The version holds the content only: the code and department are the policy's.
    const { code: _code, department: _department, ...content } = definition;
    files.push({ file, definition, checked: { ...checked.value, content }, hash });
  }
  if (problems.length > 0) throw new PolicyFilesError(problems);
  return files;
}

/**
 * 11: loads policies-data into the registry, in one transaction. A policy seen for the first time
 * is published from its file's effectiveFrom. A file whose content changed since the version last
 * loaded from it makes a new version, in force from its effectiveFrom or, when that is not
 * later, from `today` (a published version never changes, so past decisions keep theirs). An
 * unchanged file changes nothing, whatever departments did through the API meanwhile.
 */
export async function loadPolicyFiles(
  db: Kysely<Database>,
  dir: string,
  options: { today?: string; actor?: string } = {},
): Promise<LoadReport> {
  const files = readPolicyFiles(dir);
  const today = options.today ?? todayInChina(new Date());
  const actor = options.actor ?? FILE_LOADER_ACTOR;
  const report: LoadReport = { created: [], versioned: [], unchanged: [] };
  await inTransaction(db, async (trx) => {
    for (const { file, definition, checked, hash } of files) {
      const { code, department } = definition;
      const policy = await trx
        .selectFrom("policy")
        .selectAll()
        .where("code", "=", code)
        .forUpdate()
        .executeTakeFirst();
      const source = { source: `policies-data:${file}`, sourceHash: hash };
      if (!policy) {
        await trx
          .insertInto("policy")
          .values({ code, department_code: department, created_by: actor })
          .execute();
        await publishContent(trx, code, checked, actor, source);
        report.created.push(code);
        continue;
      }
      if (policy.department_code !== department) {
        throw new PolicyFilesError([
          {
            file,
            path: "/department",
            message: `policy ${code} belongs to ${policy.department_code}; its department cannot change`,
          },
        ]);
      }
      const versions = await trx
        .selectFrom("policy_version")
        .select(["source_hash", "status", "effective_from"])
        .where("policy_code", "=", code)
        .orderBy("version")
        .execute();
      const lastLoaded = versions.filter((v) => v.source_hash !== null).at(-1);
      if (lastLoaded?.source_hash === hash) {
        report.unchanged.push(code);
        continue;
      }
      const previousFrom = versions.filter((v) => v.status !== "DRAFT").at(-1)?.effective_from;
      const from =
        previousFrom === undefined
          ? checked.content.effectiveFrom
          : ([checked.content.effectiveFrom, today, previousFrom].sort().at(-1) as string);
      const content = { ...checked.content, effectiveFrom: from };
      const rechecked = checkPolicyContent(content);
      if (!rechecked.ok) {
        throw new PolicyFilesError(
          rechecked.issues.map((i) => ({
            file,
            path: i.path,
            message: `${i.message} (the new version takes effect on ${from})`,
          })),
        );
      }
      await publishContent(trx, code, rechecked.value, actor, source);
      report.versioned.push(code);
    }
  });
  return report;
}
