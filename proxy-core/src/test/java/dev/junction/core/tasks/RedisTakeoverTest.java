package dev.junction.core.tasks;

import dev.junction.core.limits.RedisServer;
import com.fasterxml.jackson.databind.JsonNode;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.junction.core.tasks.EmbeddedCrashTest.HTTP;
import static dev.junction.core.tasks.EmbeddedCrashTest.JSON;
import static dev.junction.core.tasks.EmbeddedCrashTest.await;
import static dev.junction.core.tasks.EmbeddedCrashTest.awaitStatus;
import static dev.junction.core.tasks.EmbeddedCrashTest.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Scaled out (SPEC §6, {@code store = redis}): two gateway processes share a real redis-server. A
 * task submitted to one is readable and cancellable from the other; when the instance running a
 * task is killed with SIGKILL, the other takes it over after the lease and finishes it, without a
 * second vendor submission for the vendor job that was out.
 */
class RedisTakeoverTest {

    @TempDir
    Path dir;
    final GatewayProcesses processes = new GatewayProcesses();
    RedisServer redis;

    @AfterEach
    void stop() throws Exception {
        processes.close();
        if (redis != null) {
            redis.close();
        }
    }

    static JsonNode postAsync(GatewayProcesses.Gateway gw) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(gw.base() + "/v1/chat/completions"))
                .header("content-type", "application/json").header("prefer", "respond-async")
                .POST(HttpRequest.BodyPublishers.ofString(TaskGatewayTest.CHAT)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    @Test
    void instancesShareTasksAndTakeOverTheTasksOfADeadOne() throws Exception {
        redis = RedisServer.start(dir);
        EmbeddedCrashTest.Vendor vendor = new EmbeddedCrashTest.Vendor();
        try (MockWebServer server = new MockWebServer(); RedisTaskStore store = RedisTaskStore.open(redis.uri())) {
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
                      tasks {
                        store = redis
                        redis-uri = "%2$s"
                        lease = 2s
                        poll { initial = 100ms, max = 200ms }
                        retry { base = 50ms, cap = 100ms }
                      }
                    }""".formatted(vendorUrl, redis.uri()));
            GatewayProcesses.Gateway a = processes.start(conf, vendorUrl);
            GatewayProcesses.Gateway b = processes.start(conf, vendorUrl);

            // Submitted to A, read and cancelled from B, seen cancelled from A.
            String x = postAsync(a).path("id").asText();
            await(() -> vendor.chatCalls.get() == 1, "the first call reached the vendor");
            assertEquals("running", task(b, x).path("status").asText());
            HttpResponse<String> cancelled = HTTP.send(HttpRequest.newBuilder(URI.create(b.base() + "/v1/tasks/" + x))
                    .DELETE().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, cancelled.statusCode(), cancelled.body());
            assertEquals("cancelled", JSON.readTree(cancelled.body()).path("status").asText());
            assertEquals("cancelled", task(a, x).path("status").asText());

            // A call in flight on one instance, and a vendor job out.
            String z = postAsync(b).path("id").asText();
            await(() -> vendor.chatCalls.get() == 2, "the second call reached the vendor");
            long now = System.currentTimeMillis();
            Task y = new Task(TaskIds.next(now), "anonymous", TaskState.QUEUED, HttpJobVendor.KIND, now, null, null,
                    now + 3_600_000, new Task.TaskRequest("POST", "/v1/videos", Map.of(), "{}".getBytes(StandardCharsets.UTF_8)),
                    "video", "h", null, 0, null, null, null, null, null, false, now, null, 0, 0);
            String jobTask = store.insert(y, 0).task().id();
            await(() -> vendor.polls.get() >= 2, "the vendor job polled");

            Task running = store.get(z);
            assertNotNull(running.leaseOwner(), "the call's task is leased by the instance running it");
            long holderPid = Long.parseLong(running.leaseOwner().split(":")[1]);
            GatewayProcesses.Gateway holder = holderPid == a.process().pid() ? a : b;
            GatewayProcesses.Gateway survivor = holder == a ? b : a;
            assertEquals(holderPid, holder.process().pid());
            vendor.chatHangs = false;
            holder.kill();

            JsonNode done = awaitStatus(survivor, z, "succeeded");
            assertEquals(3, vendor.chatCalls.get(), "the survivor ran the dead instance's call again");
            assertEquals(2, done.path("attempts").asInt());
            vendor.jobDone = true;
            JsonNode job = awaitStatus(survivor, jobTask, "succeeded");
            assertEquals("made", job.path("response").path("body").path("video").asText());
            assertEquals(1, vendor.submitsPerTask.get(jobTask).get(), "the vendor job was submitted once");
            JsonNode list = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(survivor.base()
                    + "/v1/tasks?status=succeeded")).GET().build(), HttpResponse.BodyHandlers.ofString()).body());
            List<String> ids = new java.util.ArrayList<>();
            list.path("data").forEach(t -> ids.add(t.path("id").asText()));
            assertEquals(java.util.Set.of(z, jobTask), java.util.Set.copyOf(ids));
        }
    }
}
