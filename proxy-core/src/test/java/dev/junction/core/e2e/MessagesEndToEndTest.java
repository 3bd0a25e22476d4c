package dev.junction.core.e2e;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.InternalServerException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.errors.SseException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.simulator.RecordedRequest;
import dev.junction.simulator.SimulatorOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Anthropic Messages door (SPEC §3.2) end to end, with Anthropic's official Java SDK as the
 * client and every vendor of the simulator behind it: {@code anthropic} is carried as bytes, the
 * others ({@code openai}, {@code azure}, {@code gemini}) go through the canonical model. The SDK
 * parses every answer and event with its own types and throws its own typed exceptions.
 */
class MessagesEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String KEY = "jk-messages-0123456789";
    private static GatewayFixture fx;
    private static AnthropicClient sdk;

    @BeforeAll
    static void start() throws Exception {
        fx = GatewayFixture.start(SimulatorOptions.builder().openAiKey("sk-oa-0123456789").anthropicKey("sk-ant-0123456789")
                .geminiKey("AIza-gem-0123456789").tokensPerSecond(0).build(), """
                junction {
                  server { port = 0, max-request-bytes = 256k }
                  streaming { keepalive-interval = 100ms }
                  auth { keys = [ { name = "app", key = "%s", models = ["*"] } ] }
                  providers {
                    oa     { type = openai-compatible, base-url = "SIM/v1", api-key = "sk-oa-0123456789" }
                    azure  { type = azure-openai, base-url = "SIM", api-key = "sk-oa-0123456789", api-version = "2024-10-21" }
                    claude { type = anthropic, base-url = "SIM", api-key = "sk-ant-0123456789" }
                    gem    { type = gemini, base-url = "SIM", api-key = "AIza-gem-0123456789" }
                    badclaude { type = anthropic, base-url = "SIM", api-key = "sk-ant-wrong-key" }
                  }
                  models {
                    openai    { deployments = [ { provider = oa, model = "gpt-4o-mini" } ] }
                    openai-reasoning { deployments = [ { provider = oa, model = "o4-mini" } ] }
                    azure     { deployments = [ { provider = azure, model = "gpt-4o-mini" } ] }
                    anthropic { deployments = [ { provider = claude, model = "claude-haiku-4-5" } ] }
                    gemini    { deployments = [ { provider = gem, model = "gemini-2.5-flash" } ] }
                    failover {
                      strategy = priority
                      deployments = [ { provider = badclaude, model = "claude-haiku-4-5" }, { provider = gem, model = "gemini-2.5-flash" } ]
                    }
                    claude-then-gemini {
                      strategy = priority
                      deployments = [ { provider = claude, model = "claude-haiku-4-5" }, { provider = gem, model = "gemini-2.5-flash" } ]
                    }
                  }
                }""".formatted(KEY));
        sdk = AnthropicOkHttpClient.builder().baseUrl(fx.root()).apiKey(KEY).maxRetries(0)
                .timeout(Duration.ofSeconds(20)).build();
    }

    @AfterAll
    static void stop() {
        sdk.close();
        fx.close();
    }

    private static MessageCreateParams.Builder create(String alias, String prompt) {
        return MessageCreateParams.builder().model(alias).maxTokens(512).system("You are terse.").addUserMessage(prompt);
    }

    private static Tool tool(String name) {
        return Tool.builder().name(name).description("look " + name)
                .inputSchema(Tool.InputSchema.builder().properties(JsonValue.from(Map.of())).build()).build();
    }

    private static String text(Message m) {
        StringBuilder b = new StringBuilder();
        for (ContentBlock c : m.content()) {
            c.text().ifPresent(t -> b.append(t.text()));
        }
        return b.toString();
    }

    private static List<ToolUseBlock> toolUses(Message m) {
        List<ToolUseBlock> out = new ArrayList<>();
        for (ContentBlock c : m.content()) {
            c.toolUse().ifPresent(out::add);
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"anthropic", "openai", "azure", "gemini"})
    void createAnswersAMessage(String alias) {
        Message m = sdk.messages().create(create(alias, "Hi [[sim text=\"Bonjour tout le monde\"]]").build());
        assertEquals("Bonjour tout le monde", text(m));
        assertEquals(StopReason.END_TURN, m.stopReason().orElseThrow());
        assertTrue(m.usage().inputTokens() > 0);
        assertTrue(m.usage().outputTokens() > 0);
        assertTrue(m.id().startsWith("msg_"), m.id());
        m.validate();
    }

    @ParameterizedTest
    @ValueSource(strings = {"anthropic", "openai", "azure", "gemini"})
    void streamAccumulatesToTheSameMessage(String alias) {
        MessageAccumulator acc = MessageAccumulator.create();
        List<String> types = new ArrayList<>();
        try (StreamResponse<RawMessageStreamEvent> s = sdk.messages().createStreaming(create(alias, "Count [[sim tokens=9]]").build())) {
            s.stream().forEach(e -> {
                acc.accumulate(e);
                types.add(e.isMessageStart() ? "message_start" : e.isMessageStop() ? "message_stop"
                        : e.isMessageDelta() ? "message_delta" : "block");
            });
        }
        Message m = acc.message();
        assertEquals(9, text(m).trim().split("\\s+").length, text(m));
        assertEquals(StopReason.END_TURN, m.stopReason().orElseThrow());
        assertTrue(m.usage().outputTokens() > 0, "usage arrives with message_delta");
        assertEquals("message_start", types.get(0));
        assertEquals("message_stop", types.get(types.size() - 1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"anthropic", "openai", "azure", "gemini"})
    void parallelToolUseStreamedWithInputJsonDeltas(String alias) {
        MessageAccumulator acc = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> s = sdk.messages().createStreaming(
                create(alias, "Weather and time? [[sim tool=get_weather args={\"city\":\"Paris\"} tool=get_time]]")
                        .addTool(tool("get_weather")).addTool(tool("get_time")).build())) {
            s.stream().forEach(acc::accumulate);
        }
        Message m = acc.message();
        assertEquals(StopReason.TOOL_USE, m.stopReason().orElseThrow());
        List<ToolUseBlock> calls = toolUses(m);
        assertEquals(2, calls.size());
        assertEquals("get_weather", calls.get(0).name());
        assertEquals("Paris", JSON.valueToTree(calls.get(0)._input().convert(Object.class)).get("city").asText());
        assertEquals("get_time", calls.get(1).name());
        assertFalse(calls.get(0).id().equals(calls.get(1).id()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"anthropic", "openai", "azure", "gemini"})
    void toolResultRoundTrip(String alias) {
        Message first = sdk.messages().create(create(alias, "Weather? [[sim tool=get_weather args={\"city\":\"Oslo\"}]]")
                .addTool(tool("get_weather")).build());
        ToolUseBlock call = toolUses(first).get(0);
        assertEquals(StopReason.TOOL_USE, first.stopReason().orElseThrow());
        fx.sim.clearRequests();
        Message second = sdk.messages().create(create(alias, "Weather? [[sim tool=get_weather]]")
                .addTool(tool("get_weather"))
                .addMessage(first)
                .addUserMessageOfBlockParams(List.of(ContentBlockParam.ofToolResult(ToolResultBlockParam.builder()
                        .toolUseId(call.id()).content("{\"temp_c\":3}").build())))
                .build());
        assertFalse(text(second).isEmpty());
        RecordedRequest up = fx.sim.requests().get(0);
        assertTrue(up.body().contains("temp_c"), "the tool result reaches the vendor: " + up.body());
    }

    @Test
    void anthropicGetsTheClientsBytesWithOnlyTheModelReplaced() throws Exception {
        String body = "{\"model\":\"anthropic\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"x_unknown_member\":{\"kept\":true},\"temperature\":0.5}";
        fx.sim.clearRequests();
        HttpResponse<String> r = post("/v1/messages", body, Map.of("x-api-key", KEY, "anthropic-version", "2023-06-01",
                "anthropic-beta", "interleaved-thinking-2025-05-14"));
        assertEquals(200, r.statusCode(), r.body());
        RecordedRequest up = fx.sim.requests().get(0);
        assertEquals(body.replace("\"model\":\"anthropic\"", "\"model\":\"claude-haiku-4-5\""), up.body());
        assertEquals("interleaved-thinking-2025-05-14", up.header("anthropic-beta"));
        assertEquals("2023-06-01", up.header("anthropic-version"));
        assertEquals("sk-ant-0123456789", up.header("x-api-key"), "Junction's vendor key, not the client's gateway key");
        assertEquals("claude", r.headers().firstValue("x-junction-provider").orElseThrow());
    }

    @Test
    void aFailedPassThroughFailsOverToATranslatedVendor() throws Exception {
        HttpResponse<String> r = post("/v1/messages", "{\"model\":\"failover\",\"max_tokens\":64,\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"hi [[sim text=\\\"Hallo\\\"]]\"}]}", Map.of("x-api-key", KEY));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("gem", r.headers().firstValue("x-junction-provider").orElseThrow());
        assertEquals("2", r.headers().firstValue("x-junction-attempts").orElseThrow());
        assertEquals("Hallo", JSON.readTree(r.body()).get("content").get(0).get("text").asText());
        assertFalse(r.body().contains("sk-ant"), "no vendor key in the answer");
        MessageAccumulator acc = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> s = sdk.messages().createStreaming(create("failover", "go [[sim tokens=4]]").build())) {
            s.stream().forEach(acc::accumulate);
        }
        assertEquals(4, text(acc.message()).trim().split("\\s+").length);
    }

    @ParameterizedTest
    @ValueSource(strings = {"anthropic", "gemini"})
    void keepalivesWhileTheVendorIsSlowAreIgnoredByTheSdk(String alias) throws Exception {
        MessageAccumulator acc = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> s = sdk.messages().createStreaming(
                create(alias, "slow [[sim latency=450ms tokens=3]]").build())) {
            s.stream().forEach(acc::accumulate);
        }
        assertEquals(3, text(acc.message()).trim().split("\\s+").length);
        HttpResponse<String> raw = post("/v1/messages", "{\"model\":\"" + alias + "\",\"max_tokens\":64,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"slow [[sim latency=450ms tokens=3]]\"}]}", Map.of("x-api-key", KEY));
        assertTrue(raw.body().startsWith(": keepalive"), raw.body());
        assertTrue(raw.body().contains("event: message_stop"), raw.body());
    }

    @Test
    void anthropicsServerToolsGoOnlyWhereTheBytesAreCarried() throws Exception {
        String body = "{\"model\":\"%s\",\"max_tokens\":64,\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"news?\"}]}";
        HttpResponse<String> carried = post("/v1/messages", body.formatted("claude-then-gemini"), Map.of("x-api-key", KEY));
        assertEquals(200, carried.statusCode(), carried.body());
        HttpResponse<String> refused = post("/v1/messages", body.formatted("gemini"), Map.of("x-api-key", KEY));
        assertEquals(400, refused.statusCode(), refused.body());
        JsonNode err = JSON.readTree(refused.body());
        assertEquals("error", err.get("type").asText());
        assertEquals("invalid_request_error", err.get("error").get("type").asText());
        assertTrue(err.get("error").get("message").asText().contains("web_search_20250305"), refused.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"anthropic", "openai-reasoning", "gemini"})
    void thinkingArrivesAsThinkingBlocks(String alias) {
        MessageAccumulator acc = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> s = sdk.messages().createStreaming(
                create(alias, "Think [[sim reasoning=6 tokens=3]]").maxTokens(4096).enabledThinking(1024).build())) {
            s.stream().forEach(acc::accumulate);
        }
        Message m = acc.message();
        if (!alias.startsWith("openai")) {
            ContentBlock first = m.content().get(0);
            assertTrue(first.isThinking(), "thinking comes first: " + m.content());
            assertFalse(first.asThinking().thinking().isBlank());
            if (alias.equals("anthropic")) {
                assertFalse(first.asThinking().signature().isBlank(), "Anthropic's signature is kept");
            }
        }
        assertEquals(3, text(m).trim().split("\\s+").length);
    }

    @Test
    void thinkingNeedsADeploymentThatReasons() {
        BadRequestException e = assertThrows(BadRequestException.class, () -> sdk.messages().create(
                create("openai", "Think").maxTokens(4096).enabledThinking(1024).build()));
        assertTrue(e.getMessage().contains("reasoning"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"anthropic", "openai", "gemini"})
    void vendorRateLimitIsRateLimitException(String alias) {
        RateLimitException e = assertThrows(RateLimitException.class,
                () -> sdk.messages().create(create(alias, "x [[sim status=429 retry-after=9]]").build()));
        assertEquals(429, e.statusCode());
        assertTrue(e.headers().values("retry-after").size() > 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"anthropic", "openai", "gemini"})
    void vendorOverloadIs529Overloaded(String alias) throws Exception {
        String status = alias.equals("anthropic") ? "529" : "503";
        InternalServerException e = assertThrows(InternalServerException.class,
                () -> sdk.messages().create(create(alias, "x [[sim status=" + status + "]]").build()));
        assertEquals(529, e.statusCode());
        HttpResponse<String> raw = post("/v1/messages", "{\"model\":\"" + alias + "\",\"max_tokens\":8,\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"x [[sim status=" + status + "]]\"}]}", Map.of("x-api-key", KEY));
        assertEquals("overloaded_error", JSON.readTree(raw.body()).get("error").get("type").asText(), raw.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"anthropic", "openai", "gemini"})
    void streamCutAfterContentIsAnInBandErrorEvent(String alias) throws Exception {
        assertThrows(SseException.class, () -> {
            try (StreamResponse<RawMessageStreamEvent> s = sdk.messages().createStreaming(
                    create(alias, "go [[sim tokens=30 cut=6]]").build())) {
                s.stream().forEach(e -> { });
            }
        });
        HttpResponse<String> raw = post("/v1/messages", "{\"model\":\"" + alias + "\",\"max_tokens\":64,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"go [[sim tokens=30 cut=6]]\"}]}", Map.of("x-api-key", KEY));
        assertEquals(200, raw.statusCode());
        assertTrue(raw.body().contains("event: content_block_delta"), raw.body());
        assertTrue(raw.body().contains("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\""), raw.body());
        assertFalse(raw.body().contains("message_stop"), "a cut answer never looks complete");
    }

    @Test
    void unknownAliasIsNotFoundAndAWrongKeyIsUnauthorized() {
        NotFoundException nf = assertThrows(NotFoundException.class,
                () -> sdk.messages().create(create("no-such-alias", "hi").build()));
        assertEquals(404, nf.statusCode());
        AnthropicClient wrong = AnthropicOkHttpClient.builder().baseUrl(fx.root()).apiKey("wrong-key").maxRetries(0).build();
        try {
            UnauthorizedException u = assertThrows(UnauthorizedException.class,
                    () -> wrong.messages().create(create("anthropic", "hi").build()));
            assertEquals(401, u.statusCode());
        } finally {
            wrong.close();
        }
    }

    @Test
    void aBodyOverTheLimitIsRequestTooLargeInAnthropicsShape() throws Exception {
        String big = "x".repeat(300 * 1024);
        HttpResponse<String> r = post("/v1/messages", "{\"model\":\"gemini\",\"max_tokens\":8,\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"" + big + "\"}]}", Map.of("x-api-key", KEY));
        assertEquals(413, r.statusCode());
        JsonNode err = JSON.readTree(r.body());
        assertEquals("error", err.get("type").asText());
        assertEquals("request_too_large", err.get("error").get("type").asText());
    }

    @Test
    void theGatewayKeyMayAlsoComeAsABearerToken() throws Exception {
        HttpResponse<String> r = post("/v1/messages", "{\"model\":\"gemini\",\"max_tokens\":16,\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"hi\"}]}", Map.of("authorization", "Bearer " + KEY));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("message", JSON.readTree(r.body()).get("type").asText());
    }

    @Test
    void anInvalidBodyIsABadRequestInAnthropicsShape() throws Exception {
        BadRequestException e = assertThrows(BadRequestException.class, () -> sdk.messages().create(
                MessageCreateParams.builder().model("gemini").maxTokens(16).addUserMessage("hi").temperature(1.5).build()));
        assertEquals(400, e.statusCode());
        HttpResponse<String> r = post("/v1/messages", "{\"model\":\"gemini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                Map.of("x-api-key", KEY));
        assertEquals(400, r.statusCode());
        JsonNode err = JSON.readTree(r.body());
        assertEquals("invalid_request_error", err.get("error").get("type").asText());
        assertTrue(err.get("error").get("message").asText().contains("max_tokens"));
        assertTrue(err.has("request_id"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"anthropic", "gemini"})
    void countTokens(String alias) {
        long n = sdk.messages().countTokens(MessageCountTokensParams.builder().model(alias)
                .addUserMessage("How many tokens is this sentence?").build()).inputTokens();
        assertTrue(n > 0);
        if (alias.equals("anthropic")) {
            assertEquals("/v1/messages/count_tokens", fx.sim.requests().get(fx.sim.requests().size() - 1).path());
        }
    }

    private static HttpResponse<String> post(String path, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(fx.root() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("content-type", "application/json")
                .timeout(Duration.ofSeconds(20));
        headers.forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
