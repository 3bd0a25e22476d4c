-- Reserve one request against a gateway key's limits (SPEC §7.1), atomically: Redis runs a script
-- alone, so concurrent instances cannot interleave a read and a write (no read-modify-write race).
-- Same arithmetic as TokenBucket.java: capacity = the per-minute limit, continuous refill.
-- KEYS: 1 rpm bucket (hash l,t), 2 tpm bucket, 3 in-flight set (zset member -> lease end),
--       4 spend of the UTC day (integer nano-USD), 5 spend of the UTC month
-- ARGV: 1 rpm | -1, 2 tpm | -1, 3 tokens to reserve, 4 max-concurrent | -1,
--       5 day budget nano-USD | -1, 6 month budget | -1, 7 request id, 8 lease ms
-- Returns {outcome, retry-after ms, rpm level (string), tpm level (string), day spend, month spend, in flight}
-- outcome: 0 admitted, 1 rate limited, 2 concurrency limited, 3 day budget spent, 4 month budget spent
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rpm, tpm = tonumber(ARGV[1]), tonumber(ARGV[2])
local tokens, maxc = tonumber(ARGV[3]), tonumber(ARGV[4])
local function level(key, cap)
  local v = redis.call('HMGET', key, 'l', 't')
  local l, at = tonumber(v[1]), tonumber(v[2])
  if l == nil then return cap end
  if now > at then l = l + (now - at) * cap / 60000 end
  return math.min(cap, l)
end
local function wait(l, need, cap)
  if l >= need then return 0 end
  return math.ceil((need - l) * 60000 / cap)
end
local day = tonumber(redis.call('GET', KEYS[4]) or '0')
local month = tonumber(redis.call('GET', KEYS[5]) or '0')
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local inflight = redis.call('ZCARD', KEYS[3])
local rl, tl = 0, 0
if rpm >= 0 then rl = level(KEYS[1], rpm) end
if tpm >= 0 then tl = level(KEYS[2], tpm) end
local function answer(outcome, after)
  return {outcome, after, tostring(rl), tostring(tl), day, month, inflight}
end
if tonumber(ARGV[5]) >= 0 and day >= tonumber(ARGV[5]) then return answer(3, 0) end
if tonumber(ARGV[6]) >= 0 and month >= tonumber(ARGV[6]) then return answer(4, 0) end
if maxc >= 0 and inflight >= maxc then return answer(2, 1000) end
local w = 0
if rpm >= 0 then w = wait(rl, 1, rpm) end
if tpm >= 0 then w = math.max(w, wait(tl, math.min(tokens, tpm), tpm)) end
if w > 0 then return answer(1, w) end
if rpm >= 0 then
  rl = rl - 1
  redis.call('HSET', KEYS[1], 'l', tostring(rl), 't', now)
  redis.call('PEXPIRE', KEYS[1], 120000)
end
if tpm >= 0 then
  tl = tl - tokens
  redis.call('HSET', KEYS[2], 'l', tostring(tl), 't', now)
  redis.call('PEXPIRE', KEYS[2], 120000)
end
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[8]), ARGV[7])
redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[8]))
inflight = inflight + 1
return answer(0, 0)
