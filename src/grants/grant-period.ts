import { unreachable } from "../auth/principal.ts";
import type { GrantPeriod } from "../policies/policy-content.ts";

/** The period one grant covers: a household receives a policy at most once in it. */
export interface Period {
  /** `2025`, `2025-Q3`, `2025-07`, or `ONCE` for the whole life of the policy. */
  key: string;
  /** First and last day (inclusive); null for ONCE. */
  start: string | null;
  end: string | null;
}

const pad = (n: number) => String(n).padStart(2, "0");

function lastDayOfMonth(year: number, month: number): string {
  const day = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${year}-${pad(month)}-${pad(day)}`;
}

/**
 * The period containing `asOf` (YYYY-MM-DD) under a policy's grant period. 三(一)3 免申即享
 * benefits are yearly unless the policy says otherwise; ONCE is one grant per household ever.
 */
export function periodOf(grantPeriod: GrantPeriod, asOf: string): Period {
  const year = Number(asOf.slice(0, 4));
  const month = Number(asOf.slice(5, 7));
  switch (grantPeriod) {
    case "CALENDAR_YEAR":
      return { key: String(year), start: `${year}-01-01`, end: `${year}-12-31` };
    case "CALENDAR_QUARTER": {
      const quarter = Math.ceil(month / 3);
      const first = quarter * 3 - 2;
      return {
        key: `${year}-Q${quarter}`,
        start: `${year}-${pad(first)}-01`,
        end: lastDayOfMonth(year, quarter * 3),
      };
    }
    case "CALENDAR_MONTH":
      return {
        key: `${year}-${pad(month)}`,
        start: `${year}-${pad(month)}-01`,
        end: lastDayOfMonth(year, month),
      };
    case "ONCE":
      return { key: "ONCE", start: null, end: null };
    default:
      return unreachable(grantPeriod);
  }
}
