import { createHash, randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import { executePrepared } from "../db/prepared-statements.ts";
import type { Database } from "../db/types.ts";
import { BadInputError, ConflictError, NotFoundError, UnauthenticatedError } from "../errors.ts";
import { requireCountyCode } from "../households/areas.ts";
import type { Principal, TokenRole } from "./principal.ts";

export function hashToken(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export interface CreateTokenInput {
  role: TokenRole;
  /** department code, county code (null or absent: city-wide operator), bank code, or USCC. */
  scopeCode?: string | null;
  label?: string;
}

export interface CreatedToken {
  id: string;
  /** The secret, shown once: only its hash is stored. */
  token: string;
}

const SCOPE_PATTERN: Record<TokenRole, RegExp | null> = {
  DEPARTMENT: /^[A-Z][A-Z0-9_]{1,31}$/,
  OPERATOR: /^[0-9]{6}$/,
  BANK: /^[A-Z][A-Z0-9_]{1,31}$/,
  HOUSEHOLD: /^92[0-9A-HJ-NPQRTUWXY]{16}$/,
};

export async function createToken(
  db: Kysely<Database>,
  input: CreateTokenInput,
): Promise<CreatedToken> {
  const scope = input.scopeCode ?? null;
  const pattern = SCOPE_PATTERN[input.role];
  if (scope === null && input.role !== "OPERATOR") {
    throw new BadInputError(`a ${input.role} token needs a scope code`, "scopeCode");
  }
  if (scope !== null && pattern && !pattern.test(scope)) {
    throw new BadInputError(
      `scope code "${scope}" is not a valid ${input.role.toLowerCase()} code (${pattern.source})`,
      "scopeCode",
    );
  }
  if (input.role === "OPERATOR" && scope !== null) {
    requireCountyCode(scope, "scopeCode", "omit it for a city-wide operator");
  }
  if (input.role === "HOUSEHOLD" && scope) {
    const found = await db
      .selectFrom("household")
      .select("uscc")
      .where("uscc", "=", scope)
      .executeTakeFirst();
    if (!found) throw new NotFoundError(`no household with USCC ${scope}`);
  }
  const token = `zx_${input.role.toLowerCase()}_${randomBytes(24).toString("base64url")}`;
  const row = await db
    .insertInto("api_token")
    .values({
      token_hash: hashToken(token),
      role: input.role,
      scope_code: scope,
      label: input.label ?? `${input.role.toLowerCase()} ${scope ?? "city"}`,
      revoked_at: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { id: row.id, token };
}

/**
 * Revokes a live token by its id or by the secret itself. An unknown token is NOT_FOUND, one
 * already revoked a CONFLICT that says when.
 */
export async function revokeToken(
  db: Kysely<Database>,
  idOrToken: string,
): Promise<{ id: string }> {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrToken);
  const column = isUuid ? "id" : "token_hash";
  const key = isUuid ? idOrToken : hashToken(idOrToken);
  const revoked = await db
    .updateTable("api_token")
    .set({ revoked_at: new Date() })
    .where(column, "=", key)
    .where("revoked_at", "is", null)
    .returning("id")
    .executeTakeFirst();
  if (revoked) return revoked;
  const existing = await db
    .selectFrom("api_token")
    .select(["id", "revoked_at"])
    .where(column, "=", key)
    .executeTakeFirst();
  if (!existing) throw new NotFoundError("no token with that id or secret");
  throw new ConflictError(
    `token ${existing.id} was already revoked at ${existing.revoked_at?.toISOString()}`,
  );
}

/** The principal for an `Authorization` header value; no header is PUBLIC. */
export async function authenticate(
  db: Kysely<Database>,
  authorization: string | undefined,
): Promise<Principal> {
  if (!authorization) return { role: "PUBLIC" };
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!match?.[1]) throw new UnauthenticatedError("Authorization must be `Bearer <token>`");
  // Asked on every request with a token: a named statement (parsed once per connection).
  const [row] = await executePrepared(
    db,
    db
      .selectFrom("api_token")
      .select(["id", "role", "scope_code", "revoked_at"])
      .where("token_hash", "=", hashToken(match[1])),
  );
  if (!row || row.revoked_at) throw new UnauthenticatedError("unknown or revoked token");
  return principalOf(row.id, row.role as TokenRole, row.scope_code);
}

function principalOf(tokenId: string, role: TokenRole, scope: string | null): Principal {
  switch (role) {
    case "DEPARTMENT":
      return { role, tokenId, departmentCode: scope ?? "" };
    case "OPERATOR":
      return { role, tokenId, countyCode: scope };
    case "BANK":
      return { role, tokenId, bankCode: scope ?? "" };
    case "HOUSEHOLD":
      return { role, tokenId, uscc: scope ?? "" };
  }
}
