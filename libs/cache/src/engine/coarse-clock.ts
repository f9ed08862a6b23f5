/** Reads of the cached time before the clock is read again, however little time passed. */
const READS_PER_CLOCK_READ = 64;

let cached = 0;
let reads = 0;
let forgetting = false;

function forget(): void {
  cached = 0;
  forgetting = false;
}

/**
 * `Date.now()` for the L1 fast path's freshness checks, read from the system clock at most once per 64 calls
 * within one millisecond timer tick (a clock read costs about as much as the rest of an L1 hit). As with
 * lru-cache's own TTLs, the time is cached until a 1 ms timer fires, so an entry may be served for the rest of
 * the event-loop turn in which it expired (and at most 64 reads of that turn). No timer runs while nothing reads.
 */
export function coarseNow(): number {
  if (cached !== 0 && ++reads < READS_PER_CLOCK_READ) return cached;
  reads = 0;
  cached = Date.now();
  if (!forgetting) {
    forgetting = true;
    setTimeout(forget, 1).unref();
  }
  return cached;
}
