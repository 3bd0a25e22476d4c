package dev.junction.core.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.core.config.ConfigLoader;
import dev.junction.core.server.GatewayServer;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The task API end to end (SPEC §6.1): {@code Prefer: respond-async} on chat and embeddings, polling,
 * listing, idempotency, cancellation, visibility per key, and retries of retryable failures —
 * against a real gateway with MockWebServer as the vendor.
 */
class TasksEndToEndTest extends TaskGatewayTest {

    @Test
    void asyncChatIsAcceptedCommittedAndAnswered() throws Exception {
        start("");
        HttpResponse<String> r = post("/v1/chat/completions", CHAT, "Prefer", "respond-async");
        assertEquals(202, r.statusCode(), r.body());
        JsonNode t = JSON.readTree(r.body());
        String id = t.path("id").asText();
        assertTrue(id.startsWith("task_"), id);
        assertEquals("task", t.path("object").asText());
        assertEquals("/v1/tasks/" + id, r.headers().firstValue("location").orElseThrow());
        assertEquals("respond-async", r.headers().firstValue("preference-applied").orElseThrow());
        assertEquals("/v1/chat/completions", t.path("request").path("path").asText());
        assertEquals("chat", t.path("request").path("model").asText());
        assertTrue(t.path("response").isNull());

        JsonNode done = awaitStatus(id, "succeeded");
        assertEquals(200, done.path("response").path("status_code").asInt());
        assertEquals("Hello from the vendor",
                done.path("response").path("body").path("choices").path(0).path("message").path("content").asText());
        assertEquals(1, done.path("attempts").asInt());
        assertFalse(done.path("started_at").isNull());
        assertFalse(done.path("completed_at").isNull());
        assertEquals(1, vendorBodies.size());
        assertEquals("up-model", JSON.readTree(vendorBodies.get(0)).path("model").asText());
    }

    @Test
    void theOfficialSdkSubmitsAsyncChatAndReadsTheTasksAnswerAsItsOwn() throws Exception {
        start("");
        com.openai.client.OpenAIClient sdk = com.openai.client.okhttp.OpenAIOkHttpClient.builder()
                .baseUrl(base() + "/v1").apiKey("any").maxRetries(0).build();
        try {
            // The SDK's raw-response view shows the 202 (the parsed view would expect a completion).
            var params = com.openai.models.chat.completions.ChatCompletionCreateParams.builder().model("chat")
                    .addUserMessage("hi").putAdditionalHeader("Prefer", "respond-async")
                    .putAdditionalHeader("Idempotency-Key", "sdk-1").build();
            String id;
            try (var raw = sdk.chat().completions().withRawResponse().create(params)) {
                assertEquals(202, raw.statusCode());
                assertEquals("respond-async", raw.headers().values("preference-applied").get(0));
                id = JSON.readTree(raw.body()).path("id").asText();
            }
            try (var again = sdk.chat().completions().withRawResponse().create(params)) {
                assertEquals(id, JSON.readTree(again.body()).path("id").asText(), "the SDK's retry is the same task");
            }
            JsonNode done = awaitStatus(id, "succeeded");
            com.openai.models.chat.completions.ChatCompletion answer = com.openai.core.ObjectMappers.jsonMapper()
                    .treeToValue(done.path("response").path("body"), com.openai.models.chat.completions.ChatCompletion.class);
            answer.validate();
            assertEquals("Hello from the vendor", answer.choices().get(0).message().content().orElseThrow());
            assertEquals(1, vendorBodies.size(), "one vendor call for the two submissions");
        } finally {
            sdk.close();
        }
    }

