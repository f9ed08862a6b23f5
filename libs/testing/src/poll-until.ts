import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 100;

/**
 * Polls `check` every 100 ms until it resolves true; rejects after `timeoutMs` with `what` and the last error
 * `check` threw. Internal helper of the server harnesses.
 */
export async function pollUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let lastError = '';
  while (performance.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await sleep(POLL_MS);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError}` : ''}`);
}
