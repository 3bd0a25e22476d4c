package dev.junction.core.tasks;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Runs the tasks of one kind. The engine claims a task, marks it running, and calls
 * {@link #run}; the handler does one step of the work without blocking the calling thread and
 * completes the stage with a {@link TaskStep}. Two implementations: {@link HttpTaskHandler} (an
 * ordinary request replayed through the gateway's own pipeline) and {@link AsyncVendorHandler}
 * (a job an asynchronous vendor runs; see {@link AsyncVendor}).
 */
public interface TaskHandler {

    /** The task kind this handler runs ({@link Task#kind()}). */
    String kind();

    /**
     * The provider the task's next step calls, when it is known before the step, for the
     * per-provider {@code max-concurrent-tasks}; null when not known (the instance limit applies).
     */
    default String provider(Task task) {
        return null;
    }

    /** One step of the work. The stage may also fail exceptionally: that is a retryable failure. */
    CompletionStage<TaskStep> run(TaskRun run);

    /**
     * Cancels the vendor's job of a task that ended (cancelled or expired) while the job was out.
     * Best effort: a vendor that cannot cancel completes normally.
     */
    default CompletionStage<Void> cancel(Task task) {
        return CompletableFuture.completedFuture(null);
    }
}
