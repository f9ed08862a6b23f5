/** The queue was not registered with `JobsModule.registerQueue({ name })`. */
export class UnknownQueueError extends Error {
  constructor(queue: string) {
    super(
      `queue "${queue}" is not registered: add JobsModule.registerQueue({ name: '${queue}' }) to a module`,
    );
    this.name = 'UnknownQueueError';
  }
}
