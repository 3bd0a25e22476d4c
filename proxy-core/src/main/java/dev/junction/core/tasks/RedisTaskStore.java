package dev.junction.core.tasks;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The shared task store ({@code junction.tasks.store = redis}): several instances read, cancel and
 * work the same tasks. Built on Lettuce; every multi-key change is one Lua script, so it is atomic
 * on the server.
 *
 * <p><b>Takeover by leases renewed by the worker</b> (rather than Redis Streams consumer groups
 * with {@code XAUTOCLAIM}): a task is not a message consumed once — it comes back many times
 * (every vendor poll, every retry after backoff, every webhook attempt), each time at a time of its
 * own. One sorted set {@code due} scored by when a task next needs a worker does that, and the
 * same score doubles as the lease: a claim moves the task's score to the end of its lease, the
 * worker renews it every third of the lease, and a worker that dies simply stops renewing, so the
 * task is due again — and claimed by another instance — when the lease runs out. A stream would
 * need a second structure for delayed re-delivery anyway, and its pending-entry list would hold
 * tasks that merely wait for their next poll. Writes are fenced by the task's version, so a worker
 * that lost its lease (a long pause) cannot overwrite the new owner's progress.
 *
 * <p>Keys share the hash tag {@code {junction-tasks}} (one slot, so scripts work on Redis
 * Cluster): {@code t:<id>} a hash (the task document, owner, status, lease owner and end, version),
 * {@code due} (sorted set, score = next run or lease end), {@code owner:<name>} (the owner's ids,
 * lexicographic = creation order), {@code idem:<owner>:<key>} (24 h), {@code done} (ended tasks by
 * end time, for purging), {@code leases:<worker>} (what a worker holds, for hand-back),
 * {@code status} (id → state, for counts). Instances' clocks are assumed to agree to well within
 * the lease.
 */
public final class RedisTaskStore implements TaskStore {

    private static final String P = "junction:{junction-tasks}:";
    private static final String DUE = P + "due";
    private static final String DONE = P + "done";
    private static final String STATUS = P + "status";

    private static final String INSERT = """
            if ARGV[8] ~= '' then
              local existing = redis.call('GET', KEYS[1])
              if existing and redis.call('EXISTS', ARGV[9] .. existing) == 1 then
                local created = tonumber(redis.call('HGET', ARGV[9] .. existing, 'created_at'))
                if created >= tonumber(ARGV[10]) then return existing end
              end
              redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[11])
            end
            redis.call('HSET', KEYS[2], 'doc', ARGV[2], 'owner', ARGV[3], 'status', ARGV[4], 'created_at', ARGV[5],
                       'lease_owner', '', 'lease_until', '0', 'version', ARGV[7])
            redis.call('ZADD', KEYS[3], ARGV[6], ARGV[1])
            redis.call('ZADD', KEYS[4], 0, ARGV[1])
            redis.call('HSET', KEYS[5], ARGV[1], ARGV[4])
            return ''
            """;
    private static final String CLAIM = """
            local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[4]))
            local out = {}
            for _, id in ipairs(ids) do
              local k = ARGV[5] .. id
              local lu = tonumber(redis.call('HGET', k, 'lease_until') or '0')
              if redis.call('EXISTS', k) == 0 then
                redis.call('ZREM', KEYS[1], id)
              elseif lu < tonumber(ARGV[1]) then
                local old = redis.call('HGET', k, 'lease_owner')
                if old and old ~= '' then redis.call('SREM', ARGV[6] .. old, id) end
                local v = redis.call('HINCRBY', k, 'version', 1)
                redis.call('HSET', k, 'lease_owner', ARGV[2], 'lease_until', ARGV[3])
                redis.call('ZADD', KEYS[1], ARGV[3], id)
                redis.call('SADD', ARGV[6] .. ARGV[2], id)
                table.insert(out, id)
                table.insert(out, redis.call('HGET', k, 'doc'))
                table.insert(out, tostring(v))
              end
            end
            return out
            """;
    private static final String UPDATE = """
            local k = KEYS[1]
            if redis.call('EXISTS', k) == 0 then return 0 end
            if redis.call('HGET', k, 'version') ~= ARGV[1] then return 0 end
            local old = redis.call('HGET', k, 'lease_owner')
            if old and old ~= '' then redis.call('SREM', ARGV[9] .. old, ARGV[10]) end
            redis.call('HSET', k, 'doc', ARGV[2], 'status', ARGV[3], 'lease_owner', ARGV[4], 'lease_until', ARGV[5],
                       'version', ARGV[6])
            if ARGV[4] ~= '' then redis.call('SADD', ARGV[9] .. ARGV[4], ARGV[10]) end
            if ARGV[7] == '' then redis.call('ZREM', KEYS[2], ARGV[10]) else redis.call('ZADD', KEYS[2], ARGV[7], ARGV[10]) end
            if ARGV[8] ~= '' then redis.call('ZADD', KEYS[3], ARGV[8], ARGV[10]) end
            redis.call('HSET', KEYS[4], ARGV[10], ARGV[3])
            return 1
            """;
    private static final String RENEW = """
            local lost = {}
            for i, id in ipairs(ARGV) do
              if i > 3 then
                local k = ARGV[1] .. id
                if redis.call('HGET', k, 'lease_owner') == ARGV[2] then
                  redis.call('HSET', k, 'lease_until', ARGV[3])
                  redis.call('ZADD', KEYS[1], ARGV[3], id)
                else
                  table.insert(lost, id)
                end
              end
            end
            return lost
            """;
    private static final String DELETE = """
            local k = KEYS[1]
            local owner = redis.call('HGET', k, 'owner')
            if not owner then return 0 end
            local lo = redis.call('HGET', k, 'lease_owner')
            if lo and lo ~= '' then redis.call('SREM', ARGV[3] .. lo, ARGV[1]) end
            redis.call('DEL', k)
            redis.call('ZREM', KEYS[2], ARGV[1])
            redis.call('ZREM', KEYS[3], ARGV[1])
            redis.call('HDEL', KEYS[4], ARGV[1])
            redis.call('ZREM', ARGV[2] .. owner, ARGV[1])
            return 1
            """;

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisCommands<String, String> redis;

