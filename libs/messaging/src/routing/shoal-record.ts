import type { ShoalRoute } from './shoal-route.js';

/** Per-message options of the Shoal transport. */
export interface ShoalRecordOptions {
  readonly route: ShoalRoute;
  /** Request timeout in ms; default the module's `timeout`. */
  readonly timeout?: number;
  /** Free-form headers the handler reads with `ShoalContext.getMetadata()`. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** A payload with its routing, what `client.send(pattern, record)` takes (as Nest's `RmqRecord`, `NatsRecord`). */
export class ShoalRecord<TData = unknown> {
  constructor(
    readonly data: TData,
    readonly options: ShoalRecordOptions,
  ) {}
}
