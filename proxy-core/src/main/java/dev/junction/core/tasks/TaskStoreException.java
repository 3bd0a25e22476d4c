package dev.junction.core.tasks;

/** The task store could not do what was asked (unreachable, corrupt, full disk). */
public final class TaskStoreException extends RuntimeException {
    public TaskStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
