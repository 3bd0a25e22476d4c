package dev.junction.core.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.WebSearchTool;
import dev.junction.simulator.RecordedRequest;
import dev.junction.simulator.SimulatorOptions;
import dev.junction.testkit.OpenAiSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /v1/responses} (SPEC §3.1) driven by the official openai-java SDK against every vendor of
 * the simulator: OpenAI itself (the client's bytes passed through to its Responses API), an
 * OpenAI-compatible chat server, Mistral's dialect, Azure OpenAI, Anthropic and Gemini (through the
 * canonical model). Every body and event Junction sends is validated against OpenAI's schema.
 */
class ResponsesEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String KEY1 = "key-one-0123456789";
    private static final String KEY2 = "key-two-0123456789";

    @TempDir
    static Path dir;
    private static GatewayFixture fx;
    private static OpenAIClient sdk;
    private static OpenAIClient other;

    @BeforeAll
    static void start() throws Exception {
        fx = GatewayFixture.start(SimulatorOptions.builder().openAiKey("sk-oa-0123456789").anthropicKey("sk-ant-0123456789")
                .geminiKey("AIza-gem-0123456789").tokensPerSecond(0).build(), """
                junction {
                  server { port = 0 }
                  auth { keys = [ { name = "app-1", key = "%s" }, { name = "app-2", key = "%s" } ] }
                  tasks { path = "%s/tasks.db", media-dir = "%s/media" }
                  providers {
                    oa      { type = openai, base-url = "SIM/v1", api-key = "sk-oa-0123456789" }
                    compat  { type = openai-compatible, base-url = "SIM/v1", api-key = "sk-oa-0123456789" }
                    mistral { type = openai-compatible, base-url = "SIM/mistral/v1", api-key = "sk-oa-0123456789",
                              options { dialect = mistral } }
                    azure   { type = azure-openai, base-url = "SIM", api-key = "sk-oa-0123456789", api-version = "2024-10-21" }
                    claude  { type = anthropic, base-url = "SIM", api-key = "sk-ant-0123456789" }
                    gem     { type = gemini, base-url = "SIM", api-key = "AIza-gem-0123456789" }
                  }
                  models {
                    openai    { deployments = [ { provider = oa, model = "gpt-5-mini" } ] }
                    compat    { deployments = [ { provider = compat, model = "llama-3" } ] }
                    mistral   { deployments = [ { provider = mistral, model = "mistral-small" } ] }
                    azure     { deployments = [ { provider = azure, model = "gpt-4o-mini" } ] }
                    anthropic { deployments = [ { provider = claude, model = "claude-haiku-4-5" } ] }
                    gemini    { deployments = [ { provider = gem, model = "gemini-2.5-flash" } ] }
                    mixed     { strategy = priority, deployments = [ { provider = claude, model = "claude-haiku-4-5" },
                                                                     { provider = oa, model = "gpt-5-mini" } ] }
                    failover  { strategy = priority, deployments = [ { provider = oa, model = "gpt-5-mini" },
                                                                     { provider = claude, model = "claude-haiku-4-5" } ] }
                  }
                }""".formatted(KEY1, KEY2, dir, dir));
        sdk = client(KEY1);
        other = client(KEY2);
    }

    private static OpenAIClient client(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(fx.baseUrl()).apiKey(key).maxRetries(0)
                .timeout(Duration.ofSeconds(20)).build();
    }

    @AfterAll
    static void stop() {
        sdk.close();
        other.close();
        fx.close();
    }

    private static FunctionTool weatherTool() {
        return FunctionTool.builder().name("get_weather").strict(false)
                .parameters(FunctionTool.Parameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                        .build()).build();
    }

    private static String text(Response r) {
        StringBuilder sb = new StringBuilder();
        for (ResponseOutputItem item : r.output()) {
            item.message().ifPresent(m -> m.content().forEach(c -> c.outputText().ifPresent(t -> sb.append(t.text()))));
        }
        return sb.toString();
    }

    static HttpResponse<String> post(String body, String key) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(fx.baseUrl() + "/responses"))
                .header("content-type", "application/json").header("authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The SSE events of a stream body: [event name, data] pairs. */
    static List<String[]> events(String body) {
        List<String[]> out = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            String event = null;
            StringBuilder data = new StringBuilder();
            for (String line : block.split("\n")) {
                if (line.startsWith("event: ")) {
                    event = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data.append(line.substring(6));
                }
            }
            if (data.length() > 0) {
                out.add(new String[] {event, data.toString()});
            }
        }
        return out;
    }

    /** Every event but [DONE] valid against its schema component, typed as named, numbered 0, 1, 2, ... */
    static List<JsonNode> assertValidStream(String body) throws Exception {
        List<String[]> events = events(body);
        assertEquals("[DONE]", events.get(events.size() - 1)[1], body);
        List<JsonNode> out = new ArrayList<>();
        for (int i = 0; i < events.size() - 1; i++) {
            JsonNode j = JSON.readTree(events.get(i)[1]);
            String type = j.get("type").asText();
            assertEquals(events.get(i)[0], type);
            assertEquals(i, j.get("sequence_number").asInt(), body);
            OpenAiSchema.assertValidResponsesEvent(j);
            out.add(j);
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "compat", "azure", "anthropic", "gemini"})
    void createReturnsAValidResponse(String alias) throws Exception {
        Response r = sdk.responses().create(ResponseCreateParams.builder().model(alias).instructions("Be terse.")
                .input("Hi [[sim text=\"Bonjour tout le monde\"]]").build());
        assertEquals("Bonjour tout le monde", text(r));
        assertTrue(r.id().startsWith("resp_"), r.id());
        var u = r.usage().orElseThrow();
        assertEquals(u.inputTokens() + u.outputTokens(), u.totalTokens());
        HttpResponse<String> raw = post("{\"model\":\"" + alias + "\",\"input\":\"hi\",\"store\":false}", KEY1);
        assertEquals(200, raw.statusCode(), raw.body());
        OpenAiSchema.assertValid("Response", raw.body());
        assertEquals(alias.equals("openai") ? "oa" : raw.headers().firstValue("x-junction-provider").orElse(""),
                raw.headers().firstValue("x-junction-provider").orElse(""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "compat", "azure", "anthropic", "gemini"})
    void streamAccumulatesAndEveryEventIsValid(String alias) throws Exception {
        ResponseAccumulator acc = ResponseAccumulator.create();
        try (StreamResponse<ResponseStreamEvent> s = sdk.responses().createStreaming(ResponseCreateParams.builder()
                .model(alias).input("Count [[sim tokens=9]]").build())) {
            s.stream().forEach(acc::accumulate);
        }
        Response r = acc.response();
        assertEquals(9, text(r).trim().split("\\s+").length, text(r));
        assertTrue(r.usage().orElseThrow().outputTokens() >= 9);
        HttpResponse<String> raw = post("{\"model\":\"" + alias + "\",\"stream\":true,\"input\":\"hi [[sim tokens=4]]\"}", KEY1);
        assertEquals(200, raw.statusCode(), raw.body());
        List<JsonNode> events = assertValidStream(raw.body());
        assertEquals("response.created", events.get(0).get("type").asText());
        assertEquals("response.completed", events.get(events.size() - 1).get("type").asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "compat", "mistral", "azure", "anthropic", "gemini"})
    void functionCallRoundTripWithPreviousResponseId(String alias) throws Exception {
        Response first = sdk.responses().create(ResponseCreateParams.builder().model(alias).addTool(weatherTool())
                .input("Weather in Paris? [[sim tool=get_weather args={\"city\":\"Paris\"}]]").build());
        ResponseFunctionToolCall call = first.output().stream().filter(ResponseOutputItem::isFunctionCall)
                .map(ResponseOutputItem::asFunctionCall).findFirst().orElseThrow();
        assertEquals("get_weather", call.name());
        assertEquals(Map.of("city", "Paris"), JSON.convertValue(JSON.readTree(call.arguments()), Map.class));
        fx.sim.clearRequests();
        Response second = sdk.responses().create(ResponseCreateParams.builder().model(alias).addTool(weatherTool())
                .previousResponseId(first.id())
                .inputOfResponse(List.of(ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
                        .callId(call.callId()).output("18C and sunny").build()))).build());
        assertFalse(text(second).isEmpty());
        // The vendor saw the whole conversation: the first question, the call and its result.
        List<RecordedRequest> sent = fx.sim.requests();
        String upstream = sent.get(sent.size() - 1).body();
        assertTrue(upstream.contains("Weather in Paris?"), upstream);
        assertTrue(upstream.contains("18C and sunny"), upstream);
        assertTrue(upstream.contains("get_weather"), upstream);
        assertFalse(upstream.contains("previous_response_id"), upstream);
    }

    @Test
    void storedResponsesAreTheCreatorsToReadAndDelete() throws Exception {
        Response r = sdk.responses().create(ResponseCreateParams.builder().model("anthropic").input("Keep me").build());
        Response got = retrieveEventually(r.id());
        assertEquals(r.id(), got.id());
        assertEquals(text(r), text(got));
        assertThrows(NotFoundException.class, () -> other.responses().retrieve(r.id()), "another key sees nothing");
        assertThrows(NotFoundException.class, () -> other.responses().create(ResponseCreateParams.builder()
                .model("anthropic").previousResponseId(r.id()).input("and?").build()));
        HttpResponse<String> deleted = HTTP.send(HttpRequest.newBuilder(URI.create(fx.baseUrl() + "/responses/" + r.id()))
                .header("authorization", "Bearer " + KEY1).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, deleted.statusCode(), deleted.body());
        assertTrue(JSON.readTree(deleted.body()).get("deleted").asBoolean());
        assertThrows(NotFoundException.class, () -> sdk.responses().retrieve(r.id()));

        Response unstored = sdk.responses().create(ResponseCreateParams.builder().model("openai").store(false)
                .input("Forget me").build());
        // Store calls run in order on one thread: once a later stored response can be read, the
        // unstored one could be too, had it been kept.
        retrieveEventually(sdk.responses().create(ResponseCreateParams.builder().model("openai").input("Keep me").build()).id());
        assertThrows(NotFoundException.class, () -> sdk.responses().retrieve(unstored.id()), "store: false keeps nothing");
        HttpResponse<String> unknown = post("{\"model\":\"gemini\",\"input\":\"x\",\"previous_response_id\":\"resp_nope\"}", KEY1);
        assertEquals(404, unknown.statusCode());
        OpenAiSchema.assertValid("ErrorResponse", unknown.body());
    }

    @Test
    void aStreamedAnswerIsKeptAndContinuedOnAnotherVendor() throws Exception {
        ResponseAccumulator acc = ResponseAccumulator.create();
        try (StreamResponse<ResponseStreamEvent> s = sdk.responses().createStreaming(ResponseCreateParams.builder()
                .model("gemini").input("My name is Ada. [[sim text=\"Hello Ada\"]]").build())) {
            s.stream().forEach(acc::accumulate);
        }
        String id = acc.response().id();
        retrieveEventually(id);
        fx.sim.clearRequests();
        Response next = sdk.responses().create(ResponseCreateParams.builder().model("openai").previousResponseId(id)
                .input("What is my name?").build());
        assertFalse(text(next).isEmpty());
        String upstream = fx.sim.requests().get(fx.sim.requests().size() - 1).body();
        assertTrue(upstream.contains("My name is Ada.") && upstream.contains("Hello Ada"), upstream);
    }

    private static Response retrieveEventually(String id) throws InterruptedException {
        for (int i = 0; i < 500; i++) { // up to 10 s: the write is off the loop, late on a loaded machine
            try {
                return sdk.responses().retrieve(id);
            } catch (NotFoundException e) {
                Thread.sleep(20); // kept off the event loop, just after the answer
            }
        }
        return sdk.responses().retrieve(id);
    }

    @Test
    void builtInToolsOnlyWhereTheVendorHasThem() throws Exception {
        ResponseCreateParams webSearch = ResponseCreateParams.builder().model("anthropic")
                .addTool(WebSearchTool.builder().type(WebSearchTool.Type.WEB_SEARCH).build()).input("News?").build();
        BadRequestException e = assertThrows(BadRequestException.class, () -> sdk.responses().create(webSearch));
        assertTrue(e.getMessage().contains("unsupported_capability") || e.code().map(c -> c.equals("unsupported_capability")).orElse(false),
                e.getMessage());
        HttpResponse<String> mixed = post("{\"model\":\"mixed\",\"input\":\"News?\",\"tools\":[{\"type\":\"web_search\"}]}", KEY1);
        assertEquals(200, mixed.statusCode(), mixed.body());
        assertEquals("oa", mixed.headers().firstValue("x-junction-provider").orElse(""), "only OpenAI runs web_search");
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "anthropic", "compat"})
    void errorsBeforeAndAfterTheCommitPoint(String alias) throws Exception {
        assertThrows(RateLimitException.class, () -> sdk.responses().create(ResponseCreateParams.builder().model(alias)
                .input("x [[sim status=429 retry-after=0]]").build()));
        String frames = alias.equals("anthropic") ? "6" : "4";
        HttpResponse<String> cut = post("{\"model\":\"" + alias + "\",\"stream\":true,\"input\":\"x [[sim tokens=20 error-event="
                + frames + "]]\"}", KEY1);
        assertEquals(200, cut.statusCode());
        List<JsonNode> events = assertValidStream(cut.body());
        assertEquals("error", events.get(events.size() - 2).get("type").asText(), cut.body());
        assertEquals("response.failed", events.get(events.size() - 1).get("type").asText());
    }

    @Test
    void failsOverAndRetriesLikeChat() throws Exception {
        fx.sim.enqueue(dev.junction.simulator.Behavior.builder().status(503).build());
        HttpResponse<String> r = post("{\"model\":\"failover\",\"input\":\"hi [[sim text=\\\"made it\\\"]]\"}", KEY1);
        assertEquals(200, r.statusCode(), r.body());
        OpenAiSchema.assertValid("Response", r.body());
        assertTrue(Integer.parseInt(r.headers().firstValue("x-junction-attempts").orElse("0")) >= 2, r.headers().toString());
        assertEquals("made it", JSON.readTree(r.body()).at("/output/0/content/0/text").asText());
    }

    @Test
    void hostileAndInvalidBodiesAreRefusedBeforeRouting() throws Exception {
        HttpResponse<String> dup = post("{\"model\":\"anthropic\",\"model\":\"openai\",\"input\":\"x\"}", KEY1);
        assertEquals(400, dup.statusCode(), dup.body());
        assertEquals("invalid_json", JSON.readTree(dup.body()).at("/error/code").asText());
        HttpResponse<String> missing = post("{\"model\":\"anthropic\"}", KEY1);
        assertEquals(400, missing.statusCode(), missing.body());
        assertEquals("missing_field", JSON.readTree(missing.body()).at("/error/code").asText());
        HttpResponse<String> unknown = post("{\"model\":\"nope\",\"input\":\"x\"}", KEY1);
        assertEquals(404, unknown.statusCode());
        assertEquals("model_not_found", JSON.readTree(unknown.body()).at("/error/code").asText());
        HttpResponse<String> noKey = HTTP.send(HttpRequest.newBuilder(URI.create(fx.baseUrl() + "/responses"))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, noKey.statusCode());
        HttpResponse<String> get = HTTP.send(HttpRequest.newBuilder(URI.create(fx.baseUrl() + "/responses"))
                .header("authorization", "Bearer " + KEY1).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode());
    }

    @Test
    void respondAsyncRunsTheResponseAsATask() throws Exception {
        HttpResponse<String> accepted = HTTP.send(HttpRequest.newBuilder(URI.create(fx.baseUrl() + "/responses"))
                .header("content-type", "application/json").header("authorization", "Bearer " + KEY1)
                .header("prefer", "respond-async")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gemini\",\"input\":\"later [[sim text=\\\"done later\\\"]]\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, accepted.statusCode(), accepted.body());
        String task = JSON.readTree(accepted.body()).get("id").asText();
        JsonNode t = null;
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos(); // a loaded machine runs tasks late
        while (System.nanoTime() < until) {
            t = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(fx.baseUrl() + "/tasks/" + task))
                    .header("authorization", "Bearer " + KEY1).GET().build(), HttpResponse.BodyHandlers.ofString()).body());
            if (t.path("status").asText().equals("succeeded")) {
                break;
            }
            Thread.sleep(25);
        }
        assertEquals("succeeded", t.path("status").asText(), t.toString());
        JsonNode body = t.at("/response/body");
        OpenAiSchema.assertValid("Response", body);
        assertEquals("done later", body.at("/output/0/content/0/text").asText());
        assertEquals(body.get("id").asText(), retrieveEventually(body.get("id").asText()).id(), "kept for its key");
    }
}
