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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The asynchronous-vendor contract as the engine drives it: the job is recorded before the first
 * poll, polls honour the vendor's hints and report progress, the result is fetched once, a
 * cancelled task cancels the vendor job, a failed job is resubmitted only when retryable, and
 * a restarted engine polls the recorded job instead of submitting again.
 */
class AsyncVendorEngineTest {

    @TempDir
    Path dir;
    TaskEngine engine;

    /** A scripted vendor: each job answers the queued statuses in order, then Done. */
    static final class ScriptedVendor implements AsyncVendor {
        final AtomicInteger submits = new AtomicInteger();
        final AtomicInteger polls = new AtomicInteger();
        final AtomicInteger fetches = new AtomicInteger();
        final ConcurrentLinkedQueue<String> cancelled = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Object> script = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> submissionKeys = new ConcurrentLinkedQueue<>();
        volatile TaskStore store;
        final AtomicReference<Task> seenAtFirstPoll = new AtomicReference<>();

        @Override
        public String kind() {
            return "scripted";
        }

        @Override
        public CompletionStage<Task.VendorJob> submit(Task task, String submissionKey) {
            submissionKeys.add(submissionKey);
            Object next = script.peek();
            if (next instanceof VendorJobException e) {
                script.poll();
                submits.incrementAndGet();
                return CompletableFuture.failedFuture(e);
            }
            return CompletableFuture.completedFuture(new Task.VendorJob("acme", "job-" + submits.incrementAndGet(),
                    "{\"model\":\"m\"}", 0));
        }

        @Override
        public CompletionStage<JobStatus> poll(Task task, Task.VendorJob job) {
            if (polls.incrementAndGet() == 1 && store != null) {
                seenAtFirstPoll.set(store.get(task.id()));
            }
            Object next = script.poll();
            if (next instanceof JobStatus s) {
                return CompletableFuture.completedFuture(s);
            }
            return CompletableFuture.completedFuture(new JobStatus.Done("out-" + job.id()));
        }

