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

    @Test
    void theUnsupportedPolicyReachesTheTranslatedVendorUnlessTheProviderSetsIt() {
        assertEquals("drop", target("anthropic").withDefaultOption("unsupported", "drop").option("unsupported"));
        Target own = new Target("p", "anthropic", "http://h", "m", "k", Map.of(), Map.of("unsupported", "reject"));
        assertEquals("reject", own.withDefaultOption("unsupported", "drop").option("unsupported"));
        Target t = target("anthropic");
        assertTrue(t == t.withDefaultOption("unsupported", null));
    }
}
