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
  end_reason: string | null;
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

export interface PolicyGrantTable {
  id: Generated<string>;
  uscc: string;
  policy_code: string;
  policy_version_id: string;
  /** 2025, 2025-Q3, 2025-07 or ONCE. */
  period: string;
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
  grant_id: string;
  uscc: string;
  policy_code: string;
  policy_version_id: string;
  period: string;
  amount: number | null;
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
  category_recognition: CategoryRecognitionTable;
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
}

export type HouseholdRow = Selectable<HouseholdTable>;
export type NewHousehold = Insertable<HouseholdTable>;
export type ApiTokenRow = Selectable<ApiTokenTable>;