    @Test
    void aStreamedRequestRunsUnstreamedAndEmbeddingsWorkToo() throws Exception {
        start("");
        answer = rr -> rr.getPath().endsWith("/embeddings")
                ? json(200, "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[0.5,0.25]}],"
                + "\"model\":\"up-embed\",\"usage\":{\"prompt_tokens\":1,\"total_tokens\":1}}")
                : json(200, CHAT_ANSWER);
        String streamed = "{\"model\":\"chat\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        String chatId = JSON.readTree(post("/v1/chat/completions", streamed, "Prefer", "respond-async").body()).path("id").asText();
        HttpResponse<String> e = post("/v1/embeddings", "{\"model\":\"emb\",\"input\":\"x\"}", "Prefer", "respond-async; wait=0");
        assertEquals(202, e.statusCode(), e.body());
        String embId = JSON.readTree(e.body()).path("id").asText();
        JsonNode chat = awaitStatus(chatId, "succeeded");
        assertEquals("chat.completion", chat.path("response").path("body").path("object").asText());
        JsonNode emb = awaitStatus(embId, "succeeded");
        assertEquals(0.5, emb.path("response").path("body").path("data").path(0).path("embedding").path(0).asDouble());
        String sentChat = vendorBodies.stream().filter(b -> b.contains("messages")).findFirst().orElseThrow();
        assertFalse(JSON.readTree(sentChat).path("stream").asBoolean(), sentChat);
    }

    @Test
    void badRequestsAreRefusedAtOnceNotQueued() throws Exception {
        start("");
        HttpResponse<String> r = post("/v1/chat/completions", "{\"model\":\"nope\",\"messages\":[]}", "Prefer", "respond-async");
        assertEquals(404, r.statusCode());
        assertEquals("model_not_found", JSON.readTree(r.body()).path("error").path("code").asText());
        r = post("/v1/chat/completions", "{not json", "Prefer", "respond-async");
        assertEquals(400, r.statusCode());
        assertEquals("invalid_json", JSON.readTree(r.body()).path("error").path("code").asText());
        r = send("GET", "/v1/tasks/task_unknown");
        assertEquals(404, r.statusCode());
        assertEquals("task_not_found", JSON.readTree(r.body()).path("error").path("code").asText());
    }

    @Test
    void sameIdempotencyKeyGivesTheSameTaskAndOneVendorCall() throws Exception {
        start("");
        HttpResponse<String> a = post("/v1/chat/completions", CHAT, "Prefer", "respond-async", "Idempotency-Key", "k-1");
        HttpResponse<String> b = post("/v1/chat/completions", CHAT, "Prefer", "respond-async", "Idempotency-Key", "k-1");
        assertEquals(202, a.statusCode());
        assertEquals(202, b.statusCode());
        String id = JSON.readTree(a.body()).path("id").asText();
        assertEquals(id, JSON.readTree(b.body()).path("id").asText());
        awaitStatus(id, "succeeded");
        HttpResponse<String> c = post("/v1/chat/completions", CHAT, "Prefer", "respond-async", "Idempotency-Key", "k-1");
        assertEquals(202, c.statusCode());
        assertEquals(id, JSON.readTree(c.body()).path("id").asText());
        assertEquals(1, vendorBodies.size(), "one vendor call for one idempotency key");

        HttpResponse<String> other = post("/v1/chat/completions", CHAT.replace("Hi", "Bye"), "Prefer", "respond-async",
                "Idempotency-Key", "k-1");
        assertEquals(409, other.statusCode(), other.body());
        assertEquals("idempotency_key_reused", JSON.readTree(other.body()).path("error").path("code").asText());
    }

    @Test
    void aTaskIsVisibleOnlyToTheKeyThatCreatedIt() throws Exception {
        start("auth { keys = [ { name = a, key = \"key-a-0123456789\" }, { name = b, key = \"key-b-0123456789\" } ] }");
        String[] a = {"Authorization", "Bearer key-a-0123456789"};
        String[] b = {"Authorization", "Bearer key-b-0123456789"};
        HttpResponse<String> r = post("/v1/chat/completions", CHAT, "Prefer", "respond-async", a[0], a[1]);
        assertEquals(202, r.statusCode(), r.body());
        String id = JSON.readTree(r.body()).path("id").asText();
        awaitStatus(id, "succeeded", a);
        assertEquals(404, send("GET", "/v1/tasks/" + id, b).statusCode());
        assertEquals(404, send("DELETE", "/v1/tasks/" + id, b).statusCode());
        assertEquals(0, JSON.readTree(send("GET", "/v1/tasks", b).body()).path("data").size());
        JsonNode list = JSON.readTree(send("GET", "/v1/tasks?status=succeeded&limit=10", a).body());
        assertEquals("list", list.path("object").asText());
        assertEquals(id, list.path("data").path(0).path("id").asText());
        assertEquals(id, list.path("first_id").asText());
        assertFalse(list.path("has_more").asBoolean());
        assertEquals(401, send("GET", "/v1/tasks/" + id).statusCode());
    }

