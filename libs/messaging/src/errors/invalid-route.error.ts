/** A `ShoalRecordBuilder` route that cannot be used: an empty key or node id, a non-positive timeout. */
export class InvalidRouteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRouteError';
  }
}
