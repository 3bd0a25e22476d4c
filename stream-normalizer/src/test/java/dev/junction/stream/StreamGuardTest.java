package dev.junction.stream;

import dev.junction.stream.StreamGuard.Outcome;
import dev.junction.stream.StreamGuard.Verdict;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SPEC §5 commit point and SPEC §4 {@code stream_interrupted}. */
class StreamGuardTest {

    private static final GatewayError OVERLOADED = GatewayError.upstreamUnavailable("Anthropic is overloaded.");
    private static final GatewayError BAD = GatewayError.invalidRequest("invalid_value", "messages", "bad");

    @Test
    void completeWhenEveryChoiceFinished() {
        StreamGuard g = new StreamGuard(2);
        g.observe(new StreamEvent.Start("x", "m"));
        g.observe(new StreamEvent.TextDelta(0, "a"));
        g.observe(new StreamEvent.Finish(0, FinishReason.STOP));
        assertFalse(g.allFinished());
        g.observe(new StreamEvent.Finish(1, FinishReason.LENGTH));
        assertTrue(g.allFinished());
        Verdict v = g.upstreamEnded();
        assertEquals(Outcome.COMPLETE, v.outcome());
        assertNull(v.error());
    }

    @Test
    void emptyDeltasAndStartDoNotCommit() {
        StreamGuard g = new StreamGuard(1);
        g.observe(new StreamEvent.Start("x", "m"));
        g.observe(new StreamEvent.TextDelta(0, ""));
        g.observe(new StreamEvent.ToolCallArguments(0, 0, ""));
        g.observe(new StreamEvent.UsageReport(Usage.of(1, 1)));
        assertFalse(g.committed());
        g.observe(new StreamEvent.ToolCallStart(0, 0, "call_1", "f"));
        assertTrue(g.committed());
    }

    @Test
    void endBeforeAnyContentIsRetryable() {
        StreamGuard g = new StreamGuard(1);
        g.forwarded(false);
        Verdict v = g.upstreamEnded();
        assertEquals(Outcome.RETRY, v.outcome());
        // SPEC §4: before any content the client saw nothing; once retries are spent it gets a
        // vendor failure (503), never stream_interrupted, which exists only in-band.
        assertEquals("upstream_unavailable", v.error().code());
        assertEquals(503, v.error().status());
        assertTrue(v.error().retryable());
        assertTrue(v.error().failover());
    }

    @Test
    void endAfterContentWithoutFinishIsInterruptedInBand() {
        StreamGuard g = new StreamGuard(1);
        g.forwarded(false);
        g.forwarded(true);
        g.forwarded(true);
        Verdict v = g.upstreamEnded();
        assertEquals(Outcome.INTERRUPTED, v.outcome());
        assertEquals("upstream_error", v.error().type());
        assertEquals("stream_interrupted", v.error().code());
        assertFalse(v.error().retryable());
        assertFalse(v.error().failover());
        assertTrue(v.error().message().contains("after 3 chunks"), v.error().message());
    }

    @Test
    void aFinishIsNotContent() {
        StreamGuard g = new StreamGuard(2);
        g.observe(new StreamEvent.Finish(0, FinishReason.CONTENT_FILTER));
        assertFalse(g.committed(), "an answer with nothing but a finish reason is still held back");
        assertFalse(g.allFinished());
        assertEquals(Outcome.RETRY, g.upstreamCut("connection reset").outcome());
        g.observe(new StreamEvent.Finish(1, FinishReason.STOP));
        assertEquals(Outcome.COMPLETE, g.upstreamEnded().outcome());
    }

    @Test
    void aVendorStreamCutBeforeCommitIsUpstreamUnavailable() {
        Verdict v = new StreamGuard(1).upstreamFailed(GatewayError.streamInterrupted("no message_stop"));
        assertEquals(Outcome.RETRY, v.outcome());
        assertEquals("upstream_unavailable", v.error().code());
        assertTrue(v.error().message().contains("no message_stop"));
    }

    @Test
    void vendorErrorBeforeCommitKeepsItsClassification() {
        StreamGuard g = new StreamGuard(1);
        Verdict retry = g.upstreamFailed(OVERLOADED);
        assertEquals(Outcome.RETRY, retry.outcome());
        assertSame(OVERLOADED, retry.error());
        Verdict fail = new StreamGuard(1).upstreamFailed(BAD);
        assertEquals(Outcome.FAIL, fail.outcome());
        assertSame(BAD, fail.error());
    }

    @Test
    void vendorErrorAfterCommitIsInterrupted() {
        StreamGuard g = new StreamGuard(1);
        g.observe(new StreamEvent.TextDelta(0, "partial"));
        Verdict v = g.upstreamFailed(OVERLOADED);
        assertEquals(Outcome.INTERRUPTED, v.outcome());
        assertEquals("stream_interrupted", v.error().code());
        assertTrue(v.error().message().contains("after 1 chunk (Anthropic is overloaded.)"), v.error().message());
    }

    @Test
    void cutAfterAllChoicesFinishedIsComplete() {
        StreamGuard g = new StreamGuard(1);
        g.forwarded(true);
        g.finished(0);
        assertEquals(Outcome.COMPLETE, g.upstreamCut("connection reset").outcome());
        assertEquals(Outcome.COMPLETE, g.upstreamFailed(OVERLOADED).outcome());
    }

    @Test
    void cutBeforeCommitIsRetryableAfterIsInterrupted() {
        StreamGuard g = new StreamGuard(1);
        assertEquals(Outcome.RETRY, g.upstreamCut("connection reset").outcome());
        g.forwarded(true);
        Verdict v = g.upstreamCut("no data for 30s");
        assertEquals(Outcome.INTERRUPTED, v.outcome());
        assertTrue(v.error().message().contains("no data for 30s"));
    }

    @Test
    void invalidChoiceCount() {
        assertThrows(IllegalArgumentException.class, () -> new StreamGuard(0));
    }
}
