import type { Migration } from "kysely/migration";
import * as households from "./20261127T220000000Z-households.ts";
import * as tokensAndAudit from "./20261127T220100000Z-tokens-and-audit.ts";
import * as typingAndCategoryFacts from "./20261127T220200000Z-typing-and-category-facts.ts";
import * as typingRunsAndObjections from "./20261127T230000000Z-typing-runs-and-objections.ts";
import * as typingResultPartitions from "./20261127T230100000Z-typing-result-partitions.ts";
import * as policies from "./20261127T231000000Z-policies.ts";
import * as grants from "./20261127T232000000Z-grants.ts";
import * as categories from "./20261127T233000000Z-categories.ts";
import * as bankPreCredit from "./20261127T234000000Z-bank-pre-credit.ts";
import * as codeCollation from "./20261128T030000000Z-code-collation.ts";
import * as recognitionValidity from "./20261128T090000000Z-recognition-validity.ts";
import * as factsSnapshots from "./20261128T120000000Z-facts-snapshots.ts";

/** Every migration, listed statically so that bundling or a moved folder cannot lose one. */
export const migrations: Record<string, Migration> = {
  "20261127T220000000Z-households": households,
  "20261127T220100000Z-tokens-and-audit": tokensAndAudit,
  "20261127T220200000Z-typing-and-category-facts": typingAndCategoryFacts,
  "20261127T230000000Z-typing-runs-and-objections": typingRunsAndObjections,
  "20261127T230100000Z-typing-result-partitions": typingResultPartitions,
  "20261127T231000000Z-policies": policies,
  "20261127T232000000Z-grants": grants,
  "20261127T233000000Z-categories": categories,
  "20261127T234000000Z-bank-pre-credit": bankPreCredit,
  "20261128T030000000Z-code-collation": codeCollation,
  "20261128T090000000Z-recognition-validity": recognitionValidity,
  "20261128T120000000Z-facts-snapshots": factsSnapshots,
};
