package dev.junction.core.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One task as stored (SPEC §6.1), immutable; every change is a new value written with
 * {@link TaskStore#update}, conditional on {@link #version()} (optimistic concurrency), which is
 * what lets a task end exactly once when a worker, a cancel and a takeover race.
 *
 * <p>Times are epoch milliseconds. {@code nextRunAt} is when a worker must next look at the task
 * (run it, poll its vendor job, cancel that job, deliver its webhook, or expire it), or
 * {@link #NEVER}; {@code leaseOwner}/{@code leaseUntil} say which instance is working on it right
 * now and until when its claim holds without renewal.
 *
 * @param kind     which {@link TaskHandler} runs it: {@link HttpTaskHandler#KIND} for an ordinary
 *                 request replayed through the gateway, or an asynchronous vendor's kind
 * @param request  the request as received (method, path, the headers that matter, the body)
 * @param vendorJob the vendor's job once submitted (asynchronous vendors), else null
 */
public record Task(String id, String owner, TaskState status, String kind,
                   long createdAt, Long startedAt, Long completedAt, long expiresAt,
                   TaskRequest request, String model, String requestHash, String idempotencyKey,
                   int attempts, Integer progress, TaskResponse response, TaskError error,
                   Webhook webhook, VendorJob vendorJob, boolean vendorCancelPending,
                   long nextRunAt, String leaseOwner, long leaseUntil, long version) {

    public static final long NEVER = Long.MAX_VALUE;

    /** What the client sent. Only the headers that change how a request is served are kept. */
    public record TaskRequest(String method, String path, Map<String, String> headers, byte[] body) {
        public TaskRequest {
            headers = Map.copyOf(headers);
        }
    }

    /** The answer of a succeeded task: what the synchronous request would have answered. */
    public record TaskResponse(int statusCode, Map<String, String> headers, byte[] body) {
        public TaskResponse {
            headers = Map.copyOf(headers);
        }
    }

    /** A failure in the SPEC §4 vocabulary. */
    public record TaskError(String message, String type, String param, String code) {
    }

    /** One webhook delivery attempt (SPEC §6.3): when, and the receiver's status or the error. */
    public record Delivery(long at, Integer statusCode, String error) {
    }

    /**
     * The webhook asked for: the target, the {@code webhook-id} every retry of the one delivery
     * keeps, the attempts so far, and whether the delivery is settled (acknowledged or given up).
     */
    public record Webhook(String url, String deliveryId, List<Delivery> deliveries, boolean settled) {
        public Webhook {
            deliveries = List.copyOf(deliveries);
        }

        public Webhook withAttempt(Delivery d, boolean settledNow) {
            List<Delivery> all = new ArrayList<>(deliveries);
            all.add(d);
            return new Webhook(url, deliveryId, all, settledNow);
        }
    }

    /**
     * A job an asynchronous vendor runs for this task. Persisted before anything else happens
     * after the vendor accepted it, so that a restart polls it instead of submitting again.
     *
     * @param provider the provider (configured name) the job runs on
     * @param id       the vendor's job id (operation name, prediction id, ...)
     * @param state    opaque to the engine: whatever the vendor implementation needs to poll,
     *                 cancel and fetch (e.g. the deployment's model, a polling URL); JSON is handy
     * @param polls    polls so far (the backoff between polls grows with it)
     */
    public record VendorJob(String provider, String id, String state, int polls) {
        public VendorJob withPolls(int n) {
            return new VendorJob(provider, id, state, n);
        }
    }

    public boolean finished() {
        return status.terminal();
    }

    public Task withStatus(TaskState s) {
        if (!status.canMoveTo(s)) {
            throw new IllegalStateException("task " + id + ": " + status.wire() + " -> " + s.wire() + " is not allowed");
        }
        return new Task(id, owner, s, kind, createdAt, startedAt, completedAt, expiresAt, request, model, requestHash,
                idempotencyKey, attempts, progress, response, error, webhook, vendorJob, vendorCancelPending, nextRunAt,
                leaseOwner, leaseUntil, version);
    }

    public Task withStartedAt(Long v) {
        return new Task(id, owner, status, kind, createdAt, v, completedAt, expiresAt, request, model, requestHash,
                idempotencyKey, attempts, progress, response, error, webhook, vendorJob, vendorCancelPending, nextRunAt,
                leaseOwner, leaseUntil, version);
    }

    public Task withCompletedAt(Long v) {
        return new Task(id, owner, status, kind, createdAt, startedAt, v, expiresAt, request, model, requestHash,
                idempotencyKey, attempts, progress, response, error, webhook, vendorJob, vendorCancelPending, nextRunAt,
                leaseOwner, leaseUntil, version);
    }

    public Task withAttempts(int v) {
        return new Task(id, owner, status, kind, createdAt, startedAt, completedAt, expiresAt, request, model, requestHash,
                idempotencyKey, v, progress, response, error, webhook, vendorJob, vendorCancelPending, nextRunAt,
                leaseOwner, leaseUntil, version);
    }

    public Task withProgress(Integer v) {
        return new Task(id, owner, status, kind, createdAt, startedAt, completedAt, expiresAt, request, model, requestHash,
                idempotencyKey, attempts, v, response, error, webhook, vendorJob, vendorCancelPending, nextRunAt,
                leaseOwner, leaseUntil, version);
    }

    public Task withResponse(TaskResponse v) {
        return new Task(id, owner, status, kind, createdAt, startedAt, completedAt, expiresAt, request, model, requestHash,
                idempotencyKey, attempts, progress, v, error, webhook, vendorJob, vendorCancelPending, nextRunAt,
                leaseOwner, leaseUntil, version);
    }

    public Task withError(TaskError v) {
        return new Task(id, owner, status, kind, createdAt, startedAt, completedAt, expiresAt, request, model, requestHash,
                idempotencyKey, attempts, progress, response, v, webhook, vendorJob, vendorCancelPending, nextRunAt,
                leaseOwner, leaseUntil, version);
    }

    public Task withWebhook(Webhook v) {
        return new Task(id, owner, status, kind, createdAt, startedAt, completedAt, expiresAt, request, model, requestHash,
                idempotencyKey, attempts, progress, response, error, v, vendorJob, vendorCancelPending, nextRunAt,
                leaseOwner, leaseUntil, version);
    }

    public Task withVendorJob(VendorJob v) {
        return new Task(id, owner, status, kind, createdAt, startedAt, completedAt, expiresAt, request, model, requestHash,
                idempotencyKey, attempts, progress, response, error, webhook, v, vendorCancelPending, nextRunAt,
                leaseOwner, leaseUntil, version);
    }

    public Task withVendorCancelPending(boolean v) {
        return new Task(id, owner, status, kind, createdAt, startedAt, completedAt, expiresAt, request, model, requestHash,
                idempotencyKey, attempts, progress, response, error, webhook, vendorJob, v, nextRunAt,
                leaseOwner, leaseUntil, version);
    }

    public Task withNextRunAt(long v) {
        return new Task(id, owner, status, kind, createdAt, startedAt, completedAt, expiresAt, request, model, requestHash,
                idempotencyKey, attempts, progress, response, error, webhook, vendorJob, vendorCancelPending, v,
                leaseOwner, leaseUntil, version);
    }

    public Task withLease(String owner, long until) {
        return new Task(id, this.owner, status, kind, createdAt, startedAt, completedAt, expiresAt, request, model,
                requestHash, idempotencyKey, attempts, progress, response, error, webhook, vendorJob, vendorCancelPending,
                nextRunAt, owner, until, version);
    }

    public Task withVersion(long v) {
        return new Task(id, owner, status, kind, createdAt, startedAt, completedAt, expiresAt, request, model, requestHash,
                idempotencyKey, attempts, progress, response, error, webhook, vendorJob, vendorCancelPending, nextRunAt,
                leaseOwner, leaseUntil, v);
    }

    /**
     * Moves to an end state now: sets the completion time, clears the lease, and schedules the
     * webhook delivery (or nothing).
     */
    public Task end(TaskState s, long now) {
        Task t = withStatus(s).withCompletedAt(now).withLease(null, 0);
        return t.withNextRunAt(t.webhook != null && !t.webhook.settled() ? now : NEVER);
    }
}
