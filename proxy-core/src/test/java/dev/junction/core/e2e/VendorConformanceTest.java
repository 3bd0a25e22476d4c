package dev.junction.core.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.SseException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionAssistantMessageParam;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.completions.CompletionUsage;
import dev.junction.simulator.RecordedRequest;
import dev.junction.simulator.SimulatorOptions;
import dev.junction.testkit.OpenAiSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One conformance suite run against every vendor Junction speaks (DESIGN house rule 9): the
 * official openai-java SDK talks to Junction, which talks to the simulator in that vendor's native
 * wire format. Each alias below reaches one vendor; every scenario runs for each.
 */
class VendorConformanceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static GatewayFixture fx;
    private static OpenAIClient sdk;

    @BeforeAll
    static void start() throws Exception {
        fx = GatewayFixture.start(SimulatorOptions.builder().openAiKey("sk-oa-0123456789").anthropicKey("sk-ant-0123456789")
                .geminiKey("AIza-gem-0123456789").tokensPerSecond(0).build(), """
                junction {
                  server { port = 0 }
                  providers {
                    oa     { type = openai-compatible, base-url = "SIM/v1", api-key = "sk-oa-0123456789" }
                    azure  { type = azure-openai, base-url = "SIM", api-key = "sk-oa-0123456789", api-version = "2024-10-21" }
                    claude { type = anthropic, base-url = "SIM", api-key = "sk-ant-0123456789" }
                    gem    { type = gemini, base-url = "SIM", api-key = "AIza-gem-0123456789" }
                    badkey { type = anthropic, base-url = "SIM", api-key = "sk-ant-wrong-key" }
                  }
                  models {
                    openai    { deployments = [ { provider = oa, model = "gpt-4o-mini" } ] }
                    azure     { deployments = [ { provider = azure, model = "gpt-4o-mini" } ] }
                    anthropic { deployments = [ { provider = claude, model = "claude-haiku-4-5" } ] }
                    gemini    { deployments = [ { provider = gem, model = "gemini-2.5-flash" } ] }
                    badkey    { deployments = [ { provider = badkey, model = "claude-haiku-4-5" } ] }
                    openai-emb { deployments = [ { provider = oa, model = "text-embedding-3-small" } ] }
                    gemini-emb { deployments = [ { provider = gem, model = "gemini-embedding-001" } ] }
                  }
                }""");
        sdk = OpenAIOkHttpClient.builder().baseUrl(fx.baseUrl()).apiKey("x").maxRetries(0).timeout(Duration.ofSeconds(20)).build();
    }

    @AfterAll
    static void stop() {
        sdk.close();
        fx.close();
    }

    private static ChatCompletionCreateParams.Builder chat(String alias, String prompt) {
        return ChatCompletionCreateParams.builder().model(alias).addSystemMessage("You are terse.").addUserMessage(prompt);
    }

    private static ChatCompletionFunctionTool tool(String name) {
        return ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name(name)
                .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(java.util.Map.of())).build()).build()).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure", "anthropic", "gemini"})
    void plainTextJson(String alias) throws Exception {
        ChatCompletion c = sdk.chat().completions().create(chat(alias, "Hi [[sim text=\"Bonjour tout le monde\"]]").build());
        assertEquals("Bonjour tout le monde", c.choices().get(0).message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, c.choices().get(0).finishReason());
        CompletionUsage u = c.usage().orElseThrow();
        assertEquals(u.promptTokens() + u.completionTokens(), u.totalTokens());
        HttpResponse<String> raw = post("{\"model\":\"" + alias + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, raw.statusCode(), raw.body());
        OpenAiSchema.assertValid("CreateChatCompletionResponse", raw.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure", "anthropic", "gemini"})
    void streamedTextWithUsage(String alias) throws Exception {
        ChatCompletionCreateParams p = chat(alias, "Count [[sim tokens=9]]")
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = sdk.chat().completions().createStreaming(p)) {
            s.stream().forEach(chunks::add);
        }
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        chunks.forEach(acc::accumulate);
        assertEquals(9, acc.chatCompletion().choices().get(0).message().content().orElseThrow().trim().split("\\s+").length);
        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertTrue(last.choices().isEmpty(), "the usage chunk comes last");
        CompletionUsage u = last.usage().orElseThrow();
        assertTrue(u.completionTokens() > 0);
        assertEquals(u.promptTokens() + u.completionTokens(), u.totalTokens());
        List<String> frames = frames(post("{\"model\":\"" + alias + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi [[sim tokens=4]]\"}]}"));
        assertEquals("[DONE]", frames.get(frames.size() - 1));
        for (String f : frames.subList(0, frames.size() - 1)) {
            OpenAiSchema.assertValid("CreateChatCompletionStreamResponse", f);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure", "anthropic", "gemini"})
    void parallelToolCallsStreamedWithNoArgumentTool(String alias) {
        ChatCompletionCreateParams p = chat(alias, "Weather and time? [[sim tool=get_weather args={\"city\":\"Paris\"} tool=get_time]]")
                .addTool(tool("get_weather")).addTool(tool("get_time")).build();
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
        assertEquals(JSON.createObjectNode(), tree(calls.get(1).function().arguments()));
        assertFalse(calls.get(0).id().isBlank());
        assertTrue(!calls.get(0).id().equals(calls.get(1).id()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure", "anthropic", "gemini"})
    void toolResultRoundTrip(String alias) {
        ChatCompletion first = sdk.chat().completions().create(chat(alias, "Weather? [[sim tool=get_weather args={\"city\":\"Oslo\"}]]")
                .addTool(tool("get_weather")).build());
        ChatCompletionMessageToolCall call = first.choices().get(0).message().toolCalls().orElseThrow().get(0);
        String id = call.asFunction().id();
        fx.sim.clearRequests();
        ChatCompletion second = sdk.chat().completions().create(chat(alias, "Weather? [[sim tool=get_weather]]")
                .addTool(tool("get_weather"))
                .addMessage(ChatCompletionAssistantMessageParam.builder().addToolCall(call).build())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(id).content("{\"temp_c\":3}").build())
                .build());
        assertTrue(second.choices().get(0).message().content().isPresent());
        RecordedRequest up = fx.sim.requests().get(0);
        assertTrue(up.body().contains("temp_c"), "the tool result reaches the vendor: " + up.body());
        if (alias.equals("gemini")) {
            JsonNode contents = tree(up.body()).get("contents");
            JsonNode fr = contents.get(contents.size() - 1).get("parts").get(0).get("functionResponse");
            assertEquals("get_weather", fr.get("name").asText(), "Gemini needs the function name recovered from the call id");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "anthropic", "gemini"})
    void maxTokensHitIsLength(String alias) {
        ChatCompletion c = sdk.chat().completions().create(chat(alias, "Long [[sim tokens=50 finish=length]]").maxCompletionTokens(5).build());
        assertEquals(ChatCompletion.Choice.FinishReason.LENGTH, c.choices().get(0).finishReason());
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "anthropic", "gemini"})
    void refusalIsContentFilterNotAnError(String alias) {
        String directive = alias.equals("gemini") ? "finish=content_filter" : alias.equals("anthropic") ? "finish=refusal" : "finish=content_filter";
        ChatCompletion c = sdk.chat().completions().create(chat(alias, "Bad [[sim " + directive + "]]").build());
        assertEquals(ChatCompletion.Choice.FinishReason.CONTENT_FILTER, c.choices().get(0).finishReason());
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "anthropic", "gemini"})
    void jsonSchemaResponseFormat(String alias) {
        ChatCompletion c = sdk.chat().completions().create(chat(alias, "City? [[sim text=\"{\\\"city\\\":\\\"Paris\\\"}\"]]")
                .responseFormat(ResponseFormatJsonSchema.builder().jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder()
                        .name("city").schema(ResponseFormatJsonSchema.JsonSchema.Schema.builder()
                                .putAdditionalProperty("type", JsonValue.from("object")).build()).build()).build())
                .build());
        assertTrue(c.choices().get(0).message().content().isPresent() || c.choices().get(0).message().toolCalls().isPresent());
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "anthropic", "gemini"})
    void imageByDataUrl(String alias) throws Exception {
        String png = java.util.Base64.getEncoder().encodeToString(new byte[]{(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13});
        String body = "{\"model\":\"" + alias + "\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is this?\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64," + png + "\"}}]}]}";
        fx.sim.clearRequests();
        HttpResponse<String> r = post(body);
        assertEquals(200, r.statusCode(), r.body());
        OpenAiSchema.assertValid("CreateChatCompletionResponse", r.body());
        assertTrue(fx.sim.requests().get(0).body().contains(png), "the image bytes reach the vendor");
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "anthropic", "gemini"})
    void vendorRateLimitIs429(String alias) {
        OpenAIServiceException e = assertThrows(OpenAIServiceException.class,
                () -> sdk.chat().completions().create(chat(alias, "x [[sim status=429 retry-after=9]]").build()));
        assertEquals(429, e.statusCode());
        assertEquals("upstream_rate_limited", e.code().orElseThrow());
        assertFalse(e.headers().values("retry-after").isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "anthropic", "gemini"})
    void vendorOverloadOrOutageIs503(String alias) {
        String status = alias.equals("anthropic") ? "529" : "503";
        OpenAIServiceException e = assertThrows(OpenAIServiceException.class,
                () -> sdk.chat().completions().create(chat(alias, "x [[sim status=" + status + "]]").build()));
        assertEquals(503, e.statusCode());
        assertEquals("upstream_unavailable", e.code().orElseThrow());
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "anthropic", "gemini"})
    void streamCutAfterContentIsAnInBandError(String alias) {
        SseException e = assertThrows(SseException.class, () -> {
            try (StreamResponse<ChatCompletionChunk> s = sdk.chat().completions().createStreaming(chat(alias, "go [[sim tokens=30 cut=5]]").build())) {
                s.stream().forEach(c -> { });
            }
        });
        assertEquals("stream_interrupted", e.code().orElseThrow());
    }

    @ParameterizedTest
    @ValueSource(strings = {"badkey"})
    void vendorRejectingJunctionsKeyIs502(String alias) throws Exception {
        HttpResponse<String> r = post("{\"model\":\"" + alias + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(502, r.statusCode(), r.body());
        JsonNode err = tree(r.body()).get("error");
        assertEquals("upstream_authentication_failed", err.get("code").asText());
        assertFalse(r.body().contains("sk-ant"), "no vendor key in the answer");
    }

    @org.junit.jupiter.api.Test
    void azurePromptFilterChunkIsNotForwarded() throws Exception {
        List<String> frames = frames(post("{\"model\":\"azure\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi [[sim azure tokens=3]]\"}]}"));
        assertEquals("[DONE]", frames.get(frames.size() - 1));
        for (String f : frames.subList(0, frames.size() - 1)) {
            OpenAiSchema.assertValid("CreateChatCompletionStreamResponse", f);
            assertFalse(tree(f).get("choices").isEmpty(), f);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai-emb", "gemini-emb"})
    void embeddingsFloatAndBase64(String alias) throws Exception {
        var e = sdk.embeddings().create(com.openai.models.embeddings.EmbeddingCreateParams.builder().model(alias)
                .input("hello world").build());
        assertFalse(e.data().get(0).embedding().isEmpty());
        HttpResponse<String> floats = post("/v1/embeddings", "{\"model\":\"" + alias
                + "\",\"input\":[\"a\",\"b\"],\"encoding_format\":\"float\"}");
        assertEquals(200, floats.statusCode(), floats.body());
        OpenAiSchema.assertValid("CreateEmbeddingResponse", floats.body());
        HttpResponse<String> b64 = post("/v1/embeddings", "{\"model\":\"" + alias
                + "\",\"input\":[\"a\",\"b\"],\"encoding_format\":\"base64\"}");
        assertEquals(200, b64.statusCode(), b64.body());
        JsonNode f = tree(floats.body()).get("data");
        JsonNode b = tree(b64.body()).get("data");
        assertEquals(2, b.size());
        for (int i = 0; i < 2; i++) {
            byte[] raw = java.util.Base64.getDecoder().decode(b.get(i).get("embedding").asText());
            java.nio.FloatBuffer fb = java.nio.ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            assertEquals(f.get(i).get("embedding").size(), fb.remaining(), "float32 little-endian, as the SDKs decode it");
            assertEquals(f.get(i).get("embedding").get(0).floatValue(), fb.get(0), 1e-6);
        }
    }

    private static HttpResponse<String> post(String body) throws Exception {
        return post("/v1/chat/completions", body);
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(fx.root() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("content-type", "application/json")
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> frames(HttpResponse<String> r) {
        assertEquals(200, r.statusCode(), r.body());
        List<String> out = new ArrayList<>();
        for (String event : r.body().split("\n\n")) {
            if (event.startsWith("data: ")) {
                out.add(event.substring(6));
            }
        }
        return out;
    }

    private static JsonNode tree(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError(s, e);
        }
    }
}