    private RedisTaskStore(RedisClient client, StatefulRedisConnection<String, String> connection) {
        this.client = client;
        this.connection = connection;
        this.redis = connection.sync();
    }

    /** Connects to {@code uri}; fails fast (with the reason, never the password) when Redis cannot be reached. */
    public static RedisTaskStore open(String uri) {
        RedisClient client = RedisClient.create(RedisURI.create(uri));
        client.setDefaultTimeout(Duration.ofSeconds(5));
        try {
            return new RedisTaskStore(client, client.connect());
        } catch (RedisException e) {
            client.shutdown();
            throw new TaskStoreException("cannot connect to the Redis task store (junction.tasks.redis-uri): "
                    + e.getMessage(), e);
        }
    }

    private static String key(String id) {
        return P + "t:" + id;
    }

    @Override
    public synchronized Inserted insert(Task task, long idempotentSince) {
        String idemKey = task.idempotencyKey() == null ? P + "idem:none"
                : P + "idem:" + task.owner() + ":" + task.idempotencyKey();
        try {
            String existing = redis.eval(INSERT, ScriptOutputType.VALUE,
                    new String[]{idemKey, key(task.id()), DUE, P + "owner:" + task.owner(), STATUS},
                    task.id(), doc(task), task.owner(), task.status().name(), Long.toString(task.createdAt()),
                    Long.toString(task.nextRunAt()), Long.toString(task.version()),
                    task.idempotencyKey() == null ? "" : task.idempotencyKey(), P + "t:",
                    Long.toString(idempotentSince), Long.toString(TaskEngine.IDEMPOTENCY_WINDOW.toMillis()));
            if (existing != null && !existing.isEmpty()) {
                Task t = get(existing);
                if (t != null) {
                    return new Inserted(t, false);
                }
            }
            return new Inserted(task, true);
        } catch (RedisException e) {
            throw fail("insert", e);
        }
    }

    @Override
    public synchronized Task get(String id) {
        try {
            Map<String, String> h = redis.hgetall(key(id));
            if (h == null || h.isEmpty() || h.get("doc") == null) {
                return null;
            }
            return decode(h.get("doc"), h.get("lease_owner"), h.get("lease_until"), h.get("version"));
        } catch (RedisException e) {
            throw fail("get", e);
        }
    }

    @Override
    public synchronized List<Task> list(String owner, TaskState status, String after, int limit) {
        try {
            List<Task> out = new ArrayList<>();
            String cursor = after;
            int batch = Math.max(limit, 20);
            while (out.size() < limit) {
                io.lettuce.core.Range<String> range = io.lettuce.core.Range.from(io.lettuce.core.Range.Boundary.unbounded(),
                        cursor == null ? io.lettuce.core.Range.Boundary.unbounded()
                                : io.lettuce.core.Range.Boundary.excluding(cursor));
                List<String> ids = redis.zrevrangebylex(P + "owner:" + owner, range, io.lettuce.core.Limit.create(0, batch));
                for (String id : ids) {
                    Task t = get(id);
                    if (t != null && (status == null || t.status() == status) && out.size() < limit) {
                        out.add(t);
                    }
                }
                if (ids.size() < batch) {
                    break;
                }
                cursor = ids.get(ids.size() - 1);
            }
            return out;
        } catch (RedisException e) {
            throw fail("list", e);
        }
    }

