/**
 * Thrown when an in-memory store would start with `NODE_ENV=production`: memory stores only see one process,
 * so a production cluster using one would silently split into one-node clusters.
 */
export class MemoryStoreInProductionError extends Error {
  constructor(what: string) {
    super(
      `The in-memory ${what} store only sees this process and refuses to start with NODE_ENV=production. ` +
        `Use store: 'redis' or 'postgres', or set allowMemoryStoreInProduction: true if one process is really all you run.`,
    );
    this.name = 'MemoryStoreInProductionError';
  }
}
