package dev.junction.translators.spi;

import dev.junction.translators.VendorRegistry;
import dev.junction.translators.openai.CanonicalTranslator;
import dev.junction.translators.openai.JsonLimits;
import dev.junction.translators.openai.OpenAiRequest;
import dev.junction.translators.passthrough.OpenAiRequestScanner;
import dev.junction.translators.stream.FanOutStreamProcessor;
import dev.junction.translators.stream.PassThroughStreamProcessor;
import dev.junction.translators.stream.StreamProcessor;
import dev.junction.translators.stream.TranslatedStreamProcessor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every provider type is one {@link Vendor} and answers a request through one {@link Translator}:
 * the pass-through is one implementation of the contract, the canonical model another.
 */
class TranslatorContractTest {

    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    private static OpenAiRequest request(String json) {
        ByteBuf body = Unpooled.copiedBuffer(json, StandardCharsets.UTF_8);
        return new OpenAiRequest(body, new OpenAiRequestScanner(64, 1 << 20).scan(body), false, JsonLimits.DEFAULT,
                "chatcmpl-1", 1);
    }

    private static Target target(String type) {
        return new Target("p", type, "http://h", "vendor-model", "k", Map.of(), Map.of());
    }

    @Test
    void everyKnownTypeIsAVendor() {
        for (String type : VendorRegistry.types()) {
            Vendor v = VendorRegistry.vendor(type);
            assertNotNull(v, type);
            assertEquals(type, v.type());
        }
        assertNull(VendorRegistry.vendor("no-such-vendor"));
    }

    @Test
    void thePassThroughCarriesTheClientsBytes() {
        OpenAiRequest r = request("{\"model\":\"alias\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        try {
            Translator t = VendorRegistry.vendor("openai").translator(r, target("openai"), "reject");
            assertEquals(1, t.calls());
            assertNull(t.fetchesMediaUrl(), "bytes are carried: no media to inline");
            UpstreamRequest up = t.request(ALLOC, new Warnings());
            try {
                String body = up.body().toString(StandardCharsets.UTF_8);
                assertTrue(body.contains("\"model\":\"vendor-model\""), body);
                assertEquals("/chat/completions", up.path());
            } finally {
                up.body().release();
            }
            StreamProcessor p = t.streamProcessor();
            assertInstanceOf(PassThroughStreamProcessor.class, p);
            p.close();
        } finally {
            r.body().release();
        }
    }

    @Test
    void aTranslatedVendorGoesThroughTheCanonicalModelAndFansOutN() {
        OpenAiRequest r = request("{\"model\":\"alias\",\"stream\":true,\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        try {
            Translator t = VendorRegistry.vendor("anthropic").translator(r, target("anthropic"), "reject");
            assertInstanceOf(CanonicalTranslator.class, t);
            assertEquals(2, t.calls(), "Anthropic has no n: two calls of one choice each");
            assertNotNull(t.fetchesMediaUrl());
            UpstreamRequest up = t.request(ALLOC, new Warnings());
            try {
                assertEquals("/v1/messages", up.path());
                assertFalse(up.body().toString(StandardCharsets.UTF_8).contains("\"n\""));
            } finally {
                up.body().release();
            }
            StreamProcessor p = t.streamProcessor();
            assertInstanceOf(FanOutStreamProcessor.class, p);
            p.close();
            Translator gemini = VendorRegistry.vendor("gemini").translator(r, target("gemini"), "reject");
            assertEquals(1, gemini.calls(), "Gemini answers n choices in one call");
            StreamProcessor g = gemini.streamProcessor();
            assertInstanceOf(TranslatedStreamProcessor.class, g);
            g.close();
        } finally {
            r.body().release();
        }
    }

    /**
     * A door of its own, as a test sees one: its "shape" is the answer's text alone, its stream the
     * canonical events' text; it passes nothing through. The vendors cannot tell it from chat.
     */
    private static final class TextDoor extends dev.junction.translators.ingress.IngressRequest {
        int decoded;

        TextDoor(ByteBuf body) {
            super(body, "txt-1", 1);
        }

        @Override
        public String door() {
            return "text";
        }

        @Override
        public boolean stream() {
            return true;
        }

        @Override
        protected dev.junction.translators.model.ChatRequest decode() {
            decoded++;
            return dev.junction.translators.openai.OpenAiRequestDecoder.decodeChat(body(), JsonLimits.DEFAULT);
        }

        @Override
        public ByteBuf encodeAnswer(dev.junction.translators.model.ChatResponse answer, String model, ByteBufAllocator alloc) {
            return Unpooled.copiedBuffer(model + ":" + answer.choices().get(0).content(), StandardCharsets.UTF_8);
        }

