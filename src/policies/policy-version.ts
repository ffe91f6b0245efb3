import type { Insertable, Selectable } from "kysely";
import type { PolicyVersionTable } from "../db/types.ts";
import type {
  GrantPeriod,
  PolicyAmount,
  PolicyContent,
  PolicyExample,
  PolicyKind,
  PolicyMode,
} from "./policy-content.ts";

export const VERSION_STATUSES = ["DRAFT", "PUBLISHED", "SUPERSEDED", "RETIRED"] as const;
/**
 * DRAFT: editable, never in force. PUBLISHED: the latest published version (in force from
 * effectiveFrom, through inForceUntil when set). SUPERSEDED: a later version took over the day
 * after its inForceUntil. RETIRED: the policy ended on its inForceUntil.
 */
export type VersionStatus = (typeof VERSION_STATUSES)[number];

export type PolicyVersionRow = Selectable<PolicyVersionTable>;

/** One version of a policy, as the rest of the service reads it. */
export interface PolicyVersion extends PolicyContent {
  id: string;
  code: string;
  departmentCode: string;
  version: number;
  status: VersionStatus;
  /**
   * The last day in force (inclusive; null: open-ended): the content's effectiveUntil when
   * published, earlier once superseded or retired. Always null for a draft.
   */
  inForceUntil: string | null;
  contentHash: string;
  /** API, or the policies-data file it was loaded from. */
  source: string;
  createdAt: Date;
  createdBy: string;
  publishedAt: Date | null;
  publishedBy: string | null;
  /** When it was superseded or retired. */
  endedAt: Date | null;
  endedBy: string | null;
}

export function versionFromRow(row: PolicyVersionRow & { department_code: string }): PolicyVersion {
  return {
    id: row.id,
    code: row.policy_code,
    departmentCode: row.department_code,
    version: row.version,
    status: row.status as VersionStatus,
    title: row.title,
    kind: row.kind as PolicyKind,
    mode: row.mode as PolicyMode,
    howToApply: row.how_to_apply,
    rule: row.rule,
    benefit: row.benefit,
    amount: row.amount as PolicyAmount,
    legalBasis: { document: row.legal_document, clause: row.legal_clause },
    effectiveFrom: row.effective_from,
    effectiveUntil: row.effective_until,
    grantPeriod: row.grant_period as GrantPeriod,
    examples: row.examples as PolicyExample[],
    notes: row.notes,
    inForceUntil: row.in_force_until,
    contentHash: row.content_hash,
    source: row.source,
    createdAt: new Date(row.created_at),
    createdBy: row.created_by,
    publishedAt: row.published_at === null ? null : new Date(row.published_at),
    publishedBy: row.published_by,
    endedAt: row.ended_at === null ? null : new Date(row.ended_at),
    endedBy: row.ended_by,
  };
}

/** The content columns of a version row (jsonb values passed as JSON text). */
export function contentColumns(content: PolicyContent, hash: string) {
  return {
    title: content.title,
    kind: content.kind,
    mode: content.mode,
    how_to_apply: content.howToApply,
    rule: JSON.stringify(content.rule),
    benefit: content.benefit,
    amount: content.amount === null ? null : JSON.stringify(content.amount),
    legal_document: content.legalBasis.document,
    legal_clause: content.legalBasis.clause,
    effective_from: content.effectiveFrom,
    effective_until: content.effectiveUntil,
    grant_period: content.grantPeriod,
    examples: JSON.stringify(content.examples),
    notes: content.notes,
    content_hash: hash,
  } satisfies Partial<Insertable<PolicyVersionTable>>;
}

/** The content of a stored version, exactly as validated when it was written. */
export function contentOf(version: PolicyVersion): PolicyContent {
  return {
    title: version.title,
    kind: version.kind,
    mode: version.mode,
    howToApply: version.howToApply,
    rule: version.rule,
    benefit: version.benefit,
    amount: version.amount,
    legalBasis: version.legalBasis,
    effectiveFrom: version.effectiveFrom,
    effectiveUntil: version.effectiveUntil,
    grantPeriod: version.grantPeriod,
    examples: version.examples,
    notes: version.notes,
  };
}

/** Is the version in force on `asOf` (a published term covering the date)? */
export function inForceOn(version: PolicyVersion, asOf: string): boolean {
  return (
    version.status !== "DRAFT" &&
    version.effectiveFrom <= asOf &&
    (version.inForceUntil === null || asOf <= version.inForceUntil)
  );
}

/** The calendar day before `date` (YYYY-MM-DD). */
export function dayBefore(date: string): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d - 1)).toISOString().slice(0, 10);
}
