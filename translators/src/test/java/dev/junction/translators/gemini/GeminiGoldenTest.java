package dev.junction.translators.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import dev.junction.stream.GatewayError;
import dev.junction.translators.golden.GoldenRunner;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ChatResponse;
import dev.junction.translators.model.EmbeddingsRequest;
import dev.junction.translators.model.EmbeddingsResponse;
import dev.junction.translators.openai.JsonLimits;
import dev.junction.translators.openai.OpenAiRequestDecoder;
import dev.junction.translators.openai.OpenAiResponseEncoder;
import dev.junction.translators.spi.StreamTranslator;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.VendorAdapter;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Gemini golden scenarios ({@code golden/gemini/}) through the shared {@link GoldenRunner}; plus the cases the runner's file pairs do not cover (zero-copy media,
 * the unary blocked prompt, embeddings).
 */
class GeminiGoldenTest {

    static final Target TARGET = new Target("gemini", "gemini", "https://generativelanguage.googleapis.com",
            "gemini-2.5-flash", "AIzaTestKey", Map.of(), Map.of());

    /** Tool call ids call_1, call_2, ... counted per translation, so expected files are stable. */
    static Supplier<String> ids() {
        AtomicInteger n = new AtomicInteger();
        return () -> "call_" + n.incrementAndGet();
    }

    /** The Gemini adapter with deterministic ids that restart for every response or stream. */
    static final class DeterministicIds implements VendorAdapter {
        @Override
        public String type() {
            return "gemini";
        }

        @Override
        public UpstreamRequest chatRequest(ChatRequest r, Target t, ByteBufAllocator a, Warnings w) {
            return new GeminiAdapter(ids()).chatRequest(r, t, a, w);
        }

        @Override
        public ChatResponse chatResponse(ChatRequest r, ByteBuf body) {
            return new GeminiAdapter(ids()).chatResponse(r, body);
        }

        @Override
        public StreamTranslator streamTranslator(ChatRequest r) {
            return new GeminiAdapter(ids()).streamTranslator(r);
        }

        @Override
        public GatewayError error(int status, HttpHeaders headers, ByteBuf body) {
            return new GeminiAdapter(ids()).error(status, headers, body);
        }
    }

    /** Every scenario; the runner frames each stream whole and in 1, 2, 3, 5, ... byte chunks. */
    @TestFactory
    Stream<DynamicNode> golden() {
        return new GoldenRunner("gemini", new DeterministicIds()).scenarios();
    }

    /** Media from data URLs travels as slices of the client's body: no base64 String is built. */
    @Test
    void imageByDataUrlIsSlicedFromTheRequestBody() {
        byte[] raw = Golden.bytes("image-data-url", "openai-request.json");
        ByteBuf clientBody = Unpooled.directBuffer(raw.length).writeBytes(raw);
        try {
            ChatRequest req = OpenAiRequestDecoder.decodeChat(clientBody, JsonLimits.DEFAULT);
            UpstreamRequest up = new GeminiAdapter(ids()).chatRequest(req, TARGET, ByteBufAllocator.DEFAULT,
                    new Warnings());
            try {
                Golden.assertJson(Golden.json("image-data-url", "vendor-request.json"), Golden.parse(up.body()));
                // Overwrite the client's bytes: a slice sees the change, a copy would not.
                int at = new String(raw, StandardCharsets.US_ASCII).indexOf("iVBORw0KGgo=");
                clientBody.setByte(at, 'X');
                assertTrue(up.body().toString(StandardCharsets.US_ASCII).contains("\"XVBORw0KGgo=\""));
                assertTrue(clientBody.refCnt() > 1, "the vendor body holds retained slices");
            } finally {
                up.body().release();
            }
            assertEquals(1, clientBody.refCnt(), "slices released with the vendor body");
        } finally {
            clientBody.release();
        }
    }

    /** SPEC §4 "vendor rejected the prompt outright": the unary answer becomes a 400 content_filter. */
    @Test
    void promptBlockedUnaryAnswerIsAContentFilterError() {
        ByteBuf body = Unpooled.wrappedBuffer(Golden.bytes("prompt-blocked", "vendor-response-blocked.json"));
        try {
            TranslationException e = assertThrows(TranslationException.class,
                    () -> new GeminiAdapter(ids()).chatResponse(Req.of().user("x").build(), body));
            Golden.assertJson(Golden.json("prompt-blocked", "openai-error.json"), GoldenRunner.errorBody(e.error()));
            assertEquals(Integer.parseInt(Golden.text("prompt-blocked", "openai-error-status.txt").trim()),
                    e.error().status());
            assertFalse(e.error().retryable());
            assertFalse(e.error().failover());
        } finally {
            body.release();
        }
    }

    @Test
    void embeddingsRoundTrip() {
        ByteBuf clientBody = Unpooled.wrappedBuffer(Golden.resource("embeddings/openai-request.json"));
        EmbeddingsRequest req;
        try {
            req = OpenAiRequestDecoder.decodeEmbeddings(clientBody, JsonLimits.DEFAULT);
        } finally {
            clientBody.release();
        }
        Target target = new Target("gemini", "gemini", "https://generativelanguage.googleapis.com",
                "gemini-embedding-001", "AIzaTestKey", Map.of(), Map.of());
        UpstreamRequest up = new GeminiAdapter().embeddingsRequest(req, target, ByteBufAllocator.DEFAULT);
        try {
            assertEquals("/v1beta/models/gemini-embedding-001:batchEmbedContents", up.path());
            assertTrue(up.headers().contains(Map.entry("x-goog-api-key", "AIzaTestKey")));
            Golden.assertJson(Golden.parse(Golden.resource("embeddings/vendor-request.json")), Golden.parse(up.body()));
        } finally {
            up.body().release();
        }
        ByteBuf vendorBody = Unpooled.wrappedBuffer(Golden.resource("embeddings/vendor-response.json"));
        EmbeddingsResponse r;
        try {
            r = new GeminiAdapter().embeddingsResponse(req, vendorBody);
        } finally {
            vendorBody.release();
        }
        ByteBuf out = OpenAiResponseEncoder.encodeEmbeddings(r, req.model(), false, ByteBufAllocator.DEFAULT);
        try {
            JsonNode actual = Golden.parse(out);
            Golden.assertJson(Golden.parse(Golden.resource("embeddings/openai-response.json")), actual);
        } finally {
            out.release();
        }
    }
}
