/** Calendar dates as `YYYY-MM-DD` text: no time zone ever shifts a date. */

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `text` is a real calendar date (2025-02-29 is not). */
export function isCalendarDate(text: string): boolean {
  const match = DATE_PATTERN.exec(text);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // setUTCFullYear, not Date.UTC, which reads years 0–99 as 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d);
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

export function yearOf(date: string): number {
  return Number(date.slice(0, 4));
}

/** `date` plus whole years; 29 February falls back to 28 February in a common year. */
export function addYears(date: string, years: number): string {
  const y = yearOf(date) + years;
  const md = date.slice(5);
  const candidate = `${String(y).padStart(4, "0")}-${md}`;
  return isCalendarDate(candidate) ? candidate : `${String(y).padStart(4, "0")}-02-28`;
}

/**
 * Whole years from `from` to `asOf`: the largest n with `from` plus n years on or before `asOf`
 * (PostgreSQL's `date + interval 'n years'`, so 29 February plus one year is 28 February).
 */
export function wholeYearsBetween(from: string, asOf: string): number {
  const years = yearOf(asOf) - yearOf(from);
  return addYears(from, years) > asOf ? years - 1 : years;
}

/** Today's date in China Standard Time (UTC+8), where the programme runs. */
export function todayInChina(now: Date): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}
