package dev.junction.translators.ingress;

import com.anthropic.core.ObjectMappers;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletionChunk;
import dev.junction.stream.GatewayError;
import dev.junction.testkit.OpenAiSchema;
import dev.junction.translators.VendorRegistry;
import dev.junction.translators.messages.MessagesRequest;
import dev.junction.translators.openai.JsonLimits;
import dev.junction.translators.responses.ResponsesIngress;
import dev.junction.translators.openai.OpenAiRequest;
import dev.junction.translators.passthrough.OpenAiRequestScanner;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.Translator;
import dev.junction.translators.stream.StreamProcessor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every golden scenario through every door × every vendor (DESIGN "Doors and vendors"): each
 * vendor's recorded answer, stream and error ({@code golden/<vendor>/<scenario>/}) is read through
 * the {@link Translator} that {@link dev.junction.translators.spi.Vendor#translator} opens for a
 * request of each door, exactly as the proxy does — the door's pass-through where the vendor speaks
 * its shape (chat → OpenAI, Messages → Anthropic; Responses → OpenAI is carried to OpenAI's own
 * Responses endpoint, which the chat recordings cannot stand for), the canonical model otherwise — and what comes
 * out must be what that door's clients parse:
 * <ul>
 *   <li>chat: answers valid against OpenAI's schema; every chunk valid, accumulated by openai-java's
 *       {@code ChatCompletionAccumulator}, ended by {@code [DONE]} or an in-band error;</li>
 *   <li>Messages: answers parsed and validated as the Anthropic SDK's {@code Message}; every event
 *       parsed as its {@code RawMessageStreamEvent} (name equal to type), accumulated by its
 *       {@code MessageAccumulator}, ended by {@code message_stop} or {@code event: error};</li>
 *   <li>Responses: answers valid against OpenAI's {@code Response} schema and parsed by openai-java;
 *       every event valid against its schema component and parsed by openai-java, numbered in
 *       order, accumulated by its {@code ResponseAccumulator}, ended by a terminal event and
 *       {@code [DONE]};</li>
 *   <li>every door: a vendor error rendered in the door's error shape; a stream fed at any chunk boundary
 *       (whole, 1, 2, 3, 5, 7, 64 bytes at a time) comes out byte-identical.</li>
 * </ul>
 * A new door adds one {@link Door} to {@link #DOORS}.
 */
class IngressCrossProductTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper ANTHROPIC = ObjectMappers.jsonMapper();
    private static final OpenAiRequestScanner SCANNER = new OpenAiRequestScanner(64, 16 << 20);
    private static final int[] CHUNKS = {Integer.MAX_VALUE, 1, 2, 3, 5, 7, 64};

    /** A client door: how a scenario becomes a request of it, and how its answers and streams are checked. */
    record Door(String name, BiFunction<Path, Boolean, IngressRequest> request, Checker answer, Checker stream,
                Checker error) {
    }

    /** {@code carried}: the output is the vendor's own bytes (a pass-through), not Junction's encoding. */
    interface Checker {
        void check(String output, boolean carried) throws IOException;
    }

    static final List<Door> DOORS = List.of(
            new Door("chat", IngressCrossProductTest::chatRequest,
                    IngressCrossProductTest::checkChatAnswer,
                    IngressCrossProductTest::checkChatStream,
                    (out, carried) -> assertTrue(JSON.readTree(out).path("error").path("message").isTextual(), out)),
            new Door("messages", IngressCrossProductTest::messagesRequest,
                    (out, carried) -> ANTHROPIC.readValue(out, Message.class).validate(),
                    IngressCrossProductTest::checkMessagesStream,
                    (out, carried) -> {
                        JsonNode n = JSON.readTree(out);
                        assertEquals("error", n.path("type").asText(), out);
                        assertTrue(n.path("error").path("type").isTextual() && n.path("error").path("message").isTextual(), out);
                    }),
            new Door("responses", IngressCrossProductTest::responsesRequest,
                    (out, carried) -> ResponsesGoldenTest.assertClientResponse(out),
                    IngressCrossProductTest::checkResponsesStream,
                    (out, carried) -> OpenAiSchema.assertValid("ErrorResponse", out)));

    /** The vendors with golden scenarios, by provider type. */
    static final List<String> VENDORS = List.of("anthropic", "gemini", "openai");

    private static Target target(String type) {
        return new Target("golden", type, "https://api.vendor.test", "vendor-model", "test-vendor-key-0123456789",
                Map.of(), Map.of());
    }

    @TestFactory
    Stream<DynamicNode> everyDoorOverEveryVendor() {
        List<DynamicNode> doors = new ArrayList<>();
        for (Door door : DOORS) {
            List<DynamicNode> vendors = new ArrayList<>();
            for (String type : VENDORS) {
                VendorScenarios.Vendor v = new VendorScenarios.Vendor(type, () -> null);
                List<DynamicNode> scenarios = new ArrayList<>();
                for (Path dir : VendorScenarios.scenarios(v)) {
                    List<DynamicTest> tests = new ArrayList<>();
                    if (VendorScenarios.hasResponse(dir)) {
                        tests.add(DynamicTest.dynamicTest("answer", () -> answer(door, type, dir)));
                    }
                    if (VendorScenarios.hasStream(dir)) {
                        tests.add(DynamicTest.dynamicTest("stream", () -> stream(door, type, dir)));
                    }
                    if (Files.exists(dir.resolve("vendor-error.json"))) {
                        tests.add(DynamicTest.dynamicTest("error", () -> error(door, type, dir)));
                    }
                    if (!tests.isEmpty()) {
                        scenarios.add(DynamicContainer.dynamicContainer(dir.getFileName().toString(), tests.stream()));
                    }
                }
                vendors.add(DynamicContainer.dynamicContainer(type, scenarios.stream()));
            }
            doors.add(DynamicContainer.dynamicContainer(door.name(), vendors.stream()));
        }
        return doors.stream();
    }

    private static Translator open(IngressRequest request, String type) {
        // The OpenAI recordings are chat completions. A Responses request to a type-openai deployment
        // is carried to OpenAI's own /v1/responses (ResponsesPassThroughTest), so in the Responses row
        // the OpenAI column is what translates those recordings: an OpenAI-compatible chat server.
        String provider = request instanceof ResponsesIngress && type.equals("openai") ? "openai-compatible" : type;
        return VendorRegistry.vendor(provider).translator(request, target(provider), "drop");
    }

    private static void answer(Door door, String type, Path dir) throws IOException {
        IngressRequest request = door.request().apply(dir, false);
        ByteBuf body = VendorScenarios.read(dir, "vendor-response.json");
        try {
            Translator t = open(request, type);
            ByteBuf out;
            try {
                out = t.answer(body, PooledByteBufAllocator.DEFAULT);
            } catch (TranslationException e) {
                // An answer that is a failure in disguise is an error of the door's shape instead.
                door.error().check(render(request, e.error()), false);
                return;
            }
            try {
                door.answer().check(out.toString(StandardCharsets.UTF_8), carried(t));
            } finally {
                out.release();
            }
        } finally {
            body.release();
            request.body().release();
        }
    }

    private static void stream(Door door, String type, Path dir) throws IOException {
        byte[] vendor = Files.readAllBytes(dir.resolve("vendor-stream.txt"));
        String first = null;
        for (int chunk : CHUNKS) {
            IngressRequest request = door.request().apply(dir, true);
            try {
                Translator t = open(request, type);
                StreamProcessor p = t.streamProcessor();
                String text;
                try {
                    text = run(p, vendor, chunk);
                } finally {
                    p.close();
                }
                if (first == null) {
                    first = text;
                    door.stream().check(text, carried(t));
                } else {
                    // Tool-call ids are generated per answer by some vendors' translation (Gemini has none).
                    assertEquals(first.replaceAll(TOOL_ID, "\"$1id\":\"*\""), text.replaceAll(TOOL_ID, "\"$1id\":\"*\""),
                            door.name() + " stream of " + type + "/" + dir.getFileName()
                            + " fed " + chunk + " bytes at a time");
                }
            } finally {
                request.body().release();
            }
        }
    }

    /** Feeds the vendor's bytes {@code chunk} at a time, as the exchange does, and returns what the client gets. */
    private static String run(StreamProcessor p, byte[] vendor, int chunk) {
        List<ByteBuf> out = new ArrayList<>();
        StringBuilder client = new StringBuilder();
        try {
            GatewayError failure = null;
            for (int at = 0; at < vendor.length && failure == null; at += chunk) {
                int n = Math.min(chunk, vendor.length - at);
                ByteBuf piece = PooledByteBufAllocator.DEFAULT.directBuffer(n).writeBytes(vendor, at, n);
                try {
                    p.feed(piece, PooledByteBufAllocator.DEFAULT, out);
                } finally {
                    piece.release();
                }
                failure = p.vendorError();
            }
            if (failure == null) {
                failure = p.end(PooledByteBufAllocator.DEFAULT, out);
            }
            if (failure != null) {
                if (!p.hasContent()) {
                    out.forEach(ByteBuf::release);
                    out.clear();
                    return "(before the commit point: " + failure.code() + ")";
                }
                p.fail(failure, PooledByteBufAllocator.DEFAULT, out);
            }
            out.forEach(f -> client.append(f.toString(StandardCharsets.UTF_8)));
        } finally {
            out.forEach(ByteBuf::release);
        }
        return client.toString();
    }

    private static void error(Door door, String type, Path dir) throws IOException {
        IngressRequest request = door.request().apply(dir, false);
        ByteBuf body = VendorScenarios.read(dir, "vendor-error.json");
        try {
            int status = Files.exists(dir.resolve("vendor-error-status.txt"))
                    ? Integer.parseInt(Files.readString(dir.resolve("vendor-error-status.txt")).trim()) : 400;
            GatewayError e = open(request, type).error(status, null, body);
            assertNotNull(e);
            door.error().check(render(request, e), false);
        } finally {
            body.release();
            request.body().release();
        }
    }

    private static final String TOOL_ID = "\"(call_)?id\":\"(call|toolu)_[^\"]*\"";

    private static boolean carried(Translator t) {
        return !(t instanceof dev.junction.translators.openai.CanonicalTranslator);
    }

    private static String render(IngressRequest request, GatewayError e) {
        ByteBuf b = request.errors().body(e, "req_golden", PooledByteBufAllocator.DEFAULT);
        try {
            assertTrue(request.errors().status(e) >= 400);
            return b.toString(StandardCharsets.UTF_8);
        } finally {
            b.release();
        }
    }

    // ---- the doors -------------------------------------------------------------------------------

    /** The scenario's own chat request (streamed with usage when a stream is read), or a one-message default. */
    private static IngressRequest chatRequest(Path dir, boolean stream) {
        ByteBuf body;
        try {
            if (Files.exists(dir.resolve("openai-request.json"))) {
                com.fasterxml.jackson.databind.node.ObjectNode n =
                        (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(dir.resolve("openai-request.json").toFile());
                n.put("stream", stream);
                if (stream) {
                    n.putObject("stream_options").put("include_usage", true);
                } else {
                    n.remove("stream_options");
                }
                n.remove("n");
                body = VendorScenarios.buf(JSON.writeValueAsString(n));
            } else {
                body = VendorScenarios.buf("{\"model\":\"golden\",\"stream\":" + stream
                        + (stream ? ",\"stream_options\":{\"include_usage\":true}" : "")
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new OpenAiRequest(body, SCANNER.scan(body, false), false, JsonLimits.DEFAULT, "chatcmpl-golden", 0L);
    }

    private static IngressRequest messagesRequest(Path dir, boolean stream) {
        ByteBuf body = VendorScenarios.buf("{\"model\":\"golden\",\"max_tokens\":1024,\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        return new MessagesRequest(body, SCANNER.scan(body), JsonLimits.DEFAULT, false, null, null, "msg_golden", 0L);
    }

    private static IngressRequest responsesRequest(Path dir, boolean stream) {
        ByteBuf body = VendorScenarios.buf("{\"model\":\"golden\",\"store\":false,\"stream\":" + stream
                + ",\"input\":\"hi\"}");
        return new ResponsesIngress(body, SCANNER.scanResponses(body), JsonLimits.DEFAULT, "resp_golden", 0L, r -> { });
    }

    // ---- what each door's clients parse -----------------------------------------------------------

    private static void checkResponsesStream(String sse, boolean carried) throws IOException {
        if (sse.startsWith("(before the commit point")) {
            return;
        }
        ResponsesGoldenTest.assertClientStream(sse);
    }

    /**
     * A translated answer must be valid against OpenAI's schema; a carried one is the vendor's own
     * bytes (the golden recordings keep only what the scenario is about), so it must be a chat
     * completion object.
     */
    private static void checkChatAnswer(String out, boolean carried) throws IOException {
        if (carried) {
            assertEquals("chat.completion", JSON.readTree(out).path("object").asText(), out);
        } else {
            OpenAiSchema.assertValid("CreateChatCompletionResponse", out);
        }
    }

    private static void checkChatStream(String sse, boolean carried) throws IOException {
        if (sse.startsWith("(before the commit point")) {
            return;
        }
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        String last = null;
        for (String frame : sse.split("\n\n")) {
            if (frame.startsWith(":") || frame.isBlank()) {
                continue;
            }
            assertTrue(frame.startsWith("data: "), frame);
            String data = frame.substring(6);
            last = data;
            if (data.equals("[DONE]") || JSON.readTree(data).has("error")) {
                continue;
            }
            if (carried) {
                assertEquals("chat.completion.chunk", JSON.readTree(data).path("object").asText(), data);
                continue;
            }
            OpenAiSchema.assertValid("CreateChatCompletionStreamResponse", data);
            acc.accumulate(com.openai.core.ObjectMappers.jsonMapper().readValue(data, ChatCompletionChunk.class));
        }
        assertNotNull(last, "a stream has frames");
        assertTrue(last.equals("[DONE]") || JSON.readTree(last).has("error"), "ends with [DONE] or an error: " + last);
        if (last.equals("[DONE]") && !carried) {
            assertNotNull(acc.chatCompletion());
        }
    }

    private static void checkMessagesStream(String sse, boolean carried) throws IOException {
        if (sse.startsWith("(before the commit point")) {
            return;
        }
        MessageAccumulator acc = MessageAccumulator.create();
        String lastName = null;
        for (String frame : sse.split("\n\n")) {
            if (frame.isBlank()) {
                continue;
            }
            String[] lines = frame.split("\n", 2);
            assertTrue(lines[0].startsWith("event: ") && lines[1].startsWith("data: "), frame);
            String name = lines[0].substring(7);
            String data = lines[1].substring(6);
            JsonNode tree = JSON.readTree(data);
            assertEquals(name, tree.path("type").asText(), "event name equals the data's type: " + frame);
            lastName = name;
            if (name.equals("ping") || name.equals("error")) {
                continue;
            }
            RawMessageStreamEvent e = ANTHROPIC.readValue(data, RawMessageStreamEvent.class);
            e.validate();
            acc.accumulate(e);
        }
        assertTrue("message_stop".equals(lastName) || "error".equals(lastName), "ends with message_stop or error: " + lastName);
        if ("message_stop".equals(lastName)) {
            acc.message().validate();
        }
    }
}
