import { hash } from "node:crypto";
import { compareText } from "../canonical-json.ts";

/**
 * A household record as the exchange contract carries it (household-record.schema.json), in
 * canonical form: the schema's defaults applied, every list present, nullable figures explicit.
 */
export interface HouseholdRecord {
  uscc: string;
  name: string;
  proprietor: {
    idHash: string;
    name?: string;
    groups: ProprietorGroup[];
    dishonestDebtor: boolean;
  };
  countyCode: string;
  industryCode?: string;
  registeredOn: string;
  status: HouseholdStatus;
  annualReports: number[];
  abnormalListed: boolean;
  seriousViolationListed: boolean;
  taxAbnormal: boolean;
  seasonal: boolean;
  suspensions: { from: string; to: string | null }[];
  yearly: {
    year: number;
    taxPaid: number | null;
    insuredEmployees: number | null;
    revenue: number | null;
  }[];
  penalties: { decidedOn: string; kind: PenaltyKind; repairedOn: string | null }[];
}

/** The contract's enums, in the schema's order (which is also the canonical order of groups). */
export const PROPRIETOR_GROUPS = ["VETERAN", "GRADUATE", "DISABLED", "RETURNING_MIGRANT"] as const;
export type ProprietorGroup = (typeof PROPRIETOR_GROUPS)[number];
export const HOUSEHOLD_STATUSES = ["ACTIVE", "REVOKED", "DEREGISTERED", "CANCELLED"] as const;
export type HouseholdStatus = (typeof HOUSEHOLD_STATUSES)[number];
export const PENALTY_KINDS = [
  "WARNING",
  "FINE",
  "CONFISCATION",
  "LICENCE_ACTION",
  "BUSINESS_RESTRICTION",
  "DETENTION",
] as const;
export type PenaltyKind = (typeof PENALTY_KINDS)[number];

/** A record as it may arrive: what the schema accepts, defaults and optional lists omitted. */
export interface HouseholdRecordInput {
  uscc: string;
  name: string;
  proprietor: {
    idHash: string;
    name?: string;
    groups?: ProprietorGroup[];
    dishonestDebtor?: boolean;
  };
  countyCode: string;
  industryCode?: string;
  registeredOn: string;
  status: HouseholdStatus;
  annualReports?: number[];
  abnormalListed?: boolean;
  seriousViolationListed?: boolean;
  taxAbnormal?: boolean;
  seasonal?: boolean;
  suspensions?: { from: string; to?: string | null }[];
  yearly?: {
    year: number;
    taxPaid?: number | null;
    insuredEmployees?: number | null;
    revenue?: number | null;
  }[];
  penalties?: { decidedOn: string; kind: PenaltyKind; repairedOn?: string | null }[];
}

const GROUP_RANK = new Map<string, number>(PROPRIETOR_GROUPS.map((g, i) => [g, i]));

/**
 * The canonical form of a schema-valid record: keys in the schema's order, defaults applied,
 * lists sorted (annual reports and years ascending, suspensions by dates, penalties by date and
 * kind, groups in the schema's order), absent figures as null. Two records that say the same
 * facts have the same canonical form, so the same hash: a re-ordered list is not a change.
 */
export function canonicalHousehold(input: HouseholdRecordInput): HouseholdRecord {
  const p = input.proprietor;
  const proprietor: HouseholdRecord["proprietor"] = {
    idHash: p.idHash,
    ...(p.name !== undefined ? { name: p.name } : {}),
    groups: [...(p.groups ?? [])].sort(
      (a, b) => (GROUP_RANK.get(a) ?? 0) - (GROUP_RANK.get(b) ?? 0),
    ),
    dishonestDebtor: p.dishonestDebtor ?? false,
  };
  return {
    uscc: input.uscc,
    name: input.name,
    proprietor,
    countyCode: input.countyCode,
    ...(input.industryCode !== undefined ? { industryCode: input.industryCode } : {}),
    registeredOn: input.registeredOn,
    status: input.status,
    annualReports: [...(input.annualReports ?? [])].sort((a, b) => a - b),
    abnormalListed: input.abnormalListed ?? false,
    seriousViolationListed: input.seriousViolationListed ?? false,
    taxAbnormal: input.taxAbnormal ?? false,
    seasonal: input.seasonal ?? false,
    suspensions: (input.suspensions ?? [])
      .map((s) => ({ from: s.from, to: s.to ?? null }))
      .sort((a, b) => compareText(a.from, b.from) || compareText(a.to ?? "~", b.to ?? "~")),
    yearly: (input.yearly ?? [])
      .map((y) => ({
        year: y.year,
        taxPaid: y.taxPaid ?? null,
        insuredEmployees: y.insuredEmployees ?? null,
        revenue: y.revenue ?? null,
      }))
      .sort((a, b) => a.year - b.year),
    penalties: (input.penalties ?? [])
      .map((x) => ({ decidedOn: x.decidedOn, kind: x.kind, repairedOn: x.repairedOn ?? null }))
      .sort(
        (a, b) =>
          compareText(a.decidedOn, b.decidedOn) ||
          compareText(a.kind, b.kind) ||
          compareText(a.repairedOn ?? "~", b.repairedOn ?? "~"),
      ),
  };
}

/**
 * The canonical JSON line of a canonical record (no trailing newline). Object keys already are in
 * canonical order, and JSON.stringify writes numbers in their shortest exact form, so the text
 * is a function of the facts alone.
 */
export function householdJson(record: HouseholdRecord): string {
  return JSON.stringify(record);
}

/** `record_hash`: SHA-256 of the canonical line, hex (one-shot: half the time of createHash). */
export function householdHash(canonicalJson: string): string {
  return hash("sha256", canonicalJson, "hex");
}
