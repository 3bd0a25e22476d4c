package dev.junction.core.tasks;

/** What every {@link TaskStore} does the same way. */
final class TaskStores {

    private TaskStores() {
    }

    /**
     * A task handed back by its worker (shutdown): due at once, unleased; still {@code running}
     * when a vendor job is out (the vendor keeps working; the next owner polls it), otherwise back
     * to {@code queued} (nothing outside Junction holds it).
     */
    static Task handedBack(Task t, long now) {
        Task out = t.withLease(null, 0);
        if (!t.finished()) {
            out = out.withNextRunAt(now);
            if (t.status() == TaskState.RUNNING && t.vendorJob() == null) {
                out = out.withStatus(TaskState.QUEUED);
            }
        }
        return out;
    }
}
