import type { Principal } from "../auth/principal.ts";
import { BadInputError, ForbiddenError } from "../errors.ts";

/**
 * Who may act on what in the 名特优新 procedure. 三(二)2 推荐和认定方式: 以县级或市级为单位进行 —
 * an operator of the household's county or a city-wide operator reviews and recognises.
 */

export function operatorCovers(principal: Principal, countyCode: string): boolean {
  return (
    principal.role === "OPERATOR" &&
    (principal.countyCode === null || principal.countyCode === countyCode)
  );
}

export function requireOperatorFor(principal: Principal, countyCode: string): void {
  if (principal.role !== "OPERATOR") throw new ForbiddenError("only operators may do this");
  if (!operatorCovers(principal, countyCode)) {
    throw new ForbiddenError(
      `this operator acts only for county ${principal.countyCode}; the household is in ${countyCode}`,
    );
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are uuids; anything else is bad input, not a database error. */
export function requireId(id: string, argument: string): void {
  if (!UUID.test(id))
    throw new BadInputError(`${argument} must be an id (uuid), got "${id}"`, argument);
}

/** Trimmed, non-empty, at most `max` characters. */
export function requireText(value: string, argument: string, what: string, max = 4000): string {
  const text = value.trim();
  if (!text) throw new BadInputError(`${argument} must not be empty: ${what}`, argument);
  if (text.length > max) {
    throw new BadInputError(`${argument} is ${text.length} characters; at most ${max}`, argument);
  }
  return text;
}

/** Whether a database error is a unique violation (pg and PGlite both carry SQLSTATE in `code`). */
export function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    "code" in error &&
    (error as { code: unknown }).code === "23505"
  );
}
