import { RedisScript } from '@shoal/cluster';

/**
 * KEYS: token counter. Next fencing token: one above the last, and at least Redis' clock in ms, so tokens keep
 * increasing even if Redis lost the counter.
 */
export const nextLockTokenScript = new RedisScript<string>(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local token = string.format('%.0f', math.max(tonumber(redis.call('GET', KEYS[1]) or '0') + 1, now))
redis.call('SET', KEYS[1], token)
return token
`);
