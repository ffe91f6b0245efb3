import { readFileSync } from "node:fs";
import { Kind, type OperationDefinitionNode, parse } from "graphql";

/** One GraphQL operation of a guide, as written there. */
export interface GuideExample {
  /** The guide's file, e.g. `docs/bank-guide.md`. */
  file: string;
  /** The line of the operation in the file (1-based). */
  line: number;
  /** `bank-guide.md preCreditCandidates`, with `#2`, `#3` for a root field the guide uses again. */
  key: string;
  kind: "query" | "mutation";
  /** The operation's text. */
  source: string;
  /** The variables the guide gives (a `# variables: {…}` line above it, or a ```json block after). */
  variables: Record<string, unknown> | undefined;
  /** The variables the operation declares as required (`$id: ID!`). */
  requiredVariables: string[];
  /** The error code of a block shown as an error example (`<!-- expect-error: CODE -->` above it). */
  expectError: string | undefined;
  /** A block the guide runs without a token (`<!-- token: none -->` above it). */
  withoutToken: boolean;
}

const FENCE = /^```(\w*)\s*$/;
const COMMENT = /^<!--\s*([\w-]+):\s*(\S+)\s*-->$/;
const VARIABLES_COMMENT = /^\s*#\s*variables:\s*(\{.*\})\s*$/gm;

/**
 * Every operation of every ```graphql block of a Markdown file, in order. A block may hold several
 * operations; each is run on its own.
 */
export function guideExamples(file: string): GuideExample[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const name = file.slice(file.lastIndexOf("/") + 1);
  const examples: GuideExample[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < lines.length; i++) {
    if (FENCE.exec(lines[i] as string)?.[1] !== "graphql") continue;
    const end = closingFence(lines, i, file);
    const body = lines.slice(i + 1, end).join("\n");
    const marks = marksAbove(lines, i);
    const json = followingJson(lines, end, file);
    const definitions = parse(body).definitions;
    let previousEnd = 0;
    for (const definition of definitions) {
      if (
        definition.kind !== Kind.OPERATION_DEFINITION ||
        definition.operation === "subscription"
      ) {
        throw new Error(`${file}:${i + 1}: only queries and mutations are expected`);
      }
      const location = definition.loc;
      if (!location) throw new Error("parse keeps locations");
      const declared = definition.variableDefinitions ?? [];
      const comment = [...body.slice(previousEnd, location.start).matchAll(VARIABLES_COMMENT)];
      previousEnd = location.end;
      let variables: Record<string, unknown> | undefined;
      if (comment.length > 0) variables = JSON.parse(comment.at(-1)?.[1] as string);
      else if (json !== undefined && declared.length > 0) {
        if (definitions.length > 1) {
          throw new Error(`${file}:${i + 1}: a JSON block gives the variables of one operation`);
        }
        variables = JSON.parse(json);
      }
      const root = rootField(definition);
      const count = (seen.get(root) ?? 0) + 1;
      seen.set(root, count);
      examples.push({
        file,
        line: i + 2 + (body.slice(0, location.start).match(/\n/g)?.length ?? 0),
        key: `${name} ${root}${count > 1 ? `#${count}` : ""}`,
        kind: definition.operation,
        source: body.slice(location.start, location.end),
        variables,
        requiredVariables: declared
          .filter((v) => v.type.kind === Kind.NON_NULL_TYPE && v.defaultValue === undefined)
          .map((v) => v.variable.name.value),
        expectError: marks.get("expect-error"),
        withoutToken: marks.get("token") === "none",
      });
    }
    i = end;
  }
  return examples;
}

function rootField(operation: OperationDefinitionNode): string {
  const first = operation.selectionSet.selections[0];
  return first?.kind === Kind.FIELD ? first.name.value : "?";
}

function closingFence(lines: string[], start: number, file: string): number {
  for (let j = start + 1; j < lines.length; j++) {
    if ((lines[j] as string).trim() === "```") return j;
  }
  throw new Error(`${file}:${start + 1}: code block never closed`);
}

/** The `<!-- name: value -->` lines right above a block. */
function marksAbove(lines: string[], index: number): Map<string, string> {
  const marks = new Map<string, string>();
  for (let k = index - 1; k >= 0; k--) {
    const match = COMMENT.exec((lines[k] as string).trim());
    if (!match) break;
    marks.set(match[1] as string, match[2] as string);
  }
  return marks;
}

/** A ```json block right after the block (blank lines only between): its text. */
function followingJson(lines: string[], end: number, file: string): string | undefined {
  let k = end + 1;
  while (k < lines.length && (lines[k] as string).trim() === "") k++;
  if (FENCE.exec(lines[k] ?? "")?.[1] !== "json") return undefined;
  const close = closingFence(lines, k, file);
  return lines.slice(k + 1, close).join("\n");
}
