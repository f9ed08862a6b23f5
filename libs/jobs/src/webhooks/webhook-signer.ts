import { randomBytes } from 'node:crypto';

import { Webhook } from 'standardwebhooks';

/** Prefix of Standard Webhooks signing secrets. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
/** Smallest accepted secret, in decoded bytes (the Standard Webhooks spec recommends 24 to 64). */
export const WEBHOOK_SECRET_MIN_BYTES = 24;
/** Largest accepted secret, in decoded bytes. */
export const WEBHOOK_SECRET_MAX_BYTES = 64;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The three Standard Webhooks headers. */
export type StandardWebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/** Input of {@link signWebhook}. */
export interface SignWebhookInput {
  /** Unique message id, the same for every retry of one message (receivers use it for idempotency). */
  id: string;
  /** Send time: a Date or unix seconds. Signed with one-second precision. */
  timestamp: Date | number;
  /** The exact body bytes that will be sent (as a string). */
  body: string;
  /** One or more `whsec_` secrets; several during a secret rotation (one signature each). */
  secrets: readonly string[];
}

/** Thrown for a secret that is not `whsec_` + base64 of 24 to 64 bytes. */
export class InvalidWebhookSecretError extends Error {
  constructor(reason: string) {
    super(`Invalid webhook secret: ${reason} (expected "${WEBHOOK_SECRET_PREFIX}" followed by base64)`);
    this.name = 'InvalidWebhookSecretError';
  }
}

/** A new random signing secret: `whsec_` + base64 of 24 random bytes. */
export function generateWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(24).toString('base64');
}

/**
 * Checks a secret's format without revealing it in the error.
 * @throws InvalidWebhookSecretError
 */
export function assertValidWebhookSecret(secret: string): void {
  if (typeof secret !== 'string' || !secret.startsWith(WEBHOOK_SECRET_PREFIX)) {
    throw new InvalidWebhookSecretError(`missing "${WEBHOOK_SECRET_PREFIX}" prefix`);
  }
  const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  if (encoded === '' || !BASE64.test(encoded)) {
    throw new InvalidWebhookSecretError('not valid base64');
  }
  const bytes = Buffer.from(encoded, 'base64').length;
  if (bytes < WEBHOOK_SECRET_MIN_BYTES || bytes > WEBHOOK_SECRET_MAX_BYTES) {
    throw new InvalidWebhookSecretError(
      `${bytes} bytes, must be ${WEBHOOK_SECRET_MIN_BYTES} to ${WEBHOOK_SECRET_MAX_BYTES}`,
    );
  }
}

function toUnixSeconds(timestamp: Date | number): number {
  const seconds = timestamp instanceof Date ? Math.floor(timestamp.getTime() / 1000) : timestamp;
  if (!Number.isSafeInteger(seconds) || seconds < 0) {
    throw new RangeError(`Invalid webhook timestamp: ${String(timestamp)} (expected a Date or unix seconds)`);
  }
  return seconds;
}

/**
 * Signs a webhook per the Standard Webhooks spec: `webhook-signature` holds one space-separated
 * `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per secret, so receivers holding either the old or the
 * new secret verify during a rotation.
 *
 * The HMAC is computed by the `standardwebhooks` package rather than by hand: it is the spec's reference
 * implementation, the same code receivers use to verify, so the signed-content layout, timestamp rounding
 * and base64 flavour cannot drift from what verifiers expect.
 *
 * @throws InvalidWebhookSecretError for a malformed secret; RangeError for a bad id or timestamp.
 */
export function signWebhook(input: SignWebhookInput): StandardWebhookHeaders {
  const { id, body, secrets } = input;
  if (id === '' || /\s/.test(id)) {
    throw new RangeError('Invalid webhook id: must be non-empty without whitespace');
  }
  if (secrets.length === 0) {
    throw new InvalidWebhookSecretError('no secret given');
  }
  const seconds = toUnixSeconds(input.timestamp);
  const signedAt = new Date(seconds * 1000);
  const signatures = secrets.map((secret) => {
    assertValidWebhookSecret(secret);
    return new Webhook(secret).sign(id, signedAt, body);
  });
  return {
    'webhook-id': id,
    'webhook-timestamp': String(seconds),
    'webhook-signature': signatures.join(' '),
  };
}
