import { createHash } from "node:crypto";
import { canonicalJson } from "../canonical-json.ts";
import { factByName } from "../matching/fact-catalog.ts";
import type { FactLevel, ValidRule } from "../matching/rule-types.ts";
import { requireValidRule } from "../matching/validate-rule.ts";

/**
 * What a bank's criteria may read. 三(二)3 鼓励金融机构将分类结果应用于授信评价、金融产品匹配、
 * 预授信: the type and category results (PUBLIC) freely; a household's own figures (BANK) only
 * with its consent; never the list flags, penalties or the proprietor (INTERNAL).
 */
export const CREDIT_CRITERIA_LEVELS: readonly FactLevel[] = ["PUBLIC", "BANK"];

/**
 * Validates a product's criteria like a policy's rule: every fact in the catalog, the right types,
 * a condition as the result, and no INTERNAL fact. Throws BadInputError naming the argument (the
 * first segment of `at`, where the criteria sit in the request) and each JSON path from it, as a
 * department's rule errors do (`/input/criteria/and/1/!`).
 */
export function validateCriteria(criteria: unknown, at = "/criteria"): ValidRule {
  return requireValidRule(
    criteria,
    { allowedLevels: CREDIT_CRITERIA_LEVELS, expect: "boolean" },
    at.split("/")[1] ?? "criteria",
    at,
  );
}

/** The BANK-level facts among `facts`: a rule reading any of them matches only with consent. */
export function consentFactsOf(facts: readonly string[]): string[] {
  return facts.filter((name) => factByName(name)?.level === "BANK");
}

/** `sha256:<hex>` of the canonical criteria: the access log names exactly what was matched. */
export function criteriaHash(criteria: unknown): string {
  return `sha256:${createHash("sha256").update(canonicalJson(criteria)).digest("hex")}`;
}
