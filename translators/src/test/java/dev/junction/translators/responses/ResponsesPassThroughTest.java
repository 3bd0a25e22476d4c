package dev.junction.translators.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.GatewayError;
import dev.junction.stream.SseDecoder;
import dev.junction.stream.Usage;
import dev.junction.testkit.OpenAiSchema;
import dev.junction.translators.VendorRegistry;
import dev.junction.translators.openai.JsonLimits;
import dev.junction.translators.passthrough.OpenAiPassThrough;
import dev.junction.translators.passthrough.OpenAiRequestFacts;
import dev.junction.translators.passthrough.OpenAiRequestScanner;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.Warnings;
import dev.junction.translators.stream.StreamProcessor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Responses door to OpenAI: bytes carried with only the model changed, the stream watched for SPEC §5. */
class ResponsesPassThroughTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final OpenAiPassThrough OPENAI = (OpenAiPassThrough) VendorRegistry.vendor("openai");
    private static final Target TARGET = new Target("oa", "openai", "https://api.openai.test/v1", "gpt-5-mini",
            "sk-test-123456", Map.of(), Map.of());
    private static final OpenAiRequestScanner SCANNER = new OpenAiRequestScanner(64, 1 << 20);

    private static ByteBuf buf(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    static String event(String type, int seq, String body) {
        return "event: " + type + "\ndata: {\"type\":\"" + type + "\",\"sequence_number\":" + seq
                + (body.isEmpty() ? "" : "," + body) + "}\n\n";
    }

    static final String SNAPSHOT = "\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1,\"status\":\"in_progress\","
            + "\"error\":null,\"incomplete_details\":null,\"instructions\":null,\"model\":\"gpt-5-mini\",\"output\":[],"
            + "\"parallel_tool_calls\":true,\"metadata\":{},\"tool_choice\":\"auto\",\"tools\":[],\"temperature\":1.0,\"top_p\":1.0}";

    static final String STREAM = event("response.created", 0, SNAPSHOT) + event("response.in_progress", 1, SNAPSHOT)
            + event("response.output_item.added", 2, "\"output_index\":0,\"item\":{\"id\":\"msg_1\",\"type\":\"message\","
            + "\"status\":\"in_progress\",\"role\":\"assistant\",\"content\":[]}")
            + event("response.output_text.delta", 3, "\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,"
            + "\"delta\":\"Hi\",\"logprobs\":[]")
            + event("response.completed", 4, SNAPSHOT.replace("in_progress", "completed").replace("\"output\":[]",
            "\"output\":[{\"id\":\"msg_1\",\"type\":\"message\",\"status\":\"completed\",\"role\":\"assistant\",\"content\":"
                    + "[{\"type\":\"output_text\",\"text\":\"Hi\",\"annotations\":[]}]}]")
            .replace("\"top_p\":1.0}", "\"top_p\":1.0,\"usage\":{\"input_tokens\":7,\"input_tokens_details\":{\"cached_tokens\":2},"
                    + "\"output_tokens\":3,\"output_tokens_details\":{\"reasoning_tokens\":1},\"total_tokens\":10}}"));

    @Test
    void requestKeepsTheClientsBytesButTheModel() throws Exception {
        String client = "{\"model\":\"alias\",\"input\":\"hi\",\"tools\":[{\"type\":\"web_search\"}],\"store\":true,\"stream\":true}";
        ByteBuf body = buf(client);
        try {
            OpenAiRequestFacts facts = SCANNER.scanResponses(body);
            ResponsesPassThrough t = new ResponsesPassThrough(OPENAI, body, facts, TARGET, r -> { });
            UpstreamRequest up = t.request(PooledByteBufAllocator.DEFAULT, new Warnings());
            try {
                assertEquals("/responses", up.path());
                assertTrue(up.stream());
                assertEquals(client.replace("\"alias\"", "\"gpt-5-mini\""), up.body().toString(StandardCharsets.UTF_8));
                assertTrue(up.headers().contains(Map.entry("authorization", "Bearer sk-test-123456")));
            } finally {
                up.body().release();
            }
        } finally {
            body.release();
        }
    }

    @Test
    void unaryAnswerIsCarriedAndItsUsageRead() {
        ByteBuf body = buf("{\"model\":\"alias\",\"input\":\"hi\"}");
        List<JsonNode> kept = new ArrayList<>();
        String answer = STREAM.substring(STREAM.lastIndexOf("\"response\":") + 11, STREAM.lastIndexOf('}'));
        ByteBuf vendor = buf(answer);
        try {
            ResponsesPassThrough t = new ResponsesPassThrough(OPENAI, body, SCANNER.scanResponses(body), TARGET, kept::add);
            ByteBuf out = t.answer(vendor, PooledByteBufAllocator.DEFAULT);
            try {
                assertEquals(answer, out.toString(StandardCharsets.UTF_8));
            } finally {
                out.release();
            }
            assertEquals(new Usage(7, 3, 2, 0, 1), t.usage());
            assertEquals("resp_1", kept.get(0).get("id").asText());
            ByteBuf failed = buf(answer.replace("\"completed\"", "\"failed\""));
            try {
                TranslationException e = assertThrows(TranslationException.class,
                        () -> t.answer(failed, PooledByteBufAllocator.DEFAULT));
                assertEquals("upstream_unavailable", e.error().code());
            } finally {
                failed.release();
            }
        } finally {
            body.release();
            vendor.release();
        }
    }

    /** Feeds {@code sse} in chunks of {@code size} bytes; returns the frames, or the failure. */
    private static Object run(StreamProcessor p, String sse, int size, List<String> frames) {
        byte[] bytes = sse.getBytes(StandardCharsets.UTF_8);
        List<ByteBuf> out = new ArrayList<>();
        try {
            for (int at = 0; at < bytes.length; at += size) {
                ByteBuf chunk = Unpooled.wrappedBuffer(bytes, at, Math.min(size, bytes.length - at));
                try {
                    p.feed(chunk, PooledByteBufAllocator.DEFAULT, out);
                } finally {
                    chunk.release();
                }
                if (p.vendorError() != null) {
                    return p.vendorError();
                }
            }
            GatewayError e = p.end(PooledByteBufAllocator.DEFAULT, out);
            return e;
        } finally {
            for (ByteBuf b : out) {
                frames.add(b.toString(StandardCharsets.UTF_8));
                b.release();
            }
            p.close();
        }
    }

    @Test
    void streamIsForwardedAsSentAndEndsWithDone() {
        for (int size : new int[] {1, 3, 7, 64, 100000}) {
            List<JsonNode> kept = new ArrayList<>();
            ResponsesPassThrough t = new ResponsesPassThrough(OPENAI, Unpooled.EMPTY_BUFFER,
                    null, TARGET, kept::add);
            StreamProcessor p = t.streamProcessor();
            List<String> frames = new ArrayList<>();
            assertNull(run(p, STREAM, size, frames));
            assertEquals(STREAM + "data: [DONE]\n\n", String.join("", frames), "chunk size " + size);
            assertTrue(p.hasContent());
            assertEquals(new Usage(7, 3, 2, 0, 1), p.usage());
            assertEquals(1, kept.size());
        }
    }

    @Test
    void errorsBeforeAndAfterTheCommitPoint() throws Exception {
        ResponsesPassThrough t = new ResponsesPassThrough(OPENAI, Unpooled.EMPTY_BUFFER, null, TARGET, r -> { });
        String early = event("response.created", 0, SNAPSHOT) + event("error", 1,
                "\"error\":{\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\",\"message\":\"You exceeded your quota\",\"param\":null}");
        StreamProcessor p = t.streamProcessor();
        Object r = run(p, early, 5, new ArrayList<>());
        assertFalse(p.hasContent());
        assertEquals(GatewayError.class, r.getClass());
        assertNotNull(((GatewayError) r).code());

        String truncated = STREAM.substring(0, STREAM.indexOf("event: response.completed"));
        StreamProcessor cut = t.streamProcessor();
        GatewayError e = (GatewayError) run(cut, truncated, 11, new ArrayList<>());
        assertEquals("stream_interrupted", e.code());
        List<ByteBuf> out = new ArrayList<>();
        cut.fail(e, PooledByteBufAllocator.DEFAULT, out);
        String failure = out.get(0).toString(StandardCharsets.UTF_8);
        out.forEach(ByteBuf::release);
        List<String> parts = List.of(failure.split("\n\n"));
        assertEquals("data: [DONE]", parts.get(2));
        JsonNode error = JSON.readTree(parts.get(0).substring(parts.get(0).indexOf("data: ") + 6));
        assertEquals(4, error.get("sequence_number").asInt(), "numbered on from the vendor's events");
        assertEquals("stream_interrupted", error.path("error").path("code").asText());
        JsonNode failed = JSON.readTree(parts.get(1).substring(parts.get(1).indexOf("data: ") + 6));
        assertEquals(5, failed.get("sequence_number").asInt());
        OpenAiSchema.assertValid("ResponseFailedEvent", failed);
    }
}
