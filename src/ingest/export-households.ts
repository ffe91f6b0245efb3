import { type Kysely, sql, type Transaction } from "kysely";
import type { Database } from "../db/types.ts";
import {
  canonicalHousehold,
  type HouseholdRecord,
  type HouseholdRecordInput,
  householdJson,
} from "./household-record.ts";

export interface ExportOptions {
  /** Households read per query (keyset pages by USCC). */
  pageSize?: number;
  /** Only the households registered in this county-level area. */
  countyCode?: string;
}

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Every household as a canonical contract record, in USCC order, one page at a time (keyset
 * pagination on the primary key), so memory holds one page whatever the table's size.
 * For a consistent snapshot of a table that is being written to, pass a REPEATABLE READ
 * transaction (the CLI does).
 */
export async function* exportHouseholdRecords(
  db: Db,
  options: ExportOptions = {},
): AsyncGenerator<HouseholdRecord> {
  const pageSize = options.pageSize ?? 1000;
  let after = "";
  for (;;) {
    let query = db
      .selectFrom("household")
      .select([
        "uscc",
        "name",
        "proprietor_id_hash",
        "proprietor_name",
        "proprietor_groups",
        "proprietor_dishonest_debtor",
        "county_code",
        "industry_code",
        "registered_on",
        "status",
        "annual_reports",
        "abnormal_listed",
        "serious_violation_listed",
        "tax_abnormal",
        "seasonal",
      ])
      .where("uscc", ">", after)
      .orderBy("uscc")
      .limit(pageSize);
    if (options.countyCode) query = query.where("county_code", "=", options.countyCode);
    const households = await query.execute();
    if (households.length === 0) return;
    const usccs = households.map((h) => h.uscc);
    const inPage = sql<boolean>`uscc = ANY(${usccs}::text[])`;
    const [years, suspensions, penalties] = await Promise.all([
      db
        .selectFrom("household_year")
        .selectAll()
        .where(inPage)
        .orderBy("uscc")
        .orderBy("year")
        .execute(),
      db
        .selectFrom("household_suspension")
        .selectAll()
        .where(inPage)
        .orderBy("uscc")
        .orderBy("seq")
        .execute(),
      db
        .selectFrom("household_penalty")
        .selectAll()
        .where(inPage)
        .orderBy("uscc")
        .orderBy("seq")
        .execute(),
    ]);
    const yearsOf = groupBy(years);
    const suspensionsOf = groupBy(suspensions);
    const penaltiesOf = groupBy(penalties);
    for (const h of households) {
      const input: HouseholdRecordInput = {
        uscc: h.uscc,
        name: h.name,
        proprietor: {
          idHash: h.proprietor_id_hash,
          ...(h.proprietor_name !== null ? { name: h.proprietor_name } : {}),
          groups: h.proprietor_groups as HouseholdRecord["proprietor"]["groups"],
          dishonestDebtor: h.proprietor_dishonest_debtor,
        },
        countyCode: h.county_code,
        ...(h.industry_code !== null ? { industryCode: h.industry_code } : {}),
        registeredOn: h.registered_on,
        status: h.status as HouseholdRecord["status"],
        annualReports: h.annual_reports,
        abnormalListed: h.abnormal_listed,
        seriousViolationListed: h.serious_violation_listed,
        taxAbnormal: h.tax_abnormal,
        seasonal: h.seasonal,
        suspensions: (suspensionsOf.get(h.uscc) ?? []).map((s) => ({
          from: s.from_on,
          to: s.to_on,
        })),
        yearly: (yearsOf.get(h.uscc) ?? []).map((y) => ({
          year: y.year,
          taxPaid: y.tax_paid,
          insuredEmployees: y.insured_employees,
          revenue: y.revenue,
        })),
        penalties: (penaltiesOf.get(h.uscc) ?? []).map((p) => ({
          decidedOn: p.decided_on,
          kind: p.kind as HouseholdRecord["penalties"][number]["kind"],
          repairedOn: p.repaired_on,
        })),
      };
      // Stored rows already are canonical; canonicalHousehold fixes the key order.
      yield canonicalHousehold(input);
    }
    if (households.length < pageSize) return;
    after = usccs[usccs.length - 1] as string;
  }
}

/** The same, as canonical JSON lines (without the newline): the format `importHouseholds` reads. */
export async function* exportHouseholds(
  db: Db,
  options: ExportOptions = {},
): AsyncGenerator<string> {
  for await (const record of exportHouseholdRecords(db, options)) yield householdJson(record);
}

function groupBy<T extends { uscc: string }>(rows: T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const list = groups.get(row.uscc);
    if (list) list.push(row);
    else groups.set(row.uscc, [row]);
  }
  return groups;
}
