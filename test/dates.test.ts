import { expect, it } from "vitest";
import { addYears, isCalendarDate, wholeYearsBetween } from "../src/dates.ts";

it("knows real calendar dates, years 0001–0099 included", () => {
  expect(isCalendarDate("0001-01-01")).toBe(true);
  expect(isCalendarDate("0099-12-31")).toBe(true);
  expect(isCalendarDate("2024-02-29")).toBe(true);
  expect(isCalendarDate("2025-02-29")).toBe(false);
  expect(isCalendarDate("2000-02-29")).toBe(true);
  expect(isCalendarDate("1900-02-29")).toBe(false);
  expect(isCalendarDate("2026-13-01")).toBe(false);
  expect(isCalendarDate("2026-1-01")).toBe(false);
});

it("adds years as PostgreSQL does, 29 February falling back to 28 February", () => {
  expect(addYears("2024-02-29", 3)).toBe("2027-02-28");
  expect(addYears("2024-02-29", 4)).toBe("2028-02-29");
  expect(wholeYearsBetween("2024-02-29", "2027-02-27")).toBe(2);
  expect(wholeYearsBetween("2024-02-29", "2027-02-28")).toBe(3);
});
