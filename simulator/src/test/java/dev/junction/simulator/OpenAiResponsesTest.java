package dev.junction.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.junction.testkit.OpenAiSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code POST /v1/responses}: every body and event validated against OpenAI's schema. */
class OpenAiResponsesTest {


    private static VendorSimulator sim;

    @BeforeAll
    static void start() {
        sim = VendorSimulator.start(SimulatorOptions.builder().replyTokens(5).build());
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    private static HttpResponse<String> post(String body) {
        return Http.post(sim.baseUrl() + "/v1/responses", body);
    }

    @Test
    void textAnswerIsAValidResponse() {
        HttpResponse<String> res = post("{\"model\":\"gpt-sim\",\"input\":\"Hello\",\"instructions\":\"Be brief\",\"store\":false}");
        assertEquals(200, res.statusCode());
        JsonNode r = Http.json(res.body());
        OpenAiSchema.assertValid("Response", r);
        assertEquals("completed", r.get("status").asText());
        assertEquals("Be brief", r.get("instructions").asText());
        assertEquals(false, r.get("store").asBoolean());
        assertEquals(VendorSimulator.defaultReply(5), r.at("/output/0/content/0/text").asText());
        assertEquals(5, r.at("/usage/output_tokens").asInt());
    }

    @Test
    void itemInputToolCallsReasoningAndTruncation() {
        String tools = "[[sim tool=get_weather args={\"city\":\"Paris\"} reasoning=3]]";
        HttpResponse<String> res = post("{\"model\":\"gpt-sim\",\"input\":[{\"type\":\"message\",\"role\":\"user\","
                + "\"content\":[{\"type\":\"input_text\",\"text\":\"" + tools.replace("\"", "\\\"") + "\"}]}]}");
        JsonNode r = Http.json(res.body());
        OpenAiSchema.assertValid("Response", r);
        assertEquals("reasoning", r.at("/output/0/type").asText());
        assertEquals("function_call", r.at("/output/1/type").asText());
        assertEquals("{\"city\":\"Paris\"}", r.at("/output/1/arguments").asText());
        assertEquals(3, r.at("/usage/output_tokens_details/reasoning_tokens").asInt());

        JsonNode cut = Http.json(post("{\"model\":\"gpt-sim\",\"input\":\"[[sim tokens=40]]\",\"max_output_tokens\":16}").body());
        OpenAiSchema.assertValid("Response", cut);
        assertEquals("incomplete", cut.get("status").asText());
        assertEquals("max_output_tokens", cut.at("/incomplete_details/reason").asText());
    }

    @Test
    void streamIsTheTypedEventSequenceWithSequenceNumbers() {
        for (String directive : List.of("", "[[sim reasoning=2]]", "[[sim tool=a tool=b args={\\\"x\\\":1}]]",
                "[[sim finish=refusal text=\\\"No\\\"]]", "[[sim tokens=30]]")) {
            String extra = directive.contains("tokens=30") ? ",\"max_output_tokens\":16" : "";
            HttpResponse<String> res = post("{\"model\":\"gpt-sim\",\"stream\":true,\"input\":\"go " + directive + "\"" + extra + "}");
            assertEquals(200, res.statusCode());
            List<Http.Event> events = Http.events(res.body());
            assertEquals("[DONE]", events.get(events.size() - 1).data(), directive);
            for (int i = 0; i < events.size() - 1; i++) {
                Http.Event e = events.get(i);
                JsonNode j = e.json();
                assertEquals(e.event(), j.get("type").asText());
                assertEquals(i, j.get("sequence_number").asInt(), directive);
                OpenAiSchema.assertValidResponsesEvent(j);
            }
            assertEquals("response.created", events.get(0).event());
            String terminal = events.get(events.size() - 2).event();
            assertEquals(directive.contains("tokens=30") ? "response.incomplete" : "response.completed", terminal, directive);
        }
    }

    @Test
    void faultsAndErrorsInOpenAiShapes() {
        HttpResponse<String> res = post("{\"model\":\"gpt-sim\",\"stream\":true,\"input\":\"x [[sim error-event=3]]\"}");
        List<Http.Event> events = Http.events(res.body());
        assertEquals("error", events.get(3).event());
        assertEquals(3, events.get(3).json().get("sequence_number").asInt());
        assertTrue(events.get(3).json().has("error"), "nested error as the live API sends it");
        assertEquals("response.failed", events.get(4).event());
        OpenAiSchema.assertValid("ResponseFailedEvent", events.get(4).json());

        HttpResponse<String> limited = post("{\"model\":\"gpt-sim\",\"input\":\"x [[sim status=429 retry-after=2]]\"}");
        assertEquals(429, limited.statusCode());
        assertEquals("2", limited.headers().firstValue("retry-after").orElse(null));
        OpenAiSchema.assertValid("ErrorResponse", limited.body());

        HttpResponse<String> previous = post("{\"model\":\"gpt-sim\",\"input\":\"x\",\"previous_response_id\":\"resp_x\"}");
        assertEquals(404, previous.statusCode());

        assertEquals(404, Http.post(sim.baseUrl() + "/groq/v1/responses", "{\"model\":\"m\",\"input\":\"x\"}").statusCode(),
                "the chat-only OpenAI-compatible servers have no Responses API");
        assertEquals(200, Http.post(sim.baseUrl() + "/openai/v1/responses", "{\"model\":\"m\",\"input\":\"x\"}").statusCode());
    }
}
