-- Add spend that an instance counted by itself while Redis was unreachable (on-store-failure = open)
-- to the key's shared spend of the UTC day and month it was charged in. Atomic.
-- KEYS: 1 spend of the day, 2 spend of the month
-- ARGV: 1 cost nano-USD, 2 day key ttl s, 3 month key ttl s
-- Returns {day spend, month spend}
local cost = tonumber(ARGV[1])
local day = redis.call('INCRBY', KEYS[1], cost)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
local month = redis.call('INCRBY', KEYS[2], cost)
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
return {day, month}
