import { type Kysely, sql } from "kysely";
import { recordAudit } from "../audit.ts";
import type { Database } from "../db/types.ts";
import { BadInputError, ConflictError, ForbiddenError, NotFoundError } from "../errors.ts";
import { type GrantRow, grantKeyOfId } from "./grant-queries.ts";

export interface RevokeGrantInput {
  /** The grant's id (grantIdOf). */
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
  const key = grantKeyOfId(input.id);
  if (!key) throw new NotFoundError(`no grant ${input.id}`);
  return db.transaction().execute(async (trx) => {
    const grant = await trx
      .selectFrom("policy_grant")
      .selectAll()
      .where("policy_code", "=", key.policyCode)
      .where("period", "=", key.period)
      .where("uscc", "=", key.uscc)
      .forUpdate()
      .executeTakeFirst();
    if (!grant) throw new NotFoundError(`no grant ${input.id}`);
    const label = `${grant.policy_code} ${grant.period} ${grant.uscc}`;
    if (input.countyCode !== null && grant.county_code !== input.countyCode) {
      throw new ForbiddenError(
        `grant ${label} is of county ${grant.county_code}; this operator acts only in ${input.countyCode}`,
      );
    }
    if (grant.revoked_at !== null) {
      throw new ConflictError(`grant ${label} was revoked already`);
    }
    const revoked = await trx
      .updateTable("policy_grant")
      .set({ revoked_at: sql`now()`, revoked_by: input.actor, revoke_reason: reason })
      .where("policy_code", "=", grant.policy_code)
      .where("period", "=", grant.period)
      .where("uscc", "=", grant.uscc)
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("grant_event")
      .values({
        kind: "REVOKED",
        policy_code: grant.policy_code,
        period: grant.period,
        uscc: grant.uscc,
        county_code: grant.county_code,
        reason,
      })
      .execute();
    await recordAudit(trx, {
      actor: input.actor,
      action: "grant.revoke",
      entity: "policy_grant",
      entityId: input.id,
      before: { revokedAt: null },
      after: {
        uscc: grant.uscc,
        policyCode: grant.policy_code,
        period: grant.period,
        revokedAt: revoked.revoked_at,
      },
      reason,
    });
    return revoked;
  });
}
