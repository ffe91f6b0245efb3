import { type Kysely, type Selectable, sql } from "kysely";
import { recordAudit } from "../audit.ts";
import { actorOf, type Principal } from "../auth/principal.ts";
import type { Database, TypingObjectionTable } from "../db/types.ts";
import { BadInputError, ConflictError, ForbiddenError, NotFoundError } from "../errors.ts";
import { currentTypingOf, isUuid, type Keyset } from "./typing-queries.ts";
import { CLASSIFIED_TYPES, isTypeCode, NOT_CLASSIFIABLE, TYPE_CODES } from "./typing-standard.ts";

/**
 * 三(一)2 异议处理: 对分型结果存在异议的，个体工商户经营者可以…提出；…符合标准的，及时调整分型结果，
 * 并答复申诉人. A household objects to the type in force with its reason; an operator of its
 * county (or city-wide) accepts it with a corrected type and a written reason, or rejects it
 * with an answer. A correction stands until the household's facts change. Every step is
 * written to audit_log in the transaction that makes it.
 */

export const OBJECTION_STATUSES = ["OPEN", "ACCEPTED", "REJECTED"] as const;
export type ObjectionStatus = (typeof OBJECTION_STATUSES)[number];
export type TypingObjectionRow = Selectable<TypingObjectionTable>;

/** The longest reason or answer accepted, in characters. */
export const MAX_OBJECTION_TEXT = 2000;

function requireText(value: string, argument: string, what: string): string {
  const text = value.trim();
  if (text === "") throw new BadInputError(`${what} must not be empty`, argument);
  if ([...text].length > MAX_OBJECTION_TEXT) {
    throw new BadInputError(`${what} must be at most ${MAX_OBJECTION_TEXT} characters`, argument);
  }
  return text;
}

function objectionSnapshot(o: TypingObjectionRow) {
  return {
    uscc: o.uscc,
    status: o.status,
    objectedType: o.objected_type,
    runId: o.run_id,
    reason: o.reason,
    correctedType: o.corrected_type,
    answer: o.answer,
  };
}

/** Files the household's objection to its type in force. Only the household itself may. */
export async function fileTypingObjection(
  db: Kysely<Database>,
  principal: Principal,
  input: { uscc: string; reason: string },
): Promise<TypingObjectionRow> {
  if (principal.role !== "HOUSEHOLD") {
    throw new ForbiddenError(
      "only the household itself may object to its type (with its household token)",
    );
  }
  if (principal.uscc !== input.uscc) {
    throw new ForbiddenError(
      `a household may object only to its own type: this token is ${principal.uscc}'s, not ${input.uscc}'s`,
    );
  }
  const reason = requireText(input.reason, "reason", "the reason");
  return db.transaction().execute(async (trx) => {
    const household = await trx
      .selectFrom("household")
      .select(["uscc", "county_code"])
      .where("uscc", "=", input.uscc)
      .forUpdate()
      .executeTakeFirst();
    if (!household) throw new NotFoundError(`no household with USCC ${input.uscc}`);
    const open = await trx
      .selectFrom("typing_objection")
      .select(["id", "filed_at"])
      .where("uscc", "=", input.uscc)
      .where("status", "=", "OPEN")
      .executeTakeFirst();
    if (open) {
      throw new ConflictError(
        `an objection of this household is already open (${open.id}); wait for its answer`,
      );
    }
    const current = await currentTypingOf(trx, input.uscc);
    if (current.type === null) {
      throw new BadInputError("this household has no typing result to object to yet", "uscc");
    }
    const objection = await trx
      .insertInto("typing_objection")
      .values({
        uscc: household.uscc,
        county_code: household.county_code,
        run_id: current.result?.run.id ?? null,
        objected_type: current.type,
        reason,
        filed_by: actorOf(principal),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor: actorOf(principal),
      action: "typing.objection.file",
      entity: "typing_objection",
      entityId: objection.id,
      before: null,
      after: objectionSnapshot(objection),
      reason,
    });
    return objection;
  });
}

export type ObjectionDecision =
  | { decision: "ACCEPT"; type: string; reason: string }
  | { decision: "REJECT"; answer: string };

/** May this operator handle objections of households in `countyCode`? */
function operatorOf(principal: Principal, countyCode: string): boolean {
  return (
    principal.role === "OPERATOR" &&
    (principal.countyCode === null || principal.countyCode === countyCode)
  );
}

/**
 * Accepts (with the corrected type and the written reason) or rejects (with the answer) an
 * open objection. Only an operator of the household's county, or a city-wide one, may.
 */
