import { RedisScript } from '@shoal/cluster/internal';

/**
 * KEYS: holder, epoch. ARGV: owner, ttl ms.
 * The token is one above the last one, and at least Redis' clock in ms: tokens keep increasing even after a Redis
 * restart that lost the epoch key.
 */
export const acquireScript = new RedisScript<[number, string?, number?]>(`
local current = redis.call('GET', KEYS[1])
if current then return {0, current, redis.call('PTTL', KEYS[1])} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local token = math.max(tonumber(redis.call('GET', KEYS[2]) or '0') + 1, now)
local encoded = string.format('%.0f', token)
redis.call('SET', KEYS[2], encoded)
redis.call('SET', KEYS[1], encoded .. '|' .. ARGV[1], 'PX', ARGV[2])
return {1, encoded}
`);

/** KEYS: holder. ARGV: "token|owner", ttl ms. */
export const renewScript = new RedisScript<number>(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`);

/** KEYS: holder of each lease. ARGV: ttl ms, then "token|owner" of each lease. One 0/1 per lease. */
export const renewManyScript = new RedisScript<number[]>(`
local renewed = {}
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[i + 1] then
    redis.call('PEXPIRE', KEYS[i], ARGV[1])
    renewed[i] = 1
  else
    renewed[i] = 0
  end
end
return renewed
`);

/** KEYS: holder. ARGV: "token|owner", channel, lease name. */
export const releaseScript = new RedisScript<number>(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
`);

/** KEYS: holder. */
export const holderScript = new RedisScript<[string | null, number]>(`
local current = redis.call('GET', KEYS[1])
if not current then return {false, -2} end
return {current, redis.call('PTTL', KEYS[1])}
`);
