package dev.junction.core.tasks;

import java.time.Duration;

/** How one run of a {@link TaskHandler} ended. The engine turns it into the task's next state. */
public sealed interface TaskStep {

    /** Done: the task succeeds with this answer. */
    record Succeeded(Task.TaskResponse response) implements TaskStep {
    }

    /**
     * Failed. A {@code retryable} failure (vendor 5xx/429, timeouts, the vendor job failing for a
     * transient reason) is run again after an exponential backoff with full jitter — at least
     * {@code retryAfter} when set — until {@code junction.tasks.max-attempts}; then, and for any
     * other failure, the task fails with {@code error}.
     */
    record Failed(Task.TaskError error, boolean retryable, Duration retryAfter) implements TaskStep {
    }

    /**
     * The vendor job is still going: record {@code progress} (0-100, or null when unknown) and look
     * again after {@code retryAfter} when the vendor said when, else after the engine's polling
     * backoff ({@code junction.tasks.poll}).
     */
    record Waiting(Integer progress, Duration retryAfter) implements TaskStep {
    }
}
