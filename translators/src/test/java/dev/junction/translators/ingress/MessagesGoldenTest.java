package dev.junction.translators.ingress;

import com.anthropic.core.ObjectMappers;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.junction.stream.GatewayError;
import dev.junction.stream.StreamEvent;
import dev.junction.translators.anthropic.AnthropicAdapter;
import dev.junction.translators.gemini.GeminiAdapter;
import dev.junction.translators.golden.GoldenRunner;
import dev.junction.translators.messages.MessagesRequestDecoder;
import dev.junction.translators.messages.MessagesResponseEncoder;
import dev.junction.translators.messages.MessagesStreamEncoder;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ChatResponse;
import dev.junction.translators.openai.JsonLimits;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.VendorAdapter;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Anthropic Messages door against golden files, compared as JSON trees.
 *
 * <p><b>Requests</b> ({@code golden/ingress/messages/<scenario>/}): {@code messages-request.json} →
 * {@code canonical-request.json} (the decoded request, {@link CanonicalJson}) or
 * {@code request-error.json} ({@code {"status", "error":{type, message, param, code}}}); then, where
 * present, the canonical request through the Anthropic adapter ({@code anthropic-request.json}) and
 * the Gemini adapter ({@code gemini-request.json}) with the golden target (model {@code vendor-model}).
 *
 * <p><b>Answers from every vendor</b>: every vendor golden scenario with a recorded answer or stream
 * is rendered through the Messages encoders. Every answer must parse as the Anthropic Java SDK's
 * {@code Message} and pass its validation; every stream is encoded for each chunk-boundary framing of
 * the vendor's bytes and must come out byte-identical, each event must parse and validate as the SDK's
 * {@code RawMessageStreamEvent} with its SSE name equal to its type, and the SDK's
 * {@code MessageAccumulator} must build a valid {@code Message} from a complete stream. Where a
 * scenario holds {@code messages-response.json} or {@code messages-stream.txt}, the output must equal it.
 */
class MessagesGoldenTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper SDK = ObjectMappers.jsonMapper();
    private static final Target TARGET = new Target("golden", "golden", "https://api.vendor.test", "vendor-model",
            "test-vendor-key-0123456789", Map.of(), Map.of());

    @TestFactory
    Stream<DynamicNode> requests() throws IOException, URISyntaxException {
        Path root = Paths.get(getClass().getClassLoader().getResource("golden/ingress/messages").toURI());
        try (Stream<Path> list = Files.list(root)) {
            return list.filter(Files::isDirectory).sorted().map(this::requestScenario).toList().stream();
        }
    }

    private DynamicNode requestScenario(Path dir) {
        List<DynamicTest> tests = new ArrayList<>();
        if (Files.exists(dir.resolve("canonical-request.json"))) {
            tests.add(DynamicTest.dynamicTest("decoded", () -> withRequest(dir, r ->
                    assertJson(dir, "canonical-request.json", CanonicalJson.of(r)))));
        }
        if (Files.exists(dir.resolve("request-error.json"))) {
            tests.add(DynamicTest.dynamicTest("refused", () -> {
                ByteBuf body = VendorScenarios.read(dir, "messages-request.json");
                try {
                    MessagesRequestDecoder.decode(body, JsonLimits.DEFAULT);
                    fail("expected " + dir.getFileName() + " to be refused");
                } catch (TranslationException e) {
                    assertJson(dir, "request-error.json", errorJson(e.error()));
                } finally {
                    body.release();
                }
            }));
        }
        if (Files.exists(dir.resolve("anthropic-request.json"))) {
            tests.add(DynamicTest.dynamicTest("to anthropic", () -> withRequest(dir, r ->
                    assertJson(dir, "anthropic-request.json", vendorBody(new AnthropicAdapter(), r)))));
        }
        if (Files.exists(dir.resolve("gemini-request.json"))) {
            tests.add(DynamicTest.dynamicTest("to gemini", () -> withRequest(dir, r ->
                    assertJson(dir, "gemini-request.json", vendorBody(new GeminiAdapter(), r)))));
        }
        if (tests.isEmpty()) {
            tests.add(DynamicTest.dynamicTest("has files", () -> fail(dir + " has no expected file")));
        }
        return DynamicContainer.dynamicContainer(dir.getFileName().toString(), tests.stream());
    }

    private interface RequestCheck {
        void check(ChatRequest r) throws IOException;
    }

    private static void withRequest(Path dir, RequestCheck check) throws IOException {
        ByteBuf body = VendorScenarios.read(dir, "messages-request.json");
        try {
            check.check(MessagesRequestDecoder.decode(body, JsonLimits.DEFAULT));
        } finally {
            body.release();
        }
    }

    private static JsonNode vendorBody(VendorAdapter adapter, ChatRequest r) throws IOException {
        UpstreamRequest up = adapter.chatRequest(r, TARGET, PooledByteBufAllocator.DEFAULT, new Warnings());
        try {
            return JSON.readTree(up.body().toString(StandardCharsets.UTF_8));
        } finally {
            up.body().release();
        }
    }

    static ObjectNode errorJson(GatewayError e) {
        ObjectNode n = JSON.createObjectNode();
        n.put("status", e.status());
        ObjectNode error = n.putObject("error");
        error.put("type", e.type());
        error.put("message", e.message());
        error.put("param", e.param());
        error.put("code", e.code());
        return n;
    }

    // ---- every vendor's answers through the Messages encoders -------------------------------------

    @TestFactory
    Stream<DynamicNode> answersFromEveryVendor() {
        List<DynamicNode> vendors = new ArrayList<>();
        for (VendorScenarios.Vendor v : VendorScenarios.VENDORS) {
            List<DynamicNode> scenarios = new ArrayList<>();
            for (Path dir : VendorScenarios.scenarios(v)) {
                List<DynamicTest> tests = new ArrayList<>();
                if (VendorScenarios.hasResponse(dir)) {
                    tests.add(DynamicTest.dynamicTest("message", () -> checkMessage(v, dir)));
                }
                if (VendorScenarios.hasStream(dir)) {
                    tests.add(DynamicTest.dynamicTest("event stream", () -> checkStream(v, dir)));
                }
                if (!tests.isEmpty()) {
                    scenarios.add(DynamicContainer.dynamicContainer(dir.getFileName().toString(), tests.stream()));
                }
            }
            vendors.add(DynamicContainer.dynamicContainer(v.name(), scenarios.stream()));
        }
        return vendors.stream();
    }

    private static void checkMessage(VendorScenarios.Vendor v, Path dir) throws IOException {
        ChatResponse response;
        try {
            response = VendorScenarios.response(v, dir);
        } catch (TranslationException e) {
            return; // an answer the vendor adapter refuses never reaches a door
        }
        ByteBuf out = MessagesResponseEncoder.encode(response, "msg_golden", "golden", PooledByteBufAllocator.DEFAULT);
        String text;
        try {
            text = out.toString(StandardCharsets.UTF_8);
        } finally {
            out.release();
        }
        SDK.readValue(text, Message.class).validate();
        if (Files.exists(dir.resolve("messages-response.json"))) {
            assertJson(dir, "messages-response.json", JSON.readTree(text));
        }
    }

    private static void checkStream(VendorScenarios.Vendor v, Path dir) throws IOException {
        String whole = null;
        for (Map.Entry<String, GoldenRunner.Framing> f : VendorScenarios.framings().entrySet()) {
            String text = encode(VendorScenarios.stream(v, dir, f.getValue()));
            if (whole == null) {
                whole = text;
            } else {
                assertEquals(whole, text, "the Messages stream of " + dir.getFileName() + " framed as " + f.getKey());
            }
        }
        List<String[]> events = parse(whole);
        MessageAccumulator acc = MessageAccumulator.create();
        boolean complete = false;
        for (String[] e : events) {
            JsonNode data = JSON.readTree(e[1]);
            assertEquals(e[0], data.path("type").asText(), "SSE event name equals the data's type: " + e[1]);
            if (e[0].equals("ping")) {
                continue; // the SDKs' SSE handler skips pings by name; they are not stream events
            }
            if (e[0].equals("error")) {
                assertTrue(data.path("error").path("type").isTextual() && data.path("error").path("message").isTextual(),
                        "error event: " + e[1]);
                continue;
            }
            RawMessageStreamEvent event = SDK.readValue(e[1], RawMessageStreamEvent.class);
            event.validate();
            acc.accumulate(event);
            complete = e[0].equals("message_stop");
        }
        if (complete) {
            acc.message().validate();
        } else {
            assertEquals("error", events.get(events.size() - 1)[0], "a stream that does not end with message_stop ends"
                    + " with an error event");
        }
        if (Files.exists(dir.resolve("messages-stream.txt"))) {
            List<String[]> expected = parse(Files.readString(dir.resolve("messages-stream.txt")));
            ArrayNode want = JSON.createArrayNode();
            ArrayNode got = JSON.createArrayNode();
            expected.forEach(e -> want.add(JSON.createObjectNode().put("event", e[0]).set("data", tree(e[1]))));
            events.forEach(e -> got.add(JSON.createObjectNode().put("event", e[0]).set("data", tree(e[1]))));
            assertEquals(want, got, "Messages stream of " + dir.getFileName() + "\nactual:\n" + whole);
        }
    }

    /** The encoder over a canonical event sequence: every frame, then finish unless the stream failed. */
    static String encode(List<StreamEvent> events) {
        MessagesStreamEncoder encoder = new MessagesStreamEncoder("msg_golden", "golden");
        List<ByteBuf> frames = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        try {
            for (StreamEvent e : events) {
                if (!encoder.ended()) {
                    encoder.write(e, PooledByteBufAllocator.DEFAULT, frames);
                }
            }
            if (!encoder.ended()) {
                encoder.finish(PooledByteBufAllocator.DEFAULT, frames);
            }
            frames.forEach(f -> sb.append(f.toString(StandardCharsets.UTF_8)));
        } finally {
            frames.forEach(ByteBuf::release);
        }
        return sb.toString();
    }

    /** Splits encoder output into (event name, data) pairs; each frame is exactly {@code event: }, {@code data: }, blank line. */
    static List<String[]> parse(String sse) {
        List<String[]> out = new ArrayList<>();
        for (String frame : sse.split("\n\n")) {
            if (frame.isBlank()) {
                continue;
            }
            String[] lines = frame.split("\n");
            assertEquals(2, lines.length, "one event line and one data line: " + frame);
            assertTrue(lines[0].startsWith("event: ") && lines[1].startsWith("data: "), frame);
            out.add(new String[]{lines[0].substring(7), lines[1].substring(6)});
        }
        return out;
    }

    private static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    static void assertJson(Path dir, String file, JsonNode actual) throws IOException {
        JsonNode normalized = JSON.readTree(actual.toString());
        assertEquals(JSON.readTree(dir.resolve(file).toFile()), normalized,
                dir.getFileName() + "/" + file + "\nactual: " + normalized.toPrettyString());
    }

}
