package dev.junction.core.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.SseException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;
import dev.junction.simulator.Behavior;
import dev.junction.simulator.RecordedRequest;
import dev.junction.simulator.SimulatorOptions;
import dev.junction.simulator.VendorSimulator;
import dev.junction.testkit.OpenAiSchema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code n > 1} on a vendor without {@code n} (Anthropic): the gateway fans the request out into
 * {@code n} vendor calls and merges their choices and usage (SPEC §3), unary and streamed, with the
 * official openai-java SDK as the client. Alias "claude" reaches simulator a, then simulator b.
 */
class FanOutTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String PROMPT = "Hi [[sim text=\"Bonjour tout le monde\"]]";

    private VendorSimulator b;
    private GatewayFixture fx;
    private OpenAIClient sdk;

    @BeforeEach
    void start() throws Exception {
        SimulatorOptions opts = SimulatorOptions.builder().anthropicKey("sk-ant-0123456789").tokensPerSecond(0).build();
        b = VendorSimulator.start(opts);
        fx = GatewayFixture.start(opts, """
                junction {
                  server { port = 0 }
                  providers {
                    a { type = anthropic, base-url = "SIM", api-key = "sk-ant-0123456789" }
                    b { type = anthropic, base-url = "%s", api-key = "sk-ant-0123456789" }
                  }
                  models {
                    claude { deployments = [ { provider = a, model = "claude-haiku-4-5" },
                                             { provider = b, model = "claude-haiku-4-5" } ] }
                  }
                }""".formatted(b.baseUrl()));
        sdk = OpenAIOkHttpClient.builder().baseUrl(fx.baseUrl()).apiKey("x").maxRetries(0).timeout(Duration.ofSeconds(20)).build();
    }

    @AfterEach
    void stop() {
        sdk.close();
        fx.close();
        b.close();
    }

    private static ChatCompletionCreateParams.Builder chat(long n) {
        ChatCompletionCreateParams.Builder p = ChatCompletionCreateParams.builder().model("claude").addUserMessage(PROMPT);
        return n == 1 ? p : p.n(n);
    }

    @Test
    void unaryNIsFannedOutAndMerged() throws Exception {
        CompletionUsage one = sdk.chat().completions().create(chat(1).build()).usage().orElseThrow();
        fx.sim.clearRequests();

        ChatCompletion c = sdk.chat().completions().create(chat(3).build());
        assertEquals(3, c.choices().size());
        for (int i = 0; i < 3; i++) {
            ChatCompletion.Choice ch = c.choices().get(i);
            assertEquals(i, ch.index());
            assertEquals("Bonjour tout le monde", ch.message().content().orElseThrow());
            assertEquals(ChatCompletion.Choice.FinishReason.STOP, ch.finishReason());
        }
        CompletionUsage u = c.usage().orElseThrow();
        assertEquals(3 * one.promptTokens(), u.promptTokens());
        assertEquals(3 * one.completionTokens(), u.completionTokens());
        assertEquals(u.promptTokens() + u.completionTokens(), u.totalTokens());

        List<RecordedRequest> sent = fx.sim.requests();
        assertEquals(3, sent.size());
        for (RecordedRequest r : sent) {
            assertEquals("/v1/messages", r.path());
            assertFalse(JSON.readTree(r.body()).has("n"), r.body());
        }

        HttpResponse<String> raw = post("{\"model\":\"claude\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, raw.statusCode(), raw.body());
        OpenAiSchema.assertValid("CreateChatCompletionResponse", raw.body());
        assertEquals(2, JSON.readTree(raw.body()).get("choices").size());
        assertEquals("1", raw.headers().firstValue("x-junction-attempts").orElseThrow());
    }

    @Test
    void streamedNIsFannedOutIntoOneStream() throws Exception {
        CompletionUsage one = usageOf(stream(1));
        List<ChatCompletionChunk> chunks = stream(2);

        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        chunks.forEach(acc::accumulate);
        ChatCompletion c = acc.chatCompletion();
        assertEquals(2, c.choices().size());
        for (int i = 0; i < 2; i++) {
            assertEquals(i, c.choices().get(i).index());
            assertEquals("Bonjour tout le monde", c.choices().get(i).message().content().orElseThrow());
            assertEquals(ChatCompletion.Choice.FinishReason.STOP, c.choices().get(i).finishReason());
        }
        long usageChunks = chunks.stream().filter(ch -> ch.usage().isPresent()).count();
        assertEquals(1, usageChunks, "exactly one usage chunk");
        CompletionUsage u = usageOf(chunks);
        assertTrue(chunks.get(chunks.size() - 1).choices().isEmpty(), "the usage chunk comes last");
        assertEquals(2 * one.promptTokens(), u.promptTokens());
        assertEquals(2 * one.completionTokens(), u.completionTokens());

        HttpResponse<String> raw = post("{\"model\":\"claude\",\"n\":3,\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi [[sim tokens=5]]\"}]}");
        assertEquals(200, raw.statusCode(), raw.body());
        List<String> frames = frames(raw);
        assertEquals("[DONE]", frames.get(frames.size() - 1));
        assertEquals(1, frames.stream().filter("[DONE]"::equals).count(), "one [DONE]");
        Map<Integer, Integer> roles = new HashMap<>();
        Map<Integer, Integer> finishes = new HashMap<>();
        int usage = 0;
        for (String f : frames.subList(0, frames.size() - 1)) {
            OpenAiSchema.assertValid("CreateChatCompletionStreamResponse", f);
            JsonNode chunk = JSON.readTree(f);
            if (chunk.has("usage")) {
                usage++;
            }
            for (JsonNode ch : chunk.get("choices")) {
                int index = ch.get("index").asInt();
                if (ch.get("delta").has("role")) {
                    roles.merge(index, 1, Integer::sum);
                }
                if (!ch.get("finish_reason").isNull()) {
                    finishes.merge(index, 1, Integer::sum);
                }
            }
        }
        assertEquals(1, usage);
        assertEquals(Map.of(0, 1, 1, 1, 2, 1), roles, "one role chunk per choice");
        assertEquals(Map.of(0, 1, 1, 1, 2, 1), finishes, "one finish per choice");
    }

    @Test
    void oneFailedPartFailsOverTheWholeGroup() throws Exception {
        fx.sim.enqueue(Behavior.status(529));
        HttpResponse<String> raw = post("{\"model\":\"claude\",\"n\":3,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, raw.statusCode(), raw.body());
        OpenAiSchema.assertValid("CreateChatCompletionResponse", raw.body());
        JsonNode choices = JSON.readTree(raw.body()).get("choices");
        assertEquals(3, choices.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(i, choices.get(i).get("index").asInt());
        }
        assertEquals("b", raw.headers().firstValue("x-junction-provider").orElseThrow());
        assertGroupsResent(raw, 3);
    }

    /** The failed group on a counted as one attempt; the one attempt on b sent a whole group of {@code n} calls. */
    private void assertGroupsResent(HttpResponse<String> raw, int n) throws Exception {
        assertEquals("2", raw.headers().firstValue("x-junction-attempts").orElseThrow());
        List<RecordedRequest> onB = b.requests();
        assertEquals(n, onB.size(), "the whole group is sent again");
        for (RecordedRequest r : onB) {
            assertFalse(JSON.readTree(r.body()).has("n"), r.body());
        }
    }

    @Test
    void oneFailedStreamPartFailsOverTheWholeGroupBeforeTheCommitPoint() throws Exception {
        fx.sim.enqueue(Behavior.status(529));
        List<ChatCompletionChunk> chunks = stream(2);
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        chunks.forEach(acc::accumulate);
        assertEquals(2, acc.chatCompletion().choices().size());
        for (ChatCompletion.Choice ch : acc.chatCompletion().choices()) {
            assertEquals("Bonjour tout le monde", ch.message().content().orElseThrow());
        }
        assertEquals(1, chunks.stream().filter(ch -> ch.usage().isPresent()).count());
        assertEquals(0, fx.sim.pendingBehaviors(), "a answered 529");
        assertEquals(2, b.requests().size(), "the whole group is sent again");
    }

    @Test
    void aPartCutAfterTheCommitPointIsAnInBandErrorForTheWholeStream() {
        // Every part streams 20 tokens a second and is cut after 20 chunks: all parts have content
        // (the commit point) long before the first cut, which then ends the merged stream in-band.
        ChatCompletionCreateParams p = ChatCompletionCreateParams.builder().model("claude").n(2)
                .addUserMessage("go [[sim tokens=60 tps=20 cut=20]]").build();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        SseException e = assertThrows(SseException.class, () -> {
            try (StreamResponse<ChatCompletionChunk> s = sdk.chat().completions().createStreaming(p)) {
                s.stream().forEach(chunks::add);
            }
        });
        assertEquals("stream_interrupted", e.code().orElseThrow());
        for (long i = 0; i < 2; i++) {
            long index = i;
            assertTrue(chunks.stream().anyMatch(c -> c.choices().stream()
                            .anyMatch(ch -> ch.index() == index && ch.delta().content().filter(t -> !t.isEmpty()).isPresent())),
                    "choice " + i + " had content before the cut");
        }
        assertEquals(0, b.requests().size(), "no failover after the commit point");
    }

    private List<ChatCompletionChunk> stream(long n) {
        ChatCompletionCreateParams p = chat(n)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = sdk.chat().completions().createStreaming(p)) {
            s.stream().forEach(chunks::add);
        }
        return chunks;
    }

    private static CompletionUsage usageOf(List<ChatCompletionChunk> chunks) {
        return chunks.get(chunks.size() - 1).usage().orElseThrow();
    }

    private HttpResponse<String> post(String body) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(fx.baseUrl() + "/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("content-type", "application/json")
                .timeout(Duration.ofSeconds(20)).build();
        return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> frames(HttpResponse<String> r) {
        List<String> out = new ArrayList<>();
        for (String event : r.body().split("\n\n")) {
            if (event.startsWith("data: ")) {
                out.add(event.substring(6));
            }
        }
        return out;
    }
}
