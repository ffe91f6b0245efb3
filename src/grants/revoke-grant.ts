import { type Kysely, sql } from "kysely";
import type { Database } from "../db/types.ts";
import { BadInputError, ConflictError, ForbiddenError, NotFoundError } from "../errors.ts";
import { type GrantRow, grantById } from "./grant-queries.ts";

export interface RevokeGrantInput {
  id: string;
  reason: string;
  /** actorOf(principal): recorded on the grant, its event and the audit entry. */
  actor: string;
  /** A county operator revokes only grants of its county; null: city-wide. */
  countyCode: string | null;
}

export const MAX_REASON_LENGTH = 2000;

/**
 * Revokes a grant, once, with a reason: the grant stays in the ledger (the database refuses to
 * delete it) marked revoked, a REVOKED event tells the household, and the audit log keeps who,
 * when and why. All three in one transaction. The household is not granted the policy again in
 * that period (the ledger's key is taken); later periods are decided afresh.
 */
export async function revokeGrant(
  db: Kysely<Database>,
  input: RevokeGrantInput,
): Promise<GrantRow> {
  const reason = input.reason.trim();
  if (reason === "") throw new BadInputError("a revocation needs a reason", "reason");
  if (reason.length > MAX_REASON_LENGTH) {
    throw new BadInputError(`reason must be at most ${MAX_REASON_LENGTH} characters`, "reason");
  }
  if (!(await grantById(db, input.id))) throw new NotFoundError(`no grant ${input.id}`);
  return db.transaction().execute(async (trx) => {
    const grant = await trx
      .selectFrom("policy_grant")
      .selectAll()
      .where("id", "=", input.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (input.countyCode !== null && grant.county_code !== input.countyCode) {
      throw new ForbiddenError(
        `grant ${grant.id} is of county ${grant.county_code}; this operator acts only in ${input.countyCode}`,
      );
    }
    if (grant.revoked_at !== null) {
      throw new ConflictError(`grant ${grant.id} was revoked already`);
    }
    const revoked = await trx
      .updateTable("policy_grant")
      .set({ revoked_at: sql`now()`, revoked_by: input.actor, revoke_reason: reason })
      .where("id", "=", grant.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("grant_event")
      .values({
        kind: "REVOKED",
        grant_id: grant.id,
        uscc: grant.uscc,
        policy_code: grant.policy_code,
        policy_version_id: grant.policy_version_id,
        period: grant.period,
        amount: grant.amount,
        county_code: grant.county_code,
        reason,
      })
      .execute();
    await trx
      .insertInto("audit_log")
      .values({
        actor: input.actor,
        action: "grant.revoke",
        entity: "policy_grant",
        entity_id: grant.id,
        before: JSON.stringify({ revokedAt: null }),
        after: JSON.stringify({
          uscc: grant.uscc,
          policyCode: grant.policy_code,
          period: grant.period,
          revokedAt: revoked.revoked_at,
        }),
        reason,
      })
      .execute();
    return revoked;
  });
}
