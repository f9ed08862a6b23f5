/** `delete` / `deleteByTag` with `{ manager }` needs the transactional outbox of `EventBusModule`. */
export class OutboxUnavailableError extends Error {
  constructor() {
    super(
      'invalidating with { manager } goes through the outbox: import EventBusModule (and give ClusterModule a ' +
        'postgres connection), or invalidate after your transaction commits',
    );
    this.name = 'OutboxUnavailableError';
  }
}
