package dev.junction.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The OpenAI endpoints under {@code /groq} and {@code /mistral} behave as those servers (wire-formats §6.1). */
class OpenAiDialectTest {

    private static VendorSimulator sim;

    @BeforeAll
    static void start() {
        sim = VendorSimulator.start(SimulatorOptions.builder().replyTokens(6).build());
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @Test
    void groqStreamsCarryUsageOnlyInXGroqOnTheFinalChunk() {
        HttpResponse<String> res = Http.post(sim.baseUrl() + "/groq/v1/chat/completions", OpenAiChatTest.chat(
                "Hi [[sim tokens=3]]", "{\"stream\":true,\"stream_options\":{\"include_usage\":true}}"));
        assertEquals(200, res.statusCode());
        List<Http.Event> events = Http.events(res.body());
        assertEquals("[DONE]", events.get(events.size() - 1).data());
        for (Http.Event e : events.subList(0, events.size() - 1)) {
            JsonNode chunk = Http.json(e.data());
            assertFalse(chunk.has("usage"), e.data());
            assertEquals(1, chunk.get("choices").size(), "no usage-only chunk: " + e.data());
        }
        JsonNode last = Http.json(events.get(events.size() - 2).data());
        assertEquals("stop", last.at("/choices/0/finish_reason").asText());
        assertEquals(3, last.at("/x_groq/usage/completion_tokens").asInt());
    }

    @Test
    void mistralRejectsForeignToolCallIdsWithItsFlatErrorAndIssuesNineCharacterIds() {
        String url = sim.baseUrl() + "/mistral/v1/chat/completions";
        String history = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"w\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"%s\",\"type\":\"function\","
                + "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"%s\","
                + "\"content\":\"ok\"}]}";
        HttpResponse<String> bad = Http.post(url, history.formatted("call_abc123", "call_abc123"));
        assertEquals(400, bad.statusCode());
        JsonNode err = Http.json(bad.body());
        assertEquals("error", err.get("object").asText());
        assertEquals("Tool call id was call_abc123 but must be a-z, A-Z, 0-9, with a length of 9.", err.get("message").asText());
        assertEquals(200, Http.post(url, history.formatted("Ab3dE6gH9", "Ab3dE6gH9")).statusCode());

        JsonNode call = Http.json(Http.post(url, OpenAiChatTest.chat("[[sim tool=f tool=g]]", null)).body());
        for (JsonNode c : call.at("/choices/0/message/tool_calls")) {
            assertTrue(c.get("id").asText().matches("[a-zA-Z0-9]{9}"), c.toString());
        }
        // Without the prefix the same history is fine: the check is Mistral's only.
        assertEquals(200, Http.post(sim.baseUrl() + "/v1/chat/completions",
                history.formatted("call_abc123", "call_abc123")).statusCode());
    }
}
