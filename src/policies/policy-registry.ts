import { type Kysely, sql } from "kysely";
import { recordAudit } from "../audit.ts";
import type { Database } from "../db/types.ts";
import { BadInputError, ConflictError, ForbiddenError, NotFoundError } from "../errors.ts";
import type { RuleIssue } from "../matching/rule-types.ts";
import { formatIssue } from "../matching/validate-rule.ts";
import { compilePolicy, failingExamples } from "./compiled-policy.ts";
import { inTransaction } from "./in-transaction.ts";
import {
  type CheckedContent,
  checkPolicyContent,
  contentHash,
  type PolicyContent,
  policyCodeProblem,
} from "./policy-content.ts";
import { versionsQuery } from "./policy-queries.ts";
import {
  contentColumns,
  contentOf,
  dayBefore,
  type PolicyVersion,
  type PolicyVersionRow,
  versionFromRow,
} from "./policy-version.ts";

/** Who edits: the department (only its own policies) and the actor recorded in the audit log. */
export interface PolicyEditor {
  departmentCode: string;
  actor: string;
}

/** Throws BadInputError listing every issue, each with its JSON pointer. */
export function refuse(summary: string, issues: RuleIssue[], argument: string): never {
  throw new BadInputError(`${summary}: ${issues.map(formatIssue).join("; ")}`, argument, {
    issues,
  });
}

function checkedOrRefuse(input: unknown, argument: string): CheckedContent {
  const checked = checkPolicyContent(input, `/${argument}`);
  if (!checked.ok) refuse("invalid policy", checked.issues, argument);
  return checked.value;
}

/** The policy row, locked for the rest of the transaction, if the editor's department owns it. */
async function ownPolicy(db: Kysely<Database>, editor: PolicyEditor, code: string) {
  const policy = await db
    .selectFrom("policy")
    .selectAll()
    .where("code", "=", code)
    .forUpdate()
    .executeTakeFirst();
  if (!policy) throw new NotFoundError(`no policy ${code}`);
  if (policy.department_code !== editor.departmentCode) {
    throw new ForbiddenError(
      `policy ${code} belongs to ${policy.department_code}; ${editor.departmentCode} manages only its own`,
    );
  }
  return policy;
}

async function versionRows(db: Kysely<Database>, code: string) {
  return versionsQuery(db).where("v.policy_code", "=", code).orderBy("v.version").execute();
}

async function audit(
  db: Kysely<Database>,
  actor: string,
  action: string,
  version: Pick<PolicyVersionRow, "id" | "policy_code" | "version">,
  after: Record<string, unknown>,
): Promise<void> {
  await recordAudit(db, {
    actor,
    action,
    entity: "policy_version",
    entityId: version.id,
    before: null,
    after: { code: version.policy_code, version: version.version, ...after },
  });
}

