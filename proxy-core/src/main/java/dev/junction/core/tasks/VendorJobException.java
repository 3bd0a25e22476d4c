package dev.junction.core.tasks;

import java.time.Duration;

/** A step of an asynchronous vendor failed; see {@link AsyncVendor} for how each is handled. */
public final class VendorJobException extends RuntimeException {

    private final Task.TaskError error;
    private final boolean retryable;
    private final Duration retryAfter;

    public VendorJobException(Task.TaskError error, boolean retryable, Duration retryAfter) {
        super(error.code() + ": " + error.message(), null, false, false);
        this.error = error;
        this.retryable = retryable;
        this.retryAfter = retryAfter;
    }

    public Task.TaskError error() {
        return error;
    }

    public boolean retryable() {
        return retryable;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
