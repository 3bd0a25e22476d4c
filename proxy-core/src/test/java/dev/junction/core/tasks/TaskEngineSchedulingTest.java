package dev.junction.core.tasks;

import dev.junction.core.config.TasksConfig;
import dev.junction.core.time.RandomSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the engine schedules steps: the per-provider {@code max-concurrent-tasks} is applied to the
 * provider a step actually runs on when its task may run on several (the step holds the slot of
 * the first limited provider with room and keeps away from the other limited ones, or waits when
 * all are full); and a lease shortened by a configuration reload is renewed in time.
 */
class TaskEngineSchedulingTest {

    @TempDir
    Path dir;
    TaskEngine engine;

    /** A handler whose steps may run on providers a then b, and end when the test says. */
    static final class TwoProviders implements TaskHandler {
        final List<Set<String>> excluded = new CopyOnWriteArrayList<>();
        final List<CompletableFuture<TaskStep>> running = new CopyOnWriteArrayList<>();
        final Map<String, AtomicInteger> runsPerTask = new ConcurrentHashMap<>();

        @Override
        public String kind() {
            return "two";
        }

        @Override
        public List<String> providers(Task task) {
            return List.of("a", "b");
        }

        @Override
        public CompletionStage<TaskStep> run(TaskRun run) {
            excluded.add(run.excludedProviders());
            runsPerTask.computeIfAbsent(run.task().id(), k -> new AtomicInteger()).incrementAndGet();
            CompletableFuture<TaskStep> f = new CompletableFuture<>();
            running.add(f);
            return f;
        }
    }

    static TasksConfig config(Duration lease, Map<String, Integer> limits) {
        TasksConfig d = TasksConfig.DEFAULT;
        return new TasksConfig("embedded", null, null, d.mediaDir(), d.mediaRetention(), d.taskRetention(),
                Duration.ofHours(1), 8, 3, Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofMillis(20),
                Duration.ofMillis(80), lease, d.webhooks(), limits, Map.of());
    }

