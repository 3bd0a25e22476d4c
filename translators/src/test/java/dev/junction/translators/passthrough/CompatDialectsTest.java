package dev.junction.translators.passthrough;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.GatewayError;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompatDialectsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final OpenAiPassThrough COMPATIBLE =
            new OpenAiPassThrough("openai-compatible", OpenAiPassThrough.Flavor.COMPATIBLE);
    private static final OpenAiRequestScanner SCANNER = new OpenAiRequestScanner(64, 50_000_000);

    private static Target target(String dialect) {
        return new Target("p", "openai-compatible", "http://h", "up-model", null, Map.of(),
                dialect == null ? Map.of() : Map.of("dialect", dialect));
    }

    private static JsonNode upstream(String dialect, String clientJson, ByteBuf body) throws IOException {
        body.writeBytes(clientJson.getBytes(StandardCharsets.UTF_8));
        try {
            UpstreamRequest r = COMPATIBLE.chatRequest(body, SCANNER.scan(body), target(dialect), ByteBufAllocator.DEFAULT);
            try {
                return JSON.readTree(r.body().toString(StandardCharsets.UTF_8));
            } finally {
                r.body().release();
            }
        } finally {
            body.release();
        }
    }

    private static final String TOOL_HISTORY = """
            {"model":"chat","messages":[
              {"role":"user","content":"weather?"},
              {"role":"assistant","content":null,"tool_calls":[
                {"id":"call_9Xq2LmZpR4tW7yBn","type":"function","function":{"name":"w","arguments":"{}"}},
                {"id":"Ab3dE6gH9","type":"function","function":{"name":"w","arguments":"{\\"id\\":\\"call_x\\"}"}}]},
              {"role":"tool","tool_call_id":"call_9Xq2LmZpR4tW7yBn","content":"sunny"},
              {"role":"tool","tool_call_id":"Ab3dE6gH9","content":"rain"}],
             "tools":[{"type":"function","function":{"name":"w","parameters":{"type":"object"}}}]}
            """;

    @Test
    void mistralRewritesForeignToolCallIdsConsistentlyAndKeepsValidOnes() throws IOException {
        String mapped = MistralDialect.toolCallId("call_9Xq2LmZpR4tW7yBn");
        assertTrue(mapped.matches("[a-zA-Z0-9]{9}"), mapped);
        JsonNode expected = JSON.readTree(TOOL_HISTORY.replace("call_9Xq2LmZpR4tW7yBn", mapped)
                .replace("\"chat\"", "\"up-model\""));
        // Heap buffer with a non-zero reader index, and a direct one: offsets are relative to the reader index.
        ByteBuf heap = Unpooled.buffer().writeBytes("xyz".getBytes(StandardCharsets.US_ASCII));
        heap.readerIndex(3);
        assertEquals(expected, upstream("mistral", TOOL_HISTORY, heap));
        assertEquals(expected, upstream("mistral", TOOL_HISTORY, PooledByteBufAllocator.DEFAULT.directBuffer()));
        // The argument string containing "call_x" is not an id and is untouched (checked by the tree above).
    }

    @Test
    void mistralIdsAreDeterministicDistinctAndOnlyForInvalidIds() {
        assertEquals(MistralDialect.toolCallId("call_abc"), MistralDialect.toolCallId("call_abc"));
        assertNotEquals(MistralDialect.toolCallId("call_abc"), MistralDialect.toolCallId("call_abd"));
        assertTrue(MistralDialect.acceptable("Ab3dE6gH9"));
        assertFalse(MistralDialect.acceptable("Ab3dE6gH"));
        assertFalse(MistralDialect.acceptable("Ab3dE6gH9x"));
        assertFalse(MistralDialect.acceptable("Ab3dE-gH9"));
        assertFalse(MistralDialect.acceptable("Ab3dÉ6gH9"));
        // An id that is already valid produces no edit, so a Mistral-issued id is sent as it was.
        ByteBuf body = Unpooled.copiedBuffer("{\"model\":\"m\",\"messages\":[{\"role\":\"tool\",\"tool_call_id\":\"Ab3dE6gH9\","
                + "\"content\":\"x\"}]}", StandardCharsets.UTF_8);
        try {
            assertEquals(List.of(), MistralDialect.INSTANCE.requestEdits(body));
        } finally {
            body.release();
        }
    }

    @Test
    void genericAndOtherDialectsLeaveToolCallIdsAlone() throws IOException {
        JsonNode expected = JSON.readTree(TOOL_HISTORY.replace("\"chat\"", "\"up-model\""));
        assertEquals(expected, upstream(null, TOOL_HISTORY, Unpooled.buffer()));
        assertEquals(expected, upstream("groq", TOOL_HISTORY, Unpooled.buffer()));
    }

    @Test
    void finishReasonOverridesPerDialect() {
        CompatDialect mistral = CompatDialects.of("mistral");
        assertEquals("length", mistral.finishReason("model_length").reason());
        GatewayError error = mistral.finishReason("error").error();
        assertEquals("upstream_unavailable", error.code());
        assertTrue(error.retryable() && error.failover());
        assertEquals("stop", CompatDialects.of("together").finishReason("eos").reason());
        GatewayError busy = CompatDialects.of("deepseek").finishReason("insufficient_system_resource").error();
        assertEquals(503, busy.status());
        assertEquals("upstream_unavailable", busy.code());
        assertTrue(busy.retryable());
        assertNull(CompatDialects.of("together").finishReason("model_length"));
        for (String name : CompatDialects.names()) {
            // OpenAI's own reasons are never looked up, whatever the dialect.
            assertNull(FinishReasonRewriter.overrideFor(CompatDialects.of(name), "length"));
        }
        assertFalse(CompatDialects.GENERIC.mapsFinishReasons());
        assertSame(CompatDialects.GENERIC, CompatDialects.of(null));
        assertThrows(IllegalArgumentException.class, () -> CompatDialects.of("nope"));
    }

    @Test
    void openAiAndAzureIgnoreTheDialectOption() {
        OpenAiPassThrough openai = new OpenAiPassThrough("openai", OpenAiPassThrough.Flavor.OPENAI);
        assertSame(CompatDialects.GENERIC, openai.dialect(target("mistral")));
        assertEquals("mistral", COMPATIBLE.dialect(target("mistral")).name());
    }

    private static JsonNode answer(String dialect, String vendorJson) throws IOException {
        ByteBuf in = Unpooled.copiedBuffer(vendorJson, StandardCharsets.UTF_8);
        try {
            ByteBuf out = COMPATIBLE.chatResponse(target(dialect), in);
            try {
                return JSON.readTree(out.toString(StandardCharsets.UTF_8));
            } finally {
                out.release();
            }
        } finally {
            in.release();
        }
    }

    private static String unary(String reason) {
        return """
                {"id":"cmpl-1","object":"chat.completion","created":1,"model":"m","choices":[
                {"index":0,"message":{"role":"assistant","content":"hi"},"logprobs":null,"finish_reason":"%s"}],
                "usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}""".formatted(reason);
    }

    @Test
    void unaryAnswersAreRewrittenOnlyForAMappedReason() throws IOException {
        assertEquals(JSON.readTree(unary("length")), answer("mistral", unary("model_length")));
        assertEquals(JSON.readTree(unary("stop")), answer("together", unary("eos")));
        assertEquals(JSON.readTree(unary("eos")), answer(null, unary("eos")));
        assertEquals(JSON.readTree(unary("stop")), answer("mistral", unary("stop")));
        TranslationException e = assertThrows(TranslationException.class,
                () -> answer("deepseek", unary("insufficient_system_resource")));
        assertEquals("upstream_unavailable", e.error().code());
        assertTrue(e.error().retryable());
    }

    @Test
    void paymentRequiredIsQuotaExhaustionAnd422IsInvalidValue() {
        ByteBuf body = Unpooled.copiedBuffer("{\"error\":{\"message\":\"Insufficient Balance\",\"type\":\"unknown_error\","
                + "\"param\":null,\"code\":\"invalid_request_error\"}}", StandardCharsets.UTF_8);
        try {
            GatewayError e = COMPATIBLE.error(target("deepseek"), 402, new DefaultHttpHeaders(), body);
            assertEquals(503, e.status());
            assertEquals("upstream_error", e.type());
            assertEquals("upstream_quota_exhausted", e.code());
            assertFalse(e.retryable());
            assertTrue(e.failover());
            assertFalse(e.clientRetryable());
            assertTrue(e.message().contains("Insufficient Balance"));

            GatewayError invalid = COMPATIBLE.error(target("deepseek"), 422, new DefaultHttpHeaders(), body);
            assertEquals(400, invalid.status());
            assertEquals("invalid_value", invalid.code());
        } finally {
            body.release();
        }
    }
}
