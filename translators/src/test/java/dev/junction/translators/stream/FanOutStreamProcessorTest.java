package dev.junction.translators.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.GatewayError;
import dev.junction.stream.OpenAiChunkWriter;
import dev.junction.testkit.OpenAiSchema;
import dev.junction.translators.VendorRegistry;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.openai.JsonLimits;
import dev.junction.translators.openai.OpenAiRequestDecoder;
import dev.junction.translators.spi.StreamTranslator;
import dev.junction.translators.spi.VendorAdapter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two Anthropic streams merged into one OpenAI stream with two choices (SPEC §3 fan-out, §5). */
class FanOutStreamProcessorTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    private static String head(int inputTokens) {
        return "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\","
                + "\"role\":\"assistant\",\"model\":\"claude-haiku-4-5\",\"content\":[],\"stop_reason\":null,"
                + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":" + inputTokens + ",\"output_tokens\":1}}}\n\n"
                + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n";
    }

    private static String text(String t) {
        return "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"text_delta\",\"text\":\"" + t + "\"}}\n\n";
    }

    private static String tail(int outputTokens) {
        return "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
                + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + outputTokens + "}}\n\n"
                + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    }

    private static FanOutStreamProcessor processor(int k) {
        VendorAdapter a = VendorRegistry.adapter("anthropic");
        ChatRequest req = OpenAiRequestDecoder.decodeChat(Unpooled.copiedBuffer(
                "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                StandardCharsets.UTF_8), JsonLimits.DEFAULT);
        StreamTranslator[] parts = new StreamTranslator[k];
        for (int i = 0; i < k; i++) {
            parts[i] = a.streamTranslator(req);
        }
        return new FanOutStreamProcessor(parts, new OpenAiChunkWriter("chatcmpl-1", 1, "claude-haiku-4-5", true));
    }

    private static void feed(FanOutStreamProcessor p, int part, String sse, boolean last, List<ByteBuf> out) {
        ByteBuf b = Unpooled.copiedBuffer(sse, StandardCharsets.UTF_8);
        try {
            p.select(part, last);
            p.feed(b, ALLOC, out);
        } finally {
            b.release();
        }
    }

    private static List<String> drain(List<ByteBuf> out) {
        List<String> frames = new ArrayList<>();
        for (ByteBuf b : out) {
            String s = b.toString(StandardCharsets.UTF_8);
            b.release();
            for (String e : s.split("\n\n")) {
                if (e.startsWith("data: ")) {
                    frames.add(e.substring(6));
                }
            }
        }
        out.clear();
        return frames;
    }

    @Test
    void interleavedPartsBecomeOneStreamWithSummedUsage() throws Exception {
        FanOutStreamProcessor p = processor(2);
        List<ByteBuf> out = new ArrayList<>();
        try {
            feed(p, 1, head(10) + text("B1"), false, out);
            assertFalse(p.hasContent(), "the commit point waits for every part's content");
            feed(p, 0, head(10) + text("A1"), false, out);
            assertTrue(p.hasContent());
            feed(p, 0, text("A2") + tail(4), true, out);
            feed(p, 1, tail(6), true, out);
            assertNull(p.vendorError());
            assertNull(p.end(ALLOC, out));
            List<String> frames = drain(out);

            assertEquals("[DONE]", frames.get(frames.size() - 1));
            List<JsonNode> chunks = new ArrayList<>();
            for (String f : frames.subList(0, frames.size() - 1)) {
                OpenAiSchema.assertValid("CreateChatCompletionStreamResponse", f);
                chunks.add(JSON.readTree(f));
            }
            // Every choice is opened before anything else (SDK accumulators finish once all seen choices finished).
            assertEquals(0, chunks.get(0).get("choices").get(0).get("index").asInt());
            assertEquals("assistant", chunks.get(0).get("choices").get(0).get("delta").get("role").asText());
            assertEquals(1, chunks.get(1).get("choices").get(0).get("index").asInt());
            assertEquals("assistant", chunks.get(1).get("choices").get(0).get("delta").get("role").asText());

            StringBuilder[] text = {new StringBuilder(), new StringBuilder()};
            int[] finishes = new int[2];
            int usageChunks = 0;
            for (JsonNode c : chunks) {
                if (c.has("usage")) {
                    usageChunks++;
                    JsonNode u = c.get("usage");
                    assertEquals(20, u.get("prompt_tokens").asInt());
                    assertEquals(10, u.get("completion_tokens").asInt());
                    assertEquals(30, u.get("total_tokens").asInt());
                }
                for (JsonNode ch : c.get("choices")) {
                    int i = ch.get("index").asInt();
                    if (ch.get("delta").has("content")) {
                        text[i].append(ch.get("delta").get("content").asText());
                    }
                    if (!ch.get("finish_reason").isNull()) {
                        finishes[i]++;
                        assertEquals("stop", ch.get("finish_reason").asText());
                    }
                }
            }
            assertEquals("A1A2", text[0].toString());
            assertEquals("B1", text[1].toString());
            assertEquals(1, finishes[0]);
            assertEquals(1, finishes[1]);
            assertEquals(1, usageChunks);
            assertEquals(20, p.usage().promptTokens());
        } finally {
            out.forEach(ByteBuf::release);
            p.close();
        }
    }

    @Test
    void aPartTruncatedBeforeEveryPartHasContentFailsTheGroupOver() {
        FanOutStreamProcessor p = processor(2);
        List<ByteBuf> out = new ArrayList<>();
        try {
            feed(p, 0, head(10) + text("A1") + tail(3), true, out);
            feed(p, 1, head(10), true, out); // body ended without content and without message_stop
            assertFalse(p.hasContent());
            GatewayError e = p.vendorError();
            assertNotNull(e);
            assertTrue(e.retryable() && e.failover(), e.toString());
            assertEquals("upstream_unavailable", e.code(), "SPEC §4: nothing reached the client");
            assertEquals(e, p.end(ALLOC, out));
        } finally {
            out.forEach(ByteBuf::release);
            p.close();
        }
    }

    @Test
    void aPartTruncatedAfterTheCommitPointIsInterruptedInBand() {
        FanOutStreamProcessor p = processor(2);
        List<ByteBuf> out = new ArrayList<>();
        try {
            feed(p, 0, head(10) + text("A1") + tail(3), true, out);
            feed(p, 1, head(10) + text("B1"), true, out); // body ended without message_stop
            assertTrue(p.hasContent(), "every part had content: the merged stream was committed");
            GatewayError e = p.vendorError();
            assertNotNull(e);
            assertEquals("stream_interrupted", e.code());
            assertFalse(e.retryable() || e.failover(), e.toString());
            assertEquals(e, p.end(ALLOC, out));
        } finally {
            out.forEach(ByteBuf::release);
            p.close();
        }
    }
}