        @Override
        public CompletionStage<Task.TaskResponse> fetch(Task task, Task.VendorJob job, JobStatus.Done done) {
            fetches.incrementAndGet();
            return CompletableFuture.completedFuture(new Task.TaskResponse(200, Map.of("content-type", "application/json"),
                    ("{\"result\":\"" + done.result() + "\"}").getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public CompletionStage<Void> cancel(Task task, Task.VendorJob job) {
            cancelled.add(job.id());
            return CompletableFuture.completedFuture(null);
        }
    }

    static TasksConfig config(int maxAttempts) {
        TasksConfig d = TasksConfig.DEFAULT;
        return new TasksConfig("embedded", null, null, d.mediaDir(), d.mediaRetention(), d.taskRetention(),
                Duration.ofHours(1), 8, maxAttempts, Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofMillis(20),
                Duration.ofMillis(80), Duration.ofSeconds(3), d.webhooks(), Map.of(), Map.of());
    }

    TaskEngine engine(ScriptedVendor v, int maxAttempts) {
        EmbeddedTaskStore store = new EmbeddedTaskStore(dir.resolve("tasks.db"));
        v.store = store;
        TasksConfig c = config(maxAttempts);
        engine = new TaskEngine(() -> c, store, new WebhookSender(System::currentTimeMillis), System::currentTimeMillis,
                RandomSource.seeded(1), "w-" + System.nanoTime());
        engine.register(new AsyncVendorHandler(v)).start();
        return engine;
    }

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    static TaskEngine.NewTask newTask() {
        return new TaskEngine.NewTask("app", "scripted", new Task.TaskRequest("POST", "/v1/videos", Map.of(),
                "{\"model\":\"v\"}".getBytes(StandardCharsets.UTF_8)), "v", null, null);
    }

    static Task await(TaskEngine e, String id, TaskState s) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Task t = null;
        while (System.nanoTime() < end) {
            t = e.get("app", id).get(5, TimeUnit.SECONDS);
            if (t != null && t.status() == s) {
                return t;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("task never reached " + s + ": " + t);
    }

    @Test
    void aJobIsSubmittedOnceRecordedBeforeItIsPolledAndFetchedOnce() throws Exception {
        ScriptedVendor v = new ScriptedVendor();
        v.script.add(new AsyncVendor.JobStatus.Pending(10, null));
        v.script.add(new AsyncVendor.JobStatus.Pending(55, Duration.ofMillis(30)));
        TaskEngine e = engine(v, 3);
        String id = e.submit(newTask()).get().task().id();
        Task done = await(e, id, TaskState.SUCCEEDED);
        assertEquals(1, v.submits.get());
        assertEquals(3, v.polls.get());
        assertEquals(1, v.fetches.get());
        assertEquals("job-1", v.seenAtFirstPoll.get().vendorJob().id(), "the job was committed before the first poll");
        assertEquals("{\"result\":\"out-job-1\"}", new String(done.response().body(), StandardCharsets.UTF_8));
        assertEquals(100, done.progress());
        assertEquals(1, done.attempts());
        assertEquals(List.of(id + "-1"), List.copyOf(v.submissionKeys));
    }

    @Test
    void progressIsVisibleWhileTheJobRuns() throws Exception {
        ScriptedVendor v = new ScriptedVendor();
        for (int i = 0; i < 40; i++) {
            v.script.add(new AsyncVendor.JobStatus.Pending(42, Duration.ofMillis(25)));
        }
        TaskEngine e = engine(v, 3);
        String id = e.submit(newTask()).get().task().id();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Task t;
        do {
            t = e.get("app", id).get();
            Thread.sleep(5);
        } while ((t.progress() == null || t.progress() != 42) && System.nanoTime() < end);
        assertEquals(TaskState.RUNNING, t.status());
        assertEquals(42, t.progress());
        assertNotNull(t.vendorJob());
    }

    @Test
    void cancellingAPendingJobCancelsItAtTheVendor() throws Exception {
        ScriptedVendor v = new ScriptedVendor();
        for (int i = 0; i < 1000; i++) {
            v.script.add(new AsyncVendor.JobStatus.Pending(5, Duration.ofMillis(20)));
        }
        TaskEngine e = engine(v, 3);
        String id = e.submit(newTask()).get().task().id();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (v.polls.get() == 0 && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        TaskEngine.Cancelled c = e.cancel("app", id).get();
        assertEquals(TaskState.CANCELLED, c.task().status());
        end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (v.cancelled.isEmpty() && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        assertEquals(List.of("job-1"), List.copyOf(v.cancelled));
        int polls = v.polls.get();
        Thread.sleep(150);
        assertEquals(polls, v.polls.get(), "a cancelled job is not polled any more");
        assertEquals(TaskState.CANCELLED, e.get("app", id).get().status());
        assertTrue(!e.get("app", id).get().vendorCancelPending());
    }

    @Test
    void aRetryableSubmissionFailureIsRetriedAndAFinalOneFails() throws Exception {
        ScriptedVendor v = new ScriptedVendor();
        v.script.add(new VendorJobException(new Task.TaskError("busy", "upstream_error", null, "upstream_unavailable"),
                true, null));
        TaskEngine e = engine(v, 3);
        String id = e.submit(newTask()).get().task().id();
        Task done = await(e, id, TaskState.SUCCEEDED);
        assertEquals(2, done.attempts());
        assertEquals(List.of(id + "-1", id + "-2"), List.copyOf(v.submissionKeys));

        ScriptedVendor w = new ScriptedVendor();
        engine.close();
        w.script.add(new AsyncVendor.JobStatus.Failed(new Task.TaskError("blocked", "invalid_request_error", null,
                "content_filter"), false));
        TaskEngine e2 = engine(w, 3);
        String id2 = e2.submit(newTask()).get().task().id();
        Task failed = await(e2, id2, TaskState.FAILED);
        assertEquals("content_filter", failed.error().code());
        assertEquals(1, w.submits.get());
        assertNull(failed.response());
    }

    @Test
    void aRestartedEnginePollsTheRecordedJobAndNeverSubmitsAgain() throws Exception {
        ScriptedVendor v = new ScriptedVendor();
        for (int i = 0; i < 1000; i++) {
            v.script.add(new AsyncVendor.JobStatus.Pending(30, Duration.ofMillis(20)));
        }
        TaskEngine e = engine(v, 3);
        String id = e.submit(newTask()).get().task().id();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (v.polls.get() < 2 && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        e.close();                               // shutdown hands the task back
        engine = null;
        v.script.clear();
        TaskEngine again = engine(v, 3);
        Task done = await(again, id, TaskState.SUCCEEDED);
        assertEquals(1, v.submits.get(), "the job was polled again, not submitted twice");
        assertEquals("{\"result\":\"out-job-1\"}", new String(done.response().body(), StandardCharsets.UTF_8));
    }
}
