package dev.junction.core.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.simulator.SimulatorOptions;
import dev.junction.testkit.OpenAiSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Open Responses compliance suite (openresponses/openresponses {@code compliance-tests.ts}),
 * re-expressed as tests because the suite itself (Bun) cannot run here: every scenario, streamed
 * or not as the suite sends it, against every vendor of the simulator. Beyond OpenAI's schema,
 * each final {@code response} must carry the members the suite's {@code ResponseResource} requires,
 * and a stream must follow its framing rules ({@code event} equals {@code type}, one {@code data}
 * line per event, {@code [DONE]} last).
 */
class OpenResponsesComplianceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    private static final String PDF = "JVBERi0xLjQKJcOkw7zDtsOfCjEgMCBvYmoKPDwvVHlwZS9DYXRhbG9nPj4KZW5kb2JqCnRyYWlsZXIKPDwvUm9vdCAxIDAgUj4+CiUlRU9GCg==";
    private static final List<String> NON_NULL = List.of("id", "object", "created_at", "status", "model", "output", "tools",
            "tool_choice", "truncation", "parallel_tool_calls", "store", "background", "text", "top_p", "temperature",
            "presence_penalty", "frequency_penalty", "top_logprobs", "service_tier");
    private static final List<String> PRESENT = List.of("completed_at", "incomplete_details", "previous_response_id",
            "instructions", "error", "reasoning", "usage", "max_output_tokens", "max_tool_calls", "safety_identifier",
            "prompt_cache_key");

    @TempDir
    static Path dir;
    private static GatewayFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = GatewayFixture.start(SimulatorOptions.builder().tokensPerSecond(0).build(), """
                junction {
                  server { port = 0 }
                  tasks { path = "%s/tasks.db", media-dir = "%s/media" }
                  providers {
                    oa     { type = openai, base-url = "SIM/v1", api-key = "k" }
                    compat { type = openai-compatible, base-url = "SIM/v1", api-key = "k" }
                    claude { type = anthropic, base-url = "SIM", api-key = "k" }
                    gem    { type = gemini, base-url = "SIM", api-key = "k" }
                  }
                  models {
                    openai    { deployments = [ { provider = oa, model = "gpt-4o-mini" } ] }
                    compat    { deployments = [ { provider = compat, model = "gpt-4o-mini" } ] }
                    anthropic { deployments = [ { provider = claude, model = "claude-haiku-4-5" } ] }
                    gemini    { deployments = [ { provider = gem, model = "gemini-2.5-flash" } ] }
                  }
                }""".formatted(dir, dir));
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    private static HttpResponse<String> post(String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(fx.baseUrl() + "/responses"))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The final response of a unary or streamed answer, checked as the suite checks it. */
    private static JsonNode run(String body) throws Exception {
        HttpResponse<String> res = post(body);
        assertEquals(200, res.statusCode(), res.body());
        JsonNode response;
        if (JSON.readTree(body).path("stream").asBoolean()) {
            List<JsonNode> events = ResponsesEndToEndTest.assertValidStream(res.body());
            assertFalse(events.isEmpty());
            for (String block : res.body().split("\n\n")) {
                assertTrue(block.lines().filter(l -> l.startsWith("data: ")).count() == 1, "one data line: " + block);
                assertFalse(block.lines().anyMatch(l -> l.startsWith("id:")), "no SSE ids");
            }
            response = events.get(events.size() - 1).get("response");
        } else {
            response = JSON.readTree(res.body());
        }
        OpenAiSchema.assertValid("Response", response);
        for (String m : NON_NULL) {
            assertTrue(response.hasNonNull(m), "member " + m + " present and not null: " + response);
        }
        for (String m : PRESENT) {
            assertTrue(response.has(m), "member " + m + " present: " + response);
        }
        JsonNode usage = response.get("usage");
        assertTrue(usage.has("input_tokens_details") && usage.has("output_tokens_details"), usage.toString());
        for (JsonNode item : response.get("output")) {
            if (item.path("type").asText().equals("message")) {
                assertTrue(item.has("id") && item.has("status") && item.has("role") && item.has("content"), item.toString());
                for (JsonNode part : item.get("content")) {
                    if (part.path("type").asText().equals("output_text")) {
                        assertTrue(part.get("annotations").isArray() && part.get("logprobs").isArray(), part.toString());
                    }
                }
            } else if (item.path("type").asText().equals("function_call")) {
                for (String m : List.of("id", "call_id", "name", "arguments", "status")) {
                    assertTrue(item.has(m), m + " in " + item);
                }
            }
        }
        return response;
    }

    private static String req(String alias, boolean stream, String rest) {
        return "{\"model\":\"" + alias + "\",\"stream\":" + stream + "," + rest + "}";
    }

    private static void completedWithOutput(JsonNode r) {
        assertEquals("completed", r.get("status").asText(), r.toString());
        assertFalse(r.get("output").isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "compat", "anthropic", "gemini"})
    void basicAndStreamingAndSystemPrompt(String alias) throws Exception {
        String user = "\"input\":[{\"type\":\"message\",\"role\":\"user\",\"content\":\"Say hello in one word.\"}]";
        completedWithOutput(run(req(alias, false, user)));
        completedWithOutput(run(req(alias, true, user)));
        completedWithOutput(run(req(alias, false, "\"input\":[{\"type\":\"message\",\"role\":\"system\",\"content\":"
                + "\"You are a pirate.\"},{\"type\":\"message\",\"role\":\"user\",\"content\":\"Say hello.\"}]")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "compat", "anthropic", "gemini"})
    void toolCallingUnaryAndStreamed(String alias) throws Exception {
        String tools = "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\",\"description\":\"Weather\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"location\":{\"type\":\"string\"}},\"required\":[\"location\"]}}],"
                + "\"input\":[{\"type\":\"message\",\"role\":\"user\",\"content\":\"Weather in SF? [[sim tool=get_weather args={\\\"location\\\":\\\"SF\\\"}]]\"}]";
        JsonNode r = run(req(alias, false, tools));
        assertTrue(r.get("output").findValuesAsText("type").contains("function_call"), r.toString());
        HttpResponse<String> streamed = post(req(alias, true, tools));
        List<JsonNode> events = ResponsesEndToEndTest.assertValidStream(streamed.body());
        assertTrue(events.stream().anyMatch(e -> e.get("type").asText().equals("response.output_item.added")
                && e.path("item").path("type").asText().equals("function_call")));
        assertTrue(events.stream().anyMatch(e -> e.get("type").asText().equals("response.function_call_arguments.delta")));
        assertTrue(events.stream().anyMatch(e -> e.get("type").asText().equals("response.function_call_arguments.done")));
        assertTrue(events.stream().anyMatch(e -> e.get("type").asText().equals("response.output_item.done")
                && e.path("item").path("type").asText().equals("function_call")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "compat", "anthropic", "gemini"})
    void functionCallRoundTripWithOnlyPreviousResponseId(String alias) throws Exception {
        JsonNode first = run(req(alias, false, "\"tool_choice\":{\"type\":\"function\",\"name\":\"get_weather\"},"
                + "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\","
                + "\"properties\":{\"location\":{\"type\":\"string\"}}}}],"
                + "\"input\":\"Weather in SF? [[sim tool=get_weather args={\\\"location\\\":\\\"SF\\\"}]]\""));
        String callId = null;
        for (JsonNode item : first.get("output")) {
            if (item.path("type").asText().equals("function_call")) {
                callId = item.get("call_id").asText();
            }
        }
        assertTrue(callId != null, first.toString());
        awaitKept(first.get("id").asText());
        completedWithOutput(run("{\"model\":\"" + alias + "\",\"stream\":false,\"previous_response_id\":\"" + first.get("id").asText()
                + "\",\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"" + callId + "\",\"output\":\"{\\\"t\\\":\\\"18C\\\"}\"}]}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "compat", "anthropic", "gemini"})
    void imageFileMultiTurnAndPreviousResponse(String alias) throws Exception {
        completedWithOutput(run(req(alias, false, "\"input\":[{\"type\":\"message\",\"role\":\"user\",\"content\":["
                + "{\"type\":\"input_text\",\"text\":\"What is this?\"},{\"type\":\"input_image\",\"image_url\":"
                + "\"data:image/png;base64," + PNG + "\"}]}]")));
        if (!alias.equals("compat")) { // a chat-only compatible server here has no document input
            completedWithOutput(run(req(alias, false, "\"input\":[{\"type\":\"message\",\"role\":\"user\",\"content\":["
                    + "{\"type\":\"input_text\",\"text\":\"Summarise.\"},{\"type\":\"input_file\",\"filename\":\"a.pdf\","
                    + "\"file_data\":\"data:application/pdf;base64," + PDF + "\"}]}]")));
        }
        completedWithOutput(run(req(alias, false, "\"input\":[{\"type\":\"message\",\"role\":\"user\",\"content\":\"My name is Ada.\"},"
                + "{\"type\":\"message\",\"role\":\"assistant\",\"content\":\"Hello Ada.\"},"
                + "{\"type\":\"message\",\"role\":\"user\",\"content\":\"What is my name?\"}]")));
        JsonNode first = run(req(alias, false, "\"input\":\"Remember the number 7.\""));
        awaitKept(first.get("id").asText());
        completedWithOutput(run("{\"model\":\"" + alias + "\",\"stream\":false,\"previous_response_id\":\""
                + first.get("id").asText() + "\",\"input\":\"Which number?\"}"));
    }

    private static void awaitKept(String id) throws Exception {
        for (int i = 0; i < 500; i++) { // up to 10 s: the write is off the loop, late on a loaded machine
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(fx.baseUrl() + "/responses/" + id)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("response " + id + " was not kept");
    }
}
