package dev.junction.core.tasks;

/** The run's task was cancelled, deleted or taken over while the run was working on it. */
public final class TaskAbortedException extends RuntimeException {
    public TaskAbortedException(String taskId) {
        super("task " + taskId + " was cancelled or taken over", null, false, false);
    }
}
