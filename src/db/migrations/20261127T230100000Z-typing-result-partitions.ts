import type { Kysely } from "kysely";

// Intentionally does nothing. A first version of this migration partitioned typing_result by
// run, so that a run could fill an unindexed partition and index it once. It was withdrawn: on
// PostgreSQL 15 a partitioned table offers the planner no unique index, so the facts relation
// could no longer drop its typing_result join when a query does not read `type` (left-join
// removal on partitioned tables comes with PostgreSQL 16), and every full-population query paid
// a join with the current run. typing_result stays one table with its primary key. The name is
// kept because databases have recorded it; a database that ran the first version keeps a
// partitioned typing_result with a default partition, which the same SQL reads and writes.
export async function up(_db: Kysely<any>): Promise<void> {}

export async function down(_db: Kysely<any>): Promise<void> {}
