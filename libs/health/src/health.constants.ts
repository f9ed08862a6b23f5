/** Injection token of the validated `HealthConfig`. */
export const HEALTH_CONFIG = Symbol('SHOAL_HEALTH_CONFIG');

/** Injection token of the prom-client `Registry` that `GET /metrics` serves. */
export const METRICS_REGISTRY = Symbol('SHOAL_METRICS_REGISTRY');
