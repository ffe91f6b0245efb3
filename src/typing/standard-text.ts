import { staticText } from "../matching/explain-text.ts";
import type { TypingStandard } from "./typing-standard.ts";

/**
 * 三(一)2 查询公示: 查询本省（市、县）个体工商户分型标准 — the standard written out for people,
 * in Chinese (with each rule as a formula) and in English. Pure.
 */

const NUMERALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

export function standardTextZh(standard: TypingStandard): string {
  const lines: string[] = [];
  lines.push(`${standard.titleZh}（版本 ${standard.version}）`);
  lines.push(`依据：${standard.source}`);
  lines.push(
    standard.effectiveFrom
      ? `自 ${standard.effectiveFrom} 起施行。`
      : "自本服务启用起施行，至新版本施行时止。",
  );
  standard.notesZh.forEach((note, i) => {
    lines.push(`说明${i + 1}：${note}`);
  });
  let section = 0;
  const heading = (text: string) => {
    lines.push("");
    lines.push(`${NUMERALS[section] ?? section + 1}、${text}`);
    section++;
  };
  heading(
    `${standard.base.labelZh}（${standard.base.clause}）：以下各项均须符合，不符合任一项的，判定为“不符合分型条件”，并记录不符合的各项：`,
  );
  for (const c of standard.base.conditions) {
    lines.push(`  ${c.code}　${c.labelZh}［${staticText(c.rule.root)}］`);
  }
  for (const t of standard.types) {
    heading(
      `${t.labelZh}（${t.clause}）：${t.requires ? `${t.requires.labelZh}［${staticText(t.requires.rule.root)}］，且` : ""}满足以下任一条件：`,
    );
    if (t.descriptionZh) lines.push(`  ${t.descriptionZh}`);
    for (const c of t.conditions) {
      lines.push(`  ${c.code}　${c.labelZh}［${staticText(c.rule.root)}］`);
    }
  }
  heading("判定顺序：");
  lines.push(
    `  依次判断${standard.types.map((t) => t.labelZh).join("、")}；符合基础标准的个体工商户，判定为最先满足的类型，并记录满足的全部条件。`,
  );
  lines.push(
    `  均不满足的，判定为“不符合分型条件”，记录 ${standard.otherwise.code}（${standard.otherwise.labelZh}）。`,
  );
  return lines.join("\n");
}

export function standardTextEn(standard: TypingStandard): string {
  const lines: string[] = [];
  lines.push(`${standard.titleEn} (version ${standard.version})`);
  lines.push(`Source: ${standard.source}`);
  lines.push(
    standard.effectiveFrom
      ? `In force from ${standard.effectiveFrom}.`
      : "In force from the start, until a later version takes effect.",
  );
  for (const note of standard.notesEn) lines.push(`Note: ${note}`);
  lines.push("");
  lines.push(
    `1. ${standard.base.labelEn} (${standard.base.clause}): every condition must hold; a household failing any is NOT_CLASSIFIABLE, with the code of each condition it fails:`,
  );
  for (const c of standard.base.conditions) lines.push(`   ${c.code}  ${c.labelEn}`);
  standard.types.forEach((t, i) => {
    lines.push("");
    lines.push(
      `${i + 2}. ${t.type} (${t.labelZh}, ${t.labelEn}): ${t.requires ? `${t.requires.labelEn}, and ` : ""}any of:`,
    );
    for (const c of t.conditions) lines.push(`   ${c.code}  ${c.labelEn}`);
  });
  lines.push("");
  lines.push(
    `Order: ${standard.types.map((t) => t.type).join(", ")}; a household passing the base standard gets the first type that applies, with the codes of every condition that held. None applies: NOT_CLASSIFIABLE with ${standard.otherwise.code} (${standard.otherwise.labelEn}).`,
  );
  return lines.join("\n");
}
