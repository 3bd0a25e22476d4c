package dev.junction.translators.ingress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.openai.core.ObjectMappers;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseStreamEvent;
import dev.junction.stream.StreamEvent;
import dev.junction.testkit.OpenAiSchema;
import dev.junction.translators.anthropic.AnthropicAdapter;
import dev.junction.translators.gemini.GeminiAdapter;
import dev.junction.translators.golden.GoldenRunner;
import dev.junction.translators.model.ChatResponse;
import dev.junction.translators.openai.JsonLimits;
import dev.junction.translators.responses.ResponsesRequest;
import dev.junction.translators.responses.ResponsesRequestDecoder;
import dev.junction.translators.responses.ResponsesResponseEncoder;
import dev.junction.translators.responses.ResponsesStreamEncoder;
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
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The OpenAI Responses door against golden files, compared as JSON trees.
 *
 * <p><b>Requests</b> ({@code golden/ingress/responses/<scenario>/}): {@code responses-request.json} →
 * {@code canonical-request.json} ({@link CanonicalJson} of the canonical request) or
 * {@code request-error.json}; where present, through the Anthropic ({@code anthropic-request.json})
 * and Gemini ({@code gemini-request.json}) adapters, and an OpenAI-compatible chat server
 * ({@code openai-chat-request.json}).
 *
 * <p><b>Answers from every vendor</b>: every vendor golden answer becomes a {@code response} object
 * validated against OpenAI's schema ({@code Response}) and parsed and validated by the openai-java
 * SDK; every vendor stream, for each chunk-boundary framing, becomes a byte-identical event stream
 * whose every event is validated against its OpenAI schema component and by the SDK, with its SSE
 * name equal to its type and {@code sequence_number} counting 0, 1, 2, ...; the SDK's
 * {@code ResponseAccumulator} must accept the sequence and its result must equal the terminal
 * event's response; the stream ends with {@code [DONE]}. {@code responses-response.json} and
 * {@code responses-stream.txt}, where present, are the expected output.
 */
class ResponsesGoldenTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper SDK = ObjectMappers.jsonMapper();
    private static final Target TARGET = new Target("golden", "golden", "https://api.vendor.test", "vendor-model",
            "test-vendor-key-0123456789", Map.of(), Map.of());
    private static final String SIMPLE = "{\"model\":\"golden\",\"input\":\"hi\"}";

    /** OpenAI's schema component for each event type Junction emits. */
    private static final Map<String, String> COMPONENT = Map.ofEntries(
            Map.entry("response.created", "ResponseCreatedEvent"),
            Map.entry("response.in_progress", "ResponseInProgressEvent"),
            Map.entry("response.completed", "ResponseCompletedEvent"),
            Map.entry("response.incomplete", "ResponseIncompleteEvent"),
            Map.entry("response.failed", "ResponseFailedEvent"),
            Map.entry("response.output_item.added", "ResponseOutputItemAddedEvent"),
            Map.entry("response.output_item.done", "ResponseOutputItemDoneEvent"),
            Map.entry("response.content_part.added", "ResponseContentPartAddedEvent"),
            Map.entry("response.content_part.done", "ResponseContentPartDoneEvent"),
            Map.entry("response.output_text.delta", "ResponseTextDeltaEvent"),
            Map.entry("response.output_text.done", "ResponseTextDoneEvent"),
            Map.entry("response.refusal.delta", "ResponseRefusalDeltaEvent"),
            Map.entry("response.refusal.done", "ResponseRefusalDoneEvent"),
            Map.entry("response.function_call_arguments.delta", "ResponseFunctionCallArgumentsDeltaEvent"),
            Map.entry("response.function_call_arguments.done", "ResponseFunctionCallArgumentsDoneEvent"),
            Map.entry("response.reasoning_summary_part.added", "ResponseReasoningSummaryPartAddedEvent"),
            Map.entry("response.reasoning_summary_part.done", "ResponseReasoningSummaryPartDoneEvent"),
            Map.entry("response.reasoning_summary_text.delta", "ResponseReasoningSummaryTextDeltaEvent"),
            Map.entry("response.reasoning_summary_text.done", "ResponseReasoningSummaryTextDoneEvent"),
            Map.entry("error", "ResponseErrorEvent"));

    @TestFactory
    Stream<DynamicNode> requests() throws IOException, URISyntaxException {
        Path root = Paths.get(getClass().getClassLoader().getResource("golden/ingress/responses").toURI());
        try (Stream<Path> list = Files.list(root)) {
            return list.filter(Files::isDirectory).sorted().map(ResponsesGoldenTest::requestScenario).toList().stream();
        }
    }

    private static DynamicNode requestScenario(Path dir) {
        List<DynamicTest> tests = new ArrayList<>();
        if (Files.exists(dir.resolve("canonical-request.json"))) {
            tests.add(DynamicTest.dynamicTest("decoded", () -> withRequest(dir, r ->
                    MessagesGoldenTest.assertJson(dir, "canonical-request.json", CanonicalJson.of(r.chat())))));
        }
        if (Files.exists(dir.resolve("request-error.json"))) {
            tests.add(DynamicTest.dynamicTest("refused", () -> {
                ByteBuf body = VendorScenarios.read(dir, "responses-request.json");
                try {
                    ResponsesRequestDecoder.decode(body, JsonLimits.DEFAULT);
                    fail("expected " + dir.getFileName() + " to be refused");
                } catch (TranslationException e) {
                    MessagesGoldenTest.assertJson(dir, "request-error.json", MessagesGoldenTest.errorJson(e.error()));
                } finally {
                    body.release();
                }
            }));
        }
        if (Files.exists(dir.resolve("anthropic-request.json"))) {
            tests.add(DynamicTest.dynamicTest("to anthropic", () -> withRequest(dir, r -> MessagesGoldenTest.assertJson(
                    dir, "anthropic-request.json", vendorBody(new AnthropicAdapter(), r)))));
        }
        if (Files.exists(dir.resolve("gemini-request.json"))) {
            tests.add(DynamicTest.dynamicTest("to gemini", () -> withRequest(dir, r -> MessagesGoldenTest.assertJson(
                    dir, "gemini-request.json", vendorBody(new GeminiAdapter(), r)))));
        }
        if (Files.exists(dir.resolve("openai-chat-request.json"))) {
            tests.add(DynamicTest.dynamicTest("to an OpenAI-compatible chat server", () -> withRequest(dir,
                    r -> MessagesGoldenTest.assertJson(dir, "openai-chat-request.json",
                            vendorBody(dev.junction.translators.VendorRegistry.canonicalAdapter("openai-compatible"), r)))));
        }
        if (tests.isEmpty()) {
            tests.add(DynamicTest.dynamicTest("has files", () -> fail(dir + " has no expected file")));
        }
        return DynamicContainer.dynamicContainer(dir.getFileName().toString(), tests.stream());
    }

    private interface RequestCheck {
        void check(ResponsesRequest r) throws IOException;
    }

    private static void withRequest(Path dir, RequestCheck check) throws IOException {
        ByteBuf body = VendorScenarios.read(dir, "responses-request.json");
        try {
            check.check(ResponsesRequestDecoder.decode(body, JsonLimits.DEFAULT));
        } finally {
            body.release();
        }
    }

    private static JsonNode vendorBody(VendorAdapter adapter, ResponsesRequest r) throws IOException {
        UpstreamRequest up = adapter.chatRequest(r.chat(), TARGET, PooledByteBufAllocator.DEFAULT, new Warnings());
        try {
            return JSON.readTree(up.body().toString(StandardCharsets.UTF_8));
        } finally {
            up.body().release();
        }
    }

    // ---- every vendor's answers through the Responses encoders ------------------------------------

    @TestFactory
    Stream<DynamicNode> answersFromEveryVendor() {
        List<DynamicNode> vendors = new ArrayList<>();
        for (VendorScenarios.Vendor v : VendorScenarios.VENDORS) {
            List<DynamicNode> scenarios = new ArrayList<>();
            for (Path dir : VendorScenarios.scenarios(v)) {
                List<DynamicTest> tests = new ArrayList<>();
                if (VendorScenarios.hasResponse(dir)) {
                    tests.add(DynamicTest.dynamicTest("response", () -> checkResponse(v, dir)));
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

    /** The Responses request a golden scenario stands for: a plain one, or {@code responses-request.json}. */
    static ResponsesRequest request(Path dir) {
        ByteBuf body = Files.exists(dir.resolve("responses-request.json"))
                ? VendorScenarios.read(dir, "responses-request.json") : VendorScenarios.buf(SIMPLE);
        try {
            return ResponsesRequestDecoder.decode(body, JsonLimits.DEFAULT);
        } finally {
            body.release();
        }
    }

    private static void checkResponse(VendorScenarios.Vendor v, Path dir) throws IOException {
        ChatResponse response;
        try {
            response = VendorScenarios.response(v, dir);
        } catch (TranslationException e) {
            return; // an answer the vendor adapter refuses never reaches a door
        }
        ByteBuf out = ResponsesResponseEncoder.encode(response, request(dir), "resp_golden", 1700000000L,
                PooledByteBufAllocator.DEFAULT);
        String text;
        try {
            text = out.toString(StandardCharsets.UTF_8);
        } finally {
            out.release();
        }
        JsonNode tree = JSON.readTree(text);
        OpenAiSchema.assertValid("Response", tree);
        SDK.readValue(text, Response.class).validate();
        if (Files.exists(dir.resolve("responses-response.json"))) {
            MessagesGoldenTest.assertJson(dir, "responses-response.json", tree);
        }
    }

    private static void checkStream(VendorScenarios.Vendor v, Path dir) throws IOException {
        String whole = null;
        for (Map.Entry<String, GoldenRunner.Framing> f : VendorScenarios.framings().entrySet()) {
            String text = encode(request(dir), VendorScenarios.stream(v, dir, f.getValue()));
            if (whole == null) {
                whole = text;
            } else {
                assertEquals(whole, text, "the Responses stream of " + dir.getFileName() + " framed as " + f.getKey());
            }
        }
        List<String[]> events = assertClientStream(whole);
        if (Files.exists(dir.resolve("responses-stream.txt"))) {
            List<String[]> expected = MessagesGoldenTest.parse(Files.readString(dir.resolve("responses-stream.txt")));
            ArrayNode want = JSON.createArrayNode();
            ArrayNode got = JSON.createArrayNode();
            expected.forEach(e -> want.add(JSON.createObjectNode().put("event", e[0]).set("data", tree(e[1]))));
            events.forEach(e -> got.add(JSON.createObjectNode().put("event", e[0]).set("data", tree(e[1]))));
            assertEquals(want, got, "Responses stream of " + dir.getFileName() + "\nactual:\n" + whole);
        }
    }

    /**
     * What the Responses door's clients parse: {@code whole} ends with {@code [DONE]}; every event is
     * valid against its OpenAI schema component and as the SDK's event, named as its type, numbered
     * 0, 1, 2, ...; the terminal event is last, and the SDK's accumulation equals its response (or an
     * {@code error} event precedes {@code response.failed}). Returns the events (name, data).
     */
    static List<String[]> assertClientStream(String whole) throws IOException {
        assertTrue(whole.endsWith("data: [DONE]\n\n"), "ends with [DONE]:\n" + whole);
        List<String[]> events = MessagesGoldenTest.parse(whole.substring(0, whole.length() - "data: [DONE]\n\n".length()));
        ResponseAccumulator acc = ResponseAccumulator.create();
        JsonNode terminal = null;
        String terminalType = null;
        for (int i = 0; i < events.size(); i++) {
            String[] e = events.get(i);
            JsonNode data = JSON.readTree(e[1]);
            assertEquals(e[0], data.path("type").asText(), "SSE event name equals the data's type: " + e[1]);
            assertEquals(i, data.path("sequence_number").asInt(-1), "sequence_number of " + e[1]);
            String component = COMPONENT.get(e[0]);
            assertNotNull(component, "an event type Junction should not emit: " + e[0]);
            OpenAiSchema.assertValid(component, data);
            if (e[0].equals("error")) {
                assertTrue(data.path("error").isObject(), "the error event also nests the error, as the API does");
                continue; // the SDKs raise on it before any accumulator sees it
            }
            ResponseStreamEvent event = SDK.readValue(e[1], ResponseStreamEvent.class);
            event.validate();
            acc.accumulate(event);
            if (e[0].equals("response.completed") || e[0].equals("response.incomplete") || e[0].equals("response.failed")) {
                terminal = data.get("response");
                terminalType = e[0];
                assertEquals(events.size() - 1, i, "the terminal event is the last one");
            }
        }
        assertNotNull(terminal, "a terminal response event");
        if (!terminalType.equals("response.failed")) {
            JsonNode accumulated = JSON.readTree(SDK.writeValueAsString(acc.response()));
            assertEquals(terminal.get("output"), accumulated.get("output"), "the SDK's accumulation equals the terminal response");
        } else {
            assertEquals("error", events.get(events.size() - 2)[0], "response.failed follows the error event");
        }
        return events;
    }

    /** What the Responses door's clients parse of an answer: OpenAI's {@code Response}, by schema and by the SDK. */
    static void assertClientResponse(String text) throws IOException {
        OpenAiSchema.assertValid("Response", JSON.readTree(text));
        SDK.readValue(text, Response.class).validate();
    }

    static String encode(ResponsesRequest request, List<StreamEvent> events) {
        ResponsesStreamEncoder encoder = new ResponsesStreamEncoder(request, "resp_golden", 1700000000L);
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

    private static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }
}
