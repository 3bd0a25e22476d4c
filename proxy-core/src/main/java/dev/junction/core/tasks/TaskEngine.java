package dev.junction.core.tasks;

import dev.junction.core.config.TasksConfig;
import dev.junction.core.resilience.Backoff;
import dev.junction.core.time.RandomSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The task engine (SPEC §6): accepts tasks into the {@link TaskStore}, claims due tasks and runs
 * them with the {@link TaskHandler} of their kind — at most {@code workers} at once on this
 * instance and {@code max-concurrent-tasks} per provider — retries retryable failures with
 * exponential backoff and full jitter, polls vendor jobs with backoff, expires, cancels, and
 * delivers signed webhooks.
 *
 * <p>Threads: every store call runs on the engine's one store thread ({@code junction-tasks}),
 * never on an event loop; the public methods return futures completed on that thread, so a
 * caller on an event loop must hop back to its loop before touching its channel. Handlers run
 * their work asynchronously (the gateway's event loops, the webhook executor).
 *
 * <p>Exactly-once ending: a step's result is written conditionally on the task version the run
 * holds; a cancel, an expiry or a takeover changes the version first, so the late result is
 * dropped. Leases are renewed every third of {@code lease}; a renewal that finds the lease gone
 * aborts the run.
 */
public final class TaskEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TaskEngine.class);
    /** Idempotency keys are remembered this long (SPEC §6). */
    static final Duration IDEMPOTENCY_WINDOW = Duration.ofHours(24);
    /** How often a store other instances write too is looked at for due tasks. */
    private static final long TICK_MILLIS = 200;
    /**
     * The longest the engine waits between looks at a store only this process writes, when it
     * knows of nothing due sooner: a safety net, since every write of this process already plans
     * the look its task needs.
     */
    static final long IDLE_LOOK_MILLIS = 5_000;
    private static final long SHUTDOWN_GRACE_MILLIS = 5_000;

    /** What a client asked to run as a task. */
    public record NewTask(String owner, String kind, Task.TaskRequest request, String model, String idempotencyKey,
                          String webhookUrl) {
    }

    /** The answer to {@link #submit}: the task, whether it is new, or an idempotency conflict. */
    public record Submission(Task task, boolean created, boolean conflict) {
    }

    /** A page of {@link #list}. */
    public record Page(List<Task> tasks, boolean hasMore) {
    }

    /** The answer to {@link #cancel}: the cancelled task, or {@code deleted} for a finished one. */
    public record Cancelled(Task task, boolean deleted) {
    }

    private final Supplier<TasksConfig> config;
    private final TaskStore store;
    private final WebhookSender webhooks;
    private final LongSupplier clock;
    private final RandomSource random;
    private final String worker;
    private final Map<String, TaskHandler> handlers = new ConcurrentHashMap<>();
    private final Map<String, Run> active = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> perProvider = new ConcurrentHashMap<>();
    private final List<Consumer<Task>> deleteListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Task>> succeededListeners = new CopyOnWriteArrayList<>();
    private final java.util.Queue<PendingInsert> pendingInserts = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final ScheduledExecutorService thread;
    private volatile boolean closing;
    /** When the leases were last renewed (engine thread only). */
    private long lastRenewal;
    /** The lease-renewal check, scheduled while this instance works on a task (engine thread only). */
    private ScheduledFuture<?> renewing;
    static final long RENEW_CHECK_MILLIS = 100;
    private volatile boolean released;
    /** The next look for due tasks planned on the engine thread, and when (engine thread only). */
    private ScheduledFuture<?> plannedTick;
    private long plannedTickAt;

    public TaskEngine(Supplier<TasksConfig> config, TaskStore store, WebhookSender webhooks, LongSupplier clock,
                      RandomSource random, String worker) {
        this.config = config;
        this.store = store;
        this.webhooks = webhooks;
        this.clock = clock;
        this.random = random;
        this.worker = worker;
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "junction-tasks");
            t.setDaemon(true);
            return t;
        });
        // A planned look (up to IDLE_LOOK_MILLIS away) must not hold up shutdown: close() hands back
        // what runs itself, then nothing delayed is left to do. Cancelled looks leave the queue at once.
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setRemoveOnCancelPolicy(true);
        this.thread = executor;
    }

    /** Registers the handler of a task kind (before {@link #start}, or at any time for a new kind). */
    public TaskEngine register(TaskHandler h) {
        handlers.put(h.kind(), h);
        return this;
    }

    /** Called with each task deleted through the API (e.g. to delete its stored media). */
    public void onDelete(Consumer<Task> listener) {
        deleteListeners.add(listener);
    }

    /**
     * Called, on the engine's thread (must not block), with each task this instance moved to
     * {@code succeeded}: once per task, since the move is a write conditional on the task's version
     * (e.g. to charge a video's cost to its key).
     */
    public void onSucceeded(Consumer<Task> listener) {
        succeededListeners.add(listener);
    }

    /** Starts claiming due tasks, renewing leases and purging old tasks. */
    public TaskEngine start() {
        thread.execute(this::tick);
        thread.scheduleWithFixedDelay(this::purge, 1, 10, TimeUnit.MINUTES);
        return this;
    }

    public String worker() {
        return worker;
    }

    public TaskStore store() {
        return store;
    }

    // ---- the API's operations -------------------------------------------------------------

    /**
     * Stores a new task (committed when the future completes) or, for a repeated
     * {@code Idempotency-Key}, finds the first one.
     */
    public CompletableFuture<Submission> submit(NewTask n) {
        long now = clock.getAsLong();
        TasksConfig c = config.get();
        String hash = hash(n.request());
        Task.Webhook hook = n.webhookUrl() == null ? null
                : new Task.Webhook(n.webhookUrl(), "msg_" + TaskIds.next(now).substring(5), List.of(), false);
        Task t = new Task(TaskIds.next(now), n.owner(), TaskState.QUEUED, n.kind(), now, null, null,
                now + c.expireAfter().toMillis(), n.request(), n.model(), hash, n.idempotencyKey(), 0, null, null,
                null, hook, null, false, now, null, 0, 0);
        PendingInsert p = new PendingInsert(t, new CompletableFuture<>());
        pendingInserts.add(p);
        try {
            thread.execute(this::insertPending);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            p.answer().completeExceptionally(new TaskStoreException("the task engine is shut down", e));
        }
        return p.answer();
    }

    private record PendingInsert(Task task, CompletableFuture<Submission> answer) {
    }

    /**
     * Group commit: the submissions that arrived while the store thread was busy are written in
     * one transaction (one disk sync), so a burst is not serialised on one sync per task.
     */
    private void insertPending() {
        List<PendingInsert> batch = new ArrayList<>();
        for (PendingInsert p; batch.size() < 512 && (p = pendingInserts.poll()) != null; ) {
            batch.add(p);
        }
        if (batch.isEmpty()) {
            return;
        }
        List<TaskStore.Inserted> done;
        try {
            done = store.insertAll(batch.stream().map(PendingInsert::task).toList(),
                    clock.getAsLong() - IDEMPOTENCY_WINDOW.toMillis());
        } catch (RuntimeException e) {
            batch.forEach(p -> p.answer().completeExceptionally(e));
            return;
        }
        boolean created = false;
        for (int i = 0; i < batch.size(); i++) {
            TaskStore.Inserted in = done.get(i);
            created |= in.created();
            batch.get(i).answer().complete(in.created() ? new Submission(in.task(), true, false)
                    : new Submission(in.task(), false, !batch.get(i).task().requestHash().equals(in.task().requestHash())));
        }
        if (created) {
            thread.execute(this::tick);
        }
    }

    /** The owner's task, or null (unknown, or another owner's). */
    public CompletableFuture<Task> get(String owner, String id) {
        return onThread(() -> {
            Task t = store.get(id);
            return t != null && t.owner().equals(owner) ? t : null;
        });
    }

    public CompletableFuture<Page> list(String owner, TaskState status, String after, int limit) {
        return onThread(() -> {
            List<Task> l = store.list(owner, status, after, limit + 1);
            boolean more = l.size() > limit;
            return new Page(more ? l.subList(0, limit) : l, more);
        });
    }

    /**
     * Cancels the owner's unfinished task (and, through the store, its vendor job), or deletes a
     * finished one. Null when the owner has no such task.
     */
    public CompletableFuture<Cancelled> cancel(String owner, String id) {
        return onThread(() -> {
            for (int i = 0; i < 5; i++) {
                Task t = store.get(id);
                if (t == null || !t.owner().equals(owner)) {
                    return null;
                }
                long now = clock.getAsLong();
                if (t.finished()) {
                    if (store.delete(id)) {
                        for (Consumer<Task> l : deleteListeners) {
                            try {
                                l.accept(t);
                            } catch (RuntimeException e) {
                                LOG.warn("task {}: a delete listener failed", id, e);
                            }
                        }
                        return new Cancelled(t, true);
                    }
                    continue;
                }
                Task saved = save(ended(t, TaskState.CANCELLED, now));
                if (saved != null) {
                    Run r = active.get(id);
                    if (r != null) {
                        r.abort();
                    }
                    thread.execute(this::tick);
                    return new Cancelled(saved, false);
                }
            }
            throw new TaskStoreException("task " + id + " kept changing while being cancelled", null);
        });
    }

    public CompletableFuture<Map<TaskState, Long>> counts() {
        return onThread(store::counts);
    }

    /** Tasks being worked on by this instance right now. */
    public int activeCount() {
        return active.size();
    }

    // ---- the worker loop --------------------------------------------------------------------

    /**
     * Claims and dispatches the tasks due now, then plans the next look. A store other instances
     * write too is looked at every {@value #TICK_MILLIS} ms (a task may appear there at any time);
     * a store only this process writes is looked at when its next task becomes due (every write
     * of this process plans the look its task needs, {@link #save}; a submission, a cancel and a
     * freed worker look at once), or after {@value #IDLE_LOOK_MILLIS} ms at the latest. So an idle
     * gateway with the embedded store does not query it five times a second.
     */
    private void tick() {
        if (closing) {
            return;
        }
        TasksConfig c = config.get();
        int free = c.workers() - active.size();
        if (free <= 0) {
            return;                                     // a worker that frees up looks again (end)
        }
        long now = clock.getAsLong();
        List<Task> claimed;
        try {
            claimed = store.claim(worker, now, now + c.lease().toMillis(), free);
        } catch (RuntimeException e) {
            LOG.warn("task store: claiming due tasks failed: {}", e.getMessage());
            planTick(now + TICK_MILLIS);
            return;
        }
        for (Task t : claimed) {
            try {
                dispatch(t, now, c);
            } catch (RuntimeException e) {
                LOG.error("task {}: dispatch failed", t.id(), e);
            }
        }
        if (claimed.size() == free && !claimed.isEmpty()) {
            thread.execute(this::tick);
            return;
        }
        long next;
        try {
            next = store.nextClaimableAt();
        } catch (RuntimeException e) {
            LOG.warn("task store: reading when the next task is due failed: {}", e.getMessage());
            next = TaskStore.UNKNOWN;
        }
        planTick(next == TaskStore.UNKNOWN ? now + TICK_MILLIS : Math.min(next, now + IDLE_LOOK_MILLIS));
    }

    /**
     * Makes sure the engine looks for due tasks at {@code at} (clock millis) or earlier: keeps a
     * look planned sooner, replaces one planned later. Engine thread only.
     */
    private void planTick(long at) {
        if (closing) {
            return;
        }
        if (plannedTick != null) {
            if (plannedTickAt <= at) {
                return;
            }
            plannedTick.cancel(false);
        }
        plannedTickAt = at;
        plannedTick = thread.schedule(() -> {
            plannedTick = null;
            tick();
        }, Math.max(0, at - clock.getAsLong()), TimeUnit.MILLISECONDS);
    }

    /**
     * {@link TaskStore#update}, and a look planned for when the written task can next be claimed
     * (its {@code nextRunAt}, or after its lease when it holds one). Engine thread only.
     */
    private Task save(Task next) {
        Task saved = store.update(next);
        if (saved != null && saved.nextRunAt() != Task.NEVER) {
            planTick(Math.max(saved.nextRunAt(), saved.leaseUntil() + 1));
        }
        return saved;
    }

    private void dispatch(Task t, long now, TasksConfig c) {
        if (t.finished()) {
            if (t.vendorCancelPending()) {
                TaskHandler h = handlers.get(t.kind());
                Run run = begin(t, null);
                CompletionStage<Void> s = h == null || t.vendorJob() == null ? CompletableFuture.completedFuture(null)
                        : safely(() -> h.cancel(t));
                s.whenComplete((v, e) -> onThread(() -> afterVendorCancel(run, e)));
            } else if (t.webhook() != null && !t.webhook().settled()) {
                Run run = begin(t, null);
                deliver(run, c);
            } else {
                save(t.withLease(null, 0).withNextRunAt(Task.NEVER));
            }
            return;
        }
        if (now >= t.expiresAt()) {
            save(ended(t.withError(new Task.TaskError("The task did not finish within junction.tasks.expire-after ("
                    + c.expireAfter() + ").", "invalid_request_error", null, "task_expired")), TaskState.EXPIRED, now));
            return;
        }
        TaskHandler h = handlers.get(t.kind());
        if (h == null) {
            // Another instance (a newer version) may know this kind, or its handler is being registered.
            LOG.warn("task {}: no handler for kind '{}' on this instance", t.id(), t.kind());
            save(t.withLease(null, 0).withNextRunAt(now + 1000));
            return;
        }
        // Per-provider max-concurrent-tasks (SPEC §2): the step holds a slot of the first of its
        // providers that is limited and has room — or none, when an unlimited provider comes first —
        // and keeps away from the other limited ones; when every provider is limited and full, the
        // task waits.
        String provider = null;
        Set<String> excluded = Set.of();
        List<String> providers = c.providerLimits().isEmpty() ? List.of() : h.providers(t);
        if (!providers.isEmpty()) {
            boolean room = false;
            for (String p : providers) {
                Integer limit = c.providerLimits().get(p);
                if (limit == null || perProvider.computeIfAbsent(p, k -> new AtomicInteger()).get() < limit) {
                    room = true;
                    provider = limit == null ? null : p;
                    break;
                }
            }
            if (!room) {
                save(t.withLease(null, 0).withNextRunAt(now + Math.min(1000, c.pollInitial().toMillis())));
                return;
            }
            Set<String> out = new HashSet<>();
            for (String p : providers) {
                if (c.providerLimits().containsKey(p) && !p.equals(provider)) {
                    out.add(p);
                }
            }
            excluded = Set.copyOf(out);
        }
        Task started = t;
        if (started.status() != TaskState.RUNNING) {
            started = started.withStatus(TaskState.RUNNING);
        }
        if (started.startedAt() == null) {
            started = started.withStartedAt(now);
        }
        if (t.vendorJob() == null) {
            started = started.withAttempts(t.attempts() + 1);     // a new run of the work, not a poll
        }
        started = save(started.withLease(worker, now + c.lease().toMillis()));
        if (started == null) {
            return;
        }
        Run run = begin(started, provider, excluded);
        CompletionStage<TaskStep> step = safely(() -> h.run(run));
        step.whenComplete((s, e) -> onThread(() -> finish(run, s, e)));
    }

    private Run begin(Task t, String provider) {
        return begin(t, provider, Set.of());
    }

    private Run begin(Task t, String provider, Set<String> excluded) {
        Run run = new Run(t, provider, excluded);
        active.put(t.id(), run);
        if (renewing == null) {
            // The first run: its lease was just taken. Checked while runs last, not while idle.
            lastRenewal = clock.getAsLong();
            renewing = thread.scheduleWithFixedDelay(this::renewIfDue, RENEW_CHECK_MILLIS, RENEW_CHECK_MILLIS,
                    TimeUnit.MILLISECONDS);
        }
        if (provider != null) {
            perProvider.computeIfAbsent(provider, k -> new AtomicInteger()).incrementAndGet();
        }
        return run;
    }

    private boolean end(Run run) {
        if (active.remove(run.task.id(), run) && run.provider != null) {
            perProvider.get(run.provider).decrementAndGet();
        }
        thread.execute(this::tick);
        return !released;
    }

    private void finish(Run run, TaskStep step, Throwable err) {
        if (!end(run)) {
            return;                                     // handed back at shutdown: the next owner runs it
        }
        Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        if (run.aborted() || cause instanceof TaskAbortedException) {
            return;                                     // cancelled, deleted or taken over: someone else wrote
        }
        if (cause != null) {
            LOG.warn("task {}: step failed: {}", run.task.id(), cause.toString());
            step = AsyncVendorHandler.failure(cause);
        }
        long now = clock.getAsLong();
        TasksConfig c = config.get();
        Task cur = run.task;
        Task next;
        if (step instanceof TaskStep.Succeeded s) {
            next = ended(cur.withResponse(s.response()).withError(null)
                    .withProgress(cur.progress() == null ? null : 100), TaskState.SUCCEEDED, now);
        } else if (step instanceof TaskStep.Failed f) {
            if (f.retryable() && cur.attempts() < c.maxAttempts()) {
                long wait = retryDelayMillis(c, cur.attempts(), f.retryAfter());
                next = cur.withStatus(TaskState.QUEUED).withError(f.error()).withVendorJob(null).withLease(null, 0)
                        .withNextRunAt(now + wait);
            } else {
                next = ended(cur.withError(f.error()), TaskState.FAILED, now);
            }
        } else {
            TaskStep.Waiting w = (TaskStep.Waiting) step;
            Task.VendorJob job = cur.vendorJob();
            int polls = job == null ? 0 : job.polls() + 1;
            next = cur.withProgress(w.progress() != null ? w.progress() : cur.progress())
                    .withVendorJob(job == null ? null : job.withPolls(polls)).withLease(null, 0)
                    .withNextRunAt(now + pollDelayMillis(c, polls, w.retryAfter()));
        }
        Task written = save(next);
        if (written == null) {
            LOG.debug("task {} changed while it ran (cancelled or taken over); its result is dropped", cur.id());
        } else if (written.status() == TaskState.SUCCEEDED) {
            for (Consumer<Task> l : succeededListeners) {
                try {
                    l.accept(written);
                } catch (RuntimeException e) {
                    LOG.error("task {}: a listener of succeeded tasks failed", written.id(), e);
                }
            }
        }
    }

    private void afterVendorCancel(Run run, Throwable e) {
        if (!end(run)) {
            return;
        }
        if (e != null) {
            LOG.warn("task {}: cancelling the vendor job failed: {}", run.task.id(), e.toString());
        }
        Task t = run.task.withVendorCancelPending(false).withLease(null, 0);
        save(t.withNextRunAt(t.webhook() != null && !t.webhook().settled() ? clock.getAsLong() : Task.NEVER));
    }

    private void deliver(Run run, TasksConfig c) {
        Task t = run.task;
        TasksConfig.KeyWebhook kw = c.keyWebhooks().get(t.owner());
        String secret = kw != null && kw.secret() != null ? kw.secret() : c.webhooks().secret();
        Task.Webhook hook = t.webhook();
        // The body is the task as it ended, without the delivery log, so every retry sends the same bytes.
        byte[] body = TaskJson.event(t.withWebhook(new Task.Webhook(hook.url(), hook.deliveryId(), List.of(), false)),
                t.completedAt() == null ? clock.getAsLong() : t.completedAt());
        webhooks.deliver(hook.url(), hook.deliveryId(), body, secret, c.webhooks())
                .whenComplete((r, e) -> onThread(() -> afterDelivery(run, r, e)));
    }

    private void afterDelivery(Run run, WebhookSender.Result r, Throwable e) {
        if (!end(run)) {
            return;
        }
        long now = clock.getAsLong();
        TasksConfig c = config.get();
        if (e != null) {
            r = new WebhookSender.Result(null, e.toString(), false);
        }
        Task t = run.task;
        boolean ok = r.status() != null && r.status() >= 200 && r.status() < 300;
        long endedAt = t.completedAt() == null ? now : t.completedAt();
        boolean giveUp = ok || r.permanent() || now - endedAt >= c.webhooks().maxAge().toMillis();
        Task.Webhook hook = t.webhook().withAttempt(new Task.Delivery(now, r.status(), r.error()), giveUp);
        long wait = retryDelayMillis(c, hook.deliveries().size(), null);
        Task next = t.withWebhook(hook).withLease(null, 0).withNextRunAt(giveUp ? Task.NEVER : now + wait);
        if (!giveUp && next.nextRunAt() - endedAt > c.webhooks().maxAge().toMillis()) {
            next = next.withNextRunAt(endedAt + c.webhooks().maxAge().toMillis());
        }
        if (!ok) {
            LOG.info("task {}: webhook delivery to {} failed ({}){}", t.id(), hook.url(),
                    r.status() != null ? "status " + r.status() : r.error(), giveUp ? "; giving up" : "; will retry");
        }
        save(next);
    }

    /**
     * Renews the leases every third of the current {@code lease}: checked every
     * {@value #RENEW_CHECK_MILLIS} ms while this instance works on a task (an idle engine does not
     * wake up for it) against the lease read now, so a lease shortened by a
     * configuration reload is renewed in time at once. Also while closing: running steps keep their
     * leases until they are handed back.
     */
    private void renewIfDue() {
        if (active.isEmpty() && renewing != null) {
            renewing.cancel(false);                     // no run left: the next begin starts it again
            renewing = null;
            return;
        }
        long now = clock.getAsLong();
        if (now - lastRenewal >= config.get().lease().toMillis() / 3) {
            lastRenewal = now;
            renew();
        }
    }

    private void renew() {
        if (active.isEmpty() || released) {
            return;
        }
        long until = clock.getAsLong() + config.get().lease().toMillis();
        try {
            for (String lost : store.renew(worker, new ArrayList<>(active.keySet()), until)) {
                Run r = active.get(lost);
                if (r != null) {
                    LOG.info("task {}: lease lost (cancelled or taken over); stopping its run", lost);
                    r.abort();
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("task store: renewing leases failed: {}", e.getMessage());
        }
    }

    private void purge() {
        try {
            int n = store.purge(clock.getAsLong() - config.get().taskRetention().toMillis());
            if (n > 0) {
                LOG.info("purged {} finished tasks older than junction.tasks.task-retention", n);
            }
        } catch (RuntimeException e) {
            LOG.warn("task store: purging old tasks failed: {}", e.getMessage());
        }
    }

    /** The task moved to an end state; due at once when its vendor job must be cancelled or a webhook sent. */
    static Task ended(Task t, TaskState s, long now) {
        boolean cancelJob = t.vendorJob() != null && (s == TaskState.CANCELLED || s == TaskState.EXPIRED);
        Task e = t.end(s, now).withVendorCancelPending(cancelJob);
        return cancelJob ? e.withNextRunAt(now) : e;
    }

    long retryDelayMillis(TasksConfig c, int retry, Duration retryAfter) {
        Backoff b = new Backoff(c.retryBase(), c.retryCap(), Duration.ofDays(365), random);
        long wait = b.jitteredNanos(Math.max(1, retry)) / 1_000_000;
        return retryAfter == null ? wait : Math.max(wait, retryAfter.toMillis());
    }

    static long pollDelayMillis(TasksConfig c, int polls, Duration hint) {
        if (hint != null && !hint.isNegative()) {
            return hint.toMillis();                     // the vendor knows best (SPEC §6.4)
        }
        long d = c.pollInitial().toMillis();
        for (int i = 1; i < polls && d < c.pollMax().toMillis(); i++) {
            d *= 2;
        }
        return Math.min(d, c.pollMax().toMillis());
    }

    static String hash(Task.TaskRequest r) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(r.method().getBytes(StandardCharsets.UTF_8));
            md.update((byte) ' ');
            md.update(r.path().getBytes(StandardCharsets.UTF_8));
            md.update((byte) '\n');
            md.update(r.body());
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private <T> CompletableFuture<T> onThread(java.util.concurrent.Callable<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        try {
            thread.execute(() -> {
                try {
                    f.complete(work.call());
                } catch (Throwable e) {
                    f.completeExceptionally(e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            f.completeExceptionally(new TaskStoreException("the task engine is shut down", e));
        }
        return f;
    }

    private void onThread(Runnable r) {
        try {
            thread.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("task engine shut down; a late result is dropped (the task was handed back)");
        }
    }

    private static <T> CompletionStage<T> safely(Supplier<CompletionStage<T>> s) {
        try {
            return s.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Stops claiming, lets running steps finish for a few seconds (so a vendor submission in
     * flight gets its job recorded), then hands back what is still running: leases released,
     * the tasks due at once for the next instance or start (SPEC §6: shutdown loses no task).
     */
    @Override
    public void close() {
        closing = true;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SHUTDOWN_GRACE_MILLIS);
        while (!active.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        CompletableFuture<Integer> handedBack = onThread(() -> {
            released = true;
            for (Run r : active.values()) {
                r.abort();
            }
            return store.release(worker, clock.getAsLong());
        });
        try {
            int n = handedBack.get(10, TimeUnit.SECONDS);
            if (n > 0) {
                LOG.info("handed back {} running tasks", n);
            }
        } catch (Exception e) {
            LOG.warn("handing back running tasks failed: {}", e.toString());
        }
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.close();
    }

    /** One task being worked on; its latest stored value, and the abort signal. */
    private final class Run implements TaskRun {
        private volatile Task task;
        private final String provider;
        private final Set<String> excluded;
        private final List<Runnable> onAbort = new CopyOnWriteArrayList<>();
        private volatile boolean aborted;

        Run(Task task, String provider, Set<String> excluded) {
            this.task = task;
            this.provider = provider;
            this.excluded = excluded;
        }

        @Override
        public Set<String> excludedProviders() {
            return excluded;
        }

        @Override
        public Task task() {
            return task;
        }

        @Override
        public CompletionStage<Task> recordVendorJob(Task.VendorJob job) {
            return onThread(() -> {
                Task saved = aborted ? null : save(task.withVendorJob(job)
                        .withLease(worker, clock.getAsLong() + config.get().lease().toMillis()));
                if (saved == null) {
                    throw new TaskAbortedException(task.id());
                }
                task = saved;
                return saved;
            });
        }

        @Override
        public void onAbort(Runnable r) {
            onAbort.add(r);
            if (aborted) {
                r.run();
            }
        }

        @Override
        public boolean aborted() {
            return aborted;
        }

        void abort() {
            if (aborted) {
                return;
            }
            aborted = true;
            for (Runnable r : onAbort) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    LOG.debug("abort hook failed", e);
                }
            }
        }
    }
}
