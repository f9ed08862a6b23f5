/** Options of `WebhooksModule.forRoot()`. Every duration is in milliseconds. */
export interface WebhooksModuleOptions {
  /**
   * Let endpoints created on this node target private, loopback and link-local-free private ranges (development and
   * tests only). Stored with each endpoint when it is created, so its deliveries run under the same policy on every
   * replica. Default false.
   */
  allowPrivateNetworks?: boolean;
  /** Host names or CIDRs always allowed, e.g. `['127.0.0.1/32']`; stored with each endpoint like `allowPrivateNetworks`. */
  allowList?: string[];
  /** Concurrent deliveries per node. Default 200. */
  concurrency?: number;
  /** Connect / total timeout of one attempt. Default 5000 / 15000. */
  connectTimeout?: number;
  timeout?: number;
  /** Delays before attempts 1..n (ms). Default: 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
  schedule?: number[];
  /** Consecutive failures that open an endpoint's circuit, and how long it stays open. Default 5 / 30000. */
  circuitBreaker?: { failureThreshold?: number; cooldown?: number };
}

/** Defaults of `WebhooksModule` options. */
export const WEBHOOKS_DEFAULTS = {
  concurrency: 200,
  connectTimeout: 5_000,
  timeout: 15_000,
  schedule: [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
  circuitBreaker: { failureThreshold: 5, cooldown: 30_000 },
} as const;
