package dev.junction.core.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.SseException;
import com.openai.errors.UnauthorizedException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import dev.junction.simulator.RecordedRequest;
import dev.junction.simulator.SimulatorOptions;
import dev.junction.testkit.OpenAiSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The official openai-java SDK, unmodified but for its base URL, against Junction in front of the
 * vendor simulator speaking OpenAI's wire format (issue: foundation). Every body and chunk the SDK
 * receives is also checked against OpenAI's published schema through a raw client.
 */
class OpenAiSdkEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static GatewayFixture fx;
    private static OpenAIClient sdk;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        fx = GatewayFixture.start(SimulatorOptions.builder().openAiKey("sk-sim-secret-0123456789").build(),
                GatewayFixture.simpleConfig(""));
        sdk = fx.sdk();
    }

    @AfterAll
    static void stop() {
        sdk.close();
        fx.close();
    }

    @BeforeEach
    void clear() {
        fx.sim.clearRequests();
    }

    private static ChatCompletionCreateParams chat(String prompt) {
        return ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage(prompt).build();
    }

    @Test
    void chatCompletionJson() {
        HttpResponseFor<ChatCompletion> raw = sdk.chat().completions().withRawResponse().create(chat("Say hello [[sim text=\"Hello there friend\"]]"));
        ChatCompletion c = raw.parse();
        assertEquals("Hello there friend", c.choices().get(0).message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, c.choices().get(0).finishReason());
        assertTrue(c.usage().orElseThrow().totalTokens() > 0);
        assertEquals("sim", raw.headers().values("x-junction-provider").get(0));
        assertEquals("sim-chat-1", raw.headers().values("x-junction-model").get(0));
        assertEquals("1", raw.headers().values("x-junction-attempts").get(0));
        String timing = raw.headers().values("server-timing").get(0);
        for (String stage : List.of("auth", "route", "translate", "ttfb", "total")) {
            assertTrue(timing.contains(stage + ";dur="), timing);
        }
        assertFalse(raw.headers().values("x-request-id").isEmpty());
        // The upstream got the deployment's model and Junction's vendor key, not the client's.
        RecordedRequest up = fx.sim.requests().get(0);
        assertEquals("sim-chat-1", tree(up.body()).get("model").asText());
        assertEquals("Bearer sk-sim-secret-0123456789", up.headers().get("authorization").get(0));
    }

    @Test
    void chatJsonBodyMatchesOpenAiSchemaAndRequestIdIsKept() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "x-request-id", "my-trace-42");
        assertEquals(200, r.statusCode());
        assertEquals("my-trace-42", r.headers().firstValue("x-request-id").orElseThrow());
        OpenAiSchema.assertValid("CreateChatCompletionResponse", r.body());
    }

    @Test
    void streamWithoutUsageHidesTheUsageChunkJunctionAskedFor() throws Exception {
        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> s = sdk.chat().completions().createStreaming(chat("Count [[sim tokens=12]]"))) {
            chunks = s.stream().collect(Collectors.toList());
        }
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        chunks.forEach(acc::accumulate);
        String text = acc.chatCompletion().choices().get(0).message().content().orElseThrow();
        assertEquals(12, text.trim().split("\\s+").length);
        assertTrue(chunks.stream().noneMatch(c -> c.choices().isEmpty()), "no usage-only chunk when not asked");
        // Junction asked the upstream for usage anyway, for accounting.
        JsonNode upstream = tree(fx.sim.requests().get(0).body());
        assertTrue(upstream.get("stream_options").get("include_usage").asBoolean());

        List<String> frames = rawStream("{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals("[DONE]", frames.get(frames.size() - 1));
        for (String f : frames.subList(0, frames.size() - 1)) {
            OpenAiSchema.assertValid("CreateChatCompletionStreamResponse", f);
            assertFalse(tree(f).get("choices").isEmpty(), f);
        }
    }

    @Test
    void streamWithUsageEndsWithTheUsageChunk() {
        ChatCompletionCreateParams p = chat("Count [[sim tokens=5]]").toBuilder()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> s = sdk.chat().completions().createStreaming(p)) {
            chunks = s.stream().collect(Collectors.toList());
        }
        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertTrue(last.choices().isEmpty());
        assertEquals(5, last.usage().orElseThrow().completionTokens());
    }

    @Test
    void streamedParallelToolCallsArePassedThrough() {
        ChatCompletionCreateParams p = chat("Weather? [[sim tool=get_weather args={\"city\":\"Paris\"} tool=get_time args={}]]").toBuilder()
                .addTool(ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("get_weather")
                        .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object")).build())
                        .build()).build())
                .addTool(ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("get_time").build()).build())
                .build();
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> s = sdk.chat().completions().createStreaming(p)) {
            s.stream().forEach(acc::accumulate);
        }
        ChatCompletion c = acc.chatCompletion();
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, c.choices().get(0).finishReason());
        List<ChatCompletionMessageFunctionToolCall> calls = new ArrayList<>();
        c.choices().get(0).message().toolCalls().orElseThrow().forEach(t -> calls.add(t.asFunction()));
        assertEquals(2, calls.size());
        assertEquals("get_weather", calls.get(0).function().name());
        assertEquals("Paris", tree(calls.get(0).function().arguments()).get("city").asText());
        assertEquals("get_time", calls.get(1).function().name());
        assertEquals("{}", calls.get(1).function().arguments());
    }

    @Test
    void embeddingsFloatAndBase64() throws Exception {
        CreateEmbeddingResponse e = sdk.embeddings().create(EmbeddingCreateParams.builder().model("emb").input("hello world").build());
        assertFalse(e.data().get(0).embedding().isEmpty());
        assertEquals("sim-embed-1", tree(fx.sim.requests().get(0).body()).get("model").asText());
        HttpResponse<String> floats = post("/v1/embeddings", "{\"model\":\"emb\",\"input\":[\"a\",\"b\"],\"encoding_format\":\"float\"}");
        assertEquals(200, floats.statusCode(), floats.body());
        OpenAiSchema.assertValid("CreateEmbeddingResponse", floats.body());
        assertEquals(2, tree(floats.body()).get("data").size());
        // base64 is float32 little-endian (wire-formats §1.7); OpenAI's schema only describes the float form.
        HttpResponse<String> b64 = post("/v1/embeddings", "{\"model\":\"emb\",\"input\":[\"a\",\"b\"],\"encoding_format\":\"base64\"}");
        assertEquals(200, b64.statusCode(), b64.body());
        JsonNode f0 = tree(floats.body()).get("data").get(0).get("embedding");
        byte[] raw = java.util.Base64.getDecoder().decode(tree(b64.body()).get("data").get(0).get("embedding").asText());
        java.nio.FloatBuffer fb = java.nio.ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        assertEquals(f0.size(), fb.remaining());
        assertEquals(f0.get(0).floatValue(), fb.get(0), 1e-6);
    }

    @Test
    void modelsListAndRetrieve() throws Exception {
        List<String> ids = sdk.models().list().data().stream().map(Model::id).collect(Collectors.toList());
        assertEquals(List.of("gpt-4o-mini", "emb"), ids);
        assertEquals("gpt-4o-mini", sdk.models().retrieve("gpt-4o-mini").id());
        assertThrows(NotFoundException.class, () -> sdk.models().retrieve("nope"));
        HttpResponse<String> r = get("/v1/models");
        OpenAiSchema.assertValid("ListModelsResponse", r.body());
    }

    @Test
    void metricsAndRoutesDescribeWhatHappened() throws Exception {
        sdk.chat().completions().create(chat("metered [[sim prompt-tokens=11 tokens=7]]"));
        HttpResponse<String> m = get("/metrics");
        assertEquals(200, m.statusCode());
        String text = m.body();
        assertTrue(text.contains("junction_requests_total{alias=\"gpt-4o-mini\",key=\"anonymous\",provider=\"sim\",status=\"200\"}"), text);
        assertTrue(text.contains("junction_tokens_total{alias=\"gpt-4o-mini\",deployment=\"sim/sim-chat-1\",direction=\"output\"}"), text);
        assertTrue(text.contains("gen_ai_server_time_to_first_token_seconds"), text);
        assertTrue(text.contains("junction_circuit_state{deployment=\"sim/sim-chat-1\",provider=\"sim\"} 0"), text);
        JsonNode routes = tree(get("/admin/routes").body());
        JsonNode d = routes.get("aliases").get(0).get("deployments").get(0);
        assertEquals("sim/sim-chat-1", d.get("id").asText());
        assertEquals("closed", d.get("circuit_state").asText());
        assertTrue(d.get("stats").get("total_requests").asLong() > 0);
    }

    @Test
    void unknownAliasIs404ModelNotFound() {
        NotFoundException e = assertThrows(NotFoundException.class,
                () -> sdk.chat().completions().create(chat("hi").toBuilder().model("no-such-model").build()));
        assertEquals("model_not_found", e.code().orElseThrow());
        assertTrue(fx.sim.requests().isEmpty());
    }

    @Test
    void malformedJsonIs400InvalidJson() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[");
        assertError(r, 400, "invalid_request_error", "invalid_json");
        HttpResponse<String> missing = post("/v1/chat/completions", "{\"messages\":[]}");
        assertError(missing, 400, "invalid_request_error", "missing_field");
    }

    @Test
    void upstreamRateLimitIs429WithRetryAfter() {
        OpenAIServiceException e = assertThrows(OpenAIServiceException.class,
                () -> sdk.chat().completions().create(chat("x [[sim status=429 retry-after=7]]")));
        assertEquals(429, e.statusCode());
        assertEquals("upstream_rate_limited", e.code().orElseThrow());
        assertEquals("7", e.headers().values("retry-after").get(0));
    }

    @Test
    void upstreamQuotaIs503AndNotRetryable() {
        OpenAIServiceException e = assertThrows(OpenAIServiceException.class,
                () -> sdk.chat().completions().create(chat("x [[sim status=429 error=insufficient_quota]]")));
        assertEquals(503, e.statusCode());
        assertEquals("upstream_quota_exhausted", e.code().orElseThrow());
        assertEquals("false", e.headers().values("x-should-retry").get(0));
    }

    @Test
    void upstreamAuthFailureIs502NotTheClients401AndLeaksNoKey() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x [[sim status=401]]\"}]}");
        assertError(r, 502, "upstream_error", "upstream_authentication_failed");
        assertFalse(r.body().contains("sk-sim"), r.body());
    }

    @Test
    void upstream5xxIs503UpstreamUnavailable() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x [[sim status=500]]\"}]}");
        assertError(r, 503, "upstream_error", "upstream_unavailable");
    }

    @Test
    void streamCutAfterContentEndsWithAnInBandError() {
        SseException e = assertThrows(SseException.class, () -> {
            try (StreamResponse<ChatCompletionChunk> s = sdk.chat().completions().createStreaming(chat("go [[sim tokens=20 cut=4]]"))) {
                s.stream().forEach(c -> { });
            }
        });
        assertEquals("stream_interrupted", e.code().orElseThrow());
    }

    @Test
    void streamCutBeforeContentIsAPlainError() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x [[sim cut=1]]\"}]}");
        assertEquals(503, r.statusCode(), r.body());
        OpenAiSchema.assertValid("ErrorResponse", r.body());
    }

    @Test
    void wrongGatewayKeyIs401() throws Exception {
        try (GatewayFixture keyed = GatewayFixture.start(SimulatorOptions.defaults(), """
                junction {
                  server { port = 0 }
                  auth { keys = [ { name = "app-1", key = "jk-right-key", models = ["gpt-4o-mini"] } ] }
                  providers { sim { type = openai-compatible, base-url = "SIM/v1" } }
                  models {
                    "gpt-4o-mini" { deployments = [ { provider = sim, model = "m" } ] }
                    "other" { deployments = [ { provider = sim, model = "m" } ] }
                  }
                }""")) {
            OpenAIClient wrong = OpenAIOkHttpClient.builder().baseUrl(keyed.baseUrl()).apiKey("jk-wrong").maxRetries(0).build();
            UnauthorizedException e = assertThrows(UnauthorizedException.class, () -> wrong.chat().completions().create(chat("hi")));
            assertEquals("invalid_api_key", e.code().orElseThrow());
            wrong.close();
            OpenAIClient right = OpenAIOkHttpClient.builder().baseUrl(keyed.baseUrl()).apiKey("jk-right-key").maxRetries(0).build();
            assertTrue(right.chat().completions().create(chat("hi")).choices().get(0).message().content().isPresent());
            OpenAIServiceException forbidden = assertThrows(OpenAIServiceException.class,
                    () -> right.chat().completions().create(chat("hi").toBuilder().model("other").build()));
            assertEquals(403, forbidden.statusCode());
            assertEquals("model_not_allowed", forbidden.code().orElseThrow());
            right.close();
            HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create(keyed.root() + "/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
        }
    }

    @Test
    void bodyOverTheLimitIs413() throws Exception {
        try (GatewayFixture small = GatewayFixture.start(SimulatorOptions.defaults(),
                GatewayFixture.simpleConfig(", max-request-bytes = 2k"))) {
            String big = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(5000) + "\"}]}";
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(small.root() + "/v1/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(big)).header("content-type", "application/json").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertError(r, 413, "invalid_request_error", "request_too_large");
        }
    }

    private static void assertError(HttpResponse<String> r, int status, String type, String code) {
        assertEquals(status, r.statusCode(), r.body());
        OpenAiSchema.assertValid("ErrorResponse", r.body());
        JsonNode e = tree(r.body()).get("error");
        assertEquals(type, e.get("type").asText());
        assertEquals(code, e.get("code").asText());
        assertFalse(e.get("message").asText().isBlank());
    }

    static HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(fx.root() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("content-type", "application/json")
                .timeout(Duration.ofSeconds(20));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(fx.root() + path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The data payloads of a raw SSE answer, in order. */
    static List<String> rawStream(String body) throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", body);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElseThrow().startsWith("text/event-stream"));
        List<String> out = new ArrayList<>();
        for (String event : r.body().split("\n\n")) {
            if (event.startsWith("data: ")) {
                out.add(event.substring(6));
            }
        }
        return out;
    }

    static JsonNode tree(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError(s, e);
        }
    }
}
