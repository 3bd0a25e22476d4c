package dev.junction.core.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.core.config.TasksConfig;
import dev.junction.translators.responses.ResponsesHistory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The Responses door's state (SPEC §3.1): responses kept for {@code store: true}, each visible only
 * to the gateway key that created it, for {@code junction.tasks.task-retention}. Every store call
 * runs on this object's own thread ({@code junction-responses}); answers are futures, so no event
 * loop ever waits on SQLite or Redis. A response another key created is reported as unknown, like
 * one that never existed (no key learns another's ids).
 */
public final class ResponseStates implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ResponseStates.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ResponseStore store;
    private final Duration retention;
    private final LongSupplier clock;
    private final ScheduledExecutorService thread;

    public ResponseStates(ResponseStore store, Duration retention, LongSupplier clock) {
        this.store = store;
        this.retention = retention;
        this.clock = clock;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "junction-responses");
            t.setDaemon(true);
            return t;
        });
        // Redis expires its keys itself; the embedded table is swept.
        thread.scheduleWithFixedDelay(this::purge, 1, 10, TimeUnit.MINUTES);
    }

    /**
     * The store {@code tasks} configures: the running task store's SQLite file and connection
     * ({@code taskStore}), or its Redis.
     */
    public static ResponseStates open(TasksConfig tasks, dev.junction.core.tasks.TaskStore taskStore) {
        ResponseStore s = taskStore instanceof dev.junction.core.tasks.EmbeddedTaskStore embedded
                ? new EmbeddedResponseStore(embedded) : RedisResponseStore.open(tasks.redisUri());
        return new ResponseStates(s, tasks.taskRetention(), System::currentTimeMillis);
    }

    /** The response {@code id} as {@code owner} may see it; completes with null when unknown, expired or another key's. */
    public CompletableFuture<StoredResponse> find(String id, String owner) {
        return CompletableFuture.supplyAsync(() -> {
            StoredResponse r = store.get(id, clock.getAsLong());
            return r != null && r.owner().equals(owner) ? r : null;
        }, thread);
    }

    /**
     * Keeps {@code response} (its {@code id} is the key) with the conversation's input items, read
     * from {@code requestBody} (the request as served, history expanded) on the store's thread.
     * Fire and forget: a store failure is logged, the client already has its answer.
     */
    public void keep(String owner, JsonNode response, byte[] requestBody) {
        String id = response.path("id").asText(null);
        if (id == null) {
            return;
        }
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(response);
        } catch (java.io.IOException e) {
            LOG.warn("response {} not kept: {}", id, e.getMessage());
            return;
        }
        Runnable write = () -> {
            try {
                byte[] input = ResponsesHistory.inputToKeep(io.netty.buffer.Unpooled.wrappedBuffer(requestBody));
                long now = clock.getAsLong();
                store.put(new StoredResponse(id, owner, now, now + retention.toMillis(), body, input));
            } catch (RuntimeException e) {
                LOG.warn("response {} not kept: {}", id, e.getMessage());
            }
        };
        try {
            thread.execute(write);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.warn("response {} not kept: the gateway is shutting down", id);
        }
    }

    /** Deletes {@code id} if {@code owner} created it; completes with whether it did. */
    public CompletableFuture<Boolean> delete(String id, String owner) {
        return CompletableFuture.supplyAsync(() -> {
            StoredResponse r = store.get(id, clock.getAsLong());
            return r != null && r.owner().equals(owner) && store.delete(id);
        }, thread);
    }

    private void purge() {
        try {
            store.purge(clock.getAsLong());
        } catch (RuntimeException e) {
            LOG.warn("expired responses not purged: {}", e.getMessage());
        }
    }

    /** Finishes what was queued (kept responses are written), then closes the store. */
    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.close();
    }
}
