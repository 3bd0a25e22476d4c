package dev.junction.translators.stream;

import dev.junction.stream.GatewayError;
import dev.junction.stream.OpenAiChunkWriter;
import dev.junction.translators.VendorRegistry;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.openai.JsonLimits;
import dev.junction.translators.openai.OpenAiRequestDecoder;
import dev.junction.translators.spi.Target;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SPEC §5 rules as the running processors apply them ({@code StreamGuard}): what commits a
 * stream, when it is complete, and what a failure is on either side of the commit point.
 */
class StreamRulesTest {

    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    private static final String HEAD = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",";

    private static String chunk(int choice, String delta, String finish) {
        return "data: " + HEAD + "\"choices\":[{\"index\":" + choice + ",\"delta\":" + delta + ",\"finish_reason\":"
                + (finish == null ? "null" : "\"" + finish + "\"") + "}]}\n\n";
    }

    private static PassThroughStreamProcessor passThrough(int n) {
        return new PassThroughStreamProcessor(false, n, VendorRegistry.passThrough("openai"),
                new Target("p", "openai", "http://h", "m", null, Map.of(), Map.of()));
    }

    private static void feed(StreamProcessor p, String sse, List<ByteBuf> out) {
        ByteBuf b = Unpooled.copiedBuffer(sse, StandardCharsets.UTF_8);
        try {
            p.feed(b, ALLOC, out);
        } finally {
            b.release();
        }
    }

    /**
     * The client's bytes end with {@code [DONE]} as a frame of its own: in a buffer of its own, or
     * written after the last read's frames in their buffer.
     */
    private static void assertEndsWithDone(List<ByteBuf> out) {
        StringBuilder all = new StringBuilder();
        out.forEach(b -> all.append(b.toString(StandardCharsets.UTF_8)));
        String s = all.toString();
        assertTrue(s.endsWith("\n\ndata: [DONE]\n\n") || s.equals("data: [DONE]\n\n"), s);
    }

    @Test
    void aFinishAloneDoesNotCommitTheStream() {
        PassThroughStreamProcessor p = passThrough(1);
        List<ByteBuf> out = new ArrayList<>();
        try {
            feed(p, chunk(0, "{\"role\":\"assistant\",\"content\":\"\"}", null) + chunk(0, "{}", "content_filter"), out);
            assertFalse(p.hasContent(), "nothing but a finish reason: still held back and retryable");
            assertNull(p.end(ALLOC, out), "every choice finished: complete without [DONE]");
            assertEndsWithDone(out);
        } finally {
            out.forEach(ByteBuf::release);
            p.close();
        }
    }

    @Test
    void withoutDoneEveryChoiceMustFinish() {
        PassThroughStreamProcessor p = passThrough(2);
        List<ByteBuf> out = new ArrayList<>();
        try {
            feed(p, chunk(0, "{\"content\":\"a\"}", null) + chunk(1, "{\"content\":\"b\"}", null) + chunk(0, "{}", "stop"), out);
            assertTrue(p.hasContent());
            GatewayError e = p.end(ALLOC, out);
            assertNotNull(e, "choice 1 never finished: the answer is truncated");
            assertEquals("stream_interrupted", e.code());
            assertFalse(e.retryable() || e.failover());
        } finally {
            out.forEach(ByteBuf::release);
            p.close();
        }
    }

    @Test
    void aConnectionLostAfterEveryChoiceFinishedEndsTheStreamNormally() {
        PassThroughStreamProcessor p = passThrough(1);
        List<ByteBuf> out = new ArrayList<>();
        try {
            feed(p, chunk(0, "{\"content\":\"a\"}", null) + chunk(0, "{}", "stop"), out);
            assertNull(p.cut(GatewayError.upstreamTimeout("Provider 'p' stalled mid-response."), ALLOC, out));
            assertEndsWithDone(out);
        } finally {
            out.forEach(ByteBuf::release);
            p.close();
        }
    }

    @Test
    void aConnectionLostBeforeContentKeepsItsClassification() {
        PassThroughStreamProcessor p = passThrough(1);
        List<ByteBuf> out = new ArrayList<>();
        try {
            feed(p, chunk(0, "{\"role\":\"assistant\",\"content\":\"\"}", null), out);
            GatewayError e = p.cut(GatewayError.upstreamTimeout("Provider 'p' stalled."), ALLOC, out);
            assertEquals("upstream_timeout", e.code());
            assertTrue(e.retryable());
        } finally {
            out.forEach(ByteBuf::release);
            p.close();
        }
    }

    @Test
    void anAnthropicErrorAfterTheFinishIsAWholeAnswer() {
        ChatRequest req = OpenAiRequestDecoder.decodeChat(Unpooled.copiedBuffer(
                "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                StandardCharsets.UTF_8), JsonLimits.DEFAULT);
        TranslatedStreamProcessor p = new TranslatedStreamProcessor(VendorRegistry.adapter("anthropic").streamTranslator(req),
                new OpenAiChunkWriter("chatcmpl-1", 1, "claude", false), 1);
        List<ByteBuf> out = new ArrayList<>();
        try {
            feed(p, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
                    + "\"role\":\"assistant\",\"model\":\"claude\",\"content\":[],\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n"
                    + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                    + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n"
                    + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
                    + "\"usage\":{\"output_tokens\":2}}\n\n"
                    + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
                    out);
            assertNull(p.vendorError(), "the answer was whole before the error");
            assertNull(p.end(ALLOC, out));
            assertEndsWithDone(out);
        } finally {
            out.forEach(ByteBuf::release);
            p.close();
        }
    }
}
