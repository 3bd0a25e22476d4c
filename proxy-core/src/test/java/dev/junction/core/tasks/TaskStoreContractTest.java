package dev.junction.core.tasks;

import dev.junction.core.limits.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One contract, both stores (embedded SQLite and a real redis-server): idempotent insert,
 * claiming only due and unleased tasks, takeover when a lease runs out, version-fenced updates,
 * renewal that reports lost leases, hand-back, listing, deletion and purging.
 */
class TaskStoreContractTest {

    @TempDir
    static Path dir;
    static RedisServer redis;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServer.start(dir);
    }

    @AfterAll
    static void stopRedis() throws Exception {
        redis.close();
    }

    static TaskStore open(String kind) {
        return kind.equals("redis") ? RedisTaskStore.open(redis.uri())
                : new EmbeddedTaskStore(dir.resolve(UUID.randomUUID() + ".db"));
    }

    static Task task(String owner, long now, String idem) {
        return new Task(TaskIds.next(now), owner, TaskState.QUEUED, "http", now, null, null, now + 100_000,
                new Task.TaskRequest("POST", "/v1/chat/completions", Map.of("content-type", "application/json"),
                        "{\"model\":\"m\"}".getBytes(StandardCharsets.UTF_8)), "m", "hash-" + idem, idem, 0, null, null, null,
                null, null, false, now, null, 0, 0);
    }

    /**
     * The embedded store (only this process writes it) tells when a task next becomes claimable:
     * the earliest due time of an unleased task or lease end of a leased one, agreeing with claim;
     * the shared Redis store cannot and says so.
     */
    @org.junit.jupiter.api.Test
    void theEmbeddedStoreTellsWhenTheNextTaskIsDue() {
        try (TaskStore s = open("embedded")) {
            assertEquals(Task.NEVER, s.nextClaimableAt(), "no task");
            Task a = s.insert(task("o", 1000, null).withNextRunAt(5_000), 0).task();
            assertEquals(5_000, s.nextClaimableAt());
            s.insert(task("o", 1000, null).withNextRunAt(3_000), 0);
            assertEquals(3_000, s.nextClaimableAt(), "the earliest");
            Task b = s.claim("w", 3_000, 9_000, 1).get(0);
            assertEquals(5_000, s.nextClaimableAt(), "a claimed task is claimable only after its lease");
            assertTrue(s.claim("w", 4_999, 9_000, 5).isEmpty(), "and claim agrees: nothing before 5000");
            s.update(b.withLease(null, 0).withNextRunAt(Task.NEVER));
            Task a2 = s.claim("w", 5_000, 9_000, 1).get(0);
            assertEquals(a.id(), a2.id());
            assertEquals(9_001, s.nextClaimableAt(), "the lease's end");
            assertTrue(s.claim("w", 9_000, 20_000, 5).isEmpty(), "claim agrees: the lease still holds at 9000");
            assertEquals(1, s.claim("w", 9_001, 20_000, 5).size());
        }
        try (TaskStore s = open("redis")) {
            assertEquals(TaskStore.UNKNOWN, s.nextClaimableAt(), "other instances write Redis too");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "redis"})
    void insertIsIdempotentPerOwnerAndKey(String kind) {
        String owner = "o-" + UUID.randomUUID();
        try (TaskStore s = open(kind)) {
            Task a = task(owner, 1000, "k");
            assertTrue(s.insert(a, 0).created());
            TaskStore.Inserted again = s.insert(task(owner, 1001, "k"), 0);
            assertFalse(again.created());
            assertEquals(a.id(), again.task().id());
            assertTrue(s.insert(task("other-" + owner, 1002, "k"), 0).created(), "another owner's key is another key");
            assertTrue(s.insert(task(owner, 5000, "k"), 2000).created(), "a lapsed key is free again");
            Task got = s.get(a.id());
            assertEquals("{\"model\":\"m\"}", new String(got.request().body(), StandardCharsets.UTF_8));
            assertEquals(Map.of("content-type", "application/json"), got.request().headers());
            assertNull(s.get("task_missing"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "redis"})
    void claimsLeasesRenewalsAndTakeover(String kind) {
        String owner = "o-" + UUID.randomUUID();
        try (TaskStore s = open(kind)) {
            long now = System.currentTimeMillis() + 10_000_000;      // later than anything other tests left due
            Task t = task(owner, now, null);
            s.insert(t, 0);
            List<Task> first = s.claim("w1", now, now + 1000, 100);
            Task mine = first.stream().filter(x -> x.id().equals(t.id())).findFirst().orElseThrow();
            assertEquals("w1", mine.leaseOwner());
            assertTrue(s.claim("w2", now + 10, now + 1010, 100).stream().noneMatch(x -> x.id().equals(t.id())),
                    "a live lease is not claimed");
            assertEquals(List.of(), s.renew("w1", List.of(t.id()), now + 2000));
            assertTrue(s.claim("w2", now + 1500, now + 2500, 100).stream().noneMatch(x -> x.id().equals(t.id())),
                    "a renewed lease holds");
            Task taken = s.claim("w2", now + 2001, now + 3000, 100).stream().filter(x -> x.id().equals(t.id()))
                    .findFirst().orElseThrow();
            assertEquals("w2", taken.leaseOwner(), "taken over once the lease ran out");
            assertEquals(List.of(t.id()), s.renew("w1", List.of(t.id()), now + 4000), "w1 lost it");
            assertNull(s.update(mine.withStatus(TaskState.RUNNING)), "w1's stale version cannot write");
            Task running = s.update(taken.withStatus(TaskState.RUNNING).withNextRunAt(Task.NEVER));
            assertNotNull(running);
            assertEquals(taken.version() + 1, running.version());
            assertTrue(s.release("w2", now + 3000) >= 1);   // one Redis serves every case: w2 may hold others
            Task back = s.get(t.id());
            assertNull(back.leaseOwner());
            assertEquals(TaskState.QUEUED, back.status(), "handed back with no vendor job: queued again");
            assertTrue(s.claim("w3", now + 3001, now + 4000, 100).stream().anyMatch(x -> x.id().equals(t.id())),
                    "due at once after hand-back");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "redis"})
    void listingDeletionPurgeAndCounts(String kind) {
        String owner = "o-" + UUID.randomUUID();
        try (TaskStore s = open(kind)) {
            Task a = task(owner, 1, null);
            Task b = task(owner, 2, null);
            Task c = task(owner, 3, null);
            s.insert(a, 0);
            s.insert(b, 0);
            s.insert(c, 0);
            assertEquals(List.of(c.id(), b.id()), ids(s.list(owner, null, null, 2)));
            assertEquals(List.of(a.id()), ids(s.list(owner, null, b.id(), 2)));
            Task done = s.update(b.withStatus(TaskState.RUNNING).end(TaskState.SUCCEEDED, 50));
            assertNotNull(done);
            assertEquals(List.of(b.id()), ids(s.list(owner, TaskState.SUCCEEDED, null, 10)));
            assertTrue(s.counts().getOrDefault(TaskState.SUCCEEDED, 0L) >= 1);
            assertTrue(s.purge(100) >= 1);
            assertNull(s.get(b.id()), "ended before the cut-off: purged");
            assertTrue(s.delete(a.id()));
            assertFalse(s.delete(a.id()));
            assertEquals(Set.of(c.id()), Set.copyOf(ids(s.list(owner, null, null, 10))));
            assertEquals(List.of(), s.list("nobody-" + owner, null, null, 10));
        }
    }

    static List<String> ids(List<Task> l) {
        return l.stream().map(Task::id).collect(Collectors.toList());
    }
}
