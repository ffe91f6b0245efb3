import { type Principal, unreachable } from "../auth/principal.ts";
import { ForbiddenError } from "../errors.ts";
import type { GrantFilter } from "./grant-queries.ts";

/**
 * The filter narrowed to what the principal may see: a county operator only its county, a
 * department only its own policies' grants, a household only its own. Asking for another
 * county, department or household is FORBIDDEN rather than silently empty.
 */
export function scopedGrantFilter(principal: Principal, filter: GrantFilter): GrantFilter {
  switch (principal.role) {
    case "OPERATOR": {
      const own = principal.countyCode;
      if (own === null) return filter;
      if (filter.countyCode && filter.countyCode !== own) {
        throw new ForbiddenError(`this operator sees only county ${own}`);
      }
      return { ...filter, countyCode: own };
    }
    case "DEPARTMENT": {
      const own = principal.departmentCode;
      if (filter.departmentCode && filter.departmentCode !== own) {
        throw new ForbiddenError(`department ${own} sees only the grants of its own policies`);
      }
      return { ...filter, departmentCode: own };
    }
    case "HOUSEHOLD": {
      if (filter.uscc && filter.uscc !== principal.uscc) {
        throw new ForbiddenError("a household sees only its own grants");
      }
      return { ...filter, uscc: principal.uscc };
    }
    case "BANK":
    case "PUBLIC":
      throw new ForbiddenError(
        "grants are for operators, departments and the households themselves",
      );
    default:
      return unreachable(principal);
  }
}
