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
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeminiTest {

    private static VendorSimulator sim;
    private static String base;

    @BeforeAll
    static void start() {
        sim = VendorSimulator.start(SimulatorOptions.builder().geminiKey("g-key").replyTokens(4).build());
        base = sim.baseUrl() + "/v1beta/models/gemini-sim";
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    static String body(String userText) {
        ObjectNode body = Http.JSON.createObjectNode();
        body.putArray("contents").addObject().put("role", "user").putArray("parts").addObject().put("text", userText);
        return body.toString();
    }

    static HttpResponse<String> post(String method, String body) {
        return Http.post(base + ":" + method, body, "x-goog-api-key", "g-key");
    }

    static List<JsonNode> stream(String userText) {
        HttpResponse<String> res = post("streamGenerateContent?alt=sse", body(userText));
        assertEquals(200, res.statusCode());
        List<JsonNode> out = new ArrayList<>();
        for (Http.Event e : Http.events(res.body())) {
            assertNull(e.event());
            out.add(e.json());
        }
        return out;
    }

    @Test
    void generateContent() {
        JsonNode res = Http.json(post("generateContent", body("hi [[sim reasoning=2 cached=3 prompt-tokens=20]]")).body());
        JsonNode candidate = res.at("/candidates/0");
        assertEquals("model", candidate.at("/content/role").asText());
        assertEquals(Http.json("{\"text\":\"Let me\",\"thought\":true}"), candidate.at("/content/parts/0"));
        assertEquals(VendorSimulator.defaultReply(4), candidate.at("/content/parts/1/text").asText());
        assertEquals("STOP", candidate.get("finishReason").asText());
        JsonNode usage = res.get("usageMetadata");
        assertEquals(20, usage.get("promptTokenCount").asInt());
        assertEquals(3, usage.get("cachedContentTokenCount").asInt());
        assertEquals(4, usage.get("candidatesTokenCount").asInt());
        assertEquals(2, usage.get("thoughtsTokenCount").asInt());
        assertEquals(26, usage.get("totalTokenCount").asInt());
        assertEquals("gemini-sim", res.get("modelVersion").asText());
        assertFalse(res.get("responseId").asText().isEmpty());
    }

    @Test
    void textStreamHasCumulativeUsageAndAFinalEmptyPartWithSignature() {
        List<JsonNode> chunks = stream("[[sim tokens=3]]");
        assertEquals(4, chunks.size());
        StringBuilder text = new StringBuilder();
        int previous = 0;
        for (JsonNode c : chunks) {
            assertEquals(1, c.get("candidates").size());
            for (JsonNode p : c.at("/candidates/0/content/parts")) {
                text.append(p.path("text").asText());
            }
            int candidates = c.at("/usageMetadata/candidatesTokenCount").asInt(0);
            assertTrue(candidates >= previous, "cumulative usage");
            previous = candidates;
            assertEquals(c.at("/usageMetadata/promptTokenCount").asInt() + candidates,
                    c.at("/usageMetadata/totalTokenCount").asInt());
        }
        assertEquals(VendorSimulator.defaultReply(3), text.toString());
        JsonNode last = chunks.get(chunks.size() - 1).at("/candidates/0");
        assertEquals("STOP", last.get("finishReason").asText());
        assertEquals("", last.at("/content/parts/0/text").asText());
        assertFalse(last.at("/content/parts/0/thoughtSignature").asText().isEmpty());
        for (JsonNode c : chunks.subList(0, chunks.size() - 1)) {
            assertFalse(c.at("/candidates/0").has("finishReason"));
        }
        assertEquals(3, previous);
    }

    @Test
    void thoughtsStreamBeforeText() {
        List<JsonNode> chunks = stream("[[sim reasoning=2 tokens=1]]");
        assertEquals(4, chunks.size());
        assertTrue(chunks.get(0).at("/candidates/0/content/parts/0/thought").asBoolean());
        assertTrue(chunks.get(1).at("/candidates/0/content/parts/0/thought").asBoolean());
        assertFalse(chunks.get(2).at("/candidates/0/content/parts/0").has("thought"));
        JsonNode usage = chunks.get(3).get("usageMetadata");
        assertEquals(2, usage.get("thoughtsTokenCount").asInt());
        assertEquals(1, usage.get("candidatesTokenCount").asInt());
    }

    @Test
    void functionCallsHaveNoIdsAndStopFinish() {
        List<JsonNode> chunks = stream("[[sim tool=get_weather args={\"city\":\"Paris\"} tool=get_time]]");
        assertEquals(2, chunks.size());
        JsonNode parts = chunks.get(0).at("/candidates/0/content/parts");
        assertEquals(2, parts.size());
        JsonNode first = parts.get(0);
        assertEquals(Http.json("{\"name\":\"get_weather\",\"args\":{\"city\":\"Paris\"}}"), first.get("functionCall"));
        assertFalse(first.get("thoughtSignature").asText().isEmpty());
        assertEquals(Http.json("{\"name\":\"get_time\"}"), parts.get(1).get("functionCall"), "no args key, no id");
        assertFalse(parts.get(1).has("thoughtSignature"));
        assertEquals("STOP", chunks.get(1).at("/candidates/0/finishReason").asText());
    }

    @Test
    void blockedPromptHasNoCandidates() {
        List<JsonNode> chunks = stream("[[sim block=SAFETY]]");
        assertEquals(1, chunks.size());
        assertFalse(chunks.get(0).has("candidates"));
        assertEquals("SAFETY", chunks.get(0).at("/promptFeedback/blockReason").asText());
        JsonNode unary = Http.json(post("generateContent", body("[[sim block=PROHIBITED_CONTENT]]")).body());
        assertEquals("PROHIBITED_CONTENT", unary.at("/promptFeedback/blockReason").asText());
        assertFalse(unary.has("candidates"));
    }

    @Test
    void finishKinds() {
        JsonNode length = Http.json(post("generateContent", body("[[sim finish=length]]")).body());
        assertEquals("MAX_TOKENS", length.at("/candidates/0/finishReason").asText());
        List<JsonNode> safety = stream("[[sim finish=content_filter]]");
        assertEquals(1, safety.size());
        assertEquals("SAFETY", safety.get(0).at("/candidates/0/finishReason").asText());
        assertFalse(safety.get(0).at("/candidates/0").has("content"));
        String limited = "{\"contents\":[{\"parts\":[{\"text\":\"[[sim tokens=9]]\"}]}],"
                + "\"generationConfig\":{\"maxOutputTokens\":2}}";
        JsonNode res = Http.json(post("generateContent", limited).body());
        assertEquals("MAX_TOKENS", res.at("/candidates/0/finishReason").asText());
        assertEquals(VendorSimulator.defaultReply(2), res.at("/candidates/0/content/parts/0/text").asText());
    }

    @Test
    void streamWithoutAltSseIsAJsonArray() {
        JsonNode array = Http.json(post("streamGenerateContent", body("[[sim tokens=2]]")).body());
        assertTrue(array.isArray());
        assertEquals(3, array.size());
    }

    @Test
    void errorsAreGoogleRpcStatus() {
        HttpResponse<String> perMinute = post("generateContent", body("[[sim status=429 retry-after=12]]"));
        assertEquals(429, perMinute.statusCode());
        JsonNode e = Http.json(perMinute.body()).get("error");
        assertEquals(429, e.get("code").asInt());
        assertEquals("RESOURCE_EXHAUSTED", e.get("status").asText());
        assertTrue(e.at("/details/0/violations/0/quotaId").asText().contains("PerMinute"));
        assertEquals("type.googleapis.com/google.rpc.RetryInfo", e.at("/details/2/@type").asText());
        assertEquals("12s", e.at("/details/2/retryDelay").asText());

        HttpResponse<String> perDayRes = post("generateContent", body("[[sim error=per_day]]"));
        assertEquals(429, perDayRes.statusCode());
        JsonNode perDay = Http.json(perDayRes.body());
        assertTrue(perDay.at("/error/details/0/violations/0/quotaId").asText().contains("PerDay"));
        for (JsonNode d : perDay.at("/error/details")) {
            assertNotEquals("type.googleapis.com/google.rpc.RetryInfo", d.get("@type").asText());
        }

        HttpResponse<String> prepay = post("generateContent", body("[[sim status=402]]"));
        assertEquals(402, prepay.statusCode());
        assertEquals("RESOURCE_EXHAUSTED", Http.json(prepay.body()).at("/error/status").asText());
        assertEquals("UNAVAILABLE", Http.json(post("generateContent", body("[[sim status=503]]")).body())
                .at("/error/status").asText());
    }

    @Test
    void wrongOrMissingKeyIsApiKeyInvalid() {
        for (HttpResponse<String> res : List.of(
                Http.post(base + ":generateContent", body("hi")),
                Http.post(base + ":generateContent", body("hi"), "x-goog-api-key", "wrong"))) {
            assertEquals(400, res.statusCode());
            JsonNode e = Http.json(res.body()).get("error");
            assertEquals("INVALID_ARGUMENT", e.get("status").asText());
            assertEquals("API_KEY_INVALID", e.at("/details/0/reason").asText());
        }
        assertEquals(200, Http.post(base + ":generateContent?key=g-key", body("hi")).statusCode());
    }

    @Test
    void midStreamErrorChunk() {
        List<JsonNode> chunks = stream("[[sim tokens=4 error-event=2]]");
        assertEquals(3, chunks.size());
        assertEquals("UNAVAILABLE", chunks.get(2).at("/error/status").asText());
    }

    @Test
    void cutStreamEndsTheConnection() throws Exception {
        try (RawClient c = new RawClient(sim.port())) {
            c.post("/v1beta/models/gemini-sim:streamGenerateContent?alt=sse", body("[[sim tokens=4 cut=2]]"),
                    "x-goog-api-key", "g-key");
            c.nextChunk();
            c.nextChunk();
            assertThrows(EOFException.class, c::nextChunk);
        }
    }

    @Test
    void embeddingsAreDeterministic() {
        String single = "{\"content\":{\"parts\":[{\"text\":\"hello\"}]},\"outputDimensionality\":16}";
        JsonNode a = Http.json(post("embedContent", single).body());
        JsonNode b = Http.json(post("embedContent", single).body());
        assertEquals(16, a.at("/embedding/values").size());
        assertEquals(a, b);
        String batch = "{\"requests\":[{\"model\":\"models/gemini-sim\",\"content\":{\"parts\":[{\"text\":\"hello\"}]},"
                + "\"outputDimensionality\":16},{\"model\":\"models/gemini-sim\",\"content\":{\"parts\":"
                + "[{\"text\":\"world\"}]},\"outputDimensionality\":16}]}";
        JsonNode embeddings = Http.json(post("batchEmbedContents", batch).body()).get("embeddings");
        assertEquals(2, embeddings.size());
        assertEquals(a.at("/embedding/values"), embeddings.at("/0/values"));
        assertNotEquals(embeddings.at("/0/values"), embeddings.at("/1/values"));
        String noPrefix = batch.replace("\"models/gemini-sim\"", "\"gemini-sim\"");
        assertEquals(400, post("batchEmbedContents", noPrefix).statusCode());
    }
}
