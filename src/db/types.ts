import type { ColumnType, Generated, Insertable, Selectable } from "kysely";

/** A `date` column: read back as `YYYY-MM-DD` text (see `dateAsText` in database.ts). */
export type DateText = string;
export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface HouseholdTable {
  uscc: string;
  name: string;
  proprietor_id_hash: string;
  proprietor_name: string | null;
  proprietor_groups: Generated<string[]>;
  proprietor_dishonest_debtor: Generated<boolean>;
  county_code: string;
  industry_code: string | null;
  registered_on: DateText;
  status: string;
  annual_reports: Generated<number[]>;
  abnormal_listed: Generated<boolean>;
  serious_violation_listed: Generated<boolean>;
  tax_abnormal: Generated<boolean>;
  seasonal: Generated<boolean>;
  /** Hash of the record as imported: unchanged facts keep it, so corrections survive a re-import. */
  record_hash: string;
  /** When the facts last changed (not merely re-imported). */
  facts_changed_at: Timestamp;
  imported_at: Timestamp;
}

export interface HouseholdYearTable {
  uscc: string;
  year: number;
  tax_paid: number | null;
  insured_employees: number | null;
  revenue: number | null;
}

export interface HouseholdSuspensionTable {
  uscc: string;
  seq: number;
  from_on: DateText;
  to_on: DateText | null;
}

export interface HouseholdPenaltyTable {
  uscc: string;
  seq: number;
  decided_on: DateText;
  kind: string;
  repaired_on: DateText | null;
}

export interface ApiTokenTable {
  id: Generated<string>;
  token_hash: string;
  role: string;
  /** department code, county code (null: city-wide operator), bank code, or USCC. */
  scope_code: string | null;
  label: string;
  created_at: Generated<Timestamp>;
  revoked_at: Timestamp | null;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: Generated<Timestamp>;
  actor: string;
  action: string;
  entity: string;
  entity_id: string;
  before: unknown | null;
  after: unknown | null;
  reason: string | null;
}

// ── Typing (src/typing) ──────────────────────────────────────────────────────
export interface TypingRunTable {
  id: Generated<string>;
  as_of: DateText;
  standard_version: string;
  /** YEARLY: the yearly run after annual reports (the 名特优新 quota's base); ADHOC otherwise. */
  kind: Generated<string>;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  counts: unknown | null;
  created_by: string;
  /** Set when the run failed (its results were rolled back); `error` says why. */
  failed_at: Timestamp | null;
  error: string | null;
}

export interface TypingResultTable {
  run_id: string;
  uscc: string;
  type: string;
  codes: string[];
  /** The household's county when typed (counts by county come from the insert itself). */
  county_code: string | null;
}

export interface TypingCorrectionTable {
  uscc: string;
  type: string;
  facts_changed_at: Timestamp;
  objection_id: string;
  reason: string;
  corrected_at: Generated<Timestamp>;
}

/** Each typing standard version as a run applied it: a version never changes meaning. */
export interface TypingStandardTable {
  version: string;
  definition: unknown;
  digest: string;
  source_file: string;
  recorded_at: Generated<Timestamp>;
}

/** 三(一)2 异议处理: a household's objection to its type and the county's answer. */
export interface TypingObjectionTable {
  id: Generated<string>;
  uscc: string;
  county_code: string;
  run_id: string | null;
  objected_type: string;
  reason: string;
  /** OPEN, ACCEPTED or REJECTED. */
  status: Generated<string>;
  filed_at: Generated<Timestamp>;
  filed_by: string;
  decided_at: Timestamp | null;
  decided_by: string | null;
  corrected_type: string | null;
  answer: string | null;
}

// ── Categories (src/categories) ──────────────────────────────────────────────
export interface CategoryRecognitionTable {
  id: Generated<string>;
  uscc: string;
  category: string;
  recognized_on: DateText;
  valid_from: DateText;
  valid_until: DateText;
  ended_on: DateText | null;
  /** CANCELLED (取消认定, no longer meets the standard) or REVOKED (撤销认定, obtained by fraud). */
  end_reason: string | null;
}

/**
 * The recognition's columns that the procedure (src/categories) adds: null on rows loaded
 * otherwise. Kept apart so that CategoryRecognitionTable stays the facts' minimal view.
 */
export interface CategoryRecognitionProcedureColumns {
  application_id: string | null;
  /** The household's county when recognised (the quota counts by it). */
  county_code: string | null;
  /** SELF (自主申报) or DEPARTMENT (部门推荐). */
  source: string | null;
  /** The household's type when recognised (extension condition C compares with it). */
  type_at_recognition: string | null;
  recognized_by: string | null;
  /** 撤销认定之日: starts the 5-year ban on applying again. */
  revoked_on: DateText | null;
  /** Why it was cancelled: MISSING_REPORT, NOT_CLASSIFIABLE, REPORT_NOT_CONFIRMED, SPOT_CHECK_FAILED. */
  end_ground: string | null;
  end_note: string | null;
  ended_by: string | null;
}

