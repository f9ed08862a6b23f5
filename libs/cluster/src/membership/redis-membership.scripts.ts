import { RedisScript } from '../redis/redis-script.js';

/** Puts `t` (Redis `TIME`) and `now` (store clock, ms) in scope. */
const clock = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * The membership version, KEYS[4]: `bump()` on a join, leave, removal or info change, never on a heartbeat. A
 * missing counter (first use, or Redis lost its data) starts from the store clock in microseconds, so a recreated
 * counter never repeats a value a member may still hold as its known version. Needs `t` in scope.
 */
const versionCounter = `
local function bump()
  if redis.call('EXISTS', KEYS[4]) == 0 then
    redis.call('SET', KEYS[4], t[1] .. string.sub('000000' .. t[2], -6))
  end
  return redis.call('INCR', KEYS[4])
end
`;

/**
 * The change part of a notice (`,"from":"…","to":"…"`) after `bump()`, given the counter as read before it; empty
 * when the counter was missing (the notice then asks for a read). Needs KEYS[4].
 */
const changeOf = `
local function changeOf(from)
  if not from then return '' end
  return ',"from":"' .. from .. '","to":"' .. redis.call('GET', KEYS[4]) .. '"'
end
`;

/**
 * Store-outage grace. KEYS[3] (a hash) records when any node last beat. When the store heard no beat for over half
 * the failure timeout, nobody could reach it (a failover, a restart, a partition): members live when it went quiet
 * are then neither swept nor hidden for one more failure timeout, which lets every live node beat again first.
 * Needs `failure` (the failure timeout) in scope; lowers `cutoff` while the grace lasts.
 */
const outageGrace = (record: boolean) => `
local grace = redis.call('HMGET', KEYS[3], 'last', 'until', 'cutoff')
local last = tonumber(grace[1])
local graceUntil = tonumber(grace[2]) or 0
local graceCutoff = tonumber(grace[3]) or 0
${
  record
    ? `if last and now - last > failure / 2 then
  graceUntil = now + failure
  graceCutoff = last - failure
  redis.call('HSET', KEYS[3], 'until', graceUntil, 'cutoff', graceCutoff)
end
redis.call('HSET', KEYS[3], 'last', now)`
    : ''
}
if now < graceUntil and graceCutoff < cutoff then cutoff = graceCutoff end
`;

/** Reads live members (score >= cutoff) with their info: one HMGET, not one HGET per member. */
const readLive = `
local live = redis.call('ZRANGEBYSCORE', KEYS[1], cutoff, '+inf', 'WITHSCORES')
local ids = {}
for i = 1, #live, 2 do ids[#ids + 1] = live[i] end
local infos = {}
if #ids > 0 then
  local found = redis.call('HMGET', KEYS[2], unpack(ids))
  for i = 1, #ids do infos[i] = found[i] or '' end
end
`;

/**
 * Raw reply of the beat script: created flag, removed ids, version, then — unless the version is the caller's known
 * one — [id, score, ...] and infos.
 */
export type BeatReply = [number, string[], number, string[]?, string[]?];
/** Raw reply of the list script: version (0 before the first registration), [id, score, ...], infos. */
export type ListReply = [number, string[], string[]];

/**
 * KEYS: members zset, nodes hash, grace hash, version counter. ARGV: id, info JSON, failure timeout ms, channel,
 * the caller's known version ('' for none).
 */
export const beatScript = new RedisScript<BeatReply>(`${clock}${versionCounter}${changeOf}
local id = ARGV[1]
local failure = tonumber(ARGV[3])
local cutoff = now - failure
${outageGrace(true)}local previous = redis.call('HGET', KEYS[2], id)
-- Back from a silence longer than the failure timeout (not swept yet, but hidden from reads meanwhile): a change.
local lastBeat = tonumber(redis.call('ZSCORE', KEYS[1], id))
local back = lastBeat ~= nil and lastBeat < now - failure
redis.call('ZADD', KEYS[1], now, id)
local created = 0
if previous ~= ARGV[2] then
  redis.call('HSET', KEYS[2], id, ARGV[2])
  created = 1
end
local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. cutoff)
for _, gone in ipairs(stale) do
  redis.call('ZREM', KEYS[1], gone)
  redis.call('HDEL', KEYS[2], gone)
end
-- A counter missing while members exist (data loss of that key alone, or members written before versions
-- existed) is recreated too, so no caller keeps a stale list against an unchanged-looking version.
local before = redis.call('GET', KEYS[4])
local changed = created == 1 or back or #stale > 0
local version
if changed or not before then
  version = bump()
else
  version = tonumber(before)
end
if changed then
  local change = changeOf(before)
  for _, gone in ipairs(stale) do
    redis.call('PUBLISH', ARGV[4], '{"type":"left","id":' .. cjson.encode(gone) .. change .. '}')
  end
  if created == 1 or back then
    redis.call('PUBLISH', ARGV[4], '{"type":"joined","id":' .. cjson.encode(id) .. change .. ',"member":' ..
      ARGV[2] .. ',"lastSeen":' .. string.format('%d', now) .. '}')
  end
end
if version == tonumber(ARGV[5]) then return {created, stale, version} end
${readLive}
return {created, stale, version, live, infos}
`);

/** KEYS: members zset, nodes hash, grace hash, version counter. ARGV: failure timeout ms. */
export const listScript = new RedisScript<ListReply>(`${clock}
local failure = tonumber(ARGV[1])
local cutoff = now - failure
${outageGrace(false)}${readLive}
return {tonumber(redis.call('GET', KEYS[4]) or '0'), live, infos}
`);

/** KEYS: as the beat script. ARGV: id, info JSON (the incarnation that leaves), channel. */
export const leaveScript = new RedisScript<number>(`${clock}${versionCounter}${changeOf}
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
local before = redis.call('GET', KEYS[4])
bump()
redis.call('PUBLISH', ARGV[3], '{"type":"left","id":' .. cjson.encode(ARGV[1]) .. changeOf(before) .. '}')
return 1
`);
