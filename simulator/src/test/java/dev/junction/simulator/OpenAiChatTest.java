package dev.junction.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.junction.testkit.OpenAiSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenAiChatTest {

    private static VendorSimulator sim;
    private static String url;

    @BeforeAll
    static void start() {
        sim = VendorSimulator.start(SimulatorOptions.builder().replyTokens(6).build());
        url = sim.baseUrl() + "/v1/chat/completions";
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @BeforeEach
    void reset() {
        sim.clearRequests();
    }

    static String chat(String userText, String extra) {
        ObjectNode body = Http.JSON.createObjectNode().put("model", "gpt-sim");
        body.putArray("messages").addObject().put("role", "user").put("content", userText);
        if (extra != null) {
            body.setAll((ObjectNode) Http.json(extra));
        }
        return body.toString();
    }

    @Test
    void defaultCompletionIsValidAndDeterministic() {
        HttpResponse<String> res = Http.post(url, chat("Hello there", null));
        assertEquals(200, res.statusCode());
        OpenAiSchema.assertValid("CreateChatCompletionResponse", res.body());
        JsonNode root = Http.json(res.body());
        assertEquals("gpt-sim", root.get("model").asText());
        assertEquals("chat.completion", root.get("object").asText());
        JsonNode choice = root.get("choices").get(0);
        assertEquals(VendorSimulator.defaultReply(6), choice.get("message").get("content").asText());
        assertEquals("stop", choice.get("finish_reason").asText());
        JsonNode usage = root.get("usage");
        assertEquals(6, usage.get("completion_tokens").asInt());
        assertEquals(usage.get("prompt_tokens").asInt() + 6, usage.get("total_tokens").asInt());
        assertTrue(usage.get("prompt_tokens").asInt() >= 1);
        // The pre-rendered fast path and the general renderer must agree structurally.
        HttpResponse<String> general = Http.post(url, chat("Hello there", "{\"n\":1}"));
        JsonNode other = Http.json(general.body());
        ((ObjectNode) other).set("id", root.get("id"));
        ((ObjectNode) other).set("created", root.get("created"));
        ((ObjectNode) other.get("usage")).set("prompt_tokens", usage.get("prompt_tokens"));
        ((ObjectNode) other.get("usage")).set("total_tokens", usage.get("total_tokens"));
        assertEquals(root, other);
    }

    @Test
    void directivesScriptTextAndTokens() {
        JsonNode a = Http.json(Http.post(url, chat("Hi [[sim tokens=3]]", null)).body());
        assertEquals(VendorSimulator.defaultReply(3), a.at("/choices/0/message/content").asText());
        JsonNode b = Http.json(Http.post(url, chat("Hi [[sim text=\"Bonjour tout le monde\"]]", null)).body());
        assertEquals("Bonjour tout le monde", b.at("/choices/0/message/content").asText());
        assertEquals(4, b.at("/usage/completion_tokens").asInt());
        JsonNode c = Http.json(Http.post(url, chat("Repeat after me [[sim echo]] please", null)).body());
        assertEquals("Repeat after me please", c.at("/choices/0/message/content").asText());
    }

    @Test
    void directivesAreReadOnlyFromAFinalUserMessage() {
        String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"[[sim status=500]]\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"c1\","
                + "\"content\":\"ok\"}]}";
        assertEquals(200, Http.post(url, body).statusCode());
        String parts = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"hello\"},{\"type\":\"text\",\"text\":\"[[sim status=503]]\"}]}]}";
        assertEquals(503, Http.post(url, parts).statusCode());
    }

    @Test
    void textStreamFollowsTheChunkProtocol() {
        HttpResponse<String> res = Http.post(url, chat("Hi [[sim tokens=4]]", "{\"stream\":true}"));
        assertEquals(200, res.statusCode());
        assertTrue(res.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        List<Http.Event> events = Http.events(res.body());
        assertEquals("[DONE]", events.get(events.size() - 1).data());
        List<JsonNode> chunks = new ArrayList<>();
        for (Http.Event e : events.subList(0, events.size() - 1)) {
            OpenAiSchema.assertValid("CreateChatCompletionStreamResponse", e.data());
            chunks.add(e.json());
        }
        JsonNode first = chunks.get(0).at("/choices/0/delta");
        assertEquals(Http.json("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}"), first);
        StringBuilder text = new StringBuilder();
        for (JsonNode c : chunks) {
            assertEquals(chunks.get(0).get("id"), c.get("id"));
            assertEquals(chunks.get(0).get("created"), c.get("created"));
            assertFalse(c.has("usage"), "no usage without include_usage");
            text.append(c.at("/choices/0/delta/content").asText(""));
        }
        assertEquals(VendorSimulator.defaultReply(4), text.toString());
        JsonNode last = chunks.get(chunks.size() - 1).at("/choices/0");
        assertEquals(Http.json("{}"), last.get("delta"));
        assertEquals("stop", last.get("finish_reason").asText());
        assertEquals(1 + 4 + 1, chunks.size());
    }

    @Test
    void includeUsageAddsAFinalUsageChunkAndNullUsageElsewhere() {
        HttpResponse<String> res = Http.post(url, chat("Hi [[sim tokens=3 cached=2 reasoning=5]]",
                "{\"stream\":true,\"stream_options\":{\"include_usage\":true}}"));
        List<Http.Event> events = Http.events(res.body());
        List<JsonNode> chunks = new ArrayList<>();
        for (Http.Event e : events.subList(0, events.size() - 1)) {
            assertValidChunk(e.json());
            chunks.add(e.json());
        }
        JsonNode usageChunk = chunks.get(chunks.size() - 1);
        assertEquals(0, usageChunk.get("choices").size());
        JsonNode usage = usageChunk.get("usage");
        assertEquals(3 + 5, usage.get("completion_tokens").asInt());
        assertEquals(5, usage.at("/completion_tokens_details/reasoning_tokens").asInt());
        assertEquals(2, usage.at("/prompt_tokens_details/cached_tokens").asInt());
        for (JsonNode c : chunks.subList(0, chunks.size() - 1)) {
            assertTrue(c.get("usage").isNull(), "usage:null on every other chunk");
        }
    }

    /**
     * The spec marks chunk {@code usage} as {@code nullable: true} beside a {@code $ref}, which a
     * 2020-12 validator cannot honour; the null is checked by the caller, the rest by the schema.
     */
    static void assertValidChunk(JsonNode chunk) {
        ObjectNode copy = chunk.deepCopy();
        if (copy.has("usage") && copy.get("usage").isNull()) {
            copy.remove("usage");
        }
        OpenAiSchema.assertValid("CreateChatCompletionStreamResponse", copy);
    }

    @Test
    void parallelToolCallsStreamAsIndexedFragments() {
        String prompt = "Weather? [[sim tool=get_weather args={\"city\":\"Paris\",\"unit\":\"celsius\"} tool=get_time]]";
        HttpResponse<String> res = Http.post(url, chat(prompt, "{\"stream\":true}"));
        List<Http.Event> events = Http.events(res.body());
        Map<Integer, StringBuilder> args = new HashMap<>();
        Map<Integer, String> names = new HashMap<>();
        Map<Integer, String> ids = new HashMap<>();
        String finish = null;
        boolean sawFirst = false;
        for (Http.Event e : events.subList(0, events.size() - 1)) {
            OpenAiSchema.assertValid("CreateChatCompletionStreamResponse", e.data());
            JsonNode choice = e.json().at("/choices/0");
            if (!sawFirst) {
                sawFirst = true;
                assertEquals("assistant", choice.at("/delta/role").asText());
                assertTrue(choice.at("/delta/content").isNull());
            }
            for (JsonNode tc : choice.path("delta").path("tool_calls")) {
                int index = tc.get("index").asInt();
                if (tc.has("id")) {
                    assertEquals("function", tc.get("type").asText());
                    assertEquals("", tc.at("/function/arguments").asText(), "first fragment has empty arguments");
                    ids.put(index, tc.get("id").asText());
                    names.put(index, tc.at("/function/name").asText());
                } else {
                    assertFalse(tc.get("function").has("name"), "later fragments carry only arguments");
                }
                args.computeIfAbsent(index, k -> new StringBuilder()).append(tc.at("/function/arguments").asText());
            }
            if (!choice.path("finish_reason").isNull() && !choice.path("finish_reason").isMissingNode()) {
                finish = choice.get("finish_reason").asText();
            }
        }
        assertEquals("tool_calls", finish);
        assertEquals(Map.of(0, "get_weather", 1, "get_time"), names);
        assertEquals(2, ids.values().stream().distinct().count());
        assertEquals(Http.json("{\"city\":\"Paris\",\"unit\":\"celsius\"}"), Http.json(args.get(0).toString()));
        assertEquals("{}", args.get(1).toString());
    }

    @Test
    void toolCallsInAJsonCompletion() {
        HttpResponse<String> res = Http.post(url, chat("[[sim tool=get_weather args={\"city\":\"Paris\"}]]", null));
        OpenAiSchema.assertValid("CreateChatCompletionResponse", res.body());
        JsonNode message = Http.json(res.body()).at("/choices/0/message");
        assertTrue(message.get("content").isNull());
        assertEquals("get_weather", message.at("/tool_calls/0/function/name").asText());
        assertEquals(Http.json("{\"city\":\"Paris\"}"), Http.json(message.at("/tool_calls/0/function/arguments").asText()));
        assertEquals("tool_calls", Http.json(res.body()).at("/choices/0/finish_reason").asText());
    }

    @Test
    void nChoicesInJsonAndStream() {
        JsonNode root = Http.json(Http.post(url, chat("[[sim tokens=2]]", "{\"n\":3}")).body());
        assertEquals(3, root.get("choices").size());
        assertEquals(2, root.at("/choices/2/index").asInt());
        assertEquals(6, root.at("/usage/completion_tokens").asInt());
        HttpResponse<String> res = Http.post(url, chat("[[sim tokens=2]]", "{\"n\":2,\"stream\":true}"));
        Map<Integer, StringBuilder> text = new HashMap<>();
        Map<Integer, String> finish = new HashMap<>();
        List<Http.Event> events = Http.events(res.body());
        for (Http.Event e : events.subList(0, events.size() - 1)) {
            OpenAiSchema.assertValid("CreateChatCompletionStreamResponse", e.data());
            JsonNode choice = e.json().at("/choices/0");
            int i = choice.get("index").asInt();
            text.computeIfAbsent(i, k -> new StringBuilder()).append(choice.at("/delta/content").asText(""));
            if (!choice.get("finish_reason").isNull()) {
                finish.put(i, choice.get("finish_reason").asText());
            }
        }
        assertEquals(VendorSimulator.defaultReply(2), text.get(0).toString());
        assertEquals(VendorSimulator.defaultReply(2), text.get(1).toString());
        assertEquals(Map.of(0, "stop", 1, "stop"), finish);
    }

    @Test
    void finishKinds() {
        JsonNode length = Http.json(Http.post(url, chat("[[sim finish=length]]", null)).body());
        assertEquals("length", length.at("/choices/0/finish_reason").asText());
        JsonNode limited = Http.json(Http.post(url, chat("[[sim tokens=10]]", "{\"max_completion_tokens\":4}")).body());
        assertEquals("length", limited.at("/choices/0/finish_reason").asText());
        assertEquals(VendorSimulator.defaultReply(4), limited.at("/choices/0/message/content").asText());
        String refusalBody = Http.post(url, chat("[[sim finish=refusal text=\"I cannot help with that.\"]]", null)).body();
        OpenAiSchema.assertValid("CreateChatCompletionResponse", refusalBody);
        JsonNode refusal = Http.json(refusalBody).at("/choices/0/message");
        assertTrue(refusal.get("content").isNull());
        assertEquals("I cannot help with that.", refusal.get("refusal").asText());
        JsonNode filtered = Http.json(Http.post(url, chat("[[sim finish=content_filter]]", null)).body());
        assertEquals("content_filter", filtered.at("/choices/0/finish_reason").asText());
    }

    @Test
    void refusalStreamsTheRefusalField() {
        HttpResponse<String> res = Http.post(url, chat("[[sim finish=refusal text=\"I cannot help.\"]]",
                "{\"stream\":true}"));
        List<Http.Event> events = Http.events(res.body());
        StringBuilder refusal = new StringBuilder();
        for (Http.Event e : events.subList(0, events.size() - 1)) {
            assertValidChunk(e.json());
            JsonNode delta = e.json().at("/choices/0/delta");
            assertTrue(!delta.has("content") || delta.get("content").isNull(), "no content in a refusal");
            refusal.append(delta.path("refusal").asText(""));
        }
        assertEquals("I cannot help.", refusal.toString());
    }

    @Test
    void errorStatusesUseOpenAiErrorShape() {
        HttpResponse<String> limited = Http.post(url, chat("[[sim status=429 retry-after=2]]", null));
        assertEquals(429, limited.statusCode());
        assertEquals("2", limited.headers().firstValue("retry-after").orElse(null));
        OpenAiSchema.assertValid("ErrorResponse", limited.body());
        assertEquals("rate_limit_exceeded", Http.json(limited.body()).at("/error/code").asText());

        assertEquals("0", limited.headers().firstValue("x-ratelimit-remaining-requests").orElse(null));
        HttpResponse<String> quota = Http.post(url, chat("[[sim error=insufficient_quota]]", null));
        assertEquals(429, quota.statusCode());
        assertEquals(Http.json("{\"message\":\"You exceeded your current quota, please check your plan and billing"
                + " details.\",\"type\":\"insufficient_quota\",\"param\":null,\"code\":\"insufficient_quota\"}"),
                Http.json(quota.body()).get("error"));
        assertTrue(quota.headers().firstValue("retry-after").isEmpty());

        HttpResponse<String> context = Http.post(url, chat("[[sim status=400 error=context_length_exceeded]]", null));
        assertEquals("messages", Http.json(context.body()).at("/error/param").asText());

        for (int status : new int[] {404, 500, 503}) {
            HttpResponse<String> res = Http.post(url, chat("[[sim status=" + status + "]]", null));
            assertEquals(status, res.statusCode());
            OpenAiSchema.assertValid("ErrorResponse", res.body());
        }
    }

    @Test
    void unknownDirectiveIsABadRequest() {
        HttpResponse<String> res = Http.post(url, chat("[[sim stauts=500]]", null));
        assertEquals(400, res.statusCode());
        assertTrue(Http.json(res.body()).at("/error/message").asText().contains("stauts"));
    }

    @Test
    void enqueuedBehavioursWinOverDirectivesInFifoOrder() {
        sim.enqueue(Behavior.builder().status(502).build());
        sim.enqueue(Behavior.builder().text("scripted").build());
        assertEquals(502, Http.post(url, chat("[[sim status=500]]", null)).statusCode());
        JsonNode second = Http.json(Http.post(url, chat("[[sim tokens=2]]", null)).body());
        assertEquals("scripted", second.at("/choices/0/message/content").asText());
        assertEquals(500, Http.post(url, chat("[[sim status=500]]", null)).statusCode());
        assertEquals(0, sim.pendingBehaviors());
    }

    @Test
    void customErrorBodyAndHeaders() {
        sim.enqueue(Behavior.builder().status(418).errorBody("{\"error\":{\"message\":\"teapot\",\"type\":\"x\","
                + "\"param\":null,\"code\":null}}").header("x-custom", "1").build());
        HttpResponse<String> res = Http.post(url, chat("hi", null));
        assertEquals(418, res.statusCode());
        assertEquals("1", res.headers().firstValue("x-custom").orElse(null));
        assertEquals("teapot", Http.json(res.body()).at("/error/message").asText());
    }

    @Test
    void recordsRequests() {
        Http.post(url, chat("record me", null), "authorization", "Bearer sk-test", "x-trace", "abc");
        List<RecordedRequest> reqs = sim.requests();
        assertEquals(1, reqs.size());
        RecordedRequest r = reqs.get(0);
        assertEquals("POST", r.method());
        assertEquals("/v1/chat/completions", r.path());
        assertEquals("Bearer sk-test", r.header("Authorization"));
        assertEquals("abc", r.header("x-trace"));
        assertEquals("record me", Http.json(r.body()).at("/messages/0/content").asText());
    }

    @Test
    void cutClosesTheConnectionWithoutTerminator() throws Exception {
        int completed = sim.completedStreams();
        try (RawClient c = new RawClient(sim.port())) {
            c.post("/v1/chat/completions", chat("[[sim tokens=5 cut=3]]", "{\"stream\":true}"));
            assertEquals(200, c.status);
            for (int i = 0; i < 3; i++) {
                String chunk = c.nextChunk();
                OpenAiSchema.assertValid("CreateChatCompletionStreamResponse", Http.events(chunk).get(0).data());
            }
            assertThrows(EOFException.class, c::nextChunk);
        }
        Http.await(() -> sim.completedStreams() == completed + 1, "cut stream end");
        assertEquals(0, sim.activeStreams());
    }

    @Test
    void errorEventEndsTheStreamWithoutDone() {
        HttpResponse<String> res = Http.post(url, chat("[[sim tokens=5 error-event=2]]", "{\"stream\":true}"));
        List<Http.Event> events = Http.events(res.body());
        assertEquals(3, events.size());
        JsonNode error = events.get(2).json();
        assertTrue(error.has("error"));
        OpenAiSchema.assertValid("ErrorResponse", error);
        assertFalse(res.body().contains("[DONE]"));
    }

    @Test
    void stallKeepsTheStreamOpenUntilTheClientLeaves() throws Exception {
        int cancelled = sim.cancelledStreams();
        try (RawClient c = new RawClient(sim.port())) {
            c.post("/v1/chat/completions", chat("[[sim tokens=5 stall=2]]", "{\"stream\":true}"));
            c.nextChunk();
            c.nextChunk();
            assertEquals(1, sim.activeStreams());
            assertThrows(java.net.SocketTimeoutException.class, () -> {
                c.setTimeout(300);
                c.nextChunk();
            });
        }
        Http.await(() -> sim.cancelledStreams() == cancelled + 1, "cancelled stall");
        assertEquals(0, sim.activeStreams());
    }

    @Test
    void clientDisconnectMidStreamIsCountedAsCancelled() throws Exception {
        int cancelled = sim.cancelledStreams();
        int completed = sim.completedStreams();
        try (RawClient c = new RawClient(sim.port())) {
            c.post("/v1/chat/completions", chat("[[sim tokens=50 tps=20]]", "{\"stream\":true}"));
            assertEquals("assistant", Http.events(c.nextChunk()).get(0).json().at("/choices/0/delta/role").asText());
            Http.await(() -> sim.activeStreams() == 1, "active stream");
        }
        Http.await(() -> sim.cancelledStreams() == cancelled + 1, "cancelled stream");
        assertEquals(completed, sim.completedStreams());
        assertEquals(0, sim.activeStreams());
    }

    @Test
    void latencyAndPacing() {
        long t0 = System.nanoTime();
        assertEquals(200, Http.post(url, chat("[[sim latency=250ms]]", null)).statusCode());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 240, "latency honoured: " + ms);
        t0 = System.nanoTime();
        HttpResponse<String> res = Http.post(url, chat("[[sim tokens=6 tps=40]]", "{\"stream\":true}"));
        ms = (System.nanoTime() - t0) / 1_000_000;
        // 6 paced token chunks at 25 ms each.
        assertTrue(ms >= 140, "pacing honoured: " + ms);
        assertTrue(res.body().endsWith("data: [DONE]\n\n"));
    }

    @Test
    void azureEmptyFirstChunk() {
        List<Http.Event> events = Http.events(Http.post(url, chat("[[sim azure]]", "{\"stream\":true}")).body());
        JsonNode first = events.get(0).json();
        assertEquals(0, first.get("choices").size());
        assertEquals("", first.get("id").asText());
        assertTrue(first.has("prompt_filter_results"));
        OpenAiSchema.assertValid("CreateChatCompletionStreamResponse", events.get(1).data());
    }

    @Test
    void badRequestsAreRejectedInOpenAiShape() {
        HttpResponse<String> notJson = Http.post(url, "{nope");
        assertEquals(400, notJson.statusCode());
        OpenAiSchema.assertValid("ErrorResponse", notJson.body());
        assertEquals(400, Http.post(url, "{\"model\":\"m\"}").statusCode());
    }
}
