package dev.junction.core.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Runs an ordinary request as a task (SPEC §6.1 {@code Prefer: respond-async}): the stored
 * request is replayed through the gateway's own pipeline — same authentication of the key that
 * created it, routing, translation, retries and failover, metrics and access log as a synchronous
 * request — and its answer becomes the task's answer. Nothing here knows a vendor.
 *
 * <p>An answer with an error status is the task's error; it is retryable (the task runs again
 * after backoff) when the gateway would let a client retry it: 408, 429, 500, 502, 503, 504 without
 * {@code x-should-retry: false}, honouring {@code Retry-After}.
 */
public final class HttpTaskHandler implements TaskHandler {

    public static final String KIND = "http";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<Integer> RETRYABLE = Set.of(408, 429, 500, 502, 503, 504);

    /** Sends a task's request through the gateway's pipeline in-process; aborting the run cancels it. */
    public interface Gateway {
        CompletionStage<Task.TaskResponse> call(Task task, TaskRun run);
    }

    private final Gateway gateway;
    private final Function<String, java.util.List<String>> providersOfAlias;

    /**
     * @param providersOfAlias the providers of an alias's deployments, in config order (empty
     *                         when the alias is unknown); the request of a run keeps away from the
     *                         limited ones whose slot the run does not hold
     */
    public HttpTaskHandler(Gateway gateway, Function<String, java.util.List<String>> providersOfAlias) {
        this.gateway = gateway;
        this.providersOfAlias = providersOfAlias;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public java.util.List<String> providers(Task task) {
        return task.model() == null ? java.util.List.of() : providersOfAlias.apply(task.model());
    }

    @Override
    public CompletionStage<TaskStep> run(TaskRun run) {
        return gateway.call(run.task(), run).thenApply(HttpTaskHandler::step);
    }

    static TaskStep step(Task.TaskResponse r) {
        int s = r.statusCode();
        if (s >= 200 && s < 300) {
            return new TaskStep.Succeeded(r);
        }
        Task.TaskError error = error(r);
        boolean retryable = RETRYABLE.contains(s) && !"false".equalsIgnoreCase(r.headers().get("x-should-retry"));
        return new TaskStep.Failed(error, retryable, retryAfter(r.headers().get("retry-after")));
    }

    private static Task.TaskError error(Task.TaskResponse r) {
        try {
            JsonNode e = JSON.readTree(r.body()).path("error");
            if (e.isObject()) {
                return new Task.TaskError(e.path("message").asText(""), e.path("type").asText("server_error"),
                        e.path("param").isTextual() ? e.path("param").asText() : null,
                        e.path("code").asText("internal_error"));
            }
        } catch (IOException | RuntimeException ignored) {
            // not Junction's error JSON: described below
        }
        return new Task.TaskError("The request failed with HTTP status " + r.statusCode() + ".", "server_error", null,
                "internal_error");
    }

    private static Duration retryAfter(String v) {
        if (v == null) {
            return null;
        }
        try {
            return Duration.ofSeconds(Long.parseLong(v.trim()));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
