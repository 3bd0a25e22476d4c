package dev.junction.core.e2e;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.Tool;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.simulator.SimulatorOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The response cache on the Anthropic Messages door (docs/cache.md): Anthropic's event stream
 * replayed event for event (thinking, signatures, tool input), a stream's entry answering a unary
 * request and the other way round, with Anthropic's official Java SDK as the client; an Anthropic
 * deployment (bytes carried) and a Gemini one (translated).
 */
class MessagesCacheEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String KEY = "jk-messages-cache-0123456789";
    private static GatewayFixture fx;
    private static AnthropicClient sdk;

    @BeforeAll
    static void start() throws Exception {
        fx = GatewayFixture.start(SimulatorOptions.builder().anthropicKey("sk-ant-0123456789").geminiKey("AIza-gem-0123456789")
                .tokensPerSecond(0).build(), """
                junction {
                  server { port = 0 }
                  auth { keys = [ { name = "app", key = "%s" } ] }
                  providers {
                    claude { type = anthropic, base-url = "SIM", api-key = "sk-ant-0123456789" }
                    gem    { type = gemini, base-url = "SIM", api-key = "AIza-gem-0123456789" }
                  }
                  models {
                    anthropic { deployments = [ { provider = claude, model = "claude-haiku-4-5" } ], cache { ttl = 10m } }
                    gemini    { deployments = [ { provider = gem, model = "gemini-2.5-flash" } ], cache { ttl = 10m } }
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

    private static String body(String alias, String prompt, boolean stream) {
        return "{\"model\":\"" + alias + "\",\"max_tokens\":512,\"temperature\":0," + (stream ? "\"stream\":true," : "")
                + "\"tools\":[{\"name\":\"get_weather\",\"input_schema\":{\"type\":\"object\"}}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":" + JSON.valueToTree(prompt) + "}]}";
    }

    private static HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(fx.root() + path)).timeout(Duration.ofSeconds(20))
                .header("x-api-key", KEY).header("anthropic-version", "2023-06-01").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String cache(HttpResponse<?> r) {
        return r.headers().firstValue("x-junction-cache").orElse(null);
    }

    private static List<String> events(String body) {
        List<String> out = new ArrayList<>();
        for (String e : body.split("\n\n")) {
            if (!e.isBlank() && !e.startsWith(":")) {
                out.add(e);
            }
        }
        return out;
    }

    @Test
    void anthropicStreamReplaysEventForEvent() throws Exception {
        replays("anthropic", "Weather " + UUID.randomUUID()
                + " [[sim tokens=8 reasoning=4 tool=get_weather args={\"city\":\"Paris\"}]]");
    }

    @Test
    void translatedStreamReplaysEventForEvent() throws Exception {
        replays("gemini", "Weather " + UUID.randomUUID() + " [[sim tokens=8 tool=get_weather args={\"city\":\"Paris\"}]]");
    }

    private void replays(String alias, String prompt) throws Exception {
        int before = fx.sim.requests().size();
        HttpResponse<String> miss = post("/v1/messages", body(alias, prompt, true));
        assertEquals(200, miss.statusCode(), miss.body());
        assertEquals("miss", cache(miss));
        HttpResponse<String> hit = post("/v1/messages", body(alias, prompt, true));
        assertEquals("hit", cache(hit));
        HttpResponse<String> fresh = post("/v1/messages", body(alias, prompt, true), "cache-control", "no-cache");
        assertEquals("bypass", cache(fresh));
        assertEquals(before + 2, fx.sim.requests().size(), "the hit did not reach the vendor");
        List<String> recorded = events(miss.body());
        List<String> replayed = events(hit.body());
        List<String> again = events(fresh.body());
        assertEquals(recorded.size(), replayed.size(), "every event, as sent");
        for (int i = 0; i < recorded.size(); i++) {
            assertEquals(recorded.get(i).replaceFirst("\"id\":\"msg_[^\"]*\"", "-"),
                    replayed.get(i).replaceFirst("\"id\":\"msg_[^\"]*\"", "-"), "event " + i);
            // A fresh call differs in its ids and in the vendor's opaque thinking signature (per call).
            assertEquals(unique(again.get(i)), unique(replayed.get(i)), "event " + i + " against a fresh stream");
        }
        assertTrue(replayed.get(0).startsWith("event: message_start"));
        assertTrue(replayed.get(replayed.size() - 1).startsWith("event: message_stop"));
        assertNotEquals(JSON.readTree(recorded.get(0).substring(recorded.get(0).indexOf("data: ") + 6)).at("/message/id"),
                JSON.readTree(replayed.get(0).substring(replayed.get(0).indexOf("data: ") + 6)).at("/message/id"),
                "a replay has a fresh message id");

        // The SDK accumulates the replayed stream; the unary request is answered from the same entry.
        MessageCreateParams p = MessageCreateParams.builder().model(alias).maxTokens(512).temperature(0.0)
                .addTool(Tool.builder().name("get_weather").inputSchema(Tool.InputSchema.builder()
                        .putAdditionalProperty("type", JsonValue.from("object")).build()).build())
                .addUserMessage(prompt).build();
        MessageAccumulator acc = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> s = sdk.messages().createStreaming(p)) {
            s.stream().forEach(acc::accumulate);
        }
        Message streamed = acc.message();
        Message unary = sdk.messages().create(p);
        unary.validate();
        assertEquals(before + 2, fx.sim.requests().size(), "both were hits");
        assertEquals(text(streamed), text(unary));
        assertEquals(streamed.stopReason(), unary.stopReason());
        assertEquals(streamed.usage().outputTokens(), unary.usage().outputTokens());
        assertEquals("Paris", JSON.readTree(JSON.writeValueAsString(toolInput(unary))).path("city").asText());
    }

    private static String unique(String event) {
        return event.replaceAll("\"id\":\"[^\"]*\"", "-").replaceAll("\"signature\":\"[^\"]*\"", "-");
    }

    private static String text(Message m) {
        StringBuilder b = new StringBuilder();
        for (ContentBlock c : m.content()) {
            c.text().ifPresent(t -> b.append(t.text()));
        }
        return b.toString();
    }

    private static Object toolInput(Message m) {
        for (ContentBlock c : m.content()) {
            if (c.toolUse().isPresent()) {
                return c.toolUse().get()._input().convert(Map.class);
            }
        }
        throw new AssertionError("no tool_use block");
    }

    @Test
    void aUnaryEntryAnswersAStreamTheSdkAccumulates() throws Exception {
        String prompt = "Unary " + UUID.randomUUID() + " [[sim tokens=6 reasoning=3]]";
        MessageCreateParams p = MessageCreateParams.builder().model("anthropic").maxTokens(512).temperature(0.0)
                .addUserMessage(prompt).build();
        Message first = sdk.messages().create(p);
        int before = fx.sim.requests().size();
        MessageAccumulator acc = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> s = sdk.messages().createStreaming(p)) {
            s.stream().forEach(acc::accumulate);
        }
        assertEquals(before, fx.sim.requests().size(), "a hit");
        Message streamed = acc.message();
        assertEquals(text(first), text(streamed));
        assertEquals(first.content().size(), streamed.content().size(), "thinking and text blocks");
        assertEquals(first.stopReason(), streamed.stopReason());
    }

    @Test
    void countTokensIsNotAnsweredWithAMessage() throws Exception {
        String prompt = "Count " + UUID.randomUUID();
        String body = body("anthropic", prompt, false);
        assertEquals("miss", cache(post("/v1/messages", body)));
        HttpResponse<String> count = post("/v1/messages/count_tokens", body);
        assertEquals(200, count.statusCode(), count.body());
        JsonNode n = JSON.readTree(count.body());
        assertTrue(n.has("input_tokens") && !n.has("content"), count.body());
    }
}
