/** Thrown when something that needs this replica to serve sockets is used on a `sockets: false` replica. */
export class EmitOnlyReplicaError extends Error {
  constructor(what: string) {
    super(
      `${what} needs a replica that serves sockets; this one runs RealtimeModule with sockets: false ` +
        '(it can emit, and read presence, but holds no sockets or subscriptions).',
    );
    this.name = 'EmitOnlyReplicaError';
  }
}