async function insertVersion(
  db: Kysely<Database>,
  code: string,
  number: number,
  content: PolicyContent,
  actor: string,
  source: { source: string; sourceHash: string | null },
) {
  return db
    .insertInto("policy_version")
    .values({
      policy_code: code,
      version: number,
      status: "DRAFT",
      ...contentColumns(content, contentHash(content)),
      source: source.source,
      source_hash: source.sourceHash,
      created_by: actor,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
}

async function readVersion(db: Kysely<Database>, id: string): Promise<PolicyVersion> {
  return versionFromRow(await versionsQuery(db).where("v.id", "=", id).executeTakeFirstOrThrow());
}

/** 10: a new policy owned by the editor's department, as draft version 1. */
export async function createPolicy(
  db: Kysely<Database>,
  editor: PolicyEditor,
  code: string,
  input: unknown,
  argument = "input",
): Promise<PolicyVersion> {
  const problem = policyCodeProblem(code);
  if (problem) throw new BadInputError(`${problem}; got "${code}"`, "code");
  const { content } = checkedOrRefuse(input, argument);
  return inTransaction(db, async (trx) => {
    const inserted = await trx
      .insertInto("policy")
      .values({ code, department_code: editor.departmentCode, created_by: editor.actor })
      .onConflict((oc) => oc.column("code").doNothing())
      .returning("code")
      .executeTakeFirst();
    if (!inserted) throw new ConflictError(`policy ${code} exists already`);
    const { id } = await insertVersion(trx, code, 1, content, editor.actor, {
      source: "API",
      sourceHash: null,
    });
    await audit(trx, editor.actor, "policy.create", { id, policy_code: code, version: 1 }, {});
    return readVersion(trx, id);
  });
}

/**
 * 9/10: edits the policy. The open draft changes; without one, a new draft is made from the
 * latest version (a published version itself never changes). `patch` holds the fields to
 * replace, in the shape of the content; the result is validated whole.
 */
export async function updatePolicyDraft(
  db: Kysely<Database>,
  editor: PolicyEditor,
  code: string,
  patch: Record<string, unknown>,
  argument = "input",
): Promise<PolicyVersion> {
  return inTransaction(db, async (trx) => {
    await ownPolicy(trx, editor, code);
    const rows = await versionRows(trx, code);
    const latest = rows.at(-1);
    if (!latest) throw new NotFoundError(`policy ${code} has no version`);
    const draft = rows.find((r) => r.status === "DRAFT");
    const base = contentOf(versionFromRow(draft ?? latest));
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(patch)) if (value !== undefined) merged[key] = value;
    const { content } = checkedOrRefuse(merged, argument);
    if (draft) {
      await trx
        .updateTable("policy_version")
        .set(contentColumns(content, contentHash(content)))
        .where("id", "=", draft.id)
        .execute();
      await audit(trx, editor.actor, "policy.update", draft, {});
      return readVersion(trx, draft.id);
    }
    const number = latest.version + 1;
    const { id } = await insertVersion(trx, code, number, content, editor.actor, {
      source: "API",
      sourceHash: null,
    });
    await audit(trx, editor.actor, "policy.draft", { id, policy_code: code, version: number }, {});
    return readVersion(trx, id);
  });
}

/** Drops the open draft (a policy keeps at least its first version). */
export async function discardPolicyDraft(
  db: Kysely<Database>,
  editor: PolicyEditor,
  code: string,
): Promise<PolicyVersion> {
  return inTransaction(db, async (trx) => {
    await ownPolicy(trx, editor, code);
    const rows = await versionRows(trx, code);
    const draft = rows.find((r) => r.status === "DRAFT");
    if (!draft) throw new ConflictError(`policy ${code} has no open draft`);
    if (rows.length === 1) {
      throw new ConflictError(`policy ${code} has only its first draft: edit it instead`);
    }
    await trx.deleteFrom("policy_version").where("id", "=", draft.id).execute();
    await audit(trx, editor.actor, "policy.discard", draft, {});
    return versionFromRow(draft);
  });
}

/**
 * 8/9: publishes the open draft, in force from `effectiveFrom` (default: the draft's own). Refused
 * while any example fails, each listed with its explanation. The version before it is superseded
 * from that day: its term ends the day before.
 */
export async function publishPolicy(
  db: Kysely<Database>,
  editor: PolicyEditor,
  code: string,
  options: { effectiveFrom?: string | null | undefined } = {},
): Promise<PolicyVersion> {
  return inTransaction(db, async (trx) => {
    await ownPolicy(trx, editor, code);
    const rows = await versionRows(trx, code);
    const draft = rows.find((r) => r.status === "DRAFT");
    if (!draft) throw new ConflictError(`policy ${code} has no draft to publish`);
    const stored = contentOf(versionFromRow(draft));
    const content = { ...stored, effectiveFrom: options.effectiveFrom ?? stored.effectiveFrom };
    const result = checkPolicyContent(content);
    if (!result.ok) refuse(`policy ${code} cannot be published`, result.issues, "effectiveFrom");
    const checked = result.value;
    requireExamplesPass(checked, code);
    await supersedePrevious(trx, rows, content.effectiveFrom, editor.actor, "effectiveFrom");
    await trx
      .updateTable("policy_version")
      .set({
        ...contentColumns(content, contentHash(content)),
        status: "PUBLISHED",
        in_force_until: content.effectiveUntil,
        published_at: sql`now()`,
        published_by: editor.actor,
      })
      .where("id", "=", draft.id)
      .execute();
    await audit(trx, editor.actor, "policy.publish", draft, {
      effectiveFrom: content.effectiveFrom,
    });
    return readVersion(trx, draft.id);
  });
}

/** 8: a policy whose examples fail cannot be published; the error lists each failing example. */
export function requireExamplesPass(checked: CheckedContent, code: string): void {
  const compiled = compilePolicy(checked.rule, checked.amountRule, checked.content.amount);
  const failures = failingExamples(compiled, checked.content.examples);
  if (failures.length === 0) return;
  const lines = failures.map((f) => `${f.path}: ${f.message}\n${f.explanation}`);
  throw new BadInputError(
    `policy ${code} cannot be published: ${failures.length} example(s) fail\n${lines.join("\n")}`,
    "code",
    {
      issues: failures.map((f) => ({ path: f.path, message: f.message })),
      failures,
    },
  );
}

/**
 * Ends the latest published version's term the day before `from`. Terms never overlap: a new
 * version may not start before the one it follows (starting on the same day, the earlier one is
 * superseded before it was ever in force).
 */
export async function supersedePrevious(
  db: Kysely<Database>,
  rows: readonly PolicyVersionRow[],
  from: string,
  actor: string,
  argument: string,
): Promise<void> {
  const previous = rows.filter((r) => r.status !== "DRAFT").at(-1);
  if (!previous) return;
  if (from < previous.effective_from) {
    throw new BadInputError(
      `effectiveFrom ${from} is before ${previous.effective_from}, when version ${previous.version} took effect`,
      argument,
    );
  }
  const until = dayBefore(from);
  if (previous.in_force_until !== null && previous.in_force_until <= until) return;
  await db
    .updateTable("policy_version")
    .set({
      status: previous.status === "PUBLISHED" ? "SUPERSEDED" : previous.status,
      in_force_until: until,
      ended_at: sql`now()`,
      ended_by: actor,
    })
    .where("id", "=", previous.id)
    .execute();
}

/**
 * 9: retires the policy: the published version stays in force through `lastDay`, then ends. A
 * later draft may be published again afterwards.
 */
export async function retirePolicy(
  db: Kysely<Database>,
  editor: PolicyEditor,
  code: string,
  lastDay: string,
): Promise<PolicyVersion> {
  return inTransaction(db, async (trx) => {
    await ownPolicy(trx, editor, code);
    const rows = await versionRows(trx, code);
    const current = rows.filter((r) => r.status !== "DRAFT").at(-1);
    if (current?.status !== "PUBLISHED") {
      throw new ConflictError(`policy ${code} has no published version to retire`);
    }
    if (lastDay < dayBefore(current.effective_from)) {
      throw new BadInputError(
        `lastDay ${lastDay} is before version ${current.version} took effect (${current.effective_from})`,
        "lastDay",
      );
    }
    if (current.in_force_until !== null && lastDay > current.in_force_until) {
      throw new BadInputError(
        `lastDay ${lastDay} is after the version's own last day ${current.in_force_until}`,
        "lastDay",
      );
    }
    await trx
      .updateTable("policy_version")
      .set({
        status: "RETIRED",
        in_force_until: lastDay,
        ended_at: sql`now()`,
        ended_by: editor.actor,
      })
      .where("id", "=", current.id)
      .execute();
    await audit(trx, editor.actor, "policy.retire", current, { lastDay });
    return readVersion(trx, current.id);
  });
}

/**
 * Publishes `content` directly as a new version (the policies-data loader): the same checks as
 * publishPolicy, without going through a draft, so a department's open draft stays as it is.
 */
export async function publishContent(
  db: Kysely<Database>,
  code: string,
  checked: CheckedContent,
  actor: string,
  source: { source: string; sourceHash: string },
): Promise<PolicyVersion> {
  requireExamplesPass(checked, code);
  const rows = await versionRows(db, code);
  const number = (rows.at(-1)?.version ?? 0) + 1;
  await supersedePrevious(db, rows, checked.content.effectiveFrom, actor, "effectiveFrom");
  const content = checked.content;
  const { id } = await db
    .insertInto("policy_version")
    .values({
      policy_code: code,
      version: number,
      status: "PUBLISHED",
      ...contentColumns(content, contentHash(content)),
      in_force_until: content.effectiveUntil,
      source: source.source,
      source_hash: source.sourceHash,
      created_by: actor,
      published_at: sql`now()`,
      published_by: actor,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await audit(
    db,
    actor,
    "policy.publish",
    { id, policy_code: code, version: number },
    {
      effectiveFrom: content.effectiveFrom,
      source: source.source,
    },
  );
  return readVersion(db, id);
}
