import { RedisScript } from '@shoal/cluster/internal';

/**
 * Presence keys (all under one `{presence}` hash tag, so the scripts work on Redis Cluster):
 * - `nodes`: hash node → registration time (Redis `TIME`, ms);
 * - `node:<id>`: hash user → sockets of that user on the node;
 * - `user:<id>`: hash node → sockets of that user on the node;
 * - `totals`: hash `users` (distinct online users), `sockets`.
 * KEYS of every script: nodes, totals, node:<id>. ARGV[1] = node id, ARGV[2] = the `user:` key prefix.
 */

/** Removes a node's entries from the user hashes and the totals. */
const dropNode = `
local entries = redis.call('HGETALL', KEYS[3])
for i = 1, #entries, 2 do
  local userKey = ARGV[2] .. entries[i]
  redis.call('HDEL', userKey, ARGV[1])
  if redis.call('HLEN', userKey) == 0 then redis.call('HINCRBY', KEYS[2], 'users', -1) end
  redis.call('HINCRBY', KEYS[2], 'sockets', -tonumber(entries[i + 1]))
end
redis.call('DEL', KEYS[3])
`;

/** ARGV[3..]: user, count pairs. Replaces the node's entries and registers it. */
export const registerScript = new RedisScript<number>(`${dropNode}
for i = 3, #ARGV, 2 do
  local user, n = ARGV[i], tonumber(ARGV[i + 1])
  local userKey = ARGV[2] .. user
  if redis.call('HLEN', userKey) == 0 then redis.call('HINCRBY', KEYS[2], 'users', 1) end
  redis.call('HSET', userKey, ARGV[1], n)
  redis.call('HSET', KEYS[3], user, n)
  redis.call('HINCRBY', KEYS[2], 'sockets', n)
end
local t = redis.call('TIME')
redis.call('HSET', KEYS[1], ARGV[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
return 1
`);

/** ARGV[3] = user. Adds one socket; 0 when the node is not registered. */
export const connectScript = new RedisScript<number>(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
local userKey = ARGV[2] .. ARGV[3]
if redis.call('HLEN', userKey) == 0 then redis.call('HINCRBY', KEYS[2], 'users', 1) end
redis.call('HINCRBY', userKey, ARGV[1], 1)
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
redis.call('HINCRBY', KEYS[2], 'sockets', 1)
return 1
`);

/** ARGV[3] = user. Removes one socket; 0 when the node is not registered. */
export const disconnectScript = new RedisScript<number>(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
local n = tonumber(redis.call('HGET', KEYS[3], ARGV[3]) or '0')
if n <= 0 then return 1 end
local userKey = ARGV[2] .. ARGV[3]
if n == 1 then
  redis.call('HDEL', KEYS[3], ARGV[3])
  redis.call('HDEL', userKey, ARGV[1])
  if redis.call('HLEN', userKey) == 0 then redis.call('HINCRBY', KEYS[2], 'users', -1) end
else
  redis.call('HINCRBY', KEYS[3], ARGV[3], -1)
  redis.call('HINCRBY', userKey, ARGV[1], -1)
end
redis.call('HINCRBY', KEYS[2], 'sockets', -1)
return 1
`);

/** Drops a node's entries and its registration. */
export const removeScript = new RedisScript<number>(`${dropNode}
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
`);

/** KEYS[1] = nodes. Returns [now, node, registeredAt, ...]. */
export const nodesScript = new RedisScript<[number, string[]]>(`
local t = redis.call('TIME')
return { tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), redis.call('HGETALL', KEYS[1]) }
`);