export async function decideTypingObjection(
  db: Kysely<Database>,
  principal: Principal,
  id: string,
  input: ObjectionDecision,
): Promise<TypingObjectionRow> {
  if (principal.role !== "OPERATOR") {
    throw new ForbiddenError("only operators decide objections");
  }
  if (!isUuid(id)) throw new NotFoundError(`no objection ${id}`);
  let correctedType: string | null = null;
  let answer: string;
  if (input.decision === "ACCEPT") {
    if (!isTypeCode(input.type)) {
      throw new BadInputError(`type must be one of ${TYPE_CODES.join(", ")}`, "type");
    }
    correctedType = input.type;
    answer = requireText(input.reason, "reason", "the reason for the correction");
  } else {
    answer = requireText(input.answer, "answer", "the answer");
  }
  const actor = actorOf(principal);

  return db.transaction().execute(async (trx) => {
    const objection = await trx
      .selectFrom("typing_objection")
      .selectAll()
      .where("id", "=", id)
      .forUpdate()
      .executeTakeFirst();
    if (!objection) throw new NotFoundError(`no objection ${id}`);
    if (!operatorOf(principal, objection.county_code)) {
      throw new ForbiddenError(
        `objection ${id} belongs to county ${objection.county_code}; this operator cannot decide it`,
      );
    }
    if (objection.status !== "OPEN") {
      throw new ConflictError(`objection ${id} was already ${objection.status.toLowerCase()}`);
    }
    if (correctedType !== null && correctedType === objection.objected_type) {
      throw new BadInputError(
        `the corrected type is the type objected to (${correctedType}): reject the objection instead`,
        "type",
      );
    }

    if (correctedType !== null) {
      const previous = await trx
        .selectFrom("typing_correction")
        .selectAll()
        .where("uscc", "=", objection.uscc)
        .executeTakeFirst();
      // facts_changed_at is copied in SQL: the correction stands while it equals the household's.
      await trx
        .insertInto("typing_correction")
        .columns(["uscc", "type", "facts_changed_at", "objection_id", "reason", "corrected_at"])
        .expression(
          trx
            .selectFrom("household")
            .select([
              "uscc",
              sql<string>`${correctedType}::text`.as("type"),
              "facts_changed_at",
              sql<string>`${objection.id}::uuid`.as("objection_id"),
              sql<string>`${answer}::text`.as("reason"),
              sql<Date>`clock_timestamp()`.as("corrected_at"),
            ])
            .where("uscc", "=", objection.uscc),
        )
        .onConflict((oc) =>
          oc.column("uscc").doUpdateSet((eb) => ({
            type: eb.ref("excluded.type"),
            facts_changed_at: eb.ref("excluded.facts_changed_at"),
            objection_id: eb.ref("excluded.objection_id"),
            reason: eb.ref("excluded.reason"),
            corrected_at: eb.ref("excluded.corrected_at"),
          })),
        )
        .execute();
      await recordAudit(trx, {
        actor,
        action: "typing.correction",
        entity: "typing_correction",
        entityId: objection.uscc,
        before: previous
          ? { type: previous.type, objectionId: previous.objection_id, reason: previous.reason }
          : { type: objection.objected_type },
        after: { type: correctedType, objectionId: objection.id, reason: answer },
        reason: answer,
      });
    }

    const decided = await trx
      .updateTable("typing_objection")
      .set({
        status: correctedType !== null ? "ACCEPTED" : "REJECTED",
        decided_at: sql<Date>`clock_timestamp()`,
        decided_by: actor,
        corrected_type: correctedType,
        answer,
      })
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor,
      action: correctedType !== null ? "typing.objection.accept" : "typing.objection.reject",
      entity: "typing_objection",
      entityId: id,
      before: objectionSnapshot(objection),
      after: objectionSnapshot(decided),
      reason: answer,
    });
    return decided;
  });
}

/**
 * The objection queue an operator sees: its county's (all, for a city-wide operator), oldest
 * first, keyset-paged by filing time and id.
 */
export async function listTypingObjections(
  db: Kysely<Database>,
  principal: Principal,
  filter: { status?: ObjectionStatus | null; countyCode?: string | null },
  page: { after?: Keyset | undefined; limit: number },
): Promise<(TypingObjectionRow & { keyset: Keyset })[]> {
  if (principal.role !== "OPERATOR") throw new ForbiddenError("only operators see the queue");
  let countyCode = filter.countyCode ?? null;
  if (principal.countyCode !== null) {
    if (countyCode !== null && countyCode !== principal.countyCode) {
      throw new ForbiddenError(`this operator sees only county ${principal.countyCode}`);
    }
    countyCode = principal.countyCode;
  }
  let query = db
    .selectFrom("typing_objection")
    .selectAll()
    .select(sql<string>`filed_at::text`.as("keyset_at"));
  if (filter.status) query = query.where("status", "=", filter.status);
  if (countyCode !== null) query = query.where("county_code", "=", countyCode);
  if (page.after) {
    query = query.where(
      sql<boolean>`(filed_at, id) > (${page.after.at}::timestamptz, ${page.after.id}::uuid)`,
    );
  }
  const rows = await query.orderBy("filed_at").orderBy("id").limit(page.limit).execute();
  return rows.map(({ keyset_at, ...o }) => ({ ...o, keyset: { at: keyset_at, id: o.id } }));
}

/** A household's objections, newest first. */
export async function objectionsOf(
  db: Kysely<Database>,
  uscc: string,
): Promise<TypingObjectionRow[]> {
  return db
    .selectFrom("typing_objection")
    .selectAll()
    .where("uscc", "=", uscc)
    .orderBy("filed_at", "desc")
    .orderBy("id", "desc")
    .execute();
}

export async function getTypingObjection(
  db: Kysely<Database>,
  id: string,
): Promise<TypingObjectionRow | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom("typing_objection").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Types an operator may set when accepting: any result, 不符合分型条件 included. */
export const CORRECTABLE_TYPES = [...CLASSIFIED_TYPES, NOT_CLASSIFIABLE] as const;
