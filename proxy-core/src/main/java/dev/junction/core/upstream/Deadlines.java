package dev.junction.core.upstream;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * The next deadline of every running {@link UpstreamCall} of one provider origin on one event loop
 * (confined to it), behind one timer. A call is linked into a list kept in order of its deadline
 * when it starts, and unlinked when it ends — two pointer updates, where a timer of its own would
 * cost a scheduled task, a priority-queue insertion and a removal per request. The timer is set
 * for the earliest deadline; it is not moved when that call ends (most calls end long before their
 * deadline), so it may fire with nothing due and is then set for the earliest deadline left. When
 * it fires, every call whose deadline has come is unlinked and checks its own deadlines
 * ({@link UpstreamCall#watch}): it times out, or links itself again for its next one.
 *
 * <p>Deadlines are exact, as with a timer per call: the timer is never set later than the earliest
 * deadline in the list (a call linked ahead of it moves it earlier), and Netty runs a scheduled
 * task no earlier than its time. Calls of one origin mostly share their timeouts, so a new
 * deadline is the latest one and is linked at the tail in one step.
 */
final class Deadlines {

    private final EventLoop loop;
    private UpstreamCall first;
    private UpstreamCall last;
    private ScheduledFuture<?> timer;
    /** When {@link #timer} fires (System.nanoTime() scale), while it is set. */
    private long timerDue;
    private final Runnable fire = this::fire;

    Deadlines(EventLoop loop) {
        this.loop = loop;
    }

    /** Links {@code c} (not linked now) with its next deadline {@code due} (System.nanoTime() scale). */
    void add(UpstreamCall c, long due) {
        c.due = due;
        UpstreamCall after = last;
        while (after != null && after.due - due > 0) {
            after = after.prev;
        }
        c.prev = after;
        if (after == null) {
            c.next = first;
            first = c;
        } else {
            c.next = after.next;
            after.next = c;
        }
        if (c.next == null) {
            last = c;
        } else {
            c.next.prev = c;
        }
        c.linked = true;
        if (c == first) {
            armFor(due);
        }
    }

    /** Unlinks {@code c} if it is linked; the timer stays as it is. */
    void remove(UpstreamCall c) {
        if (!c.linked) {
            return;
        }
        c.linked = false;
        if (c.prev == null) {
            first = c.next;
        } else {
            c.prev.next = c.next;
        }
        if (c.next == null) {
            last = c.prev;
        } else {
            c.next.prev = c.prev;
        }
        c.prev = null;
        c.next = null;
    }

    /** Whether nothing is linked (for tests). */
    boolean isEmpty() {
        return first == null;
    }

    /** Sets the timer for {@code due} unless it is set for that or earlier already. */
    private void armFor(long due) {
        ScheduledFuture<?> t = timer;
        if (t != null) {
            if (timerDue - due <= 0) {
                return;
            }
            t.cancel(false);
        }
        timerDue = due;
        timer = loop.schedule(fire, Math.max(0, due - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void fire() {
        timer = null;
        long now = System.nanoTime();
        for (UpstreamCall c; (c = first) != null && c.due - now <= 0; ) {
            remove(c);
            c.watch(now); // times out, or links itself again for a later deadline
        }
        UpstreamCall c = first;
        if (c != null) {
            armFor(c.due);
        }
    }
}