    @Test
    void listingPagesNewestFirst() throws Exception {
        start("");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(JSON.readTree(post("/v1/chat/completions", CHAT, "Prefer", "respond-async").body()).path("id").asText());
            Thread.sleep(2);
        }
        JsonNode p1 = JSON.readTree(send("GET", "/v1/tasks?limit=2").body());
        assertEquals(2, p1.path("data").size());
        assertTrue(p1.path("has_more").asBoolean());
        assertEquals(ids.get(2), p1.path("data").path(0).path("id").asText());
        JsonNode p2 = JSON.readTree(send("GET", "/v1/tasks?limit=2&after=" + p1.path("last_id").asText()).body());
        assertEquals(1, p2.path("data").size());
        assertEquals(ids.get(0), p2.path("data").path(0).path("id").asText());
        assertFalse(p2.path("has_more").asBoolean());
        assertEquals(400, send("GET", "/v1/tasks?status=bogus").statusCode());
    }

    @Test
    void aRetryableFailureIsRunAgainAfterBackoff() throws Exception {
        start("");
        AtomicInteger calls = new AtomicInteger();
        answer = rr -> calls.incrementAndGet() == 1
                ? json(503, "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\",\"code\":null}}")
                : json(200, CHAT_ANSWER);
        String id = JSON.readTree(post("/v1/chat/completions", CHAT, "Prefer", "respond-async").body()).path("id").asText();
        JsonNode done = awaitStatus(id, "succeeded");
        assertEquals(2, done.path("attempts").asInt());
        assertEquals(2, calls.get());
    }

    @Test
    void aFinalFailureFailsTheTaskWithTheErrorVocabulary() throws Exception {
        start("");
        answer = rr -> json(400, "{\"error\":{\"message\":\"bad temperature\",\"type\":\"invalid_request_error\","
                + "\"param\":\"temperature\",\"code\":\"invalid_value\"}}");
        String id = JSON.readTree(post("/v1/chat/completions", CHAT, "Prefer", "respond-async").body()).path("id").asText();
        JsonNode failed = awaitStatus(id, "failed");
        assertEquals("invalid_request_error", failed.path("error").path("type").asText());
        assertTrue(failed.path("response").isNull());
        assertEquals(1, failed.path("attempts").asInt());
    }

    @Test
    void cancellingARunningTaskStopsTheVendorCallAndDeletingAFinishedOneRemovesIt() throws Exception {
        start("");
        answer = rr -> new MockResponse().setSocketPolicy(okhttp3.mockwebserver.SocketPolicy.NO_RESPONSE);
        String id = JSON.readTree(post("/v1/chat/completions", CHAT, "Prefer", "respond-async").body()).path("id").asText();
        awaitStatus(id, "running");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (vendor.getRequestCount() == 0 && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        HttpResponse<String> c = send("DELETE", "/v1/tasks/" + id);
        assertEquals(200, c.statusCode(), c.body());
        assertEquals("cancelled", JSON.readTree(c.body()).path("status").asText());
        Thread.sleep(300);
        assertEquals("cancelled", JSON.readTree(send("GET", "/v1/tasks/" + id).body()).path("status").asText());
        assertEquals(0, gw.tasks().activeCount(), "the run was stopped");

        HttpResponse<String> d = send("DELETE", "/v1/tasks/" + id);
        assertEquals(200, d.statusCode());
        assertTrue(JSON.readTree(d.body()).path("deleted").asBoolean());
        assertEquals(404, send("GET", "/v1/tasks/" + id).statusCode());
    }

    @Test
    void aSyncRequestWithoutPreferIsUnchanged() throws Exception {
        start("");
        HttpResponse<String> r = post("/v1/chat/completions", CHAT);
        assertEquals(200, r.statusCode());
        assertNotNull(JSON.readTree(r.body()).path("choices").path(0));
    }
}
