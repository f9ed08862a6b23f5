import { TickBatcher } from '@shoal/cluster/internal';
import type PgBoss from 'pg-boss';

/** Jobs per `INSERT`: keeps one statement's JSON parameter small. */
const MAX_BATCH = 500;

/**
 * Inserts the jobs enqueued in one tick of the event loop with one pg-boss `insert` statement (up to 500 jobs each)
 * instead of one statement per job. A burst of thousands of concurrent enqueues then takes a handful of pool
 * connections for a moment rather than queueing thousands of statements for the pool (where they would outwait its
 * connection timeout). Every job carries its id, so the outcome of each is known without a reply (an existing id is
 * a duplicate, kept as it is). A failed statement fails every enqueue of its batch, and only those.
 */
export function pgBossInsertBatcher(boss: PgBoss): TickBatcher<PgBoss.JobInsert & { id: string }> {
  return new TickBatcher((jobs) => boss.insert([...jobs]), { maxBatch: MAX_BATCH });
}
