/**
 * Back-pressure: the target refused the message instead of queueing it without bound — its node runs `maxInFlight`
 * messages already, the shard's stream holds `maxShardBacklog` unprocessed messages, or this client has
 * `maxPending` requests waiting. Nothing was delivered; retry later or shed load.
 */
export class TargetBusyError extends Error {
  constructor(
    readonly pattern: string,
    readonly target: string,
    readonly limit: string,
  ) {
    super(`"${pattern}" refused by ${target}: ${limit}`);
    this.name = 'TargetBusyError';
  }
}
