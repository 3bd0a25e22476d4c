package dev.junction.core.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * A minimal asynchronous vendor over HTTP for the crash tests — the shape of every job API
 * ({@code POST /jobs} with an {@code Idempotency-Key}, {@code GET /jobs/{id}},
 * {@code GET /jobs/{id}/result}, {@code POST /jobs/{id}/cancel}) — so a test can count at the
 * vendor how often each task submitted and polled.
 */
final class HttpJobVendor implements AsyncVendor {

    static final String KIND = "test-job";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    HttpJobVendor(String base) {
        this.base = base;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public CompletionStage<Task.VendorJob> submit(Task task, String submissionKey) {
        HttpRequest r = HttpRequest.newBuilder(URI.create(base + "/jobs")).header("idempotency-key", submissionKey)
                .header("x-task-id", task.id()).POST(HttpRequest.BodyPublishers.ofByteArray(task.request().body())).build();
        return http.sendAsync(r, HttpResponse.BodyHandlers.ofByteArray()).thenApply(resp -> {
            JsonNode j = read(resp);
            return new Task.VendorJob("jobs", j.path("id").asText(), "{}", 0);
        });
    }

    @Override
    public CompletionStage<JobStatus> poll(Task task, Task.VendorJob job) {
        HttpRequest r = HttpRequest.newBuilder(URI.create(base + "/jobs/" + job.id())).GET().build();
        return http.sendAsync(r, HttpResponse.BodyHandlers.ofByteArray()).thenApply(resp -> {
            JsonNode j = read(resp);
            return j.path("status").asText().equals("done") ? new JobStatus.Done(job.id())
                    : new JobStatus.Pending(j.path("progress").asInt(), null);
        });
    }

    @Override
    public CompletionStage<Task.TaskResponse> fetch(Task task, Task.VendorJob job, JobStatus.Done done) {
        HttpRequest r = HttpRequest.newBuilder(URI.create(base + "/jobs/" + job.id() + "/result")).GET().build();
        return http.sendAsync(r, HttpResponse.BodyHandlers.ofByteArray()).thenApply(resp -> {
            read(resp);
            return new Task.TaskResponse(200, Map.of("content-type", "application/json"), resp.body());
        });
    }

    @Override
    public CompletionStage<Void> cancel(Task task, Task.VendorJob job) {
        HttpRequest r = HttpRequest.newBuilder(URI.create(base + "/jobs/" + job.id() + "/cancel"))
                .POST(HttpRequest.BodyPublishers.noBody()).build();
        return http.sendAsync(r, HttpResponse.BodyHandlers.discarding()).thenApply(x -> (Void) null)
                .exceptionally(e -> null);
    }

    private static JsonNode read(HttpResponse<byte[]> resp) {
        if (resp.statusCode() != 200) {
            throw new VendorJobException(new Task.TaskError("vendor status " + resp.statusCode(), "upstream_error", null,
                    "upstream_unavailable"), true, null);
        }
        try {
            return JSON.readTree(resp.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