    @Override
    public synchronized List<Task> claim(String worker, long now, long leaseUntil, int max) {
        try {
            List<Object> r = redis.eval(CLAIM, ScriptOutputType.MULTI, new String[]{DUE},
                    Long.toString(now), worker, Long.toString(leaseUntil), Integer.toString(max), P + "t:", P + "leases:");
            List<Task> out = new ArrayList<>(r.size() / 3);
            for (int i = 0; i + 2 < r.size(); i += 3) {
                out.add(decode(str(r.get(i + 1)), worker, Long.toString(leaseUntil), str(r.get(i + 2))));
            }
            return out;
        } catch (RedisException e) {
            throw fail("claim", e);
        }
    }

    @Override
    public synchronized Task update(Task next) {
        Task stored = next.withVersion(next.version() + 1);
        // Leased: due again when the lease runs out (takeover); otherwise at its next run, or never.
        String score = stored.leaseOwner() != null ? Long.toString(stored.leaseUntil())
                : stored.nextRunAt() == Task.NEVER ? "" : Long.toString(stored.nextRunAt());
        try {
            Long ok = redis.eval(UPDATE, ScriptOutputType.INTEGER, new String[]{key(stored.id()), DUE, DONE, STATUS},
                    Long.toString(next.version()), doc(stored), stored.status().name(),
                    stored.leaseOwner() == null ? "" : stored.leaseOwner(), Long.toString(stored.leaseUntil()),
                    Long.toString(stored.version()), score,
                    stored.completedAt() == null ? "" : Long.toString(stored.completedAt()), P + "leases:", stored.id());
            return ok != null && ok == 1 ? stored : null;
        } catch (RedisException e) {
            throw fail("update", e);
        }
    }

    @Override
    public synchronized List<String> renew(String worker, Collection<String> ids, long leaseUntil) {
        if (ids.isEmpty()) {
            return List.of();
        }
        List<String> args = new ArrayList<>(ids.size() + 3);
        args.add(P + "t:");
        args.add(worker);
        args.add(Long.toString(leaseUntil));
        args.addAll(ids);
        try {
            List<Object> lost = redis.eval(RENEW, ScriptOutputType.MULTI, new String[]{DUE},
                    args.toArray(String[]::new));
            List<String> out = new ArrayList<>(lost.size());
            for (Object o : lost) {
                out.add(str(o));
            }
            return out;
        } catch (RedisException e) {
            throw fail("renew", e);
        }
    }

    @Override
    public synchronized int release(String worker, long now) {
        try {
            int n = 0;
            for (String id : redis.smembers(P + "leases:" + worker)) {
                Task t = get(id);
                if (t != null && worker.equals(t.leaseOwner()) && update(TaskStores.handedBack(t, now)) != null) {
                    n++;
                }
            }
            return n;
        } catch (RedisException e) {
            throw fail("release", e);
        }
    }

    @Override
    public synchronized boolean delete(String id) {
        try {
            Long n = redis.eval(DELETE, ScriptOutputType.INTEGER, new String[]{key(id), DUE, DONE, STATUS},
                    id, P + "owner:", P + "leases:");
            return n != null && n == 1;
        } catch (RedisException e) {
            throw fail("delete", e);
        }
    }

    @Override
    public synchronized int purge(long endedBefore) {
        try {
            int n = 0;
            for (String id : redis.zrangebyscore(DONE, io.lettuce.core.Range.create(0, endedBefore))) {
                Task t = get(id);
                if (t == null || t.leaseOwner() == null) {
                    if (delete(id)) {
                        n++;
                    } else {
                        redis.zrem(DONE, id);
                    }
                }
            }
            return n;
        } catch (RedisException e) {
            throw fail("purge", e);
        }
    }

    @Override
    public synchronized Map<TaskState, Long> counts() {
        Map<TaskState, Long> out = new EnumMap<>(TaskState.class);
        try {
            for (String s : redis.hvals(STATUS)) {
                out.merge(TaskState.valueOf(s), 1L, Long::sum);
            }
            return out;
        } catch (RedisException e) {
            throw fail("count", e);
        }
    }

    @Override
    public synchronized void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    private static String doc(Task t) {
        return new String(TaskCodec.encode(t), StandardCharsets.UTF_8);
    }

    private static Task decode(String doc, String leaseOwner, String leaseUntil, String version) {
        return TaskCodec.decode(doc.getBytes(StandardCharsets.UTF_8), leaseOwner == null || leaseOwner.isEmpty() ? null
                : leaseOwner, leaseUntil == null ? 0 : Long.parseLong(leaseUntil), Long.parseLong(version));
    }

    private static String str(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }

    private static TaskStoreException fail(String op, RedisException e) {
        return new TaskStoreException("Redis task store " + op + " failed: " + e.getMessage(), e);
    }
}