export interface CategoryApplicationTable {
  id: Generated<string>;
  uscc: string;
  category: string;
  conditions: string[];
  evidence: string;
  /** SELF or DEPARTMENT. */
  source: string;
  recommended_by: string | null;
  /** AWAITING_CONSENT, SUBMITTED, APPROVED, REJECTED, DECLINED or WITHDRAWN. */
  state: string;
  /** 申报或推荐之日. */
  entered_on: DateText;
  created_at: Timestamp;
  created_by: string;
  consented_at: Timestamp | null;
  decided_at: Timestamp | null;
  decided_by: string | null;
  decision_reason: string | null;
}

export interface CategoryVisitTable {
  id: Generated<string>;
  application_id: string;
  visited_on: DateText;
  confirmed: boolean;
  findings: string;
  recorded_at: Timestamp;
  recorded_by: string;
}

export interface CategoryQuotaTable {
  county_code: string;
  /** The city's share for the county in 1/100 of a percent; null: the seed's 5%. */
  share_basis_points: number | null;
  /** The yearly run whose base is cached in base_count (a finished run never changes). */
  base_run_id: string | null;
  base_count: number | null;
  set_at: Timestamp | null;
  set_by: string | null;
  reason: string | null;
}

export interface CategoryReportTable {
  id: Generated<string>;
  recognition_id: string;
  uscc: string;
  /** ANNUAL or PROPRIETOR_CHANGE. */
  kind: string;
  year: number;
  content: string;
  submitted_on: DateText;
  submitted_at: Timestamp;
  submitted_by: string;
  confirmed: boolean | null;
  review_note: string | null;
  reviewed_at: Timestamp | null;
  reviewed_by: string | null;
}

export interface CategoryExtensionTable {
  id: Generated<string>;
  recognition_id: string;
  /** A, B, C or D of 三(二)2 有效期和评估确认. */
  condition: string;
  evidence: string;
  previous_valid_until: DateText;
  valid_until: DateText;
  extended_on: DateText;
  extended_at: Timestamp;
  extended_by: string;
}

export interface CategorySpotCheckTable {
  id: Generated<string>;
  year: number;
  seed: string;
  population: number;
  sample_size: number;
  drawn_at: Timestamp;
  drawn_by: string;
}

export interface CategorySpotCheckItemTable {
  spot_check_id: string;
  recognition_id: string;
  uscc: string;
  rank: number;
  confirmed: boolean | null;
  note: string | null;
  verified_on: DateText | null;
  verified_at: Timestamp | null;
  verified_by: string | null;
}

// ── Policies (src/policies) ─────────────────────────────────────────────────
export interface PolicyTable {
  code: string;
  department_code: string;
  /** Defaults to now(). */
  created_at: Timestamp;
  created_by: string;
}

export interface PolicyVersionTable {
  id: Generated<string>;
  policy_code: string;
  version: number;
  /** DRAFT, PUBLISHED, SUPERSEDED or RETIRED; only a draft's content may change. */
  status: string;
  title: string;
  kind: string;
  mode: string;
  how_to_apply: string | null;
  rule: unknown;
  benefit: string;
  /** null, a number of 元, or a rule over facts. */
  amount: unknown | null;
  legal_document: string;
  legal_clause: string;
  effective_from: DateText;
  /** The term the content states (inclusive; null: open-ended). */
  effective_until: DateText | null;
  /** The term's actual last day: ended earlier on supersession or retirement. */
  in_force_until: DateText | null;
  grant_period: string;
  examples: unknown;
  notes: string | null;
  content_hash: string;
  /** API, or the policies-data file it was loaded from. */
  source: string;
  source_hash: string | null;
  /** Defaults to now(). */
  created_at: Timestamp;
  created_by: string;
  published_at: Timestamp | null;
  published_by: string | null;
  ended_at: Timestamp | null;
  ended_by: string | null;
}

// ── Grants (src/grants) ──────────────────────────────────────────────────────
export interface GrantRunTable {
  id: Generated<string>;
  as_of: DateText;
  /** MANUAL, TYPING_RUN, POLICY_PUBLISHED or IMPORT. */
  trigger: string;
  trigger_ref: string | null;
  /** A county operator's run; null: the whole city. */
  county_code: string | null;
  /** Defaults to the insert time (Timestamp is optional on insert). */
  started_at: Timestamp;
  finished_at: Timestamp | null;
  granted: number | null;
  counts: unknown | null;
  created_by: string;
}

