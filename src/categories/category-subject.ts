import { type Kysely, sql } from "kysely";
import type { Database } from "../db/types.ts";
import { loadSnapshots } from "../matching/household-facts.ts";
import type { EligibilitySubject, SubjectRecognition } from "./category-eligibility.ts";

/** The application states that are not yet decided: one at a time per household. */
export const OPEN_APPLICATION_STATES = ["AWAITING_CONSENT", "SUBMITTED"] as const;

const RECOGNITION_COLUMNS = [
  "r.id",
  "r.uscc",
  "r.category",
  "r.recognized_on",
  "r.valid_from",
  "r.valid_until",
  "r.ended_on",
  "r.end_reason",
  "r.revoked_on",
] as const;

/**
 * What eligibility reads about one household (undefined when the USCC is unknown). The type comes
 * from the same snapshot the facts use (household-facts.ts), so "current type" means one thing.
 * Pass the transaction when called inside one.
 */
export async function loadEligibilitySubject(
  db: Kysely<Database>,
  uscc: string,
): Promise<EligibilitySubject | undefined> {
  const snapshot = (await loadSnapshots(db, [uscc])).get(uscc);
  if (!snapshot) return undefined;
  const h = snapshot.household;
  const [own, proprietors, open] = await Promise.all([
    db
      .selectFrom("category_recognition as r")
      .select(RECOGNITION_COLUMNS)
      .where("r.uscc", "=", uscc)
      .orderBy("r.valid_from")
      .execute(),
    // 三(二)1 同一自然人在同一县级行政区域内: the proprietor's other households in this county.
    db
      .selectFrom("category_recognition as r")
      .innerJoin("household as o", "o.uscc", "r.uscc")
      .select(RECOGNITION_COLUMNS)
      .where("o.proprietor_id_hash", "=", h.proprietor_id_hash)
      .where("o.county_code", "=", h.county_code)
      .where("o.uscc", "<>", uscc)
      .orderBy("r.uscc")
      .orderBy("r.valid_from")
      .execute(),
    db
      .selectFrom("category_application")
      .select(["id", "state", "source"])
      .where("uscc", "=", uscc)
      .where(sql<boolean>`state = any(${[...OPEN_APPLICATION_STATES]}::text[])`)
      .executeTakeFirst(),
  ]);
  return {
    uscc,
    status: h.status,
    countyCode: h.county_code,
    type: snapshot.typing?.type ?? null,
    proprietorGroups: h.proprietor_groups,
    proprietorDishonestDebtor: h.proprietor_dishonest_debtor,
    penalties: snapshot.penalties,
    recognitions: own satisfies SubjectRecognition[],
    proprietorRecognitions: proprietors satisfies SubjectRecognition[],
    openApplication: open ?? null,
  };
}
