/** `publish(event, { manager })` was called with an EntityManager outside a transaction. */
export class OutboxRequiresTransactionError extends Error {
  constructor() {
    super(
      'publish(..., { manager }) writes to the outbox and needs a manager inside a transaction ' +
        '(dataSource.transaction(async (manager) => ...)); without a transaction, omit `manager` to publish directly',
    );
    this.name = 'OutboxRequiresTransactionError';
  }
}
