package dev.junction.translators.passthrough;

import dev.junction.stream.GatewayError;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hostile bodies meet the scanner, the one place every request body is checked before it is routed or forwarded. */
class OpenAiRequestScannerTest {

    private static final OpenAiRequestScanner SCANNER = new OpenAiRequestScanner(16, 1000);
    private static final OpenAiPassThrough OPENAI = new OpenAiPassThrough("openai", OpenAiPassThrough.Flavor.OPENAI);

    private static GatewayError refused(byte[] body, boolean embeddings) {
        ByteBuf b = Unpooled.wrappedBuffer(body);
        try {
            return assertThrows(TranslationException.class, () -> SCANNER.scan(b, embeddings)).error();
        } finally {
            b.release();
        }
    }

    private static GatewayError refused(String json) {
        return refused(json.getBytes(StandardCharsets.UTF_8), false);
    }

    private static void assertInvalidJson(GatewayError e) {
        assertEquals(400, e.status(), e.message());
        assertEquals("invalid_request_error", e.type());
        assertEquals("invalid_json", e.code(), e.message());
    }

    private static byte[] withRaw(String before, String hex, String after) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(before.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(HexFormat.of().parseHex(hex));
        out.writeBytes(after.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    @Test
    void aDuplicatedModelIsRefusedWhereverItSits() {
        GatewayError e = refused("{\"model\":\"gpt-4o\",\"messages\":[],\"model\":\"cheap\"}");
        assertInvalidJson(e);
        assertEquals("model", e.param());
        assertTrue(e.message().contains("more than once"), e.message());
        assertInvalidJson(refused("{\"model\":\"a\",\"model\":\"b\",\"messages\":[]}"));
    }

    @Test
    void duplicatesOfTheOtherMembersTheGatewayReadsAreRefused() {
        for (String member : List.of("\"stream\":true", "\"messages\":[]", "\"tools\":[]", "\"n\":1", "\"max_tokens\":5",
                "\"stream_options\":{}", "\"response_format\":{\"type\":\"text\"}", "\"metadata\":{}")) {
            String body = "{\"model\":\"m\",\"messages\":[]," + member + "," + member + "}";
            if (member.startsWith("\"messages\"")) {
                body = "{\"model\":\"m\"," + member + "," + member + "}";
            }
            assertInvalidJson(refused(body));
        }
        GatewayError usage = refused("{\"model\":\"m\",\"messages\":[],\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":false,\"include_usage\":true}}");
        assertInvalidJson(usage);
        assertEquals("stream_options.include_usage", usage.param());
        GatewayError type = refused("{\"model\":\"m\",\"messages\":[],"
                + "\"response_format\":{\"type\":\"json_schema\",\"type\":\"text\"}}");
        assertEquals("response_format.type", type.param());
    }

    @Test
    void theSameNameAtAnotherLevelIsNotADuplicate() {
        ByteBuf b = Unpooled.copiedBuffer("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"},"
                + "{\"role\":\"user\",\"content\":\"y\"}],\"metadata\":{\"model\":\"x\"}}", StandardCharsets.UTF_8);
        try {
            assertEquals("m", SCANNER.scan(b, false).model());
        } finally {
            b.release();
        }
    }

    @Test
    void overlongAndSurrogateUtf8IsRefusedLikeOtherInvalidBytes() {
        // C0 AF and E0 80 AF are overlong '/', ED A0 80 an encoded surrogate, F4 90 80 80 above U+10FFFF;
        // FF and a lone continuation byte are plainly invalid.
        for (String hex : List.of("c0af", "e080af", "eda080", "f4908080", "ff", "80", "c2", "e282")) {
            GatewayError e = refused(withRaw("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"a", hex,
                    "b\"}]}"), false);
            assertInvalidJson(e);
            assertTrue(e.message().contains("UTF-8"), hex + ": " + e.message());
        }
    }

    @Test
    void wellFormedMultiByteTextPasses() {
        ByteBuf b = Unpooled.copiedBuffer("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"é ✓ \uD83D\uDE00 \uFFFD \uD7FF \uE000 \\ud83d\\ude00 \\\"q\\\"\"}]}", StandardCharsets.UTF_8);
        try {
            assertEquals("m", SCANNER.scan(b, false).model());
        } finally {
            b.release();
        }
    }

    @Test
    void utf16AndUtf32BodiesAreRefusedWithOrWithoutAByteOrderMark() {
        String json = "{\"model\":\"m\",\"messages\":[]}";
        for (Charset cs : List.of(StandardCharsets.UTF_16, StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE,
                Charset.forName("UTF-32"))) {
            GatewayError e = refused(json.getBytes(cs), false);
            assertInvalidJson(e);
            assertTrue(e.message().contains("UTF-16"), cs + ": " + e.message());
        }
        ByteArrayOutputStream le = new ByteArrayOutputStream();
        le.write(0xFF);
        le.write(0xFE);
        le.writeBytes(json.getBytes(StandardCharsets.UTF_16LE));
        assertInvalidJson(refused(le.toByteArray(), false));
    }

    @Test
    void aUtf8ByteOrderMarkIsSkippedAndTheModelSplicedAtTheRightPlace() throws Exception {
        ByteBuf b = Unpooled.wrappedBuffer(withRaw("", "efbbbf", "{\"model\":\"alias\",\"messages\":[]}"));
        try {
            OpenAiRequestFacts f = SCANNER.scan(b, false);
            assertEquals("alias", f.model());
            UpstreamRequest r = OPENAI.chatRequest(b, f, new Target("p", "openai", "http://h", "up", null, Map.of(), Map.of()),
                    ByteBufAllocator.DEFAULT);
            try {
                assertEquals("{\"model\":\"up\",\"messages\":[]}", r.body().toString(StandardCharsets.UTF_8));
            } finally {
                r.body().release();
            }
        } finally {
            b.release();
        }
    }

    @Test
    void aNulByteIsRefused() {
        assertInvalidJson(refused(withRaw("{\"model\":\"m\",\"messages\":[],\"x\":\"a", "00", "\"}"), false));
    }

    @Test
    void everyStringInTheBodyIsHeldToTheLimitNotOnlyTheMembersTheScannerReads() {
        String big = "x".repeat(1001);
        for (String body : List.of(
                "{\"model\":\"m\",\"messages\":[],\"metadata\":{\"note\":\"" + big + "\"}}",
                "{\"model\":\"m\",\"messages\":[],\"user\":\"" + big + "\"}",
                "{\"model\":\"m\",\"messages\":[],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"description\":\"" + big + "\"}}]}",
                "{\"model\":\"m\",\"messages\":[],\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"d\":\"" + big + "\"}}}",
                "{\"model\":\"m\",\"messages\":[],\"" + big + "\":1}",
                "{\"model\":\"m\",\"messages\":[],\"s\":\"" + "\\n".repeat(501) + "\"}")) {
            GatewayError e = refused(body);
            assertInvalidJson(e);
            assertTrue(e.message().contains("max-string-length"), e.message());
        }
        ByteBuf ok = Unpooled.copiedBuffer("{\"model\":\"m\",\"messages\":[],\"metadata\":{\"note\":\"" + "x".repeat(1000)
                + "\"}}", StandardCharsets.UTF_8);
        try {
            assertEquals("m", SCANNER.scan(ok, false).model());
        } finally {
            ok.release();
        }
    }

    @Test
    void aChatWithoutMessagesIsMissingFieldAndEmbeddingsWithoutInputToo() {
        GatewayError chat = refused("{\"model\":\"m\"}");
        assertEquals("missing_field", chat.code());
        assertEquals("messages", chat.param());
        GatewayError emb = refused("{\"model\":\"m\"}".getBytes(StandardCharsets.UTF_8), true);
        assertEquals("missing_field", emb.code());
        assertEquals("input", emb.param());
        assertEquals("missing_field", refused("{\"messages\":[]}").code());
    }

    /** The byte check reads eight bytes at a time: every rule must hold at every alignment. */
    @Test
    void theRulesHoldAtEveryAlignment() {
        for (int pad = 0; pad < 9; pad++) {
            String prefix = "{\"model\":\"m\",\"messages\":[],\"p\":\"" + "p".repeat(pad) + "\",\"s\":\"";
            for (int at = 0; at < 20; at++) {
                String before = "x".repeat(at);
                for (String hex : List.of("c0af", "eda080", "00", "ff")) {
                    assertInvalidJson(refused(withRaw(prefix + before, hex, "yyyyyyyyyyyy\"}"), false));
                }
                ByteBuf ok = Unpooled.wrappedBuffer(withRaw(prefix + before, "e282ac", "\\\"q\\\\\"}"));
                try {
                    assertEquals("m", SCANNER.scan(ok, false).model(), pad + "/" + at);
                } finally {
                    ok.release();
                }
            }
            for (int len : List.of(999, 1000)) {
                ByteBuf ok = Unpooled.copiedBuffer(prefix + "z".repeat(len) + "\"}", StandardCharsets.UTF_8);
                try {
                    SCANNER.scan(ok, false);
                } finally {
                    ok.release();
                }
            }
            for (String tooLong : List.of("z".repeat(1001), "z".repeat(997) + "\\n\\n", "\u00e9".repeat(501))) {
                GatewayError e = refused(prefix + tooLong + "\"}");
                assertTrue(e.message().contains("max-string-length"), pad + ": " + e.message());
            }
        }
    }
}
