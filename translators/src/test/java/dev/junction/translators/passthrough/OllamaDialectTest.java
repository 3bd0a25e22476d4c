package dev.junction.translators.passthrough;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.junction.stream.GatewayError;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code ollama} dialect: what Ollama's /v1 does not support is refused or dropped, never ignored (wire-formats §6.1). */
class OllamaDialectTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final OpenAiPassThrough COMPATIBLE =
            new OpenAiPassThrough("openai-compatible", OpenAiPassThrough.Flavor.COMPATIBLE);
    private static final OpenAiRequestScanner SCANNER = new OpenAiRequestScanner(64, 50_000_000);
    private static final String MESSAGES = "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]";

    private static Target target(String dialect, String policy) {
        Map<String, String> options = new HashMap<>();
        if (dialect != null) {
            options.put("dialect", dialect);
        }
        if (policy != null) {
            options.put("unsupported", policy);
        }
        return new Target("local", "openai-compatible", "http://localhost:11434/v1", "llama3.2", null, Map.of(), options);
    }

    /** The upstream body's bytes for {@code json} sent on {@code target}, in a buffer made by {@code kind}. */
    private static byte[] upstream(String json, Target target, Warnings warnings, String kind) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        ByteBuf body;
        if ("direct".equals(kind)) {
            body = PooledByteBufAllocator.DEFAULT.directBuffer().writeBytes(bytes);
        } else {
            // A heap buffer whose readable bytes do not start at 0: offsets are relative to the reader index.
            body = Unpooled.buffer().writeBytes(new byte[] {'x', 'y', 'z'}).writeBytes(bytes);
            body.readerIndex(3);
        }
        try {
            UpstreamRequest r = COMPATIBLE.chatRequest(body, SCANNER.scan(body), target, ByteBufAllocator.DEFAULT, warnings);
            try {
                return ByteBufUtil.getBytes(r.body());
            } finally {
                r.body().release();
            }
        } finally {
            body.release();
        }
    }

    private static JsonNode upstreamTree(String json, Target target, Warnings warnings) throws IOException {
        JsonNode heap = JSON.readTree(upstream(json, target, warnings, "heap"));
        JsonNode direct = JSON.readTree(upstream(json, target, new Warnings(), "direct"));
        assertEquals(heap, direct, "heap and direct bodies give the same upstream request");
        return heap;
    }

    private static GatewayError refusal(String json, Target target) {
        TranslationException e = assertThrows(TranslationException.class,
                () -> upstream(json, target, new Warnings(), "heap"));
        return e.error();
    }

    /** The client's tree with the deployment's model and without {@code removed}. */
    private static JsonNode expected(String json, String... removed) throws IOException {
        ObjectNode o = (ObjectNode) JSON.readTree(json);
        o.put("model", "llama3.2");
        for (String r : removed) {
            o.remove(r);
        }
        return o;
    }

    private static final String[] UNSUPPORTED = {
        "\"tool_choice\":\"required\"",
        "\"tool_choice\":\"none\"",
        "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"w\"}}",
        "\"logit_bias\":{\"50256\":-100}",
        "\"logprobs\":true",
        "\"top_logprobs\":2",
        "\"n\":2",
    };

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6})
    void rejectIsTheDefaultAndNamesTheParameterAndTheProvider(int which) {
        String member = UNSUPPORTED[which];
        String name = member.substring(1, member.indexOf('"', 1));
        String json = "{\"model\":\"local\"," + member + "," + MESSAGES + "}";
        for (Target t : List.of(target("ollama", null), target("ollama", "reject"))) {
            GatewayError e = refusal(json, t);
            assertEquals(400, e.status());
            assertEquals("invalid_request_error", e.type());
            assertEquals("unsupported_capability", e.code());
            assertEquals(name, e.param());
            assertTrue(e.message().startsWith("'" + name + "'"), e.message());
            assertTrue(e.message().contains("Ollama provider (type openai-compatible, dialect ollama)"), e.message());
            assertTrue(e.message().contains("unsupported = drop"), e.message());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6})
    void dropRemovesTheMemberFromTheBytesWithAWarning(int which) throws IOException {
        String member = UNSUPPORTED[which];
        String name = member.substring(1, member.indexOf('"', 1));
        // First, middle and last position of the object.
        for (String json : List.of(
                "{" + member + ",\"model\":\"local\"," + MESSAGES + "}",
                "{\"model\":\"local\", " + member + " ,\"temperature\":0.5," + MESSAGES + "}",
                "{\"model\":\"local\"," + MESSAGES + "," + member + "}",
                "{\n  \"model\" : \"local\",\n  " + MESSAGES + " ,\n  " + member.replace(":", " : ") + "\n}\n")) {
            Warnings w = new Warnings();
            assertEquals(expected(json, name), upstreamTree(json, target("ollama", "drop"), w), json);
            assertEquals(List.of("dropped '" + name + "': not supported by Ollama (openai-compatible, dialect ollama)"),
                    w.list());
        }
    }

    @Test
    void userAndAutoToolChoiceAreDroppedWhateverThePolicy() throws IOException {
        String json = "{\"model\":\"local\",\"user\":\"u-1\"," + MESSAGES + ",\"tool_choice\":\"auto\","
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"w\"}}]}";
        for (String policy : new String[] {null, "reject", "drop"}) {
            Warnings w = new Warnings();
            assertEquals(expected(json, "user", "tool_choice"), upstreamTree(json, target("ollama", policy), w));
            assertEquals(List.of(
                    "dropped 'user': not supported by Ollama (openai-compatible, dialect ollama); it does not change the answer",
                    "dropped 'tool_choice': not supported by Ollama (openai-compatible, dialect ollama); Ollama always"
                            + " chooses tools as 'auto'"), w.list());
        }
    }

    @Test
    void oneChoiceAndValuesThatAskForNothingPassAsSent() throws IOException {
        String json = "{\"model\":\"llama3.2\",\"n\":1,\"logprobs\":false,\"logit_bias\":{},\"top_logprobs\":null,"
                + "\"user\":null,\"tool_choice\":null," + MESSAGES + "}";
        Warnings w = new Warnings();
        assertArrayEquals(json.getBytes(StandardCharsets.UTF_8), upstream(json, target("ollama", null), w, "heap"));
        assertArrayEquals(json.getBytes(StandardCharsets.UTF_8), upstream(json, target("ollama", null), w, "direct"));
        assertTrue(w.isEmpty());
    }

    @Test
    void aRequestWithNoneOfThemIsSentByteForByte() {
        String json = "{ \"model\" : \"llama3.2\",\n \"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"n, user, tool_choice\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;"
                + "base64,iVBORw0KGgo=\"}}]}],\"temperature\":0.7,\"seed\":7,\"tools\":[{\"type\":\"function\","
                + "\"function\":{\"name\":\"user\",\"parameters\":{\"type\":\"object\",\"properties\":{\"n\":{}}}}}],"
                + "\"metadata\":{\"user\":\"x\",\"tool_choice\":\"required\"}}";
        for (String kind : List.of("heap", "direct")) {
            Warnings w = new Warnings();
            assertArrayEquals(json.getBytes(StandardCharsets.UTF_8), upstream(json, target("ollama", "reject"), w, kind),
                    "only top-level members count, and only when they ask for something");
            assertTrue(w.isEmpty());
        }
    }

    @Test
    void everythingDroppedAtOnceInAnyOrderAndSpacingStaysValidJson() throws IOException {
        List<String> kept = List.of("\"model\":\"local\"", MESSAGES, "\"temperature\":0.1", "\"stream\":true",
                "\"stream_options\":{\"include_usage\":false}", "\"seed\":3");
        List<String> dropped = List.of(UNSUPPORTED[0], UNSUPPORTED[3], UNSUPPORTED[4], UNSUPPORTED[5], UNSUPPORTED[6],
                "\"user\":\"u\"");
        String[] spaces = {"", " ", "\n", " \t\r\n "};
        Random random = new Random(42);
        for (int round = 0; round < 300; round++) {
            List<String> members = new ArrayList<>();
            List<String> removed = new ArrayList<>();
            for (String k : kept) {
                if (k.startsWith("\"model\"") || k.startsWith("\"messages\"") || random.nextBoolean()) {
                    members.add(k);
                }
            }
            for (String d : dropped) {
                if (random.nextInt(3) > 0) {
                    members.add(d);
                    removed.add(d.substring(1, d.indexOf('"', 1)));
                }
            }
            Collections.shuffle(members, random);
            StringBuilder json = new StringBuilder("{");
            for (int i = 0; i < members.size(); i++) {
                json.append(spaces[random.nextInt(4)]).append(members.get(i)).append(spaces[random.nextInt(4)]);
                if (i + 1 < members.size()) {
                    json.append(',');
                }
            }
            json.append(spaces[random.nextInt(4)]).append('}');
            ObjectNode want = (ObjectNode) expected(json.toString(), removed.toArray(String[]::new));
            if (want.path("stream").asBoolean()) {
                want.putObject("stream_options").put("include_usage", true);
            }
            Warnings w = new Warnings();
            assertEquals(want, upstreamTree(json.toString(), target("ollama", "drop"), w), json.toString());
            assertEquals(removed.size(), w.list().size());
        }
    }

    @Test
    void theOtherDialectsLeaveTheseMembersToTheServer() throws IOException {
        String json = "{\"model\":\"local\",\"tool_choice\":\"required\",\"n\":2,\"user\":\"u\"," + MESSAGES + "}";
        for (String dialect : new String[] {null, "generic", "vllm", "groq"}) {
            Warnings w = new Warnings();
            assertEquals(expected(json), upstreamTree(json, target(dialect, "reject"), w));
            assertTrue(w.isEmpty());
        }
        assertFalse(CompatDialects.of("generic").usesUnsupportedPolicy());
        assertTrue(CompatDialects.of("ollama").usesUnsupportedPolicy());
        assertSame(OllamaDialect.INSTANCE, CompatDialects.of("ollama"));
    }

    @Test
    void imageUrlsAreRefusedWithAHintToSendADataUrl() {
        String https = "{\"model\":\"local\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"?\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"detail\":\"low\",\"url\":\"https://example.com/cat.png\"}}]}]}";
        for (String policy : new String[] {"reject", "drop"}) {
            GatewayError e = refusal(https, target("ollama", policy));
            assertEquals(400, e.status());
            assertEquals("unsupported_capability", e.code());
            assertEquals("messages[0].content[1].image_url.url", e.param());
            assertTrue(e.message().contains("only as data URLs"), e.message());
            assertTrue(e.message().contains("dialect ollama"), e.message());
        }
        String bare = "{\"model\":\"local\",\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\","
                + "\"content\":[{\"type\":\"image_url\",\"image_url\":\"http://example.com/a.jpg\"}]}]}";
        assertEquals("messages[1].content[0].image_url", refusal(bare, target("ollama", null)).param());
    }

    @Test
    void dataUrlsPassEvenWhenTheSchemeIsEscaped() throws IOException {
        String escaped = "{\"model\":\"local\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\","
                + "\"image_url\":{\"url\":\"\\u0064ata:image/png;base64,iVBORw0KGgo=\"}}]}]}";
        Warnings w = new Warnings();
        assertEquals(expected(escaped), upstreamTree(escaped, target("ollama", null), w));
        assertTrue(w.isEmpty());
    }

    private static byte[] embeddings(String json, Target target) {
        ByteBuf body = PooledByteBufAllocator.DEFAULT.directBuffer().writeBytes(json.getBytes(StandardCharsets.UTF_8));
        try {
            UpstreamRequest r = COMPATIBLE.embeddingsRequest(body, SCANNER.scan(body), target, ByteBufAllocator.DEFAULT,
                    new Warnings());
            try {
                assertEquals("/embeddings", r.path());
                return ByteBufUtil.getBytes(r.body());
            } finally {
                r.body().release();
            }
        } finally {
            body.release();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"[1, 2, 3]", "[[1, 2], [3]]", "[[]]"})
    void embeddingsOfTokenIdsAreRefused(String input) {
        String json = "{\"model\":\"llama3.2\",\"input\":" + input + "}";
        for (String policy : new String[] {"reject", "drop"}) {
            TranslationException e = assertThrows(TranslationException.class,
                    () -> embeddings(json, target("ollama", policy)));
            assertEquals(400, e.error().status());
            assertEquals("unsupported_capability", e.error().code());
            assertEquals("input", e.error().param());
            assertTrue(e.error().message().contains("embeds text only"), e.error().message());
            assertTrue(e.error().message().contains("dialect ollama"), e.error().message());
        }
        // Other servers take token ids.
        assertArrayEquals(json.getBytes(StandardCharsets.UTF_8), embeddings(json, target("vllm", null)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"one text\"", "[\"a\", \"b\"]", "[]"})
    void embeddingsOfTextPassAsSent(String input) {
        String json = "{\"input\":" + input + ",\"model\":\"llama3.2\",\"dimensions\":256}";
        assertArrayEquals(json.getBytes(StandardCharsets.UTF_8), embeddings(json, target("ollama", null)));
    }

    @Test
    void memberSpansCoverNameAndValueExactly() throws IOException {
        String json = "{ \"a\" : 12 ,\"b\":-3.5e2,\"c\"  :\"s\\\"x\",\n\"d\":[1,[2]], \"e\":{\"f\":{}} ,\"g\":true,"
                + "\"h\":null,\"i\":{},\"j\":[] }";
        ByteBuf body = Unpooled.wrappedBuffer(json.getBytes(StandardCharsets.UTF_8));
        JsonNode whole = JSON.readTree(json);
        List<OpenAiRequestScanner.Member> members = OpenAiRequestScanner.members(body, false).members();
        assertEquals(9, members.size());
        for (OpenAiRequestScanner.Member m : members) {
            String span = json.substring(m.start(), m.end());
            assertTrue(span.startsWith("\"" + m.name() + "\""), span);
            assertEquals(span.strip(), span, "no surrounding whitespace");
            JsonNode one = JSON.readTree("{" + span + "}");
            assertEquals(whole.get(m.name()), one.get(m.name()), span);
        }
        assertEquals(List.of(false, false, false, false, false, false, true, true, true),
                members.stream().map(OpenAiRequestScanner.Member::inert).toList());
        body.release();
    }
}
