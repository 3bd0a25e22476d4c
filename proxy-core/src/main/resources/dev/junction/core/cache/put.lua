-- Stores one cache entry and keeps the alias within its bounds (docs/cache.md), atomically.
-- KEYS[1] the entry, KEYS[2] the alias's index (sorted set: entry key -> write time in ms),
--   KEYS[3] the alias's sizes (hash: entry key -> bytes), KEYS[4] the alias's byte total.
-- ARGV[1] the entry's bytes, ARGV[2] ttl in ms, ARGV[3] max entries, ARGV[4] max bytes.
-- Returns {entries, bytes} of the alias after the put.
local entry, index, sizes, total = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local ttl = tonumber(ARGV[2])
local maxEntries = tonumber(ARGV[3])
local maxBytes = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local function forget(k)
  local size = redis.call('HGET', sizes, k)
  if size then
    redis.call('DECRBY', total, size)
    redis.call('HDEL', sizes, k)
  end
  redis.call('ZREM', index, k)
end

-- Entries whose ttl passed are gone from Redis already; forget their sizes.
for _, k in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', now - ttl)) do
  forget(k)
end
forget(entry)
local size = string.len(ARGV[1])
redis.call('SET', entry, ARGV[1], 'PX', ttl)
redis.call('ZADD', index, now, entry)
redis.call('HSET', sizes, entry, size)
redis.call('INCRBY', total, size)
-- The oldest entries make room.
while redis.call('ZCARD', index) > maxEntries or tonumber(redis.call('GET', total) or '0') > maxBytes do
  local oldest = redis.call('ZRANGE', index, 0, 0)[1]
  if not oldest then
    break
  end
  forget(oldest)
  redis.call('DEL', oldest)
end
-- The bookkeeping of an alias nobody writes to any more goes away with its last entry.
redis.call('PEXPIRE', index, ttl)
redis.call('PEXPIRE', sizes, ttl)
redis.call('PEXPIRE', total, ttl)
return {redis.call('ZCARD', index), tonumber(redis.call('GET', total) or '0')}
