import fc from "fast-check";
import { expect, it } from "vitest";
import { FACTS } from "../../src/matching/fact-catalog.ts";
import { factsRelation } from "../../src/matching/facts-relation.ts";
import { factsOf, loadFacts, loadSnapshots } from "../../src/matching/household-facts.ts";
import { describeEachEngine } from "../support/databases.ts";
import {
  boundaryDatesOf,
  calendarDateArb,
  householdRecordsArb,
  insertHouseholdRecords,
  insertTypingState,
  typingStateArb,
} from "../support/household-arbitraries.ts";

const RUNS = Number(process.env.FACTS_PROPERTY_RUNS ?? 30);

/**
 * Random households (yearly figures with nulls, suspensions, penalties, 29 February dates), typing
 * runs and corrections and recognitions, and as-of dates mostly on the records' own boundaries.
 */
const worldArb = householdRecordsArb({ minLength: 1, maxLength: 5 }).chain((records) =>
  fc.record({
    records: fc.constant(records),
    typing: typingStateArb(records.map((r) => r.uscc)),
    asOfs: fc.uniqueArray(
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...boundaryDatesOf(records)) },
        { weight: 1, arbitrary: calendarDateArb(2011, 2031) },
      ),
      { minLength: 1, maxLength: 12 },
    ),
  }),
);

describeEachEngine("facts in TypeScript and in SQL", (getDb) => {
  it("agree on every fact of every household on every date", async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, async ({ records, typing, asOfs }) => {
        const { db } = getDb();
        await getDb().reset();
        await insertHouseholdRecords(db, records, typing.factsChangedAt);
        await insertTypingState(db, typing);
        const usccs = records.map((r) => r.uscc);
        // The snapshots do not depend on the date: load them once, compute the facts per date.
        const snapshots = await loadSnapshots(db, usccs);
        expect([...snapshots.keys()].sort()).toEqual([...usccs].sort());
        for (const [i, asOf] of asOfs.entries()) {
          const inSql = await db.selectFrom(factsRelation(db, asOf).as("f")).selectAll().execute();
          const inTs =
            i === 0
              ? await loadFacts(db, usccs, asOf)
              : new Map([...snapshots].map(([uscc, s]) => [uscc, factsOf(s, asOf)]));
          expect(inSql.map((r) => r.uscc).sort()).toEqual([...usccs].sort());
          for (const row of inSql) {
            const facts = inTs.get(row.uscc);
            for (const fact of FACTS) {
              const name = fact.name as keyof typeof row;
              expect(row[name], `${fact.name} of ${row.uscc} as of ${asOf}`).toEqual(
                facts?.[name as keyof typeof facts],
              );
            }
          }
        }
      }),
      // Every shrinking step reloads the database: report the first failure as found (a few
      // households at most, and the message names the fact, the household and the date).
      { numRuns: RUNS, endOnFailure: true },
    );
    // Many database round trips: room for a loaded machine (nothing here measures time).
  }, 300_000);
});
