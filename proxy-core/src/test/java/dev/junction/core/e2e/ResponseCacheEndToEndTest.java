package dev.junction.core.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.junction.simulator.SimulatorOptions;
import dev.junction.testkit.OpenAiSchema;
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
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The response cache end to end (docs/cache.md): the gateway in front of the vendor simulator, an
 * OpenAI-shaped deployment (answers passed through) and an Anthropic one (answers translated), the
 * official openai-java SDK and a raw HTTP client where the bytes of a stream must be seen.
 */
class ResponseCacheEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static GatewayFixture fx;
    private static OpenAIClient sdk;

    @BeforeAll
    static void start() throws Exception {
        fx = GatewayFixture.start(SimulatorOptions.builder().anthropicKey("sk-ant-0123456789").tokensPerSecond(0).build(), """
            junction {
              server { host = "127.0.0.1", port = 0 }
              auth { keys = [
                { name = "one", key = "k-one", admin = true }
                { name = "two", key = "k-two" }
                { name = "limited", key = "k-limited", rpm = 2 }
              ] }
              providers {
                sim    { type = openai-compatible, base-url = "SIM/v1", api-key = "sk-sim-0123456789" }
                claude { type = anthropic, base-url = "SIM", api-key = "sk-ant-0123456789" }
              }
              models {
                "gpt"     { deployments = [ { provider = sim, model = "sim-chat-1" } ], cache { ttl = 10m } }
                "claude"  { deployments = [ { provider = claude, model = "claude-haiku-4-5" } ], cache { ttl = 10m } }
                "warm"    { deployments = [ { provider = sim, model = "sim-chat-1" } ], cache { ttl = 10m, allow-temperature = true } }
                "shared"  { deployments = [ { provider = sim, model = "sim-chat-1" } ], cache { ttl = 10m, shared = true } }
                "plain"   { deployments = [ { provider = sim, model = "sim-chat-1" } ] }
                "emb"     { deployments = [ { provider = sim, model = "sim-embed-1" } ], cache { ttl = 10m } }
              }
            }
            """);
        sdk = OpenAIOkHttpClient.builder().baseUrl(fx.baseUrl()).apiKey("k-one").maxRetries(0)
                .timeout(Duration.ofSeconds(20)).build();
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    /** A prompt no other test sends, so each test starts with an empty cache for it. */
    private static String fresh(String directives) {
        return "Question " + UUID.randomUUID() + " " + directives;
    }

    private static String body(String alias, String prompt, boolean stream, String extra) {
        return "{\"model\":\"" + alias + "\",\"temperature\":0,"
                + (stream ? "\"stream\":true,\"stream_options\":{\"include_usage\":true}," : "")
                + (extra == null ? "" : extra + ",")
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":" + JSON.valueToTree(prompt) + "}]}";
    }

    private static HttpResponse<String> post(String path, String key, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(fx.root() + path)).timeout(Duration.ofSeconds(20))
                .header("authorization", "Bearer " + key).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> chat(String key, String body, String... headers) throws Exception {
        return post("/v1/chat/completions", key, body, headers);
    }

    private static String cache(HttpResponse<?> r) {
        return r.headers().firstValue("x-junction-cache").orElse(null);
    }

    /** The SSE events of a stream body, as the client received them. */
    private static List<String> events(String body) {
        List<String> out = new ArrayList<>();
        for (String e : body.split("\n\n")) {
            if (!e.isBlank() && !e.startsWith(":")) {
                out.add(e);
            }
        }
        return out;
    }

    /** An event with its top-level id and creation time set aside (the first of each in an OpenAI chunk). */
    private static String withoutIdentity(String event) {
        return event.replaceFirst("\"id\":\"[^\"]*\"", "\"id\":\"-\"").replaceFirst("\"created\":\\d+", "\"created\":0");
    }

    /** The same, with every id (tool calls included) set aside: what two vendor calls may differ in. */
    private static String withoutIds(String event) {
        return event.replaceAll("\"id\":\"[^\"]*\"", "\"id\":\"-\"").replaceFirst("\"created\":\\d+", "\"created\":0");
    }

    private static int upstreamCalls() {
        return fx.sim.requests().size();
    }

    @Test
    void unaryMissThenHitWithTheSdk() throws Exception {
        ChatCompletionCreateParams p = ChatCompletionCreateParams.builder().model("gpt").temperature(0.0)
                .addUserMessage(fresh("[[sim tokens=6]]")).build();
        int before = upstreamCalls();
        HttpResponseFor<ChatCompletion> miss = sdk.chat().completions().withRawResponse().create(p);
        ChatCompletion first = miss.parse();
        assertEquals("miss", miss.headers().values("x-junction-cache").get(0));
        HttpResponseFor<ChatCompletion> hit = sdk.chat().completions().withRawResponse().create(p);
        ChatCompletion second = hit.parse();
        assertEquals("hit", hit.headers().values("x-junction-cache").get(0));
        assertEquals(before + 1, upstreamCalls(), "the hit did not reach the vendor");
        assertEquals(first.choices().get(0).message().content(), second.choices().get(0).message().content());
        assertEquals(first.usage(), second.usage());
        assertNotEquals(first.id(), second.id(), "a replay carries a fresh id");
        assertEquals("sim", hit.headers().values("x-junction-provider").get(0), "what served the answer originally");
        assertEquals("0", hit.headers().values("x-junction-attempts").get(0));
        assertEquals(0.0, Double.parseDouble(hit.headers().values("x-junction-cost-usd").get(0)), "a hit costs nothing");
    }

    @Test
    void passThroughStreamReplaysEventForEvent() throws Exception {
        streamReplaysEventForEvent("gpt", fresh("[[sim tokens=8 tool=get_weather args={\"city\":\"Paris\"}]]"));
    }

    @Test
    void translatedStreamWithReasoningReplaysEventForEvent() throws Exception {
        streamReplaysEventForEvent("claude",
                fresh("[[sim tokens=8 reasoning=5 tool=get_weather args={\"city\":\"Paris\"}]]"));
    }

    private void streamReplaysEventForEvent(String alias, String prompt) throws Exception {
        String body = body(alias, prompt, true, null);
        int before = upstreamCalls();
        HttpResponse<String> miss = chat("k-one", body);
        assertEquals(200, miss.statusCode(), miss.body());
        assertEquals("miss", cache(miss));
        HttpResponse<String> hit = chat("k-one", body);
        assertEquals("hit", cache(hit));
        assertTrue(hit.headers().firstValue("content-type").orElseThrow().startsWith("text/event-stream"));
        assertEquals(before + 1, upstreamCalls());
        HttpResponse<String> fresh = chat("k-one", body, "cache-control", "no-cache");
        assertEquals("bypass", cache(fresh));
        assertEquals(before + 2, upstreamCalls(), "no-cache went to the vendor");

        List<String> recorded = events(miss.body());
        List<String> replayed = events(hit.body());
        List<String> again = events(fresh.body());
        assertTrue(recorded.size() > 5, recorded::toString);
        assertEquals(recorded.size(), replayed.size(), "every event, chunk boundaries kept");
        for (int i = 0; i < recorded.size(); i++) {
            // The replay is the recorded bytes; only the chunk's id and creation time are new.
            assertEquals(withoutIdentity(recorded.get(i)), withoutIdentity(replayed.get(i)), "event " + i);
            // And it is what a fresh call gives, ids (tool-call ids included) and times aside.
            assertEquals(withoutIds(again.get(i)), withoutIds(replayed.get(i)), "event " + i + " against a fresh stream");
            if (!replayed.get(i).equals("data: [DONE]")) {
                // The "usage":null that OpenAI adds to every chunk once usage is asked for is passed on as
                // the vendor sent it (docs/decisions.md); OpenAI's own schema does not allow it.
                OpenAiSchema.assertValid("CreateChatCompletionStreamResponse",
                        replayed.get(i).substring(6).replace(",\"usage\":null", ""));
            }
        }
        assertTrue(replayed.stream().anyMatch(e -> e.contains("\"tool_calls\"")), "tool calls replayed");
        assertTrue(replayed.stream().anyMatch(e -> e.contains("\"usage\":{")), "usage replayed");
        if (alias.equals("claude")) {
            assertTrue(replayed.stream().anyMatch(e -> e.contains("\"reasoning_content\"")), "reasoning replayed");
        }
        String id = JSON.readTree(replayed.get(0).substring(6)).path("id").asText();
        for (String e : replayed.subList(0, replayed.size() - 1)) {
            assertEquals(id, JSON.readTree(e.substring(6)).path("id").asText(), "one id through the replay");
        }
        assertNotEquals(JSON.readTree(recorded.get(0).substring(6)).path("id").asText(), id);

        // Asked without usage, the same entry replays without the usage chunk; the SDK accumulates it.
        ChatCompletionCreateParams p = ChatCompletionCreateParams.builder().model(alias).temperature(0.0)
                .addTool(ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("get_weather")
                        .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object")).build())
                        .build()).build())
                .addUserMessage(prompt).build();
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = sdk.chat().completions().createStreaming(p)) {
            s.stream().forEach(c -> {
                chunks.add(c);
                acc.accumulate(c);
            });
        }
        assertEquals(before + 2, upstreamCalls(), "the SDK's stream was a hit");
        assertTrue(chunks.stream().noneMatch(c -> c.usage().isPresent()), "no usage chunk unless asked");
        ChatCompletion c = acc.chatCompletion();
        assertEquals("get_weather", c.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction().function().name());
        assertEquals("Paris", JSON.readTree(c.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction()
                .function().arguments()).path("city").asText());

        // Asked unary, the stream's entry answers as one completion.
        HttpResponse<String> unary = chat("k-one", body(alias, prompt, false, null));
        assertEquals("hit", cache(unary));
        OpenAiSchema.assertValid("CreateChatCompletionResponse", unary.body());
        JsonNode m = JSON.readTree(unary.body()).path("choices").get(0).path("message");
        assertEquals(c.choices().get(0).message().content().orElse(""), m.path("content").asText(""));
        assertEquals("Paris", JSON.readTree(m.path("tool_calls").get(0).path("function").path("arguments").asText())
                .path("city").asText());
        JsonNode usage = JSON.readTree(unary.body()).path("usage");
        JsonNode streamedUsage = JSON.readTree(recorded.get(recorded.size() - 2).substring(6)).path("usage");
        assertEquals(streamedUsage, usage, "the unary answer carries the stream's usage");
        assertEquals(before + 2, upstreamCalls());
    }

    @Test
    void aUnaryEntryAnswersAStream() throws Exception {
        String prompt = fresh("[[sim tokens=7 tool=get_weather args={\"city\":\"Oslo\"}]]");
        HttpResponse<String> miss = chat("k-one", body("claude", prompt, false, null));
        assertEquals("miss", cache(miss));
        int before = upstreamCalls();
        HttpResponse<String> hit = chat("k-one", body("claude", prompt, true, null));
        assertEquals("hit", cache(hit));
        assertEquals(before, upstreamCalls());
        List<String> ev = events(hit.body());
        assertEquals("data: [DONE]", ev.get(ev.size() - 1));
        StringBuilder text = new StringBuilder();
        for (String e : ev.subList(0, ev.size() - 1)) {
            JsonNode c = JSON.readTree(e.substring(6));
            OpenAiSchema.assertValid("CreateChatCompletionStreamResponse", c);
            for (JsonNode ch : c.path("choices")) {
                text.append(ch.path("delta").path("content").asText(""));
            }
        }
        JsonNode answer = JSON.readTree(miss.body()).path("choices").get(0).path("message");
        assertEquals(answer.path("content").asText(""), text.toString());
        assertTrue(ev.get(ev.size() - 2).contains("\"usage\":{"), "usage at the end, as asked");
    }

    @Test
    void aTruncatedStreamIsNeverCached() throws Exception {
        String body = body("gpt", fresh("[[sim tokens=20 cut=3]]"), true, null);
        int before = upstreamCalls();
        HttpResponse<String> cut = chat("k-one", body);
        assertTrue(cut.body().contains("stream_interrupted"), cut.body());
        assertFalse(cut.body().contains("[DONE]"));
        HttpResponse<String> again = chat("k-one", body);
        assertEquals("miss", cache(again), "nothing was stored");
        assertEquals(before + 2, upstreamCalls());
    }

    @Test
    void errorsAreNeverCached() throws Exception {
        String body = body("gpt", fresh("[[sim status=400]]"), false, null);
        HttpResponse<String> first = chat("k-one", body);
        assertEquals(400, first.statusCode());
        assertEquals("miss", cache(first));
        int before = upstreamCalls();
        HttpResponse<String> second = chat("k-one", body);
        assertEquals(400, second.statusCode());
        assertEquals("miss", cache(second));
        assertEquals(before + 1, upstreamCalls());
    }

    @Test
    void bypassRules() throws Exception {
        String prompt = fresh("[[sim tokens=3]]");
        // No temperature: the vendor's default samples, so the answer is not kept.
        String sampling = body("gpt", prompt, false, null).replace("\"temperature\":0,", "");
        int before = upstreamCalls();
        assertEquals("bypass", cache(chat("k-one", sampling)));
        assertEquals("bypass", cache(chat("k-one", sampling)));
        assertEquals(before + 2, upstreamCalls());
        // Unless the alias allows it.
        String warm = body("warm", prompt, false, null).replace("\"temperature\":0", "\"temperature\":0.7");
        assertEquals("miss", cache(chat("k-one", warm)));
        assertEquals("hit", cache(chat("k-one", warm)));
        // n > 1 never.
        String two = body("warm", prompt, false, "\"n\":2");
        assertEquals("bypass", cache(chat("k-one", two)));
        assertEquals("bypass", cache(chat("k-one", two)));
        // no-store: looked up nowhere, stored nowhere.
        String other = body("gpt", fresh("[[sim tokens=3]]"), false, null);
        assertEquals("bypass", cache(chat("k-one", other, "cache-control", "no-store")));
        assertEquals("miss", cache(chat("k-one", other)));
        // no-cache: answered fresh, and the fresh answer is the entry from then on.
        assertEquals("bypass", cache(chat("k-one", other, "cache-control", "no-cache")));
        assertEquals("hit", cache(chat("k-one", other)));
        // An alias without a cache says nothing.
        assertTrue(chat("k-one", body("plain", prompt, false, null)).headers().firstValue("x-junction-cache").isEmpty());
    }

    @Test
    void entriesBelongToTheirKeyUnlessTheAliasShares() throws Exception {
        String body = body("gpt", fresh("[[sim tokens=3]]"), false, null);
        assertEquals("miss", cache(chat("k-one", body)));
        assertEquals("hit", cache(chat("k-one", body)));
        assertEquals("miss", cache(chat("k-two", body)), "another key does not read the first key's answers");
        String shared = body("shared", fresh("[[sim tokens=3]]"), false, null);
        assertEquals("miss", cache(chat("k-one", shared)));
        assertEquals("hit", cache(chat("k-two", shared)));
    }

    @Test
    void hitsCountAgainstTheKeysRequestLimit() throws Exception {
        String body = body("gpt", fresh("[[sim tokens=3]]"), false, null);
        assertEquals("miss", cache(chat("k-limited", body)));
        HttpResponse<String> hit = chat("k-limited", body);
        assertEquals("hit", cache(hit));
        assertEquals("0", hit.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow());
        HttpResponse<String> third = chat("k-limited", body);
        assertEquals(429, third.statusCode(), third.body());
        assertEquals("rate_limit_exceeded", JSON.readTree(third.body()).at("/error/code").asText());
        assertTrue(third.headers().firstValue("x-junction-cache").isEmpty(), "a refusal is not an answer of the cache");
    }

    @Test
    void embeddingsAreCachedByteForByte() throws Exception {
        String body = "{\"model\":\"emb\",\"input\":\"" + UUID.randomUUID() + "\"}";
        HttpResponse<String> miss = post("/v1/embeddings", "k-one", body);
        assertEquals("miss", cache(miss));
        HttpResponse<String> hit = post("/v1/embeddings", "k-one", body);
        assertEquals("hit", cache(hit));
        assertEquals(miss.body(), hit.body());
    }

    @Test
    void metricsShowRequestsHitRatioAndBytes() throws Exception {
        String body = body("gpt", fresh("[[sim tokens=3]]"), false, null);
        chat("k-one", body);
        chat("k-one", body);
        HttpResponse<String> m = HTTP.send(HttpRequest.newBuilder(URI.create(fx.root() + "/metrics"))
                .header("authorization", "Bearer k-one").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, m.statusCode());
        String text = m.body();
        assertTrue(metric(text, "junction_cache_requests_total{alias=\"gpt\",result=\"hit\"}") >= 1, text);
        assertTrue(metric(text, "junction_cache_requests_total{alias=\"gpt\",result=\"miss\"}") >= 1, text);
        double ratio = metric(text, "junction_cache_hit_ratio{alias=\"gpt\"}");
        assertTrue(ratio > 0 && ratio < 1, "ratio " + ratio);
        assertTrue(metric(text, "junction_cache_bytes{alias=\"gpt\"}") > 100, text);
        assertTrue(metric(text, "junction_cache_entries{alias=\"gpt\"}") >= 1, text);
        assertTrue(metric(text, "junction_cache_stored_total{alias=\"gpt\"}") >= 1, text);
    }

    private static double metric(String text, String series) {
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError("no " + series + " in /metrics");
    }
}
