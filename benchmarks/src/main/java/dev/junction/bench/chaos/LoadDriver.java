package dev.junction.bench.chaos;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A closed-loop client: {@code concurrency} threads each send one chat completion and wait for the
 * whole answer before sending the next, until {@code requests} have been sent. Every request's
 * client-visible latency (request written to last byte read), status and serving provider
 * ({@code x-junction-provider}) are kept, so percentiles are exact rather than estimated.
 */
final class LoadDriver {

    /** What the client saw for one request. */
    record Outcome(long nanos, int status, String provider, boolean ok) {
    }

    private final HttpClient http;

    LoadDriver(HttpClient http) {
        this.http = http;
    }

    /**
     * @param url         the chat completions endpoint (the gateway, or a simulator directly)
     * @param model       the model field (an alias through the gateway, an upstream model directly)
     * @param stream      SSE streaming or a unary JSON answer
     * @param requests    how many requests in all
     * @param concurrency requests in flight at once
     */
    Outcome[] run(String url, String model, boolean stream, int requests, int concurrency) throws InterruptedException {
        Outcome[] out = new Outcome[requests];
        AtomicInteger next = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(concurrency);
        URI uri = URI.create(url);
        for (int t = 0; t < concurrency; t++) {
            Thread worker = new Thread(() -> {
                try {
                    int i;
                    while ((i = next.getAndIncrement()) < requests) {
                        out[i] = send(uri, model, stream, i);
                    }
                } finally {
                    done.countDown();
                }
            }, "chaos-client-" + t);
            worker.setDaemon(true);
            worker.start();
        }
        done.await();
        return out;
    }

    private Outcome send(URI uri, String model, boolean stream, int i) {
        String body = "{\"model\":\"" + model + "\"," + (stream ? "\"stream\":true," : "")
                + "\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"chaos request " + i + "\"}]}";
        HttpRequest req = HttpRequest.newBuilder(uri)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .header("content-type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .build();
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            long nanos = System.nanoTime() - t0;
            String b = r.body();
            // A stream is a success only when it is complete and carries no in-band error (SPEC §5).
            boolean ok = r.statusCode() == 200 && (stream
                    ? b.endsWith("data: [DONE]\n\n") && !b.contains("\"error\"")
                    : b.contains("\"choices\""));
            return new Outcome(nanos, r.statusCode(), r.headers().firstValue("x-junction-provider").orElse(null), ok);
        } catch (Exception e) {
            return new Outcome(System.nanoTime() - t0, 0, null, false);
        }
    }
}
