package dev.junction.core.tasks;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * A vendor that runs jobs itself (Google Veo long-running operations, an OpenAI-videos-shaped
 * server, Replicate predictions, Runway tasks, ...): the contract one such vendor implements so
 * that the task engine can drive it durably. Wrap an implementation in {@link AsyncVendorHandler}
 * and register that with the {@link TaskEngine}; tasks of its {@link #kind()} then run it.
 *
 * <h2>Life cycle, as the engine drives it</h2>
 * <ol>
 *   <li>{@link #submit}: create the job at the vendor. The returned {@link Task.VendorJob} is
 *       written to the task and committed <em>before anything else happens</em>; from then on the
 *       job is only ever polled, never submitted again — also after a crash, a restart, or another
 *       instance taking the task over. The one window left — the vendor accepted the job but the
 *       process died before the commit — is closed where the vendor allows it by sending
 *       {@code submissionKey} as the vendor's idempotency key (e.g. an {@code Idempotency-Key}
 *       header): it is stable across the retries of one submission.</li>
 *   <li>{@link #poll}: ask how the job is doing. {@link JobStatus.Pending} carries the progress
 *       (0-100 or null) and the vendor's hint of when to look again ({@code Retry-After}, an ETA);
 *       the hint wins over the engine's backoff ({@code junction.tasks.poll { initial, max }},
 *       doubling per poll). Between polls the task holds no worker and no lease: any instance may
 *       do the next poll.</li>
 *   <li>{@link #fetch}: once the job is {@link JobStatus.Done}, copy the result where Junction
 *       keeps it (media to the media store, streamed, never held whole in memory) and return the
 *       task's answer (the JSON the client will read in {@code response.body}).</li>
 *   <li>{@link #cancel}: when the client cancels the task, or it expires, while the job is out.
 *       Best effort; a vendor without cancellation completes normally.</li>
 * </ol>
 *
 * <h2>Failures</h2>
 * Complete a stage exceptionally with {@link VendorJobException} to say what went wrong in the
 * SPEC §4 vocabulary and whether trying again can help. A retryable failure of {@link #submit}
 * (429, 5xx, timeout) submits again after backoff; a retryable failure of {@link #poll} polls
 * again later without touching the job; {@link JobStatus.Failed} ends the job: retryable → a new
 * submission after backoff (the failed job is forgotten), otherwise the task fails (a content
 * filter is {@code failed} with code {@code content_filter}). Any other exception counts as a
 * retryable {@code upstream_unavailable}. Attempts are bounded by
 * {@code junction.tasks.max-attempts}.
 *
 * <h2>Threads</h2>
 * Methods are called from the engine's threads and must not block: return a stage completed later
 * (an upstream call on the gateway's event loops, or work on your own executor). Implementations
 * read routing and credentials from the gateway's current snapshot when called, so a config
 * reload applies to the next step; {@link Task.VendorJob#state()} is where a job keeps what it
 * needs across steps and restarts (e.g. the provider and model chosen at submission).
 */
public interface AsyncVendor {

    /** The task kind this vendor's tasks carry, e.g. {@code "video"}. */
    String kind();

    /**
     * The providers the next step may call, for {@code max-concurrent-tasks} (see
     * {@link TaskHandler#providers}): before submission those routing would pick from, in order
     * (or none when unknown), afterwards {@code task.vendorJob().provider()}.
     */
    default java.util.List<String> providers(Task task) {
        return task.vendorJob() == null ? java.util.List.of() : java.util.List.of(task.vendorJob().provider());
    }

    /** Creates the job; see the class comment for {@code submissionKey}. */
    CompletionStage<Task.VendorJob> submit(Task task, String submissionKey);

    /**
     * Creates the job on a provider not in {@code excludedProviders} (limited providers whose
     * {@code max-concurrent-tasks} slot this run does not hold). The default ignores the set: a
     * vendor that lists no providers is not limited per provider before submission.
     */
    default CompletionStage<Task.VendorJob> submit(Task task, String submissionKey,
                                                   java.util.Set<String> excludedProviders) {
        return submit(task, submissionKey);
    }

    /** The job's status now. */
    CompletionStage<JobStatus> poll(Task task, Task.VendorJob job);

    /** Copies the finished job's result and returns the task's answer. */
    CompletionStage<Task.TaskResponse> fetch(Task task, Task.VendorJob job, JobStatus.Done done);

    /** Cancels the job at the vendor, where the vendor can. */
    CompletionStage<Void> cancel(Task task, Task.VendorJob job);

    /** What a poll found (vendor states mapped as wire-formats §7). */
    sealed interface JobStatus {

        /** Queued or running at the vendor; {@code retryAfter} is the vendor's hint, or null. */
        record Pending(Integer progress, Duration retryAfter) implements JobStatus {
        }

        /** Finished well; {@code result} is whatever {@link #fetch} needs (e.g. the output URIs). */
        record Done(String result) implements JobStatus {
        }

        /** Finished badly. */
        record Failed(Task.TaskError error, boolean retryable) implements JobStatus {
        }
    }
}
