/** Who is asking. PUBLIC has no token; every other role is bound to one code. */
export type Principal =
  | { role: "PUBLIC" }
  | { role: "DEPARTMENT"; tokenId: string; departmentCode: string }
  | { role: "OPERATOR"; tokenId: string; countyCode: string | null }
  | { role: "BANK"; tokenId: string; bankCode: string }
  | { role: "HOUSEHOLD"; tokenId: string; uscc: string };

export type Role = Principal["role"];
export const TOKEN_ROLES = ["DEPARTMENT", "OPERATOR", "BANK", "HOUSEHOLD"] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

export const PUBLIC: Principal = { role: "PUBLIC" };

/** The actor recorded in audit entries: role, token id and scope, never the secret. */
export function actorOf(principal: Principal): string {
  switch (principal.role) {
    case "PUBLIC":
      return "PUBLIC";
    case "DEPARTMENT":
      return `DEPARTMENT:${principal.departmentCode}:${principal.tokenId}`;
    case "OPERATOR":
      return `OPERATOR:${principal.countyCode ?? "CITY"}:${principal.tokenId}`;
    case "BANK":
      return `BANK:${principal.bankCode}:${principal.tokenId}`;
    case "HOUSEHOLD":
      return `HOUSEHOLD:${principal.uscc}:${principal.tokenId}`;
    default:
      return unreachable(principal);
  }
}

/** May this principal see the household registered in `countyCode` with this USCC? */
export function canSeeHousehold(principal: Principal, uscc: string, countyCode: string): boolean {
  switch (principal.role) {
    case "OPERATOR":
      return principal.countyCode === null || principal.countyCode === countyCode;
    case "HOUSEHOLD":
      return principal.uscc === uscc;
    default:
      return false;
  }
}

export function unreachable(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}
