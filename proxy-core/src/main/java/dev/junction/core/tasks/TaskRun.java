package dev.junction.core.tasks;

import java.util.concurrent.CompletionStage;

/**
 * One claimed task being worked on by a {@link TaskHandler}: the task as claimed, a way to
 * persist the vendor's job before doing anything else, and the abort signal (the task was
 * cancelled or its lease was lost to another instance).
 */
public interface TaskRun {

    /** The task as stored when the run started (with its lease). */
    Task task();

    /**
     * Persists the vendor job on the task and completes when it is committed; completes
     * exceptionally with {@link TaskAbortedException} when the task was cancelled, deleted or taken
     * over meanwhile (the caller must then cancel the job it just created, or leave it to the
     * engine, which does when the stage fails with that exception).
     */
    CompletionStage<Task> recordVendorJob(Task.VendorJob job);

    /** Registers what to do when the run is aborted; runs at once when it already was. */
    void onAbort(Runnable r);

    boolean aborted();

    /**
     * Providers this run must not call: those with a {@code max-concurrent-tasks} whose slot it
     * does not hold (they may be full). Empty when no limit applies.
     */
    default java.util.Set<String> excludedProviders() {
        return java.util.Set.of();
    }
}
