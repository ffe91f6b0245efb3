import type { Kysely, Selectable } from "kysely";
import { actorOf, type Principal } from "../auth/principal.ts";
import { todayInChina, yearOf } from "../dates.ts";
import type { CategoryReportTable, Database } from "../db/types.ts";
import { BadInputError, ConflictError, ForbiddenError, NotFoundError } from "../errors.ts";
import {
  isUniqueViolation,
  requireId,
  requireOperatorFor,
  requireText,
} from "./category-access.ts";
import { writeCategoryAudit } from "./category-audit.ts";
import { recognitionStands, reportDueOn, validityYears } from "./category-validity.ts";

/**
 * 三(二)2 有效期和评估确认: 有效期内…应当…于每年7月底前完成信息报告。个体工商户变更经营者的，要在
 * 变更后及时报告。认定部门应当审核信息报告.
 */

export const REPORT_KINDS = ["ANNUAL", "PROPRIETOR_CHANGE"] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];
export type CategoryReportRow = Selectable<CategoryReportTable>;

export async function reportsOfRecognitions(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<CategoryReportRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom("category_report")
    .selectAll()
    .where("recognition_id", "in", [...ids])
    .orderBy("year")
    .orderBy("submitted_at")
    .execute();
}

/**
 * The household reports on its standing recognition. ANNUAL: one per year of validity, for the
 * current year or an earlier one it missed (a late report still clears the missing-report ground).
 */
export async function submitCategoryReport(
  db: Kysely<Database>,
  principal: Principal,
  input: { kind: string; year?: number | null | undefined; content: string },
  now: Date,
): Promise<CategoryReportRow> {
  if (principal.role !== "HOUSEHOLD") throw new ForbiddenError("only the household reports");
  if (!(REPORT_KINDS as readonly string[]).includes(input.kind)) {
    throw new BadInputError(`kind must be ANNUAL or PROPRIETOR_CHANGE`, "kind");
  }
  const kind = input.kind as ReportKind;
  const content = requireText(input.content, "content", "the report itself", 20_000);
  const today = todayInChina(now);
  const year = input.year ?? yearOf(today);
  try {
    return await db.transaction().execute(async (trx) => {
      const standing = (
        await trx
          .selectFrom("category_recognition")
          .selectAll()
          .where("uscc", "=", principal.uscc)
          .orderBy("valid_from", "desc")
          .execute()
      ).find((r) => recognitionStands(r, today));
      if (!standing) {
        throw new ConflictError(
          `household ${principal.uscc} has no recognition standing on ${today}`,
        );
      }
      if (kind === "ANNUAL") {
        const years = validityYears(standing);
        if (!years.includes(year) || year > yearOf(today)) {
          throw new BadInputError(
            `year ${year} is not a year of validity due by now: the recognition is valid ${standing.valid_from} to ${standing.valid_until} (years ${years.join(", ")}), reports are due by 31 July of each`,
            "year",
          );
        }
      } else if (year !== yearOf(today)) {
        throw new BadInputError("a proprietor change is reported for the current year", "year");
      }
      const report = await trx
        .insertInto("category_report")
        .values({
          recognition_id: standing.id,
          uscc: principal.uscc,
          kind,
          year,
          content,
          submitted_on: today,
          submitted_at: now,
          submitted_by: actorOf(principal),
          confirmed: null,
          review_note: null,
          reviewed_at: null,
          reviewed_by: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await writeCategoryAudit(trx, {
        actor: actorOf(principal),
        action: "category.report",
        entity: "category_report",
        entityId: report.id,
        before: null,
        after: {
          recognitionId: standing.id,
          kind,
          year,
          submittedOn: today,
          late: kind === "ANNUAL" && today > reportDueOn(year),
        },
        reason: null,
      });
      return report;
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new ConflictError(`the annual report for ${year} has already been submitted`);
    }
    throw error;
  }
}

/**
 * 认定部门应当审核信息报告: an operator of the county confirms the report, or does not (the
 * recognition is then listed for cancellation on REPORT_NOT_CONFIRMED).
 */
export async function reviewCategoryReport(
  db: Kysely<Database>,
  principal: Principal,
  input: { reportId: string; confirmed: boolean; note: string },
  now: Date,
): Promise<CategoryReportRow> {
  requireId(input.reportId, "reportId");
  const note = requireText(input.note, "note", "what the review found");
  return db.transaction().execute(async (trx) => {
    const report = await trx
      .selectFrom("category_report as p")
      .innerJoin("household as h", "h.uscc", "p.uscc")
      .selectAll("p")
      .select("h.county_code")
      .where("p.id", "=", input.reportId)
      .forUpdate("p")
      .executeTakeFirst();
    if (!report) throw new NotFoundError(`no category report ${input.reportId}`);
    requireOperatorFor(principal, report.county_code);
    const reviewed = await trx
      .updateTable("category_report")
      .set({
        confirmed: input.confirmed,
        review_note: note,
        reviewed_at: now,
        reviewed_by: actorOf(principal),
      })
      .where("id", "=", report.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await writeCategoryAudit(trx, {
      actor: actorOf(principal),
      action: "category.report.review",
      entity: "category_report",
      entityId: report.id,
      before: { confirmed: report.confirmed },
      after: { confirmed: input.confirmed, on: todayInChina(now) },
      reason: note,
    });
    return reviewed;
  });
}
