package dev.junction.core.tasks;

import java.util.Collection;
import java.util.List;

/**
 * Where tasks live (SPEC §6): {@link EmbeddedTaskStore} (a SQLite file) or {@link RedisTaskStore}
 * (shared by several instances). Calls block; the {@link TaskEngine} makes them from its own store
 * thread, never from an event loop.
 *
 * <p>Every write that changes a task is conditional on the version the writer read
 * ({@link #update}); the store increments it. Claiming is the only way a worker gets a task: a
 * claim sets a lease ({@code leaseOwner}, {@code leaseUntil}) that the worker renews while it
 * works; a task whose lease ran out (its instance died) becomes claimable again, which is how
 * another instance — or the same one after a restart — takes it over.
 */
public interface TaskStore extends AutoCloseable {

    /** The answer of {@link #insert}: the task stored, and whether it is new. */
    record Inserted(Task task, boolean created) {
    }

    /**
     * Stores a new task, committed when this returns. When the task has an idempotency key and
     * the same owner already has a task with that key created after {@code idempotentSince}, that
     * task is returned instead ({@code created = false}) and nothing is written.
     */
    Inserted insert(Task task, long idempotentSince);

    /**
     * {@link #insert} for several tasks at once — one commit for all of them where the store can
     * (group commit: one disk sync for a burst of submissions). Answers in the same order.
     */
    default List<Inserted> insertAll(List<Task> tasks, long idempotentSince) {
        List<Inserted> out = new java.util.ArrayList<>(tasks.size());
        for (Task t : tasks) {
            out.add(insert(t, idempotentSince));
        }
        return out;
    }

    /** The task, or null. */
    Task get(String id);

    /**
     * The owner's tasks, newest first: those with an id before {@code after} (exclusive) when it
     * is set, with {@code status} when it is set; at most {@code limit}.
     */
    List<Task> list(String owner, TaskState status, String after, int limit);

    /**
     * Claims up to {@code max} tasks that need a worker at {@code now} ({@code nextRunAt <= now})
     * and are not leased by a live claim ({@code leaseUntil < now}), oldest {@code nextRunAt}
     * first; each is returned leased to {@code worker} until {@code leaseUntil}, version bumped.
     */
    List<Task> claim(String worker, long now, long leaseUntil, int max);

    /** {@link #nextClaimableAt}'s answer when the store cannot tell: others write it too. */
    long UNKNOWN = Long.MIN_VALUE;

    /**
     * When the next task can be claimed ({@link #claim}: the earliest {@code nextRunAt} of a task
     * not leased, or the end of its lease for a leased one), {@link Task#NEVER} when no task ever
     * will — if only this process writes the store, so that the engine can wait until then; a
     * store other instances write too answers {@link #UNKNOWN} (the default) and is polled.
     */
    default long nextClaimableAt() {
        return UNKNOWN;
    }

    /**
     * Writes {@code next} if the stored version is still {@code next.version()}; the stored and
     * returned value has version + 1. Returns null (and writes nothing) when the task changed or
     * is gone.
     */
    Task update(Task next);

    /**
     * Extends {@code worker}'s leases on {@code ids} to {@code leaseUntil}; returns the ids whose
     * lease is no longer {@code worker}'s (ended elsewhere, cancelled, taken over or deleted).
     */
    List<String> renew(String worker, Collection<String> ids, long leaseUntil);

    /**
     * Hands back every task leased to {@code worker} (shutdown): the lease is cleared and the task
     * is due at once; a running task with no vendor job goes back to {@code queued}.
     */
    int release(String worker, long now);

    /** Deletes the task; true when it existed. */
    boolean delete(String id);

    /** Deletes tasks that ended before {@code endedBefore}; returns how many. */
    int purge(long endedBefore);

    /** Counts tasks by state (all owners), for the admin figures. */
    java.util.Map<TaskState, Long> counts();

    @Override
    void close();
}
