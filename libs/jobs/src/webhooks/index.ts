export * from './circuit-breaker.js';
export * from './guarded-dispatcher.js';
export * from './retry-policy.js';
export * from './ssrf-guard.js';
export * from './unsafe-webhook-target.error.js';
export * from './webhook-http-client.js';
export * from './webhook-signer.js';
