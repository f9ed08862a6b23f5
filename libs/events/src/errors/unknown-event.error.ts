/** A class without `@IntegrationEvent`, or an envelope of a type/version this app does not know. */
export class UnknownEventError extends Error {
  constructor(what: string) {
    super(what);
    this.name = 'UnknownEventError';
  }
}
