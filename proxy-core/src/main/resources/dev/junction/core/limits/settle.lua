-- Settle one request (SPEC §7.1): give back its in-flight slot, correct its tpm reservation to the
-- reported usage, and charge its cost to the key's spend of the UTC day and month. Atomic.
-- KEYS: 1 tpm bucket, 2 in-flight set, 3 spend of the day, 4 spend of the month
-- ARGV: 1 tpm | -1, 2 tokens to give back (reserved - used; negative takes more), 3 request id,
--       4 cost nano-USD, 5 day key ttl s, 6 month key ttl s
-- Returns {day spend, month spend}
local tpm, delta = tonumber(ARGV[1]), tonumber(ARGV[2])
if tpm >= 0 and delta ~= 0 then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local v = redis.call('HMGET', KEYS[1], 'l', 't')
  local l, at = tonumber(v[1]), tonumber(v[2])
  if l ~= nil then
    if now > at then l = l + (now - at) * tpm / 60000 end
    l = math.min(tpm, l + delta)
    redis.call('HSET', KEYS[1], 'l', tostring(l), 't', now)
    redis.call('PEXPIRE', KEYS[1], 120000)
  end
end
redis.call('ZREM', KEYS[2], ARGV[3])
local cost = tonumber(ARGV[4])
if cost > 0 then
  local day = redis.call('INCRBY', KEYS[3], cost)
  redis.call('EXPIRE', KEYS[3], tonumber(ARGV[5]))
  local month = redis.call('INCRBY', KEYS[4], cost)
  redis.call('EXPIRE', KEYS[4], tonumber(ARGV[6]))
  return {day, month}
end
return {tonumber(redis.call('GET', KEYS[3]) or '0'), tonumber(redis.call('GET', KEYS[4]) or '0')}