        @Override
        public dev.junction.stream.StreamEncoder streamEncoder(String model) {
            return new dev.junction.stream.StreamEncoder() {
                @Override
                public void write(dev.junction.stream.StreamEvent event, ByteBufAllocator alloc, java.util.List<ByteBuf> out) {
                    if (event instanceof dev.junction.stream.StreamEvent.TextDelta t) {
                        out.add(Unpooled.copiedBuffer(t.text(), StandardCharsets.UTF_8));
                    }
                }

                @Override
                public void finish(ByteBufAllocator alloc, java.util.List<ByteBuf> out) {
                    out.add(Unpooled.copiedBuffer("|end", StandardCharsets.UTF_8));
                }

                @Override
                public void fail(dev.junction.stream.GatewayError error, ByteBufAllocator alloc, java.util.List<ByteBuf> out) {
                    out.add(Unpooled.copiedBuffer("|error " + error.code(), StandardCharsets.UTF_8));
                }
            };
        }

        @Override
        public dev.junction.translators.ingress.ErrorShape errors() {
            return dev.junction.translators.ingress.ErrorShape.OPENAI;
        }
    }

    @Test
    void anyDoorReachesATranslatedVendorThroughTheCanonicalModel() {
        TextDoor door = new TextDoor(Unpooled.copiedBuffer(
                "{\"model\":\"alias\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                StandardCharsets.UTF_8));
        try {
            Translator t = VendorRegistry.vendor("anthropic").translator(door, target("anthropic"), "reject");
            assertInstanceOf(CanonicalTranslator.class, t);
            UpstreamRequest up = t.request(ALLOC, new Warnings());
            try {
                assertEquals("/v1/messages", up.path());
                assertTrue(up.body().toString(StandardCharsets.UTF_8).contains("\"model\":\"vendor-model\""));
            } finally {
                up.body().release();
            }
            ByteBuf answer = Unpooled.copiedBuffer("{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
                    + "\"content\":[{\"type\":\"text\",\"text\":\"Bonjour\"}],\"stop_reason\":\"end_turn\","
                    + "\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}", StandardCharsets.UTF_8);
            ByteBuf out = t.answer(answer, ALLOC);
            try {
                assertEquals("vendor-model:Bonjour", out.toString(StandardCharsets.UTF_8), "the door encodes the answer");
                assertEquals(4, t.usage().totalTokens());
            } finally {
                out.release();
                answer.release();
            }
            StreamProcessor p = t.streamProcessor();
            java.util.List<ByteBuf> frames = new java.util.ArrayList<>();
            ByteBuf sse = Unpooled.copiedBuffer("event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
                    + "{\"id\":\"m\",\"model\":\"x\",\"usage\":{\"input_tokens\":3}}}\n\n"
                    + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                    + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
                    + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                    + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n"
                    + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
                    + "\"usage\":{\"output_tokens\":1}}\n\n"
                    + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n", StandardCharsets.UTF_8);
            try {
                p.feed(sse, ALLOC, frames);
                assertNull(p.end(ALLOC, frames));
                StringBuilder text = new StringBuilder();
                for (ByteBuf f : frames) {
                    text.append(f.toString(StandardCharsets.UTF_8));
                    f.release();
                }
                assertEquals("Hi|end", text.toString(), "the door encodes the stream");
            } finally {
                sse.release();
                p.close();
            }
            assertEquals(1, door.decoded, "decoded once for every use");
        } finally {
            door.body().release();
        }
    }

    @Test
    void aVendorWithoutAnAdapterRefusesADoorItCannotCarry() {
        TextDoor door = new TextDoor(Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8));
        try {
            Vendor bytesOnly = new Vendor() {
                @Override
                public String type() {
                    return "bytes-only";
                }
            };
            TranslationException e = org.junit.jupiter.api.Assertions.assertThrows(TranslationException.class,
                    () -> bytesOnly.translator(door, target("bytes-only"), "reject"));
            assertEquals("unsupported_capability", e.error().code());
            assertEquals(0, door.decoded);
        } finally {
            door.body().release();
        }
    }

    @Test
    void theUnsupportedPolicyReachesTheTranslatedVendorUnlessTheProviderSetsIt() {
        assertEquals("drop", target("anthropic").withDefaultOption("unsupported", "drop").option("unsupported"));
        Target own = new Target("p", "anthropic", "http://h", "m", "k", Map.of(), Map.of("unsupported", "reject"));
        assertEquals("reject", own.withDefaultOption("unsupported", "drop").option("unsupported"));
        Target t = target("anthropic");
        assertTrue(t == t.withDefaultOption("unsupported", null));
    }
}