/** Keyed by (policy_code, period, uscc): a household receives a policy once per period. */
export interface PolicyGrantTable {
  policy_code: string;
  /** 2025, 2025-Q3, 2025-07 or ONCE. */
  period: string;
  uscc: string;
  policy_version_id: string;
  period_start: DateText | null;
  period_end: DateText | null;
  as_of: DateText;
  amount: number | null;
  /** The facts the rule and the amount read, by name. */
  facts: unknown;
  county_code: string;
  type: string | null;
  category: string;
  run_id: string | null;
  granted_at: Timestamp;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
  revoke_reason: string | null;
}

export interface GrantEventTable {
  seq: Generated<number>;
  /** xid8 of the writing transaction, read as text. */
  xid: Generated<string>;
  /** GRANTED or REVOKED. */
  kind: string;
  /** The grant: (policy_code, period, uscc). */
  policy_code: string;
  period: string;
  uscc: string;
  county_code: string;
  reason: string | null;
  at: Timestamp;
}

// ── Bank pre-credit (src/banks) ──────────────────────────────────────────────
export interface CreditProductTable {
  id: Generated<string>;
  bank_code: string;
  code: string;
  name: string;
  description: string | null;
  created_at: Timestamp;
  created_by: string;
  retired_at: Timestamp | null;
  retired_reason: string | null;
}

export interface CreditProductVersionTable {
  product_id: string;
  version: number;
  criteria: unknown;
  criteria_hash: string;
  facts: string[];
  note: string | null;
  created_at: Timestamp;
  created_by: string;
  published_at: Timestamp | null;
}

export interface BankConsentTable {
  id: Generated<string>;
  uscc: string;
  /** null: consent to all banks. */
  bank_code: string | null;
  granted_at: Timestamp;
  /** Last day in force (China date, inclusive). */
  valid_until: DateText;
  revoked_at: Timestamp | null;
  revoked_reason: string | null;
}

export interface PreCreditAccessTable {
  id: Generated<string>;
  at: Timestamp;
  bank_code: string;
  token_id: string;
  product_id: string;
  product_version: number;
  criteria_hash: string;
  as_of: DateText;
  page_first: number;
  page_after: string | null;
  rows_returned: number | null;
  total_count: number | null;
}

export interface BankRateLimitTable {
  bank_code: string;
  listings_per_minute: number;
  set_at: Timestamp;
  set_by: string;
}

/** A transaction that wrote a table the facts relation reads (xid8, as text). */
export interface FactsChangeTable {
  xid: string;
}

/** A snapshot of every household's facts as of a date (src/matching/facts-snapshots.ts). */
export interface FactsSnapshotTable {
  as_of: DateText;
  table_name: string;
  /** The pg_snapshot it was computed under, as text. */
  taken: string;
  /** The building transaction's id (xid8, as text). */
  built_by: Generated<string>;
  /** The hash of the facts relation's SQL text it was computed with. */
  definition: string;
  built_at: Timestamp;
  used_at: Timestamp;
}

export interface Database {
  household: HouseholdTable;
  household_year: HouseholdYearTable;
  household_suspension: HouseholdSuspensionTable;
  household_penalty: HouseholdPenaltyTable;
  api_token: ApiTokenTable;
  audit_log: AuditLogTable;
  typing_run: TypingRunTable;
  typing_result: TypingResultTable;
  typing_correction: TypingCorrectionTable;
  typing_standard: TypingStandardTable;
  typing_objection: TypingObjectionTable;
  category_recognition: CategoryRecognitionTable & CategoryRecognitionProcedureColumns;
  category_application: CategoryApplicationTable;
  category_visit: CategoryVisitTable;
  category_quota: CategoryQuotaTable;
  category_report: CategoryReportTable;
  category_extension: CategoryExtensionTable;
  category_spot_check: CategorySpotCheckTable;
  category_spot_check_item: CategorySpotCheckItemTable;
  policy: PolicyTable;
  policy_version: PolicyVersionTable;
  grant_run: GrantRunTable;
  policy_grant: PolicyGrantTable;
  grant_event: GrantEventTable;
  credit_product: CreditProductTable;
  credit_product_version: CreditProductVersionTable;
  bank_consent: BankConsentTable;
  pre_credit_access: PreCreditAccessTable;
  bank_rate_limit: BankRateLimitTable;
  facts_change: FactsChangeTable;
  facts_snapshot: FactsSnapshotTable;
}

export type HouseholdRow = Selectable<HouseholdTable>;
export type NewHousehold = Insertable<HouseholdTable>;
export type ApiTokenRow = Selectable<ApiTokenTable>;