    TaskEngine engine(TaskHandler h, AtomicReference<TasksConfig> config) {
        engine = new TaskEngine(config::get, new EmbeddedTaskStore(dir.resolve("tasks.db")),
                new WebhookSender(System::currentTimeMillis), System::currentTimeMillis, RandomSource.seeded(1),
                "w-" + System.nanoTime());
        engine.register(h).start();
        return engine;
    }

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    static TaskEngine.NewTask newTask(int i) {
        return new TaskEngine.NewTask("app", "two", new Task.TaskRequest("POST", "/v1/chat/completions", Map.of(),
                ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8)), "m", null, null);
    }

    static void eventually(java.util.function.BooleanSupplier ok, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!ok.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, what);
            Thread.sleep(10);
        }
    }

    @Test
    void aStepHoldsTheSlotOfTheFirstLimitedProviderWithRoomAndKeepsAwayFromTheOthers() throws Exception {
        TwoProviders h = new TwoProviders();
        TaskEngine e = engine(h, new AtomicReference<>(config(Duration.ofSeconds(30), Map.of("a", 1, "b", 1))));
        for (int i = 0; i < 3; i++) {
            e.submit(newTask(i)).get(5, TimeUnit.SECONDS);
        }
        eventually(() -> h.running.size() == 2, "two steps start, one per provider");
        Thread.sleep(300);
        assertEquals(2, h.running.size(), "the third waits: both providers are at max-concurrent-tasks");
        assertEquals(Set.of(Set.of("b"), Set.of("a")), Set.copyOf(h.excluded),
                "one step holds a and keeps away from b, the other holds b and keeps away from a");

        h.running.get(0).complete(new TaskStep.Succeeded(new Task.TaskResponse(200, Map.of(), new byte[0])));
        eventually(() -> h.running.size() == 3, "the third starts when a slot is free");
    }

    @Test
    void anUnlimitedProviderTakesTheStepsALimitedOneHasNoRoomFor() throws Exception {
        TwoProviders h = new TwoProviders();
        TaskEngine e = engine(h, new AtomicReference<>(config(Duration.ofSeconds(30), Map.of("a", 1))));
        for (int i = 0; i < 3; i++) {
            e.submit(newTask(i)).get(5, TimeUnit.SECONDS);
        }
        eventually(() -> h.running.size() == 3, "all three run");
        assertEquals(1, h.excluded.stream().filter(Set::isEmpty).count(), "one holds a's slot");
        assertEquals(2, h.excluded.stream().filter(s -> s.equals(Set.of("a"))).count(),
                "the others run on b and keep away from a");
    }

    @Test
    void aLeaseShortenedByAReloadIsRenewedInTime() throws Exception {
        TwoProviders h = new TwoProviders();
        AtomicReference<TasksConfig> config = new AtomicReference<>(config(Duration.ofSeconds(30), Map.of()));
        TaskEngine e = engine(h, config);
        config.set(config(Duration.ofMillis(300), Map.of()));   // a reload: renewals were every 10 s
        Thread.sleep(200);                                      // the renewal planned for the old lease is still waiting
        String id = e.submit(newTask(1)).get(5, TimeUnit.SECONDS).task().id();
        eventually(() -> h.running.size() == 1, "the step starts");
        Thread.sleep(1500);                                     // five leases long
        assertEquals(1, h.runsPerTask.get(id).get(), "the lease was renewed: the task was not run a second time");
    }
    /** A store that counts the engine's looks for due tasks; {@code shared}: it answers like Redis. */
    static final class CountingStore implements TaskStore {
        final TaskStore d;
        final boolean shared;
        final AtomicInteger claims = new AtomicInteger();

        CountingStore(TaskStore d, boolean shared) {
            this.d = d;
            this.shared = shared;
        }

        @Override public Inserted insert(Task task, long idempotentSince) { return d.insert(task, idempotentSince); }
        @Override public List<Inserted> insertAll(List<Task> tasks, long since) { return d.insertAll(tasks, since); }
        @Override public Task get(String id) { return d.get(id); }
        @Override public List<Task> list(String o, TaskState s, String after, int limit) { return d.list(o, s, after, limit); }
        @Override public List<Task> claim(String w, long now, long until, int max) {
            claims.incrementAndGet();
            return d.claim(w, now, until, max);
        }
        @Override public long nextClaimableAt() { return shared ? UNKNOWN : d.nextClaimableAt(); }
        @Override public Task update(Task next) { return d.update(next); }
        @Override public List<String> renew(String w, java.util.Collection<String> ids, long until) { return d.renew(w, ids, until); }
        @Override public int release(String w, long now) { return d.release(w, now); }
        @Override public boolean delete(String id) { return d.delete(id); }
        @Override public int purge(long endedBefore) { return d.purge(endedBefore); }
        @Override public Map<TaskState, Long> counts() { return d.counts(); }
        @Override public void close() { d.close(); }
    }

    TaskEngine engine(TaskHandler h, CountingStore store) {
        engine = new TaskEngine(() -> config(Duration.ofSeconds(30), Map.of()), store,
                new WebhookSender(System::currentTimeMillis), System::currentTimeMillis, RandomSource.seeded(1),
                "w-" + System.nanoTime());
        engine.register(h).start();
        return engine;
    }

    /**
     * With a store only this process writes, an idle engine does not poll it (it looked five times
     * a second before); a submitted task still starts at once, and a retry waiting for its backoff
     * starts when it is due, not at the next safety look.
     */
    @Test
    void anIdleEngineDoesNotPollItsOwnStoreAndStillRunsWhatIsDue() throws Exception {
        CountingStore store = new CountingStore(new EmbeddedTaskStore(dir.resolve("own.db")), false);
        TwoProviders h = new TwoProviders();
        TaskEngine e = engine(h, store);
        Thread.sleep(1_000);
        assertTrue(store.claims.get() <= 2, "looked " + store.claims.get() + " times in an idle second");

        long t0 = System.nanoTime();
        e.submit(newTask(1)).get(5, TimeUnit.SECONDS);
        eventually(() -> h.running.size() == 1, "the submitted task starts");
        assertTrue(System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(1_000), "at once, not at the next look");

        // A retryable failure: queued again after a backoff of 20..50 ms (retry-base 20 ms, cap 50 ms).
        h.running.get(0).complete(new TaskStep.Failed(new Task.TaskError("busy", "api_error", null, "upstream_error"),
                true, null));
        t0 = System.nanoTime();
        eventually(() -> h.running.size() == 2, "the retry starts");
        assertTrue(System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(2_000),
                "when its backoff is over, well before the " + TaskEngine.IDLE_LOOK_MILLIS + " ms safety look");
    }

    /** The look planned for later (the idle safety net, seconds away) does not hold up closing. */
    @Test
    void closingAnIdleEngineDoesNotWaitForItsNextPlannedLook() throws Exception {
        TaskEngine e = engine(new TwoProviders(), new AtomicReference<>(config(Duration.ofSeconds(30), Map.of())));
        Thread.sleep(200); // the first look has run and planned the next one IDLE_LOOK_MILLIS away
        long t0 = System.nanoTime();
        e.close();
        engine = null;
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(tookMillis < TaskEngine.IDLE_LOOK_MILLIS / 2, "closing took " + tookMillis + " ms");
    }

    /** A store other instances write too (Redis) is still looked at every 200 ms: a task may appear there at any time. */
    @Test
    void aSharedStoreIsStillPolled() throws Exception {
        CountingStore store = new CountingStore(new EmbeddedTaskStore(dir.resolve("shared.db")), true);
        engine(new TwoProviders(), store);
        Thread.sleep(1_000);
        assertTrue(store.claims.get() >= 3, "looked " + store.claims.get() + " times in a second");
    }
}
