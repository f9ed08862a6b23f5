import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 100;

/**
 * Polls `check` every 100 ms until it resolves true; rejects after `timeoutMs` with `what` and the last thing
 * `check` reported: the message of an error it threw, or a string it resolved to say what it still waits for
 * (a string, like false, means "not yet"). Internal helper of the server harnesses.
 */
export async function pollUntil(
  what: string,
  check: () => Promise<boolean | string>,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = '';
  while (performance.now() < deadline) {
    try {
      const outcome = await check();
      if (outcome === true) return;
      if (typeof outcome === 'string') last = outcome;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(POLL_MS);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ''}`);
}
