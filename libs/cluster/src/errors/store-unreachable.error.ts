/** Thrown at start-up when Redis or PostgreSQL did not answer within the start-up timeout. */
export class StoreUnreachableError extends Error {
  constructor(
    store: 'Redis' | 'PostgreSQL',
    where: string,
    timeoutMs: number,
    lastError: string,
    option: string,
  ) {
    super(
      `${store} at ${where} did not answer within ${timeoutMs} ms at start-up (last error: ${lastError}). ` +
        `Check ${option} and that ${store} is running, or raise ClusterModule's startupTimeout.`,
    );
    this.name = 'StoreUnreachableError';
  }
}
