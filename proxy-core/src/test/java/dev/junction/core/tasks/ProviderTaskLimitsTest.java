package dev.junction.core.tasks;

import okhttp3.mockwebserver.MockResponse;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A provider's {@code max-concurrent-tasks} bounds the task requests that really run on it when
 * the task's alias spans several providers: a task that finds the first provider full is routed
 * to the next one, never to the full one.
 */
class ProviderTaskLimitsTest extends TaskGatewayTest {

    @Test
    void aTaskRunsOnTheNextProviderWhenTheFirstIsAtItsMaxConcurrentTasks() throws Exception {
        List<String> servedBy = Collections.synchronizedList(new ArrayList<>());
        answer = r -> {
            servedBy.add(r.getHeader("x-which") == null ? "v" : r.getHeader("x-which"));
            return json(200, CHAT_ANSWER).setHeadersDelay(1500, TimeUnit.MILLISECONDS);
        };
        start("""
                providers.v.max-concurrent-tasks = 1
                providers.w { type = openai-compatible, base-url = "%s", headers { x-which = w } }
                models.two { strategy = priority, deployments = [ { provider = v, model = "up-model" },
                                                                  { provider = w, model = "up-model" } ] }
                """.formatted(vendor.url("/v1")));
        String body = "{\"model\":\"two\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = post("/v1/chat/completions", body, "Prefer", "respond-async");
            assertEquals(202, r.statusCode(), r.body());
            ids.add(JSON.readTree(r.body()).path("id").asText());
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (servedBy.size() < 2 && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertEquals(List.of("v", "w"), servedBy.stream().sorted().toList(),
                "one task on v (its one slot), the other on w at the same time, none waiting for v");
        for (String id : ids) {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            String status;
            do {
                status = JSON.readTree(send("GET", "/v1/tasks/" + id).body()).path("status").asText();
                Thread.sleep(20);
            } while (!status.equals("succeeded") && System.nanoTime() < until);
            assertTrue(status.equals("succeeded"), status);
        }
    }
}
