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
     * The providers the task's next step may call, in the order it would try them, for the
     * per-provider {@code max-concurrent-tasks}; empty when not known (only the instance limit
     * applies). The engine runs the step only when one of them has room: it holds a slot of the
     * first limited provider with room (or none, when an unlimited provider comes first), and the
     * run must keep away from the limited providers whose slot it does not hold
     * ({@link TaskRun#excludedProviders()}).
     */
    default java.util.List<String> providers(Task task) {
        return java.util.List.of();
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
