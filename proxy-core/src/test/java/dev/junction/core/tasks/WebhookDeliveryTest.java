package dev.junction.core.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Task webhooks (SPEC §6.3) as a receiver sees them: signed per Standard Webhooks and verified with
 * the Standard Webhooks reference library ({@code com.standardwebhooks}), retried with the same {@code webhook-id} until a 2xx, every attempt recorded
 * on the task; private targets refused unless allow-listed.
 */
class WebhookDeliveryTest extends TaskGatewayTest {

    static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    @Test
    void signaturesMatchThePublishedStandardWebhooksTestVectorAndTheReferenceLibrary() throws Exception {
        String body = "{\"test\": 2432232314}";
        assertEquals("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                WebhookSender.sign(SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body.getBytes(StandardCharsets.UTF_8)));
        Webhook library = new Webhook(SECRET);
        assertEquals(library.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
                WebhookSender.sign(SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body.getBytes(StandardCharsets.UTF_8)));
        long now = System.currentTimeMillis() / 1000;
        String signature = WebhookSender.sign(SECRET, "msg_1", now, body.getBytes(StandardCharsets.UTF_8));
        library.verify(body, headers("msg_1", now, "v1,bm9wZQ== " + signature));
        assertThrows(WebhookVerificationException.class,
                () -> library.verify("{\"test\": 2432232315}", headers("msg_1", now, signature)));
    }

    private static Map<String, List<String>> headers(String id, long timestamp, String signature) {
        return Map.of("webhook-id", List.of(id), "webhook-timestamp", List.of(Long.toString(timestamp)),
                "webhook-signature", List.of(signature));
    }

    @Test
    void aCompletedTaskIsPushedSignedAndRetriedWithTheSameId() throws Exception {
        try (MockWebServer receiver = new MockWebServer()) {
            receiver.enqueue(new MockResponse().setResponseCode(500));
            receiver.enqueue(new MockResponse().setResponseCode(204));
            receiver.start();
            start("tasks.webhooks { secret = \"" + SECRET + "\", allow = [\"127.0.0.1\"] }");
            String hook = "http://127.0.0.1:" + receiver.getPort() + "/hooks/junction";
            HttpResponse<String> r = post("/v1/chat/completions", CHAT, "Prefer", "respond-async",
                    "x-junction-webhook-url", hook);
            assertEquals(202, r.statusCode(), r.body());
            String id = JSON.readTree(r.body()).path("id").asText();
            assertEquals(hook, JSON.readTree(r.body()).path("webhook").path("url").asText());

            RecordedRequest first = receiver.takeRequest(10, TimeUnit.SECONDS);
            RecordedRequest second = receiver.takeRequest(10, TimeUnit.SECONDS);
            assertNotNull(first);
            assertNotNull(second);
            Webhook verifier = new Webhook(SECRET);
            for (RecordedRequest d : new RecordedRequest[]{first, second}) {
                byte[] body = d.getBody().readByteArray();
                verifier.verify(new String(body, StandardCharsets.UTF_8), d.getHeaders().toMultimap());
                JsonNode event = JSON.readTree(body);
                assertEquals("task.succeeded", event.path("type").asText());
                assertEquals(id, event.path("data").path("id").asText());
                assertEquals("Hello from the vendor", event.path("data").path("response").path("body").path("choices")
                        .path(0).path("message").path("content").asText());
                assertTrue(event.path("timestamp").asText().endsWith("Z"));
                assertEquals("application/json", d.getHeader("content-type"));
            }
            assertEquals(first.getHeader("webhook-id"), second.getHeader("webhook-id"), "a retry keeps its webhook-id");

            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            JsonNode deliveries;
            do {
                deliveries = JSON.readTree(send("GET", "/v1/tasks/" + id).body()).path("webhook").path("deliveries");
                Thread.sleep(20);
            } while (deliveries.size() < 2 && System.nanoTime() < end);
            assertEquals(2, deliveries.size(), deliveries.toString());
            assertEquals(500, deliveries.path(0).path("status_code").asInt());
            assertEquals(204, deliveries.path(1).path("status_code").asInt());
            Thread.sleep(300);
            assertEquals(2, receiver.getRequestCount(), "no delivery after the 2xx");
        }
    }

    @Test
    void privateTargetsAreRefusedUnlessAllowListed() throws Exception {
        start("tasks.webhooks { secret = \"" + SECRET + "\" }");
        HttpResponse<String> r = post("/v1/chat/completions", CHAT, "Prefer", "respond-async",
                "x-junction-webhook-url", "https://10.1.2.3/hook");
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(JSON.readTree(r.body()).path("error").path("message").asText().contains("private"), r.body());
        r = post("/v1/chat/completions", CHAT, "Prefer", "respond-async", "x-junction-webhook-url", "http://example.com/hook");
        assertEquals(400, r.statusCode(), r.body());

        r = post("/v1/chat/completions", CHAT, "Prefer", "respond-async", "x-junction-webhook-url", "https://localhost:9/hook");
        assertEquals(202, r.statusCode(), r.body());
        String id = JSON.readTree(r.body()).path("id").asText();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        JsonNode deliveries;
        do {
            deliveries = JSON.readTree(send("GET", "/v1/tasks/" + id).body()).path("webhook").path("deliveries");
            Thread.sleep(20);
        } while (deliveries.size() < 1 && System.nanoTime() < end);
        assertEquals(1, deliveries.size());
        assertTrue(deliveries.path(0).path("error").asText().contains("loopback"), deliveries.toString());
        Thread.sleep(300);
        assertEquals(1, JSON.readTree(send("GET", "/v1/tasks/" + id).body()).path("webhook").path("deliveries").size(),
                "a refused target is not retried");
    }

    @Test
    void aWebhookWithoutAnySecretIsRefusedAtSubmission() throws Exception {
        start("");
        HttpResponse<String> r = post("/v1/chat/completions", CHAT, "Prefer", "respond-async",
                "x-junction-webhook-url", "https://example.com/hook");
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("webhook-secret"), r.body());
    }
}
