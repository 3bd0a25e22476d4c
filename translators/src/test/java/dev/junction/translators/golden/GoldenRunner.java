package dev.junction.translators.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.junction.stream.FinishReason;
import dev.junction.stream.GatewayError;
import dev.junction.stream.OpenAiChunkWriter;
import dev.junction.stream.SseEvent;
import dev.junction.stream.StreamEvent;
import dev.junction.stream.Usage;
import dev.junction.testkit.OpenAiSchema;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ChatResponse;
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
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs the golden files of one vendor (DESIGN house rule 9): every directory under
 * {@code golden/<vendor>/} on the test classpath is a scenario, and every pair of files present in
 * it becomes one dynamic test. All JSON is compared structurally (Jackson trees).
 *
 * <table>
 *   <tr><th>input</th><th>expected</th><th>what runs</th></tr>
 *   <tr><td>{@code openai-request.json} (+ {@code target.json})</td><td>{@code vendor-request.json}
 *       (+ {@code vendor-request-http.json}, {@code warnings.json})</td>
 *       <td>OpenAI codec, then {@link VendorAdapter#chatRequest}</td></tr>
 *   <tr><td>{@code openai-request.json}</td><td>{@code request-error.json}</td>
 *       <td>decoding or translation is refused: the expected OpenAI error body plus {@code "status"}</td></tr>
 *   <tr><td>{@code vendor-response.json}</td><td>{@code openai-response.json}</td>
 *       <td>{@link VendorAdapter#chatResponse}, then the OpenAI encoder (id {@code chatcmpl-golden},
 *       created 0, model = the request's alias); also validated against OpenAI's schema</td></tr>
 *   <tr><td>{@code vendor-stream.txt} (raw SSE)</td><td>{@code openai-stream.jsonl}</td>
 *       <td>SSE framing, then the adapter's {@link StreamTranslator}; the expected file holds the
 *       <b>canonical</b> {@link StreamEvent}s, one JSON object per line (see {@link #eventJson});
 *       the events are also rendered by the production chunk writer and every frame is validated
 *       against OpenAI's schema</td></tr>
 *   <tr><td>{@code vendor-error.json} + {@code vendor-error-status.txt} (+ {@code vendor-error-headers.json})</td>
 *       <td>{@code openai-error.json} + {@code openai-error-status.txt} (+ {@code error-flags.json})</td>
 *       <td>{@link VendorAdapter#error}: the OpenAI error body (schema-validated), the client status,
 *       and the gateway's retry/failover flags</td></tr>
 * </table>
 *
 * <p>The scenario's request ({@code openai-request.json}, or a one-message default) is also the
 * request handed to the response and stream translators. {@code target.json} may set
 * {@code baseUrl}, {@code model}, {@code apiKey}, {@code headers} and {@code options}.
 *
 * <p>Each stream is framed by the production {@code SseDecoder}, whole and in chunks of 1, 2, 3, 5,
 * ... bytes ({@link SseFraming#sweep()}), and must yield the identical event sequence every time;
 * {@link #withFraming} replaces the set.
 */
public final class GoldenRunner {

    static final ObjectMapper JSON = new ObjectMapper();

    /** Splits a raw SSE text into events; the runner releases the events' buffers. */
    public interface Framing {
        List<SseEvent> frame(byte[] sse);
    }

    private final String vendor;
    private final VendorAdapter adapter;
    private final Map<String, Framing> framings;

    public GoldenRunner(String vendor, VendorAdapter adapter) {
        this(vendor, adapter, SseFraming.sweep());
    }

    private GoldenRunner(String vendor, VendorAdapter adapter, Map<String, Framing> framings) {
        this.vendor = vendor;
        this.adapter = adapter;
        this.framings = framings;
    }

    /** A runner that checks each stream once per named framing (e.g. chunk sizes 1, 2, 3, 5...). */
    public GoldenRunner withFraming(Map<String, Framing> framings) {
        return new GoldenRunner(vendor, adapter, Map.copyOf(framings));
    }

    /** One container per scenario directory. */
    public Stream<DynamicNode> scenarios() {
        Path root = root();
        List<Path> dirs;
        try (Stream<Path> list = Files.list(root)) {
            dirs = list.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (dirs.isEmpty()) {
            fail("no golden scenarios under " + root);
        }
        return dirs.stream().map(this::scenario);
    }

    private Path root() {
        URL url = GoldenRunner.class.getClassLoader().getResource("golden/" + vendor);
        if (url == null) {
            throw new AssertionError("no golden/" + vendor + " directory on the test classpath");
        }
        try {
            return Paths.get(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private DynamicContainer scenario(Path dir) {
        List<DynamicTest> tests = new ArrayList<>();
        String name = dir.getFileName().toString();
        if (exists(dir, "openai-request.json") && exists(dir, "vendor-request.json")) {
            tests.add(DynamicTest.dynamicTest("request", () -> checkRequest(dir)));
        }
        if (exists(dir, "openai-request.json") && exists(dir, "request-error.json")) {
            tests.add(DynamicTest.dynamicTest("request refused", () -> checkRequestError(dir)));
        }
        if (exists(dir, "vendor-response.json")) {
            tests.add(DynamicTest.dynamicTest("response", () -> checkResponse(dir)));
        }
        if (exists(dir, "vendor-stream.txt")) {
            for (Map.Entry<String, Framing> f : framings.entrySet()) {
                tests.add(DynamicTest.dynamicTest("stream (" + f.getKey() + ")", () -> checkStream(dir, f.getValue())));
            }
        }
        if (exists(dir, "vendor-error.json")) {
            tests.add(DynamicTest.dynamicTest("error", () -> checkError(dir)));
        }
        if (tests.isEmpty()) {
            tests.add(DynamicTest.dynamicTest("has files", () -> fail("scenario " + name + " has no input/expected pair")));
        }
        return DynamicContainer.dynamicContainer(name, dir.toUri(), tests.stream());
    }

    // ---- request ------------------------------------------------------------------------------

    private void checkRequest(Path dir) throws IOException {
        ByteBuf body = readBuf(dir, "openai-request.json");
        try {
            ChatRequest request = OpenAiRequestDecoder.decodeChat(body, JsonLimits.DEFAULT);
            Warnings warnings = new Warnings();
            UpstreamRequest up = adapter.chatRequest(request, target(dir), PooledByteBufAllocator.DEFAULT, warnings);
            JsonNode actual;
            try {
                actual = JSON.readTree(up.body().toString(StandardCharsets.UTF_8));
            } finally {
                up.body().release();
            }
            assertEquals(readJson(dir, "vendor-request.json"), actual, "vendor request body of " + dir.getFileName()
                    + "\nactual: " + actual.toPrettyString());
            if (exists(dir, "vendor-request-http.json")) {
                JsonNode http = readJson(dir, "vendor-request-http.json");
                assertEquals(http.path("method").asText("POST"), up.method());
                assertEquals(http.path("path").asText(), up.path());
                assertEquals(http.path("stream").asBoolean(false), up.stream(), "stream flag");
                Map<String, String> headers = new HashMap<>();
                up.headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
                for (Iterator<Map.Entry<String, JsonNode>> it = http.path("headers").fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> h = it.next();
                    assertEquals(h.getValue().asText(), headers.get(h.getKey().toLowerCase()), "header " + h.getKey());
                }
            }
            List<String> expectedWarnings = new ArrayList<>();
            if (exists(dir, "warnings.json")) {
                readJson(dir, "warnings.json").forEach(w -> expectedWarnings.add(w.asText()));
            }
            assertEquals(expectedWarnings, warnings.list(), "warnings");
        } finally {
            body.release();
        }
    }

    private void checkRequestError(Path dir) throws IOException {
        ByteBuf body = readBuf(dir, "openai-request.json");
        try {
            GatewayError error;
            try {
                ChatRequest request = OpenAiRequestDecoder.decodeChat(body, JsonLimits.DEFAULT);
                UpstreamRequest up = adapter.chatRequest(request, target(dir), PooledByteBufAllocator.DEFAULT,
                        new Warnings());
                up.body().release();
                throw new AssertionError("expected the translation of " + dir.getFileName() + " to be refused");
            } catch (TranslationException e) {
                error = e.error();
            }
            ObjectNode actual = errorBody(error);
            actual.put("status", error.status());
            assertEquals(readJson(dir, "request-error.json"), normalize(actual), "refusal\nactual: " + actual.toPrettyString());
        } finally {
            body.release();
        }
    }

    // ---- response -----------------------------------------------------------------------------

    private void checkResponse(Path dir) throws IOException {
        ChatRequest request = request(dir);
        ByteBuf vendorBody = readBuf(dir, "vendor-response.json");
        ChatResponse response;
        try {
            response = adapter.chatResponse(request, vendorBody);
        } finally {
            vendorBody.release();
        }
        ByteBuf out = OpenAiResponseEncoder.encodeChat(response, "chatcmpl-golden", 0L, request.model(),
                PooledByteBufAllocator.DEFAULT);
        JsonNode actual;
        try {
            actual = JSON.readTree(out.toString(StandardCharsets.UTF_8));
        } finally {
            out.release();
        }
        OpenAiSchema.assertValid("CreateChatCompletionResponse", actual);
        assertEquals(readJson(dir, "openai-response.json"), actual, "openai response\nactual: " + actual.toPrettyString());
    }

    // ---- stream -------------------------------------------------------------------------------

    private void checkStream(Path dir, Framing framing) throws IOException {
        ChatRequest request = request(dir);
        List<SseEvent> events = framing.frame(Files.readAllBytes(dir.resolve("vendor-stream.txt")));
        StreamTranslator translator = adapter.streamTranslator(request);
        List<StreamEvent> out = new ArrayList<>();
        try {
            for (SseEvent e : events) {
                translator.onEvent(e, out::add);
            }
        } finally {
            events.forEach(e -> e.data().release());
        }
        translator.onEnd(out::add);
        ArrayNode actual = JSON.createArrayNode();
        out.forEach(e -> actual.add(eventJson(e)));
        ArrayNode expected = JSON.createArrayNode();
        for (String line : Files.readAllLines(dir.resolve("openai-stream.jsonl"), StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                expected.add(JSON.readTree(line));
            }
        }
        assertEquals(expected, normalize(actual), "canonical events of " + dir.getFileName() + "\nactual:\n" + jsonl(actual));
        assertChunksValid(out, request.model());
    }

    /**
     * Renders the events with the production chunk writer and validates every frame against
     * OpenAI's schema: chunks as {@code CreateChatCompletionStreamResponse}, an in-band error as
     * {@code ErrorResponse} (DESIGN house rule 9).
     */
    private static void assertChunksValid(List<StreamEvent> events, String model) throws IOException {
        OpenAiChunkWriter writer = new OpenAiChunkWriter("chatcmpl-golden", 0L, model, true);
        List<ByteBuf> frames = new ArrayList<>();
        try {
            for (StreamEvent e : events) {
                writer.write(e, PooledByteBufAllocator.DEFAULT, frames);
            }
            if (!writer.ended()) {
                writer.finish(PooledByteBufAllocator.DEFAULT, frames);
            }
            for (ByteBuf frame : frames) {
                String text = frame.toString(StandardCharsets.UTF_8);
                assertTrue(text.startsWith("data: ") && text.endsWith("\n\n"), "SSE frame: " + text);
                String data = text.substring(6, text.length() - 2);
                if (data.equals("[DONE]")) {
                    continue;
                }
                JsonNode json = JSON.readTree(data);
                OpenAiSchema.assertValid(json.has("error") ? "ErrorResponse" : "CreateChatCompletionStreamResponse", json);
            }
        } finally {
            frames.forEach(ByteBuf::release);
        }
    }

    private static String jsonl(ArrayNode events) {
        StringBuilder sb = new StringBuilder();
        events.forEach(e -> sb.append(e).append('\n'));
        return sb.toString();
    }

    /**
     * A canonical event as JSON: {@code {"event":"<record name>", <record components>...}}, with
     * {@link FinishReason} as its wire value, {@link Usage} and {@link GatewayError} as objects
     * (the error's {@code retryAfter} in milliseconds).
     */
    public static JsonNode eventJson(Object value) {
        return toJson(value, true);
    }

    private static JsonNode toJson(Object value, boolean top) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (value == null) {
            return f.nullNode();
        }
        if (value instanceof FinishReason r) {
            return f.textNode(r.wire());
        }
        if (value instanceof java.time.Duration d) {
            return f.numberNode(d.toMillis());
        }
        if (value instanceof String s) {
            return f.textNode(s);
        }
        if (value instanceof Integer i) {
            return f.numberNode(i);
        }
        if (value instanceof Long l) {
            return f.numberNode(l);
        }
        if (value instanceof Boolean b) {
            return f.booleanNode(b);
        }
        if (value instanceof Record r) {
            ObjectNode node = f.objectNode();
            if (top) {
                node.put("event", r.getClass().getSimpleName());
            }
            for (RecordComponent c : r.getClass().getRecordComponents()) {
                try {
                    node.set(c.getName(), toJson(c.getAccessor().invoke(r), false));
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
            return node;
        }
        return f.textNode(String.valueOf(value));
    }

    // ---- errors -------------------------------------------------------------------------------

    private void checkError(Path dir) throws IOException {
        int status = Integer.parseInt(Files.readString(dir.resolve("vendor-error-status.txt")).trim());
        HttpHeaders headers = new DefaultHttpHeaders();
        if (exists(dir, "vendor-error-headers.json")) {
            readJson(dir, "vendor-error-headers.json").fields()
                    .forEachRemaining(h -> headers.add(h.getKey(), h.getValue().asText()));
        }
        ByteBuf body = readBuf(dir, "vendor-error.json");
        GatewayError error;
        try {
            error = adapter.error(status, headers, body);
        } finally {
            body.release();
        }
        ObjectNode actual = errorBody(error);
        OpenAiSchema.assertValid("ErrorResponse", actual);
        assertEquals(readJson(dir, "openai-error.json"), actual, "error body\nactual: " + actual.toPrettyString());
        assertEquals(Integer.parseInt(Files.readString(dir.resolve("openai-error-status.txt")).trim()), error.status(),
                "client status");
        if (exists(dir, "error-flags.json")) {
            ObjectNode flags = JSON.createObjectNode();
            flags.put("retryable", error.retryable());
            flags.put("failover", error.failover());
            flags.put("clientRetryable", error.clientRetryable());
            if (error.retryAfter() != null) {
                flags.put("retryAfterMillis", error.retryAfter().toMillis());
            }
            assertEquals(readJson(dir, "error-flags.json"), normalize(flags), "error flags");
        }
        assertFalse(error.message().contains(target(dir).apiKey()), "the message must never carry a key");
    }

    /**
     * Re-reads a built tree so numbers get the node types the parser gives them (an int-sized
     * long becomes an IntNode), as in the expected files; Jackson's equality is type-sensitive.
     */
    static JsonNode normalize(JsonNode built) {
        try {
            return JSON.readTree(built.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The OpenAI error body (wire-formats §1.6) as the gateway renders it. */
    public static ObjectNode errorBody(GatewayError e) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", e.message());
        error.put("type", e.type());
        error.put("param", e.param());
        error.put("code", e.code());
        return root;
    }

    // ---- files --------------------------------------------------------------------------------

    private ChatRequest request(Path dir) throws IOException {
        ByteBuf body = exists(dir, "openai-request.json") ? readBuf(dir, "openai-request.json")
                : buf("{\"model\":\"golden\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        try {
            // Response and stream translators never read media, so the spans may outlive the body.
            return OpenAiRequestDecoder.decodeChat(body, JsonLimits.DEFAULT);
        } finally {
            body.release();
        }
    }

    private Target target(Path dir) throws IOException {
        String baseUrl = "https://api.vendor.test";
        String model = "vendor-model";
        String key = "test-vendor-key-0123456789";
        Map<String, String> headers = new HashMap<>();
        Map<String, String> options = new HashMap<>();
        if (exists(dir, "target.json")) {
            JsonNode t = readJson(dir, "target.json");
            baseUrl = t.path("baseUrl").asText(baseUrl);
            model = t.path("model").asText(model);
            key = t.path("apiKey").asText(key);
            t.path("headers").fields().forEachRemaining(e -> headers.put(e.getKey(), e.getValue().asText()));
            t.path("options").fields().forEachRemaining(e -> options.put(e.getKey(), e.getValue().asText()));
        }
        return new Target("golden-" + vendor, vendor, baseUrl, model, key, headers, options);
    }

    private static boolean exists(Path dir, String file) {
        return Files.exists(dir.resolve(file));
    }

    private static JsonNode readJson(Path dir, String file) throws IOException {
        return JSON.readTree(dir.resolve(file).toFile());
    }

    private static ByteBuf readBuf(Path dir, String file) throws IOException {
        byte[] bytes = Files.readAllBytes(dir.resolve(file));
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length);
        buf.writeBytes(bytes);
        return buf;
    }

    private static ByteBuf buf(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        return PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes);
    }
}
