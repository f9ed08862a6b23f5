import { NO_FLUSH_WAIT, type eventLogTables } from './event-log.schema.js';

type Tables = ReturnType<typeof eventLogTables>;

/**
 * Claims up to `$5` events of type `$2` for group `$1` and node `$3` (claim for `$4` ms): expired claims first, then
 * fresh events above the cursor and above `$6` (where the caller knows every event is claimed, so a claim does not
 * scan the unsettled second of the log each time; `0` scans from the cursor). Another node claiming the same rows at once gets the rest (`ON CONFLICT DO
 * NOTHING`). One statement, committed without waiting for the WAL flush. Rows: `seq` (text), `envelope`, in order;
 * when there were events to claim but other nodes got them all, one row with `seq` null (the race was lost).
 */
export function claimQuery({ log, groups, claims }: Tables): string {
  return `WITH ${NO_FLUSH_WAIT},
    g AS (SELECT cursor FROM ${groups} WHERE name = $1),
    expired AS (
      UPDATE ${claims} c SET node = $3, claimed_until = now() + make_interval(secs => $4 / 1000.0)
      FROM no_flush_wait
      WHERE (c.group_name, c.seq) IN (
        SELECT group_name, seq FROM ${claims}
        WHERE group_name = $1 AND NOT done AND claimed_until < now()
        ORDER BY seq LIMIT $5 FOR UPDATE SKIP LOCKED)
      RETURNING c.seq),
    candidates AS (
      SELECT l.seq FROM ${log} l, g
      WHERE l.type = $2 AND l.seq > GREATEST(g.cursor, $6)
        AND NOT EXISTS (SELECT 1 FROM ${claims} c WHERE c.group_name = $1 AND c.seq = l.seq)
      ORDER BY l.seq LIMIT $5),
    fresh AS (
      INSERT INTO ${claims} (group_name, seq, node, claimed_until)
      SELECT $1, seq, $3, now() + make_interval(secs => $4 / 1000.0) FROM candidates, no_flush_wait
      ON CONFLICT DO NOTHING
      RETURNING seq)
    SELECT l.seq AS n, l.seq::text AS seq, l.envelope FROM ${log} l
    WHERE l.seq IN (SELECT seq FROM expired UNION ALL SELECT seq FROM fresh)
    UNION ALL
    SELECT NULL, NULL, NULL
    WHERE EXISTS (SELECT 1 FROM candidates) AND NOT EXISTS (SELECT 1 FROM fresh)
      AND NOT EXISTS (SELECT 1 FROM expired)
    ORDER BY n`;
}

/**
 * Ordered groups: the `$5` lowest events not done, taken over from whoever claimed them (the caller holds the group's
 * lease). Same parameters and rows as {@link claimQuery}.
 */
export function claimInOrderQuery({ log, groups, claims }: Tables): string {
  return `WITH ${NO_FLUSH_WAIT},
    g AS (SELECT cursor FROM ${groups} WHERE name = $1),
    next AS (
      SELECT l.seq FROM ${log} l, g
      WHERE l.type = $2 AND l.seq > g.cursor
        AND NOT EXISTS (SELECT 1 FROM ${claims} c WHERE c.group_name = $1 AND c.seq = l.seq AND c.done)
      ORDER BY l.seq LIMIT $5),
    claimed AS (
      INSERT INTO ${claims} (group_name, seq, node, claimed_until)
      SELECT $1, seq, $3, now() + make_interval(secs => $4 / 1000.0) FROM next, no_flush_wait
      ON CONFLICT (group_name, seq) DO UPDATE SET node = EXCLUDED.node, claimed_until = EXCLUDED.claimed_until
      WHERE NOT ${claims}.done
      RETURNING seq)
    SELECT l.seq::text AS seq, l.envelope FROM ${log} l WHERE l.seq IN (SELECT seq FROM claimed) ORDER BY l.seq`;
}

/**
 * Moves group `$1`'s cursor over the done prefix — but never past the log's horizon `$2` (see `LogHorizon`), since
 * a sequence value can commit after a higher one — and forgets the claims below it. Skipped when another node is
 * doing it.
 */
export function advanceQuery({ log, groups, claims }: Tables): string {
  return `WITH ${NO_FLUSH_WAIT},
    moved AS (
      UPDATE ${groups} g SET cursor = GREATEST(g.cursor, LEAST(
        COALESCE((SELECT min(l.seq) - 1 FROM ${log} l
                  WHERE l.type = g.type AND l.seq > g.cursor
                    AND NOT EXISTS (SELECT 1 FROM ${claims} c
                                    WHERE c.group_name = g.name AND c.seq = l.seq AND c.done)),
                 9223372036854775806),
        $2::bigint))
      FROM no_flush_wait
      WHERE g.name IN (SELECT name FROM ${groups} WHERE name = $1 FOR UPDATE SKIP LOCKED)
      RETURNING g.cursor)
    DELETE FROM ${claims} WHERE group_name = $1 AND seq <= (SELECT cursor FROM moved)`;
}

/** Gives claims `$2` (seqs) of group `$1` held by node `$3` back at once, e.g. ones claimed but never started. */
export function releaseQuery({ claims }: Tables): string {
  return `WITH ${NO_FLUSH_WAIT}
    UPDATE ${claims} c SET claimed_until = now() - interval '1 second' FROM no_flush_wait
    WHERE c.group_name = $1 AND c.seq = ANY($2::bigint[]) AND c.node = $3 AND NOT c.done`;
}
