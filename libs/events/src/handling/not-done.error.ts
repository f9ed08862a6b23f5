/** Internal: the delivery must stay unacknowledged (shutdown mid-retry, or a duplicate still running elsewhere). */
export class DeliveryNotDoneError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'DeliveryNotDoneError';
  }
}
