import { addYears, yearOf } from "../dates.ts";

/**
 * The date rules of a recognition (三(二)2 时间安排 / 有效期和评估确认). Pure: dates are
 * `YYYY-MM-DD` text, compared as text. The in-force test itself is recognitionInForce in
 * src/matching/household-facts.ts, which the facts use; these rules build on the same columns.
 */

/** 三(二)2 有效期: 认定有效期为3年. */
export const VALIDITY_YEARS = 3;
/** 三(二)2: 有效期延长3年. */
export const EXTENSION_YEARS = 3;
/** 三(二)2: 自被撤销认定之日起5年内不得再次申报. */
export const FRAUD_BAN_YEARS = 5;
/** 三(二)2: 于每年7月底前完成信息报告 — the month and day of the due date, inclusive. */
export const REPORT_DUE_MONTH_DAY = "07-31";

/** The dates a recognition needs: those of category_recognition. */
export interface RecognitionDates {
  recognized_on: string;
  valid_from: string;
  valid_until: string;
  ended_on: string | null;
}

/**
 * 三(二)2 有效期和评估确认: "认定有效期为3年，以认定时间为准" — the 3 years run from the day of
 * recognition; 时间安排: "次年1月1日起，认定的“名特优新”个体工商户开始享受相关扶持政策" — the
 * category takes effect on 1 January of the next year. A recognition made on day D of year Y is in
 * force from 1 January of Y+1 until (exclusive) D + 3 years.
 */
export function validityOf(recognizedOn: string): { validFrom: string; validUntil: string } {
  const validFrom = `${String(yearOf(recognizedOn) + 1).padStart(4, "0")}-01-01`;
  return { validFrom, validUntil: addYears(recognizedOn, VALIDITY_YEARS) };
}

/**
 * Whether the recognition stands on `date`: made, not yet expired, not ended. It may not be in
 * force yet (made in November, in force from 1 January).
 */
export function recognitionStands(r: RecognitionDates, date: string): boolean {
  return (
    r.recognized_on <= date && date < r.valid_until && (r.ended_on === null || date < r.ended_on)
  );
}

/**
 * 三(二)1 同一个体工商户只能认定为一个类型 (and one household per proprietor and county): a
 * recognition blocks a new one made on `date` when it stands and would still be valid when the new
 * one starts. One expiring on the new one's first day does not block it (no overlap, no gap).
 */
export function blocksNewRecognition(r: RecognitionDates, date: string): boolean {
  return recognitionStands(r, date) && r.valid_until > validityOf(date).validFrom;
}

/** 三(二)2 在分类有效期的最后一年: valid_until − 1 year ≤ date < valid_until, still standing. */
export function inLastYear(r: RecognitionDates, date: string): boolean {
  return recognitionStands(r, date) && addYears(r.valid_until, -1) <= date;
}

/** The calendar years of validity: from valid_from's year to the year of its last day. */
export function validityYears(r: Pick<RecognitionDates, "valid_from" | "valid_until">): number[] {
  const first = yearOf(r.valid_from);
  // valid_until is exclusive: its last day is the day before.
  const last =
    r.valid_until.slice(5) === "01-01" ? yearOf(r.valid_until) - 1 : yearOf(r.valid_until);
  const years: number[] = [];
  for (let y = first; y <= last; y++) years.push(y);
  return years;
}

/** The calendar day after `date`. */
export function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

export function reportDueOn(year: number): string {
  return `${String(year).padStart(4, "0")}-${REPORT_DUE_MONTH_DAY}`;
}

/**
 * 三(二)2: 有效期内…于每年7月底前完成信息报告. The years of validity whose report was due before
 * `date` (due date passed: date > 31 July), within the part of validity the recognition was in
 * force, and that have no annual report.
 */
export function missingReportYears(
  r: RecognitionDates,
  reportedYears: readonly number[],
  date: string,
): number[] {
  return validityYears(r).filter((year) => {
    const due = reportDueOn(year);
    const endedBeforeDue = r.ended_on !== null && r.ended_on <= due;
    return due < date && due < r.valid_until && !endedBeforeDue && !reportedYears.includes(year);
  });
}

/** 三(二)2: 自被撤销认定之日起5年内不得再次申报 — revokedOn ≤ date < revokedOn + 5 years. */
export function fraudBanCovers(revokedOn: string, date: string): boolean {
  return revokedOn <= date && date < fraudBanEndsOn(revokedOn);
}

/** The first day on which a household revoked on `revokedOn` may apply again. */
export function fraudBanEndsOn(revokedOn: string): string {
  return addYears(revokedOn, FRAUD_BAN_YEARS);
}
