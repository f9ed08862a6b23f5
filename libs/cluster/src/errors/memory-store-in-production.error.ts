/**
 * Thrown when an in-memory store would start with `NODE_ENV=production`: memory stores only see one process,
 * so a production cluster using one would silently split into one-node clusters.
 */
export class MemoryStoreInProductionError extends Error {
  /**
   * @param what the store (`membership`, `lease`, `event transport`…).
   * @param option the option that chose it (`store`, `transport`…).
   */
  constructor(what: string, option = 'store') {
    super(
      `The in-memory ${what} store only sees this process and refuses to start with NODE_ENV=production. ` +
        `Set ${option}: 'redis' or 'postgres', or allowMemoryStoreInProduction: true if one process is really all you run.`,
    );
    this.name = 'MemoryStoreInProductionError';
  }
}

/**
 * The one guard every Shoal memory store passes through.
 * @throws MemoryStoreInProductionError with `NODE_ENV=production`, unless `allowed`.
 */
export function assertMemoryStoreAllowed(what: string, allowed: boolean, option = 'store'): void {
  if (process.env.NODE_ENV === 'production' && !allowed) throw new MemoryStoreInProductionError(what, option);
}
