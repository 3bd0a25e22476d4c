package dev.junction.core.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Durability of the embedded store (SPEC §6): a real gateway process is killed with SIGKILL while
 * a vendor job is out and a synchronous vendor call is in flight, then started again on the same
 * file. The job is polled again and never submitted twice; the call is run again; each task ends
 * exactly once (one webhook delivery each), counted at the vendor.
 */
class EmbeddedCrashTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    @TempDir
    Path dir;
    final GatewayProcesses processes = new GatewayProcesses();

    @AfterEach
    void stop() {
        processes.close();
    }

    /** The vendor: a job API and a chat endpoint, counting per task what the gateway asked. */
    static final class Vendor extends Dispatcher {
        final Map<String, AtomicInteger> submitsPerTask = new ConcurrentHashMap<>();
        final Map<String, String> jobOfTask = new ConcurrentHashMap<>();
        final AtomicInteger polls = new AtomicInteger();
        final AtomicInteger chatCalls = new AtomicInteger();
        final AtomicInteger jobs = new AtomicInteger();
        final Map<String, AtomicInteger> webhooksPerTask = new ConcurrentHashMap<>();
        volatile boolean jobDone;
        volatile boolean chatHangs = true;

        @Override
        public MockResponse dispatch(RecordedRequest r) {
            String path = r.getPath();
            if (path.equals("/jobs")) {
                String task = r.getHeader("x-task-id");
                submitsPerTask.computeIfAbsent(task, k -> new AtomicInteger()).incrementAndGet();
                String id = "job-" + jobs.incrementAndGet();
                jobOfTask.put(task, id);
                return json("{\"id\":\"" + id + "\"}");
            }
            if (path.startsWith("/jobs/") && path.endsWith("/result")) {
                return json("{\"video\":\"made\"}");
            }
            if (path.startsWith("/jobs/")) {
                polls.incrementAndGet();
                return json(jobDone ? "{\"status\":\"done\"}" : "{\"status\":\"running\",\"progress\":40}");
            }
            if (path.equals("/v1/chat/completions")) {
                chatCalls.incrementAndGet();
                if (chatHangs) {
                    return new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE);
                }
                return json(TaskGatewayTest.CHAT_ANSWER);
            }
            if (path.equals("/hooks")) {
                try {
                    String body = r.getBody().readUtf8();
                    new com.standardwebhooks.Webhook(SECRET).verify(body, r.getHeaders().toMultimap());
                    String task = JSON.readTree(body).path("data").path("id").asText();
                    webhooksPerTask.computeIfAbsent(task, k -> new AtomicInteger()).incrementAndGet();
                    return new MockResponse().setResponseCode(204);
                } catch (Exception e) {
                    return new MockResponse().setResponseCode(400);
                }
            }
            return new MockResponse().setResponseCode(404);
        }

        static MockResponse json(String body) {
            return new MockResponse().setHeader("content-type", "application/json").setBody(body);
        }
    }

    @Test
    void afterKillDashNineEveryTaskContinuesAndEndsOnce() throws Exception {
        Vendor vendor = new Vendor();
        try (MockWebServer server = new MockWebServer()) {
            server.setDispatcher(vendor);
            server.start();
            String vendorUrl = "http://127.0.0.1:" + server.getPort();
            Path db = dir.resolve("tasks.db");
            Path conf = dir.resolve("junction.conf");
            Files.writeString(conf, """
                    junction {
                      server { port = 0 }
                      resilience.retry { max-attempts = 1 }
                      providers { v { type = openai-compatible, base-url = "%1$s/v1",
                                      timeouts { first-byte = 120s, total = 10m } } }
                      models { chat { deployments = [ { provider = v, model = "up-model" } ] } }
                      tasks {
                        path = "%2$s"
                        poll { initial = 100ms, max = 200ms }
                        retry { base = 50ms, cap = 100ms }
                        webhooks { secret = "%3$s", allow = ["127.0.0.1"] }
                      }
                    }""".formatted(vendorUrl, db.toString().replace("\\", "/"), SECRET));

            // A vendor-job task, as a video endpoint would create it, committed before the gateway starts.
            String jobTask;
            try (EmbeddedTaskStore store = new EmbeddedTaskStore(db)) {
                long now = System.currentTimeMillis();
                Task t = new Task(TaskIds.next(now), "anonymous", TaskState.QUEUED, HttpJobVendor.KIND, now, null, null,
                        now + 3_600_000, new Task.TaskRequest("POST", "/v1/videos", Map.of(), "{}".getBytes(StandardCharsets.UTF_8)),
                        "video", "h", null, 0, null, null, null,
                        new Task.Webhook(vendorUrl + "/hooks", "msg_1", java.util.List.of(), false), null, false, now, null,
                        0, 0);
                jobTask = store.insert(t, 0).task().id();
            }

            GatewayProcesses.Gateway gw = processes.start(conf, vendorUrl);
            HttpResponse<String> accepted = HTTP.send(HttpRequest.newBuilder(URI.create(gw.base() + "/v1/chat/completions"))
                    .header("content-type", "application/json").header("prefer", "respond-async")
                    .header("x-junction-webhook-url", vendorUrl + "/hooks")
                    .POST(HttpRequest.BodyPublishers.ofString(TaskGatewayTest.CHAT)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(202, accepted.statusCode(), accepted.body());
            String chatTask = JSON.readTree(accepted.body()).path("id").asText();

            await(() -> vendor.chatCalls.get() == 1 && vendor.polls.get() >= 2, "the chat call in flight and the job polled");
            assertEquals("running", task(gw, jobTask).path("status").asText());
            gw.kill();                                            // SIGKILL: no shutdown hook, no hand-back

            vendor.chatHangs = false;
            int pollsBefore = vendor.polls.get();
            GatewayProcesses.Gateway again = processes.start(conf, vendorUrl);
            await(() -> vendor.polls.get() > pollsBefore, "the job polled again after the restart");
            vendor.jobDone = true;
            JsonNode chat = awaitStatus(again, chatTask, "succeeded");
            JsonNode job = awaitStatus(again, jobTask, "succeeded");

            assertEquals(1, vendor.submitsPerTask.get(jobTask).get(), "the vendor job was submitted exactly once");
            assertEquals(1, vendor.jobs.get());
            assertEquals(2, vendor.chatCalls.get(), "the call in flight at the crash was run again");
            assertEquals(2, chat.path("attempts").asInt());
            assertEquals("Hello from the vendor", chat.path("response").path("body").path("choices").path(0)
                    .path("message").path("content").asText());
            assertEquals("made", job.path("response").path("body").path("video").asText());
            await(() -> vendor.webhooksPerTask.size() == 2, "both webhooks delivered");
            Thread.sleep(500);
            assertEquals(1, vendor.webhooksPerTask.get(chatTask).get(), "the chat task ended once");
            assertEquals(1, vendor.webhooksPerTask.get(jobTask).get(), "the job task ended once");
        }
    }

    @Test
    void aStoppedGatewayHandsItsRunningTaskBackAndTheNextStartFinishesIt() throws Exception {
        Vendor vendor = new Vendor();
        try (MockWebServer server = new MockWebServer()) {
            server.setDispatcher(vendor);
            server.start();
            String vendorUrl = "http://127.0.0.1:" + server.getPort();
            Path conf = dir.resolve("junction.conf");
            Files.writeString(conf, """
                    junction {
                      server { port = 0 }
                      resilience.retry { max-attempts = 1 }
                      providers { v { type = openai-compatible, base-url = "%1$s/v1",
                                      timeouts { first-byte = 120s, total = 10m } } }
                      models { chat { deployments = [ { provider = v, model = "up-model" } ] } }
                      tasks { path = "%2$s" }
                    }""".formatted(vendorUrl, dir.resolve("tasks.db").toString().replace("\\", "/")));
            GatewayProcesses.Gateway gw = processes.start(conf, vendorUrl);
            HttpResponse<String> accepted = HTTP.send(HttpRequest.newBuilder(URI.create(gw.base() + "/v1/chat/completions"))
                    .header("content-type", "application/json").header("prefer", "respond-async")
                    .POST(HttpRequest.BodyPublishers.ofString(TaskGatewayTest.CHAT)).build(), HttpResponse.BodyHandlers.ofString());
            String id = JSON.readTree(accepted.body()).path("id").asText();
            await(() -> vendor.chatCalls.get() == 1, "the call in flight");
            gw.stop();                                            // SIGTERM: the shutdown hook hands the task back
            try (EmbeddedTaskStore store = new EmbeddedTaskStore(dir.resolve("tasks.db"))) {
                Task back = store.get(id);
                assertEquals(TaskState.QUEUED, back.status(), "handed back, not lost and not left running");
            }
            vendor.chatHangs = false;
            GatewayProcesses.Gateway again = processes.start(conf, vendorUrl);
            JsonNode done = awaitStatus(again, id, "succeeded");
            assertEquals(2, vendor.chatCalls.get());
            assertEquals(2, done.path("attempts").asInt());
        }
    }

    static JsonNode task(GatewayProcesses.Gateway gw, String id) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(gw.base() + "/v1/tasks/" + id)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    static JsonNode awaitStatus(GatewayProcesses.Gateway gw, String id, String status) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        JsonNode t = null;
        while (System.nanoTime() < end) {
            t = task(gw, id);
            if (t.path("status").asText().equals(status)) {
                return t;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("task " + id + " never reached " + status + ": " + t);
    }

    static void await(BooleanSupplier c, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(20);
        }
        assertTrue(c.getAsBoolean());
    }
}
