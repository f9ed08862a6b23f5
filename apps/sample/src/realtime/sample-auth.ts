import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RealtimeUser } from '@shoal/realtime';

/** The development secret, used when `SAMPLE_AUTH_SECRET` is not set. */
export const DEVELOPMENT_AUTH_SECRET = 'shoal-sample-development-secret';

function sign(userId: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(userId).digest();
}

/** A token for `userId`: `base64url(userId).base64url(HMAC-SHA256(secret, userId))`. */
export function issueToken(userId: string, secret: string): string {
  return `${Buffer.from(userId).toString('base64url')}.${sign(userId, secret).toString('base64url')}`;
}

/** The user a token was issued for, or null when it is missing, malformed or not signed with `secret`. */
export function verifyToken(token: unknown, secret: string): RealtimeUser | null {
  if (typeof token !== 'string') return null;
  const [encodedUser, encodedSignature, extra] = token.split('.');
  if (!encodedUser || !encodedSignature || extra !== undefined) return null;
  const userId = Buffer.from(encodedUser, 'base64url').toString();
  const given = Buffer.from(encodedSignature, 'base64url');
  const expected = sign(userId, secret);
  if (userId.length === 0 || given.length !== expected.length || !timingSafeEqual(given, expected))
    return null;
  return { id: userId };
}
