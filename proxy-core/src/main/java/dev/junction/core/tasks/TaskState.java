package dev.junction.core.tasks;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The one task state machine (SPEC §6): {@code queued → running → succeeded | failed | cancelled |
 * expired}. A running task may go back to {@code queued} (a retryable failure waiting out its
 * backoff, or a task handed back at shutdown before any vendor job exists); a running task stays
 * running between two polls of its vendor job. The four end states are final: a task ends exactly
 * once, because every store write of an end state is conditional on the task not having ended.
 */
public enum TaskState {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, EXPIRED;

    private static final Set<TaskState> TERMINAL = EnumSet.of(SUCCEEDED, FAILED, CANCELLED, EXPIRED);

    /** The wire name ({@code "queued"}, ...). */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean terminal() {
        return TERMINAL.contains(this);
    }

    /** True when the state machine allows {@code this → next}. */
    public boolean canMoveTo(TaskState next) {
        return switch (this) {
            case QUEUED -> next == RUNNING || next == CANCELLED || next == EXPIRED || next == FAILED || next == QUEUED;
            case RUNNING -> next != null;                  // progress, retry wait, hand-back, or an end state
            case SUCCEEDED, FAILED, CANCELLED, EXPIRED -> false;
        };
    }

    /** Parses a wire name; null when unknown. */
    public static TaskState fromWire(String s) {
        if (s == null) {
            return null;
        }
        for (TaskState t : values()) {
            if (t.wire().equals(s)) {
                return t;
            }
        }
        return null;
    }
}
