package dev.junction.stream;

import java.util.BitSet;

/**
 * The stream-failure rules of SPEC §5 for one upstream attempt, as a small pure state machine.
 *
 * <p>It tracks the <em>commit point</em> — the first content passed on to the client — and which
 * choices got their finish reason, and turns the way the upstream stream ended into a
 * {@link Verdict}:
 * <ul>
 *   <li>{@link Outcome#COMPLETE}: every choice finished; end normally (usage chunk, {@code [DONE]});</li>
 *   <li>{@link Outcome#RETRY}: nothing was committed and the failure is retryable; retry or fail
 *       over transparently (DESIGN house rule 7), or, when no candidate is left, answer with
 *       {@link Verdict#error()} as an HTTP error;</li>
 *   <li>{@link Outcome#FAIL}: nothing was committed but the vendor's error is final (e.g. a bad
 *       request reported in-stream): answer with the error as an HTTP error;</li>
 *   <li>{@link Outcome#INTERRUPTED}: content was committed; end the stream with the in-band
 *       {@code data: {"error":…}} frame (SPEC §4 {@code upstream_error}/{@code stream_interrupted})
 *       and without {@code [DONE]}, so a truncated answer never looks complete.</li>
 * </ul>
 *
 * <p>Contract with the proxy: report content to the guard ({@link #observe} or
 * {@link #forwarded(boolean)}) <em>before</em> writing it to the client, and hold back chunks that
 * carry no content (the role chunk, Azure's prompt-filter chunk) until the first content chunk, so
 * that "not committed" really means "no byte sent". One guard per upstream attempt; not thread-safe.
 */
public final class StreamGuard {

    public enum Outcome { COMPLETE, RETRY, FAIL, INTERRUPTED }

    /** What to do with the stream; {@code error} is null only for {@link Outcome#COMPLETE}. */
    public record Verdict(Outcome outcome, GatewayError error) {
        static final Verdict COMPLETE = new Verdict(Outcome.COMPLETE, null);
    }

    private final int expectedChoices;
    private final BitSet finished = new BitSet();
    private boolean committed;
    private int chunks;

    /** @param expectedChoices the request's {@code n}: how many choices must finish */
    public StreamGuard(int expectedChoices) {
        if (expectedChoices < 1) {
            throw new IllegalArgumentException("expectedChoices must be at least 1: " + expectedChoices);
        }
        this.expectedChoices = expectedChoices;
    }

    /**
     * Records a canonical event about to be written (translated path). Content — non-empty text,
     * reasoning or refusal, a tool call or non-empty arguments, a finish — commits the stream.
     */
    public void observe(StreamEvent event) {
        if (event instanceof StreamEvent.TextDelta t) {
            content(nonEmpty(t.text()));
        } else if (event instanceof StreamEvent.ToolCallArguments a) {
            content(nonEmpty(a.fragment()));
        } else if (event instanceof StreamEvent.ReasoningDelta r) {
            content(nonEmpty(r.text()));
        } else if (event instanceof StreamEvent.RefusalDelta r) {
            content(nonEmpty(r.text()));
        } else if (event instanceof StreamEvent.ToolCallStart) {
            content(true);
        } else if (event instanceof StreamEvent.Finish f) {
            content(true);
            finished(f.choice());
        }
    }

    /** Records one chunk about to be forwarded as is (pass-through path, see {@code OpenAiChunkInspector}). */
    public void forwarded(boolean carriesContent) {
        chunks++;
        if (carriesContent) {
            committed = true;
        }
    }

    /** Records that {@code choice} got its finish reason. */
    public void finished(int choice) {
        if (choice >= 0) {
            finished.set(choice);
        }
    }

    private static boolean nonEmpty(String s) {
        return s != null && !s.isEmpty();
    }

    private void content(boolean isContent) {
        if (isContent) {
            chunks++;
            committed = true;
        }
    }

    /** Whether content has reached (or is about to reach) the client: no more retries. */
    public boolean committed() {
        return committed;
    }

    /** How many chunks were forwarded or content events observed. */
    public int chunks() {
        return chunks;
    }

    /** Whether each of the expected choices finished. */
    public boolean allFinished() {
        return finished.nextClearBit(0) >= expectedChoices;
    }

    /** The upstream ended normally (EOF, {@code [DONE]}, {@code message_stop}). */
    public Verdict upstreamEnded() {
        if (allFinished()) {
            return Verdict.COMPLETE;
        }
        return cut("the vendor ended the stream before every choice finished");
    }

    /**
     * The upstream connection failed mid-stream (reset, stall timeout, malformed stream);
     * {@code detail} says what happened, without any vendor key.
     */
    public Verdict upstreamCut(String detail) {
        if (allFinished()) {
            return Verdict.COMPLETE; // every choice is whole: only the trailing usage is missing
        }
        return cut(detail);
    }

    /** The vendor reported an error inside the stream, already mapped to the SPEC §4 vocabulary. */
    public Verdict upstreamFailed(GatewayError cause) {
        if (allFinished()) {
            return Verdict.COMPLETE;
        }
        if (!committed) {
            return new Verdict(cause.retryable() || cause.failover() ? Outcome.RETRY : Outcome.FAIL, cause);
        }
        return interrupted(cause.message());
    }

    private Verdict cut(String detail) {
        if (!committed) {
            String message = "The vendor stream failed before any content was sent (" + detail
                    + "). Retry the request.";
            return new Verdict(Outcome.RETRY, GatewayError.streamInterrupted(message));
        }
        return interrupted(detail);
    }

    private Verdict interrupted(String detail) {
        String message = "The vendor cut the stream after " + chunks + (chunks == 1 ? " chunk" : " chunks")
                + " (" + detail + "); the answer is incomplete. Retry the request.";
        return new Verdict(Outcome.INTERRUPTED, GatewayError.streamInterrupted(message).terminal());
    }
}
