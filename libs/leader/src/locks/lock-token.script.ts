import { RedisScript } from '@shoal/cluster/internal';

/**
 * KEYS: lock resource, token counter. ARGV: lock value, ttl ms.
 * Takes the lock exactly as redlock does (`SET resource value NX PX ttl`, so redlock can extend and release it) and,
 * in the same atomic step, draws the fencing token: one above the last, and at least Redis' clock in ms, so tokens
 * keep increasing even if Redis lost the counter. Returns the token, or nil when the lock is held.
 */
export const acquireLockScript = new RedisScript<string | null>(`
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return nil end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local token = string.format('%.0f', math.max(tonumber(redis.call('GET', KEYS[2]) or '0') + 1, now))
redis.call('SET', KEYS[2], token)
return token
`);

/**
 * KEYS: lock resource. ARGV: lock value. Releases the lock if it still holds this acquisition's value (the
 * compare-and-delete redlock runs too), in one round trip without redlock's per-release bookkeeping. Returns 1 when
 * it deleted the lock, 0 when the lock had expired or passed to someone else.
 */
export const releaseLockScript = new RedisScript<number>(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);
