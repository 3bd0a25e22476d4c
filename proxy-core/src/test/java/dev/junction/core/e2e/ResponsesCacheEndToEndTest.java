package dev.junction.core.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStreamEvent;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The response cache on the OpenAI Responses door (docs/cache.md): the typed event stream replayed
 * event for event (text, reasoning, function calls, usage) with fresh response and item ids, a
 * stream's entry answering a unary request and the other way round, a hit kept like a fresh answer
 * ({@code GET}, {@code previous_response_id}), with openai-java as the client; an OpenAI deployment
 * (bytes carried) and an Anthropic one (translated). Every body and event is schema-checked.
 */
class ResponsesCacheEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String KEY1 = "key-rc-one-0123456789";
    private static final String KEY2 = "key-rc-two-0123456789";

    @TempDir
    static Path dir;
    private static GatewayFixture fx;
    private static OpenAIClient sdk;

    @BeforeAll
    static void start() throws Exception {
        fx = GatewayFixture.start(SimulatorOptions.builder().openAiKey("sk-oa-0123456789").anthropicKey("sk-ant-0123456789")
                .tokensPerSecond(0).build(), """
                junction {
                  server { port = 0 }
                  auth { keys = [ { name = "app-1", key = "%s" }, { name = "app-2", key = "%s" } ] }
                  tasks { path = "%s/tasks.db", media-dir = "%s/media" }
                  providers {
                    oa     { type = openai, base-url = "SIM/v1", api-key = "sk-oa-0123456789" }
                    claude { type = anthropic, base-url = "SIM", api-key = "sk-ant-0123456789" }
                  }
                  models {
                    openai    { deployments = [ { provider = oa, model = "gpt-5-mini" } ], cache { ttl = 10m } }
                    anthropic { deployments = [ { provider = claude, model = "claude-haiku-4-5" } ], cache { ttl = 10m } }
                    shared    { deployments = [ { provider = oa, model = "gpt-5-mini" } ], cache { ttl = 10m, shared = true } }
                  }
                }""".formatted(KEY1, KEY2, dir, dir));
        sdk = OpenAIOkHttpClient.builder().baseUrl(fx.baseUrl()).apiKey(KEY1).maxRetries(0)
                .timeout(Duration.ofSeconds(20)).build();
    }

    @AfterAll
    static void stop() {
        sdk.close();
        fx.close();
    }

    private static String body(String alias, String prompt, boolean stream, String more) {
        return "{\"model\":\"" + alias + "\",\"temperature\":0," + (stream ? "\"stream\":true," : "") + more
                + "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"},\"strict\":false}],"
                + "\"input\":" + JSON.valueToTree(prompt) + "}";
    }

    private static HttpResponse<String> post(String body, String key, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(fx.baseUrl() + "/responses"))
                .header("content-type", "application/json").header("authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(20));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String cache(HttpResponse<?> r) {
        return r.headers().firstValue("x-junction-cache").orElse(null);
    }

    /** The events of a stream body as sent, keep-alive comments aside. */
    private static List<String> events(String body) {
        List<String> out = new ArrayList<>();
        for (String e : body.split("\n\n")) {
            if (!e.isBlank() && !e.startsWith(":")) {
                out.add(e);
            }
        }
        return out;
    }

    /** An event or body with its identity masked: response and item ids, creation and completion times. */
    private static String unique(String s) {
        return s.replaceAll("\"(resp|msg|fc|rs)_[A-Za-z0-9_]*\"", "\"ID\"")
                .replaceAll("\"(created_at|completed_at)\":\\d+", "\"$1\":0");
    }

    private static String callIdAside(String s) {
        return s.replaceAll("\"call_id\":\"[^\"]*\"", "\"call_id\":\"-\"");
    }

    /** Every event valid, named as typed, numbered 0, 1, 2, ...; [DONE] last. */
    private static List<JsonNode> assertValidStream(String body) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        List<String> events = events(body);
        assertEquals("data: [DONE]", events.get(events.size() - 1), body);
        for (int i = 0; i < events.size() - 1; i++) {
            String e = events.get(i);
            String name = e.substring("event: ".length(), e.indexOf('\n'));
            JsonNode j = JSON.readTree(e.substring(e.indexOf("data: ") + 6));
            assertEquals(name, j.get("type").asText());
            assertEquals(i, j.get("sequence_number").asInt(), body);
            OpenAiSchema.assertValidResponsesEvent(j);
            out.add(j);
        }
        return out;
    }

    /** Item ids of a Response or of a stream's events. */
    private static Set<String> itemIds(String s) {
        Set<String> ids = new HashSet<>();
        var m = java.util.regex.Pattern.compile("\"(?:item_id|id)\":\"((?:msg|fc|rs)_[^\"]*)\"").matcher(s);
        while (m.find()) {
            ids.add(m.group(1));
        }
        return ids;
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "anthropic"})
    void aStreamReplaysEventForEventWithFreshIds(String alias) throws Exception {
        String prompt = "Weather " + UUID.randomUUID()
                + " [[sim tokens=8 reasoning=4 tool=get_weather args={\"city\":\"Paris\"}]]";
        int before = fx.sim.requests().size();
        HttpResponse<String> miss = post(body(alias, prompt, true, ""), KEY1);
        assertEquals(200, miss.statusCode(), miss.body());
        assertEquals("miss", cache(miss));
        HttpResponse<String> hit = post(body(alias, prompt, true, ""), KEY1);
        assertEquals("hit", cache(hit));
        HttpResponse<String> fresh = post(body(alias, prompt, true, ""), KEY1, "cache-control", "no-cache");
        assertEquals("bypass", cache(fresh));
        assertEquals(before + 2, fx.sim.requests().size(), "the hit did not reach the vendor");

        List<String> recorded = events(miss.body());
        List<String> replayed = events(hit.body());
        List<String> again = events(fresh.body());
        assertEquals(again.size(), replayed.size(), hit.body());
        for (int i = 0; i < replayed.size(); i++) {
            // A fresh call differs in its ids and in the vendor's tool-call ids (per call; a replay keeps the recorded ones).
            assertEquals(callIdAside(unique(again.get(i))), callIdAside(unique(replayed.get(i))),
                    "event " + i + " against a fresh stream");
            assertEquals(unique(recorded.get(i)), unique(replayed.get(i)), "event " + i + " as recorded");
        }
        List<JsonNode> typed = assertValidStream(hit.body());
        assertTrue(hit.body().contains("response.reasoning_summary_text.delta"), hit.body());
        assertTrue(hit.body().contains("response.function_call_arguments.delta"), hit.body());
        JsonNode completed = typed.get(typed.size() - 1);
        assertEquals("response.completed", completed.get("type").asText());
        assertTrue(completed.at("/response/usage/output_tokens").asInt() > 0, completed.toString());

        // Fresh identity: a new response id, consistent across the replay; new item ids, none shared.
        String replayId = typed.get(0).at("/response/id").asText();
        assertEquals(replayId, completed.at("/response/id").asText());
        assertNotEquals(events(miss.body()).get(0), replayed.get(0));
        assertNotEquals(JSON.readTree(recorded.get(0).substring(recorded.get(0).indexOf("data: ") + 6)).at("/response/id"),
                typed.get(0).at("/response/id"));
        Set<String> recordedItems = itemIds(miss.body());
        Set<String> replayedItems = itemIds(hit.body());
        assertEquals(recordedItems.size(), replayedItems.size(), "one fresh id per item, used alike in every event");
        replayedItems.retainAll(recordedItems);
        assertTrue(replayedItems.isEmpty(), "no recorded item id is replayed: " + replayedItems);

        // The SDK accumulates the replay; the same entry answers a unary request with the same Response.
        ResponseAccumulator acc = ResponseAccumulator.create();
        try (StreamResponse<ResponseStreamEvent> s = sdk.responses().createStreaming(params(alias, prompt))) {
            s.stream().forEach(acc::accumulate);
        }
        Response streamed = acc.response();
        HttpResponse<String> unary = post(body(alias, prompt, false, ""), KEY1);
        assertEquals("hit", cache(unary), unary.statusCode() + " " + unary.body());
        OpenAiSchema.assertValid("Response", unary.body());
        // The no-cache request above replaced the entry: the same answer but for the vendor's call id.
        assertEquals(callIdAside(unique(completed.get("response").toString())),
                callIdAside(unique(JSON.readTree(unary.body()).toString())));
        ResponseFunctionToolCall call = streamed.output().stream().filter(ResponseOutputItem::isFunctionCall)
                .map(ResponseOutputItem::asFunctionCall).findFirst().orElseThrow();
        assertEquals(Map.of("city", "Paris"), JSON.convertValue(JSON.readTree(call.arguments()), Map.class));
        assertTrue(streamed.output().stream().anyMatch(ResponseOutputItem::isReasoning));
        assertEquals(before + 2, fx.sim.requests().size(), "the SDK's stream and the unary request were hits");
    }

    private static ResponseCreateParams params(String alias, String prompt) {
        return ResponseCreateParams.builder().model(alias).temperature(0.0)
                .addTool(FunctionTool.builder().name("get_weather").strict(false).parameters(FunctionTool.Parameters
                        .builder().putAdditionalProperty("type", JsonValue.from("object")).build()).build())
                .input(prompt).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "anthropic"})
    void aUnaryEntryAnswersAStream(String alias) throws Exception {
        String prompt = "Unary " + UUID.randomUUID() + " [[sim tokens=6 reasoning=3 tool=get_weather args={\"city\":\"Oslo\"}]]";
        HttpResponse<String> miss = post(body(alias, prompt, false, ""), KEY1);
        assertEquals("miss", cache(miss));
        OpenAiSchema.assertValid("Response", miss.body());
        HttpResponse<String> hit = post(body(alias, prompt, false, ""), KEY1);
        assertEquals("hit", cache(hit));
        OpenAiSchema.assertValid("Response", hit.body());
        assertEquals(unique(miss.body()), unique(hit.body()), "the recorded body, ids and times aside");
        assertNotEquals(JSON.readTree(miss.body()).get("id"), JSON.readTree(hit.body()).get("id"));

        HttpResponse<String> stream = post(body(alias, prompt, true, ""), KEY1);
        assertEquals("hit", cache(stream));
        List<JsonNode> typed = assertValidStream(stream.body());
        assertEquals("response.created", typed.get(0).get("type").asText());
        JsonNode completed = typed.get(typed.size() - 1);
        assertEquals("response.completed", completed.get("type").asText());
        assertEquals(unique(miss.body()), unique(completed.get("response").toString()));

        ResponseAccumulator acc = ResponseAccumulator.create();
        try (StreamResponse<ResponseStreamEvent> s = sdk.responses().createStreaming(params(alias, prompt))) {
            s.stream().forEach(acc::accumulate);
        }
        Response r = acc.response();
        assertEquals(JSON.readTree(hit.body()).get("output").size(), r.output().size());
        assertTrue(r.output().stream().anyMatch(ResponseOutputItem::isFunctionCall));
        assertTrue(r.output().stream().anyMatch(ResponseOutputItem::isReasoning));
    }

    @Test
    void aHitIsKeptLikeAFreshAnswer() throws Exception {
        String prompt = "Keep " + UUID.randomUUID() + " [[sim tool=get_weather args={\"city\":\"Rome\"}]]";
        Response first = sdk.responses().create(params("anthropic", prompt));
        Response hit = sdk.responses().create(params("anthropic", prompt));
        assertNotEquals(first.id(), hit.id());
        Response got = retrieveEventually(hit.id());
        assertEquals(hit.id(), got.id());
        assertEquals(hit.output().size(), got.output().size());
        // The hit's stored conversation continues like any other.
        ResponseFunctionToolCall call = hit.output().stream().filter(ResponseOutputItem::isFunctionCall)
                .map(ResponseOutputItem::asFunctionCall).findFirst().orElseThrow();
        fx.sim.clearRequests();
        Response next = sdk.responses().create(ResponseCreateParams.builder().model("anthropic").temperature(0.0)
                .previousResponseId(hit.id()).inputOfResponse(List.of(ResponseInputItem.ofFunctionCallOutput(
                        ResponseInputItem.FunctionCallOutput.builder().callId(call.callId()).output("21C").build())))
                .build());
        String upstream = fx.sim.requests().get(fx.sim.requests().size() - 1).body();
        assertTrue(upstream.contains("Keep ") && upstream.contains("21C") && upstream.contains("get_weather"), upstream);
        assertTrue(next.id().startsWith("resp_"));

        // store: false keeps nothing, hit or not.
        String unstored = body("anthropic", "Forget " + UUID.randomUUID(), false, "\"store\":false,");
        assertEquals("miss", cache(post(unstored, KEY1)));
        HttpResponse<String> unstoredHit = post(unstored, KEY1);
        assertEquals("hit", cache(unstoredHit));
        // Store calls run in order on one thread: once a later stored response can be read, the
        // unstored one could be too, had it been kept.
        HttpResponse<String> later = post(body("anthropic", "Keep " + UUID.randomUUID(), false, ""), KEY1);
        retrieveEventually(JSON.readTree(later.body()).get("id").asText());
        String id = JSON.readTree(unstoredHit.body()).get("id").asText();
        assertThrows(NotFoundException.class, () -> sdk.responses().retrieve(id), "store: false keeps nothing");
    }

    @Test
    void aContinuedConversationIsTheKeysOwnEvenWhenShared() throws Exception {
        String b = body("shared", "Shared " + UUID.randomUUID(), false, "");
        assertEquals("miss", cache(post(b, KEY1)));
        assertEquals("hit", cache(post(b, KEY2)), "a shared alias shares plain requests");
        Response first = sdk.responses().create(ResponseCreateParams.builder().model("shared").temperature(0.0)
                .input("Start " + UUID.randomUUID()).build());
        retrieveEventually(first.id());
        String next = "{\"model\":\"shared\",\"temperature\":0,\"previous_response_id\":\"" + first.id()
                + "\",\"input\":\"and then?\"}";
        assertEquals("miss", cache(post(next, KEY1)));
        assertEquals("hit", cache(post(next, KEY1)));
        HttpResponse<String> other = post(next, KEY2);
        assertEquals(404, other.statusCode(), "another key never gets this conversation, cached or not");
    }

    @Test
    void noCacheAndBackgroundPassTheCacheBy() throws Exception {
        String b = body("openai", "Bypass " + UUID.randomUUID(), false, "");
        assertEquals("miss", cache(post(b, KEY1)));
        int calls = fx.sim.requests().size();
        HttpResponse<String> bypass = post(b, KEY1, "cache-control", "no-cache");
        assertEquals("bypass", cache(bypass));
        assertEquals(calls + 1, fx.sim.requests().size(), "no-cache asks the vendor");
        HttpResponse<String> background = post(body("openai", "Later " + UUID.randomUUID(), false,
                "\"background\":true,"), KEY1);
        assertEquals("bypass", cache(background), background.body());
    }

    private static Response retrieveEventually(String id) throws InterruptedException {
        for (int i = 0; i < 500; i++) { // up to 10 s: the write is off the loop
            try {
                return sdk.responses().retrieve(id);
            } catch (NotFoundException e) {
                Thread.sleep(20);
            }
        }
        return sdk.responses().retrieve(id);
    }
}
