import type { Kysely } from "kysely";
import type { Database } from "../db/types.ts";
import { NotFoundError } from "../errors.ts";
import { loadFacts } from "../matching/household-facts.ts";
import { type CompiledStandard, decideType, type TypingDecision } from "./decide-type.ts";
import {
  isTypeCode,
  parseTypingStandard,
  TYPE_LABELS,
  type TypingStandard,
} from "./typing-standard.ts";

/**
 * 三(一)2 查询公示 / 异议处理: why a household has its type, in Chinese. The run recorded the
 * standard version it applied (typing_standard); the explanation applies that version again to
 * the household's facts as of the run's date, with the rule engine's explanation of every
 * condition and the figures it saw.
 */

/** The standard of a version as a run applied it (from typing_standard, not from the files). */
export async function appliedStandard(
  db: Kysely<Database>,
  version: string,
): Promise<TypingStandard> {
  const row = await db
    .selectFrom("typing_standard")
    .select(["definition", "source_file"])
    .where("version", "=", version)
    .executeTakeFirst();
  if (!row) throw new NotFoundError(`typing standard version "${version}" was never applied`);
  const definition =
    typeof row.definition === "string" ? JSON.parse(row.definition) : row.definition;
  return parseTypingStandard(definition, row.source_file);
}

export interface TypingExplanation {
  decision: TypingDecision;
  /** The decision made again now differs from the one recorded (the facts changed since). */
  differsFromRecorded: boolean;
  text: string;
}

function typeLabel(type: string): string {
  return isTypeCode(type) ? TYPE_LABELS[type].zh : type;
}

/**
 * The explanation of a recorded result: the run's standard (`compiled`: the run's version, see
 * appliedStandard) on the household's facts as of the run's date.
 */
export async function explainTypingResult(
  db: Kysely<Database>,
  compiled: CompiledStandard,
  uscc: string,
  run: { as_of: string; standard_version: string },
  recorded: { type: string; codes: readonly string[] },
  correction?: { type: string; reason: string } | null,
): Promise<TypingExplanation> {
  const { standard } = compiled;
  const facts = (await loadFacts(db, [uscc], run.as_of)).get(uscc);
  if (!facts) throw new NotFoundError(`no household with USCC ${uscc}`);
  const decision = decideType(compiled, facts);
  const differs =
    decision.type !== recorded.type || decision.codes.join(",") !== recorded.codes.join(",");
  const lines = [
    `分型结果：${typeLabel(recorded.type)}（判定日期 ${run.as_of}；分型标准 ${standard.version}，${standard.source}）`,
    `上年度：${Number(run.as_of.slice(0, 4)) - 1}年`,
  ];
  if (differs) {
    lines.push(
      `注意：该户的登记或年度数据在判定后有变更，按现有数据重新判定为${typeLabel(decision.type)}，以下为按现有数据的说明；下一次分型时更新。`,
    );
  }
  lines.push(decision.text);
  if (correction) {
    lines.push(
      `经异议复核，分型结果更正为${typeLabel(correction.type)}。理由：${correction.reason}`,
    );
  }
  return { decision, differsFromRecorded: differs, text: lines.join("\n") };
}
