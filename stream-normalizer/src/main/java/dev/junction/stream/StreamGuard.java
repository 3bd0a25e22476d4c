package dev.junction.stream;

import java.util.BitSet;

/**
 * The stream rules of SPEC §5 for one upstream attempt, as a small pure state machine: the one
 * copy of them, used by every stream processor (pass-through, translated, fanned out).
 *
 * <p>It tracks the <em>commit point</em> — the first content passed on to the client — and which
 * choices got their finish reason, and turns the way the upstream stream ended into a
 * {@link Verdict}:
 * <ul>
 *   <li>{@link Outcome#COMPLETE}: every choice finished (or the vendor sent its own end marker);
 *       end normally (usage chunk, {@code [DONE]}), even if the connection then failed: the answer
 *       is whole, only what follows it is missing;</li>
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
 * <p>What is content ({@link #isContent}): non-empty text, reasoning, refusal or tool-call
 * arguments, and the start of a tool call — what SPEC §5 calls a content byte. A finish reason is
 * not content: an answer with no content at all (say an immediate {@code content_filter}) stays
 * uncommitted, held back and retryable until its stream ends. The role chunk and Azure's
 * prompt-filter chunk are not content either.
 *
 * <p>Before the commit point the client has seen nothing, so a stream cut short is a vendor
 * failure like any other, {@code 503 upstream_unavailable} once retries are spent (SPEC §4);
 * {@code stream_interrupted} is only ever the in-band error after it.
 *
 * <p>Contract with the proxy: report content to the guard ({@link #observe} or
 * {@link #forwarded(boolean)}) <em>before</em> writing it to the client, and hold back chunks that
 * carry no content until the first content chunk, so that "not committed" really means "no byte
 * sent". One guard per upstream attempt; not thread-safe.
 */
public final class StreamGuard {

    public enum Outcome { COMPLETE, RETRY, FAIL, INTERRUPTED }

    /** What to do with the stream; {@code error} is null only for {@link Outcome#COMPLETE}. */
    public record Verdict(Outcome outcome, GatewayError error) {
        static final Verdict COMPLETE = new Verdict(Outcome.COMPLETE, null);

        public boolean complete() {
            return outcome == Outcome.COMPLETE;
        }
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

    /** Whether a canonical event is content in the sense of SPEC §5's commit point (class comment). */
    public static boolean isContent(StreamEvent event) {
        if (event instanceof StreamEvent.TextDelta t) {
            return nonEmpty(t.text());
        } else if (event instanceof StreamEvent.ToolCallArguments a) {
            return nonEmpty(a.fragment());
        } else if (event instanceof StreamEvent.ReasoningDelta r) {
            return nonEmpty(r.text());
        } else if (event instanceof StreamEvent.RefusalDelta r) {
            return nonEmpty(r.text());
        }
        return event instanceof StreamEvent.ToolCallStart;
    }

    /** Records a canonical event about to be written (translated path): its content and its finish. */
    public void observe(StreamEvent event) {
        if (isContent(event)) {
            content();
        } else if (event instanceof StreamEvent.Finish f) {
            finished(f.choice());
        }
    }

    /** Records a content event about to be written (a non-empty fragment handed over as bytes, {@link JsonTextSink}). */
    public void content() {
        chunks++;
        committed = true;
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

    /** The upstream body ended without the vendor's own end marker. */
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

    /**
     * The attempt failed: the vendor reported an error inside the stream, or the connection failed
     * ({@code cause} in the SPEC §4 vocabulary). Before the commit point it keeps its
     * classification, except that a vendor's own "stream cut" is {@code upstream_unavailable}.
     */
    public Verdict upstreamFailed(GatewayError cause) {
        if (allFinished()) {
            return Verdict.COMPLETE;
        }
        if (!committed) {
            GatewayError e = "stream_interrupted".equals(cause.code()) ? unavailable(cause.message()) : cause;
            return new Verdict(e.retryable() || e.failover() ? Outcome.RETRY : Outcome.FAIL, e);
        }
        return interrupted(cause.message());
    }

    private Verdict cut(String detail) {
        if (!committed) {
            return new Verdict(Outcome.RETRY, unavailable("The vendor stream failed before any content was sent ("
                    + detail + ")."));
        }
        return interrupted(detail);
    }

    private static GatewayError unavailable(String message) {
        return GatewayError.upstreamUnavailable(message);
    }

    private Verdict interrupted(String detail) {
        String message = "The vendor cut the stream after " + chunks + (chunks == 1 ? " chunk" : " chunks")
                + " (" + detail + "); the answer is incomplete. Retry the request.";
        return new Verdict(Outcome.INTERRUPTED, GatewayError.streamInterrupted(message).terminal());
    }
}
