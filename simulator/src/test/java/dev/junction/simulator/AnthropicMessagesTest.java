package dev.junction.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnthropicMessagesTest {

    private static VendorSimulator sim;
    private static String url;

    @BeforeAll
    static void start() {
        sim = VendorSimulator.start(SimulatorOptions.builder().anthropicKey("sk-ant-test").replyTokens(5).build());
        url = sim.baseUrl() + "/v1/messages";
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    static String body(String userText, boolean stream) {
        ObjectNode body = Http.JSON.createObjectNode().put("model", "claude-sim").put("max_tokens", 1024)
                .put("stream", stream);
        body.putArray("messages").addObject().put("role", "user").put("content", userText);
        return body.toString();
    }

    static HttpResponse<String> post(String body) {
        return Http.post(url, body, "x-api-key", "sk-ant-test", "anthropic-version", "2023-06-01");
    }

    @Test
    void messageWithTextThinkingAndTools() {
        JsonNode msg = Http.json(post(body("[[sim text=\"Let me check\" reasoning=3 cached=2 prompt-tokens=10"
                + " tool=get_weather args={\"city\":\"Paris\"}]]", false)).body());
        assertEquals("message", msg.get("type").asText());
        assertEquals("assistant", msg.get("role").asText());
        assertEquals("claude-sim", msg.get("model").asText());
        assertTrue(msg.get("id").asText().startsWith("msg_"));
        JsonNode content = msg.get("content");
        assertEquals("thinking", content.at("/0/type").asText());
        assertFalse(content.at("/0/signature").asText().isEmpty());
        assertEquals(Http.json("{\"type\":\"text\",\"text\":\"Let me check\"}"), content.get(1));
        assertEquals("tool_use", content.at("/2/type").asText());
        assertEquals(Http.json("{\"city\":\"Paris\"}"), content.at("/2/input"));
        assertTrue(content.at("/2/id").asText().startsWith("toolu_"));
        assertEquals("tool_use", msg.get("stop_reason").asText());
        assertTrue(msg.get("stop_sequence").isNull());
        JsonNode usage = msg.get("usage");
        assertEquals(8, usage.get("input_tokens").asInt(), "input_tokens excludes cache reads");
        assertEquals(2, usage.get("cache_read_input_tokens").asInt());
        int toolTokens = ("get_weather".length() + "{\"city\":\"Paris\"}".length() + 3) / 4;
        assertEquals(3 + 3 + toolTokens, usage.get("output_tokens").asInt());
    }

    @Test
    void textStreamFollowsTheEventSequence() {
        HttpResponse<String> res = post(body("hello [[sim tokens=6]]", true));
        assertEquals(200, res.statusCode());
        List<Http.Event> events = Http.events(res.body());
        List<String> types = new ArrayList<>();
        for (Http.Event e : events) {
            assertEquals(e.event(), e.json().get("type").asText(), "event name equals data.type");
            types.add(e.event());
        }
        assertEquals(List.of("message_start", "ping", "content_block_start", "content_block_delta",
                "content_block_delta", "content_block_delta", "content_block_delta", "ping", "content_block_delta",
                "content_block_delta", "content_block_stop", "message_delta", "message_stop"), types);
        JsonNode start = events.get(0).json().get("message");
        assertTrue(start.get("stop_reason").isNull());
        assertEquals(0, start.get("content").size());
        StringBuilder text = new StringBuilder();
        for (Http.Event e : events) {
            if (e.event().equals("content_block_delta")) {
                assertEquals("text_delta", e.json().at("/delta/type").asText());
                text.append(e.json().at("/delta/text").asText());
            }
        }
        assertEquals(VendorSimulator.defaultReply(6), text.toString());
        JsonNode delta = events.get(events.size() - 2).json();
        assertEquals("end_turn", delta.at("/delta/stop_reason").asText());
        assertEquals(6, delta.at("/usage/output_tokens").asInt(), "cumulative output tokens");
        assertEquals(start.at("/usage/input_tokens"), delta.at("/usage/input_tokens"));
    }

    @Test
    void toolStreamStartsWithEmptyPartialJsonAndNoArgToolGetsExactlyOne() {
        List<Http.Event> events = Http.events(post(body(
                "[[sim tool=get_weather args={\"city\":\"Paris\"} tool=get_time]]", true)).body());
        List<List<String>> partials = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Http.Event e : events) {
            JsonNode j = e.json();
            if (e.event().equals("content_block_start")) {
                assertEquals("tool_use", j.at("/content_block/type").asText());
                assertEquals(Http.json("{}"), j.at("/content_block/input"));
                names.add(j.at("/content_block/name").asText());
                partials.add(new ArrayList<>());
            } else if (e.event().equals("content_block_delta")) {
                assertEquals("input_json_delta", j.at("/delta/type").asText());
                assertEquals(partials.size() - 1, j.get("index").asInt());
                partials.get(partials.size() - 1).add(j.at("/delta/partial_json").asText());
            }
        }
        assertEquals(List.of("get_weather", "get_time"), names);
        assertEquals("", partials.get(0).get(0));
        assertEquals(Http.json("{\"city\":\"Paris\"}"), Http.json(String.join("", partials.get(0))));
        assertEquals(List.of(""), partials.get(1));
        JsonNode delta = events.get(events.size() - 2).json();
        assertEquals("tool_use", delta.at("/delta/stop_reason").asText());
    }

    @Test
    void thinkingBlockStreamsThinkingThenSignature() {
        List<Http.Event> events = Http.events(post(body("[[sim reasoning=3 tokens=1]]", true)).body());
        JsonNode blockStart = events.get(2).json();
        assertEquals(Http.json("{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}"),
                blockStart.get("content_block"));
        List<String> deltaTypes = new ArrayList<>();
        for (Http.Event e : events) {
            if (e.event().equals("content_block_delta") && e.json().get("index").asInt() == 0) {
                deltaTypes.add(e.json().at("/delta/type").asText());
            }
        }
        assertEquals(List.of("thinking_delta", "thinking_delta", "thinking_delta", "signature_delta"), deltaTypes);
        assertEquals(4, events.get(events.size() - 2).json().at("/usage/output_tokens").asInt());
    }

    @Test
    void refusalStreamHasNoContentBlock() {
        List<Http.Event> events = Http.events(post(body("[[sim finish=refusal]]", true)).body());
        List<String> types = events.stream().map(Http.Event::event).toList();
        assertEquals(List.of("message_start", "ping", "message_delta", "message_stop"), types);
        assertEquals("refusal", events.get(2).json().at("/delta/stop_reason").asText());
    }

    @Test
    void maxTokensStopsWithLength() {
        String req = "{\"model\":\"m\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"[[sim tokens=5]]\"}]}";
        JsonNode msg = Http.json(post(req).body());
        assertEquals("max_tokens", msg.get("stop_reason").asText());
        assertEquals(VendorSimulator.defaultReply(2), msg.at("/content/0/text").asText());
    }

    @Test
    void errorsUseAnthropicShape() {
        HttpResponse<String> overloaded = post(body("[[sim status=529]]", false));
        assertEquals(529, overloaded.statusCode());
        JsonNode o = Http.json(overloaded.body());
        assertEquals("error", o.get("type").asText());
        assertEquals(Http.json("{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}"), o.get("error"));
        assertTrue(o.get("request_id").asText().startsWith("req_"));

        HttpResponse<String> limited = post(body("[[sim status=429 retry-after=7]]", false));
        assertEquals("7", limited.headers().firstValue("retry-after").orElse(null));
        assertEquals("rate_limit_error", Http.json(limited.body()).at("/error/type").asText());
        assertEquals("1", post(body("[[sim status=429]]", false)).headers().firstValue("retry-after").orElse(null));

        HttpResponse<String> cap = post(body("[[sim status=429 error=spend_limit]]", false));
        assertTrue(cap.headers().firstValue("retry-after").isEmpty());
        assertEquals("enforced_spend_limit_reached", Http.json(cap.body()).at("/error/details/error_code").asText());

        JsonNode tooLong = Http.json(post(body("[[sim status=400 error=context_length_exceeded]]", false)).body());
        assertTrue(tooLong.at("/error/message").asText().startsWith("prompt is too long"));
        assertEquals("billing_error", Http.json(post(body("[[sim status=402]]", false)).body()).at("/error/type").asText());
    }

    @Test
    void requiresKeyVersionAndMaxTokens() {
        HttpResponse<String> noKey = Http.post(url, body("hi", false), "anthropic-version", "2023-06-01");
        assertEquals(401, noKey.statusCode());
        assertEquals("authentication_error", Http.json(noKey.body()).at("/error/type").asText());
        HttpResponse<String> wrongKey = Http.post(url, body("hi", false), "x-api-key", "nope",
                "anthropic-version", "2023-06-01");
        assertEquals(401, wrongKey.statusCode());
        HttpResponse<String> noVersion = Http.post(url, body("hi", false), "x-api-key", "sk-ant-test");
        assertEquals(400, noVersion.statusCode());
        assertEquals("invalid_request_error", Http.json(noVersion.body()).at("/error/type").asText());
        HttpResponse<String> noMax = post("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(400, noMax.statusCode());
        assertTrue(Http.json(noMax.body()).at("/error/message").asText().contains("max_tokens"));
    }

    @Test
    void midStreamErrorEventIsOverloaded() {
        List<Http.Event> events = Http.events(post(body("[[sim tokens=5 error-event=3]]", true)).body());
        assertEquals(4, events.size());
        Http.Event error = events.get(3);
        assertEquals("error", error.event());
        assertEquals("overloaded_error", error.json().at("/error/type").asText());
    }

    @Test
    void cutStreamEndsWithoutMessageStop() throws Exception {
        try (RawClient c = new RawClient(sim.port())) {
            c.post("/v1/messages", body("[[sim tokens=5 cut=4]]", true), "x-api-key", "sk-ant-test",
                    "anthropic-version", "2023-06-01");
            for (int i = 0; i < 4; i++) {
                String chunk = c.nextChunk();
                assertFalse(chunk.contains("message_stop"));
            }
            assertThrows(EOFException.class, c::nextChunk);
        }
    }

    @Test
    void modelsListWithVersionHeader() {
        JsonNode list = Http.json(Http.get(sim.baseUrl() + "/v1/models", "x-api-key", "sk-ant-test",
                "anthropic-version", "2023-06-01").body());
        assertEquals("model", list.at("/data/0/type").asText());
        assertFalse(list.get("has_more").asBoolean());
    }
}
