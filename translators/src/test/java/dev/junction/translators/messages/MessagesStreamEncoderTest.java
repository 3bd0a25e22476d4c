package dev.junction.translators.messages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.FinishReason;
import dev.junction.stream.GatewayError;
import dev.junction.stream.StreamEvent;
import dev.junction.stream.Usage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Messages stream encoder's rules that the vendor golden streams do not reach. */
class MessagesStreamEncoderTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<JsonNode> run(List<StreamEvent> events, boolean finish) throws IOException {
        MessagesStreamEncoder enc = new MessagesStreamEncoder("msg_1", "claude");
        List<ByteBuf> frames = new ArrayList<>();
        List<JsonNode> out = new ArrayList<>();
        try {
            for (StreamEvent e : events) {
                if (!enc.ended()) {
                    enc.write(e, PooledByteBufAllocator.DEFAULT, frames);
                }
            }
            if (finish && !enc.ended()) {
                enc.finish(PooledByteBufAllocator.DEFAULT, frames);
            }
            for (ByteBuf f : frames) {
                String s = f.toString(StandardCharsets.UTF_8);
                String[] lines = s.split("\n");
                JsonNode data = JSON.readTree(lines[1].substring(6));
                assertEquals(lines[0].substring(7), data.get("type").asText());
                out.add(data);
            }
        } finally {
            frames.forEach(ByteBuf::release);
        }
        return out;
    }

    private static List<String> shape(List<JsonNode> events) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : events) {
            String t = e.get("type").asText();
            if (t.equals("content_block_start")) {
                t += ":" + e.get("index") + ":" + e.at("/content_block/type").asText();
            } else if (t.equals("content_block_delta")) {
                t += ":" + e.get("index") + ":" + e.at("/delta/type").asText();
            } else if (t.equals("content_block_stop")) {
                t += ":" + e.get("index");
            }
            out.add(t);
        }
        return out;
    }

    @Test
    void thinkingWithoutAVendorSignatureHasNoSignatureDelta() throws IOException {
        // Gemini's thought parts (and OpenAI-compatible reasoning) carry no signature Anthropic's
        // clients could use: the block keeps content_block_start's "signature":"" and no
        // signature_delta follows, not even an empty one (docs/decisions.md, Messages door).
        for (StreamEvent signature : new StreamEvent[] {null, new StreamEvent.ReasoningSignature(0, "")}) {
            List<StreamEvent> events = new ArrayList<>(List.of(new StreamEvent.Start("v", "m"),
                    new StreamEvent.ReasoningDelta(0, "hmm")));
            if (signature != null) {
                events.add(signature);
            }
            events.addAll(List.of(new StreamEvent.TextDelta(0, "hi"), new StreamEvent.Finish(0, FinishReason.STOP)));
            List<JsonNode> out = run(events, true);
            assertEquals(List.of("message_start", "ping", "content_block_start:0:thinking",
                    "content_block_delta:0:thinking_delta", "content_block_stop:0", "content_block_start:1:text",
                    "content_block_delta:1:text_delta", "content_block_stop:1", "message_delta", "message_stop"), shape(out));
            assertEquals("", out.get(2).at("/content_block/signature").asText("missing"));
        }
        // A vendor signature (Anthropic's) is sent as Anthropic does: one signature_delta before the stop.
        List<JsonNode> signed = run(List.of(new StreamEvent.Start("v", "m"), new StreamEvent.ReasoningDelta(0, "hmm"),
                new StreamEvent.ReasoningSignature(0, "sig-1"), new StreamEvent.Finish(0, FinishReason.STOP)), true);
        assertEquals("signature_delta", signed.get(4).at("/delta/type").asText());
        assertEquals("sig-1", signed.get(4).at("/delta/signature").asText());
        assertEquals("content_block_stop", signed.get(5).get("type").asText());
    }

    @Test
    void textAfterToolsStopsEveryOpenToolBlockAndStartsANewIndex() throws IOException {
        List<JsonNode> out = run(List.of(
                new StreamEvent.Start("v", "m"),
                new StreamEvent.ToolCallStart(0, 0, "call_a", "a"),
                new StreamEvent.ToolCallStart(0, 1, "call_b", "b"),
                new StreamEvent.ToolCallArguments(0, 0, "{\"x\":1}"),
                new StreamEvent.TextDelta(0, "done"),
                new StreamEvent.Finish(0, FinishReason.STOP),
                new StreamEvent.UsageReport(new Usage(100, 7, 60, 10, 0))), true);
        assertEquals(List.of("message_start", "ping",
                "content_block_start:0:tool_use", "content_block_start:1:tool_use",
                "content_block_delta:0:input_json_delta",
                "content_block_stop:0", "content_block_delta:1:input_json_delta", "content_block_stop:1",
                "content_block_start:2:text", "content_block_delta:2:text_delta", "content_block_stop:2",
                "message_delta", "message_stop"), shape(out));
        assertEquals("{}", out.get(6).at("/delta/partial_json").asText(), "a call without arguments gets {}");
        JsonNode delta = out.get(11);
        assertEquals("tool_use", delta.at("/delta/stop_reason").asText(), "a stop after tool calls is tool_use");
        assertEquals(30, delta.at("/usage/input_tokens").asInt(), "input excludes cache reads and writes");
        assertEquals(60, delta.at("/usage/cache_read_input_tokens").asInt());
        assertEquals(10, delta.at("/usage/cache_creation_input_tokens").asInt());
        assertEquals(7, delta.at("/usage/output_tokens").asInt());
    }

    @Test
    void argumentsForAStoppedToolBlockEndTheStreamWithAnError() throws IOException {
        List<JsonNode> out = run(List.of(
                new StreamEvent.ToolCallStart(0, 0, "call_a", "a"),
                new StreamEvent.TextDelta(0, "text"),
                new StreamEvent.ToolCallArguments(0, 0, "{}")), true);
        JsonNode last = out.get(out.size() - 1);
        assertEquals("error", last.get("type").asText());
        assertEquals("api_error", last.at("/error/type").asText());
    }

    @Test
    void aVendorErrorEndsTheStreamInBandWithoutMessageStop() throws IOException {
        GatewayError overloaded = new GatewayError(503, "upstream_error", "upstream_unavailable", null,
                "Every deployment is overloaded.", true, true, true, Duration.ofSeconds(1));
        List<JsonNode> out = run(List.of(new StreamEvent.TextDelta(0, "Hel"), new StreamEvent.Error(overloaded)), true);
        assertEquals(List.of("message_start", "ping", "content_block_start:0:text", "content_block_delta:0:text_delta",
                "error"), shape(out));
        assertEquals("overloaded_error", out.get(4).at("/error/type").asText());
        assertEquals("Every deployment is overloaded.", out.get(4).at("/error/message").asText());
    }

    @Test
    void refusalTextIsATextBlockAndContentFilterIsARefusal() throws IOException {
        List<JsonNode> out = run(List.of(new StreamEvent.RefusalDelta(0, "I can't help with that."),
                new StreamEvent.Finish(0, FinishReason.CONTENT_FILTER)), true);
        assertEquals("I can't help with that.", out.get(3).at("/delta/text").asText());
        assertEquals("refusal", out.get(5).at("/delta/stop_reason").asText());
        assertEquals("max_tokens", MessagesResponseEncoder.stopReason(FinishReason.LENGTH, true));
    }

    @Test
    void aSignatureWithoutAnOpenThinkingBlockIsNotSentAndEmptyFragmentsStartNothing() throws IOException {
        List<JsonNode> out = run(List.of(new StreamEvent.ReasoningSignature(0, "sig"),
                new StreamEvent.TextDelta(0, ""), new StreamEvent.ReasoningDelta(0, ""),
                new StreamEvent.TextDelta(0, "ok")), true);
        assertEquals(List.of("message_start", "ping", "content_block_start:0:text", "content_block_delta:0:text_delta",
                "content_block_stop:0", "message_delta", "message_stop"), shape(out));
    }

    @Test
    void aMessagesStreamHasOneChoiceAndEndsOnce() {
        MessagesStreamEncoder enc = new MessagesStreamEncoder("msg_1", "claude");
        List<ByteBuf> frames = new ArrayList<>();
        try {
            assertThrows(IllegalArgumentException.class,
                    () -> enc.write(new StreamEvent.TextDelta(1, "x"), PooledByteBufAllocator.DEFAULT, frames));
            enc.finish(PooledByteBufAllocator.DEFAULT, frames);
            assertTrue(enc.ended());
            assertThrows(IllegalStateException.class, () -> enc.finish(PooledByteBufAllocator.DEFAULT, frames));
        } finally {
            frames.forEach(ByteBuf::release);
        }
    }

    @Test
    void pingIsAnthropicsKeepAlive() {
        ByteBuf ping = new MessagesStreamEncoder("msg_1", "m").ping(PooledByteBufAllocator.DEFAULT);
        try {
            assertEquals("event: ping\ndata: {\"type\":\"ping\"}\n\n", ping.toString(StandardCharsets.UTF_8));
        } finally {
            ping.release();
        }
    }
}
