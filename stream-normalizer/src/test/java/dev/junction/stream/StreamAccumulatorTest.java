package dev.junction.stream;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamAccumulatorTest {

    @Test
    void foldsChoicesToolCallsUsageAndFirstFinish() {
        StreamAccumulator acc = new StreamAccumulator();
        List.of(new StreamEvent.Start("msg_1", "claude-x"),
                new StreamEvent.ReasoningDelta(0, "Let me "), new StreamEvent.ReasoningDelta(0, "think."),
                new StreamEvent.TextDelta(0, "Calling."),
                new StreamEvent.ToolCallStart(0, 1, "call_b", "second"),
                new StreamEvent.ToolCallStart(0, 0, "call_a", "first"),
                new StreamEvent.ToolCallArguments(0, 0, "{\"q\":"),
                new StreamEvent.ToolCallArguments(0, 1, ""),
                new StreamEvent.ToolCallArguments(0, 0, "1}"),
                new StreamEvent.TextDelta(2, "other"),
                new StreamEvent.UsageReport(Usage.of(10, 1)),
                new StreamEvent.UsageReport(Usage.of(10, 20)),
                new StreamEvent.Finish(0, FinishReason.TOOL_CALLS),
                new StreamEvent.Finish(0, FinishReason.STOP)).forEach(acc::accept);
        StreamAccumulator.Result r = acc.result();
        assertEquals("msg_1", r.vendorId());
        assertEquals("claude-x", r.vendorModel());
        assertEquals(Usage.of(10, 20), r.usage());
        assertEquals(2, r.choices().size(), "choice 1 never appeared");
        StreamAccumulator.Choice c0 = r.choices().get(0);
        assertEquals("Calling.", c0.text());
        assertEquals("Let me think.", c0.reasoning());
        assertNull(c0.refusal());
        assertEquals(FinishReason.TOOL_CALLS, c0.finishReason());
        assertEquals(List.of(new ToolCallAccumulator.ToolCall(0, "call_a", "first", "{\"q\":1}"),
                new ToolCallAccumulator.ToolCall(1, "call_b", "second", "{}")), c0.toolCalls());
        StreamAccumulator.Choice c2 = r.choices().get(1);
        assertEquals(2, c2.index());
        assertEquals("other", c2.text());
        assertNull(c2.finishReason());
        assertFalse(r.complete());
    }

    @Test
    void errorMakesTheResultIncomplete() {
        StreamAccumulator acc = new StreamAccumulator();
        acc.accept(new StreamEvent.TextDelta(0, "a"));
        acc.accept(new StreamEvent.Finish(0, FinishReason.STOP));
        assertTrue(acc.result().complete());
        acc.accept(new StreamEvent.Error(GatewayError.internal("x")));
        assertFalse(acc.result().complete());
        assertTrue(new ToolCallAccumulator().isEmpty());
    }
}
