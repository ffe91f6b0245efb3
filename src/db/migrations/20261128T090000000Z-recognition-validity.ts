import { type Kysely, sql } from "kysely";

/**
 * 三(二)2 "认定有效期为3年，以认定时间为准": a recognition's validity runs from the day it was made,
 * not from the 1 January its support starts on. Recognitions stored before counted their 3 years
 * (and each 3-year extension) from that 1 January, so their valid_until, and the dates their
 * extensions recorded, were 1 January of year Y + 1 + 3n for a recognition of year Y: each becomes
 * the recognition day plus the same 3n years. Only dates of that earlier form are touched.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const fromRecognition = (column: string) => sql`(r.recognized_on + make_interval(
      years => extract(year from ${sql.ref(column)})::int
        - extract(year from r.recognized_on)::int - 1))::date`;
  const earlierForm = (column: string) =>
    sql`extract(month from ${sql.ref(column)}) = 1 AND extract(day from ${sql.ref(column)}) = 1
      AND ${sql.ref(column)} > r.recognized_on`;
  await sql`
    UPDATE category_extension e
    SET previous_valid_until = CASE WHEN ${earlierForm("e.previous_valid_until")}
          THEN ${fromRecognition("e.previous_valid_until")} ELSE e.previous_valid_until END,
        valid_until = CASE WHEN ${earlierForm("e.valid_until")}
          THEN ${fromRecognition("e.valid_until")} ELSE e.valid_until END
    FROM category_recognition r
    WHERE r.id = e.recognition_id AND r.valid_from = make_date(
      extract(year from r.recognized_on)::int + 1, 1, 1)`.execute(db);
  await sql`
    UPDATE category_recognition r
    SET valid_until = ${fromRecognition("r.valid_until")}
    WHERE r.valid_from = make_date(extract(year from r.recognized_on)::int + 1, 1, 1)
      AND ${earlierForm("r.valid_until")}`.execute(db);
}

export async function down(): Promise<void> {
  // The earlier dates are a function of the new ones only for recognitions not yet extended;
  // a migration back would guess, so there is none.
}
