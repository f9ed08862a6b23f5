import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

import {
  assertValidWebhookSecret,
  generateWebhookSecret,
  InvalidWebhookSecretError,
  signWebhook,
} from './webhook-signer.js';

// The Standard Webhooks spec's test vector.
const SPEC_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SPEC_ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const SPEC_TIMESTAMP = 1614265330;
const SPEC_PAYLOAD = '{"test": 2432232314}';
const SPEC_SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

describe('webhook signer', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('reproduces the Standard Webhooks spec test vector', () => {
    expect(
      signWebhook({ id: SPEC_ID, timestamp: SPEC_TIMESTAMP, body: SPEC_PAYLOAD, secrets: [SPEC_SECRET] }),
    ).toEqual({
      'webhook-id': SPEC_ID,
      'webhook-timestamp': '1614265330',
      'webhook-signature': SPEC_SIGNATURE,
    });
  });

  it('signs the same with a Date (whole seconds are signed, milliseconds dropped)', () => {
    const headers = signWebhook({
      id: SPEC_ID,
      timestamp: new Date(SPEC_TIMESTAMP * 1000 + 999),
      body: SPEC_PAYLOAD,
      secrets: [SPEC_SECRET],
    });
    expect(headers['webhook-timestamp']).toBe('1614265330');
    expect(headers['webhook-signature']).toBe(SPEC_SIGNATURE);
  });

  it('passes the official verifier for the test vector at its own time', () => {
    jest.useFakeTimers({ now: SPEC_TIMESTAMP * 1000 });
    const headers = signWebhook({
      id: SPEC_ID,
      timestamp: SPEC_TIMESTAMP,
      body: SPEC_PAYLOAD,
      secrets: [SPEC_SECRET],
    });
    expect(new Webhook(SPEC_SECRET).verify(SPEC_PAYLOAD, headers)).toEqual({ test: 2432232314 });
  });

  it('produces signatures the official verifier accepts, and rejects once the body changes', () => {
    const secret = generateWebhookSecret();
    const body = JSON.stringify({ type: 'order.created', data: { id: 42, note: 'ünïcødé ✓' } });
    const headers = signWebhook({ id: 'msg_1', timestamp: new Date(), body, secrets: [secret] });
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace('42', '43'), headers)).toThrow(
      WebhookVerificationError,
    );
  });

  it('signs once per secret during a rotation; each secret verifies, an unrelated one does not', () => {
    const [oldSecret, newSecret, otherSecret] = [
      generateWebhookSecret(),
      generateWebhookSecret(),
      generateWebhookSecret(),
    ];
    const body = '{"hello":"world"}';
    const headers = signWebhook({
      id: 'msg_2',
      timestamp: nowSeconds(),
      body,
      secrets: [oldSecret, newSecret],
    });
    const signatures = headers['webhook-signature'].split(' ');
    expect(signatures).toHaveLength(2);
    for (const signature of signatures) expect(signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(oldSecret).verify(body, headers)).toEqual({ hello: 'world' });
    expect(new Webhook(newSecret).verify(body, headers)).toEqual({ hello: 'world' });
    expect(() => new Webhook(otherSecret).verify(body, headers)).toThrow(WebhookVerificationError);
  });

  it('generates distinct whsec_ secrets of 24 random bytes', () => {
    const secrets = new Set(Array.from({ length: 50 }, () => generateWebhookSecret()));
    expect(secrets.size).toBe(50);
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
      expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(24);
      expect(() => assertValidWebhookSecret(secret)).not.toThrow();
    }
  });

  it.each([
    ['no prefix', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    ['wrong prefix', 'whsk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    ['empty after prefix', 'whsec_'],
    ['not base64', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La!aSw'],
    ['bad padding', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS'],
    ['url-safe alphabet', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa-_'],
    ['too short (8 bytes)', `whsec_${Buffer.alloc(8, 1).toString('base64')}`],
    ['too long (65 bytes)', `whsec_${Buffer.alloc(65, 1).toString('base64')}`],
  ])('rejects a malformed secret: %s', (_label, secret) => {
    expect(() => assertValidWebhookSecret(secret)).toThrow(InvalidWebhookSecretError);
    expect(() =>
      signWebhook({ id: 'msg_3', timestamp: 1, body: '{}', secrets: [SPEC_SECRET, secret] }),
    ).toThrow(InvalidWebhookSecretError);
  });

  it('does not put the secret in the error message', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La!aSw';
    let thrown: unknown;
    try {
      assertValidWebhookSecret(secret);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidWebhookSecretError);
    expect(String(thrown)).toContain('not valid base64');
    expect(String(thrown)).not.toContain('MfKQ9r8G');
  });

  it('rejects an empty secret list, an empty id and invalid timestamps', () => {
    const base = { id: 'msg_4', timestamp: 1614265330, body: '{}', secrets: [SPEC_SECRET] };
    expect(() => signWebhook({ ...base, secrets: [] })).toThrow(InvalidWebhookSecretError);
    expect(() => signWebhook({ ...base, id: '' })).toThrow(RangeError);
    expect(() => signWebhook({ ...base, id: 'msg 5' })).toThrow(RangeError);
    expect(() => signWebhook({ ...base, timestamp: 1.5 })).toThrow(RangeError);
    expect(() => signWebhook({ ...base, timestamp: -1 })).toThrow(RangeError);
    expect(() => signWebhook({ ...base, timestamp: new Date(Number.NaN) })).toThrow(RangeError);
  });
});
