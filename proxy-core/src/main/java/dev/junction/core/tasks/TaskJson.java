package dev.junction.core.tasks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The task resource of SPEC §6.1 as JSON, and the list and webhook envelopes around it. The
 * response body of a succeeded task is embedded as JSON when it is JSON (Junction's own answers
 * are), otherwise as a string.
 */
public final class TaskJson {

    private static final JsonFactory JSON = new JsonFactory();

    private TaskJson() {
    }

    public static byte[] resource(Task t) {
        return write(g -> writeTask(g, t));
    }

    /** The OpenAI list shape: {@code object, data, first_id, last_id, has_more}. */
    public static byte[] list(List<Task> page, boolean hasMore) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            for (Task t : page) {
                writeTask(g, t);
            }
            g.writeEndArray();
            if (page.isEmpty()) {
                g.writeNullField("first_id");
                g.writeNullField("last_id");
            } else {
                g.writeStringField("first_id", page.get(0).id());
                g.writeStringField("last_id", page.get(page.size() - 1).id());
            }
            g.writeBooleanField("has_more", hasMore);
            g.writeEndObject();
        });
    }

    /** The answer to deleting a finished task. */
    public static byte[] deleted(String id) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("id", id);
            g.writeStringField("object", "task.deleted");
            g.writeBooleanField("deleted", true);
            g.writeEndObject();
        });
    }

    /**
     * The webhook body of SPEC §6.3: {@code type}, {@code timestamp} (RFC 3339), {@code data}. A
     * video's is {@code video.completed} or {@code video.failed} (cancelled and expired videos are
     * failed videos too) with the video resource, what a client of {@code /v1/videos} reads;
     * any other task's is {@code task.<status>} with the task resource.
     */
    public static byte[] event(Task t, long nowMillis) {
        if (VideoJobs.KIND.equals(t.kind())) {
            com.fasterxml.jackson.databind.node.ObjectNode video = VideoJobs.resource(t);
            return write(g -> {
                g.writeStartObject();
                g.writeStringField("type", "video." + video.path("status").asText());
                g.writeStringField("timestamp", Instant.ofEpochMilli(nowMillis).toString());
                g.writeFieldName("data");
                g.writeRawValue(video.toString());
                g.writeEndObject();
            });
        }
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("type", "task." + t.status().wire());
            g.writeStringField("timestamp", Instant.ofEpochMilli(nowMillis).toString());
            g.writeFieldName("data");
            writeTask(g, t);
            g.writeEndObject();
        });
    }

    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] write(Body b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            b.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static void writeTask(JsonGenerator g, Task t) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", t.id());
        g.writeStringField("object", "task");
        g.writeStringField("status", t.status().wire());
        g.writeNumberField("created_at", t.createdAt() / 1000);
        seconds(g, "started_at", t.startedAt());
        seconds(g, "completed_at", t.completedAt());
        g.writeNumberField("expires_at", t.expiresAt() / 1000);
        g.writeObjectFieldStart("request");
        g.writeStringField("method", t.request().method());
        g.writeStringField("path", t.request().path());
        if (t.model() == null) {
            g.writeNullField("model");
        } else {
            g.writeStringField("model", t.model());
        }
        g.writeEndObject();
        g.writeNumberField("attempts", t.attempts());
        if (t.progress() == null) {
            g.writeNullField("progress");
        } else {
            g.writeNumberField("progress", t.progress());
        }
        if (t.response() == null || t.status() != TaskState.SUCCEEDED) {
            g.writeNullField("response");
        } else {
            writeResponse(g, t.response());
        }
        if (t.error() == null || !t.finished() || t.status() == TaskState.SUCCEEDED) {
            g.writeNullField("error");
        } else {
            writeError(g, t.error());
        }
        if (t.webhook() == null) {
            g.writeNullField("webhook");
        } else {
            g.writeObjectFieldStart("webhook");
            g.writeStringField("url", t.webhook().url());
            g.writeArrayFieldStart("deliveries");
            for (Task.Delivery d : t.webhook().deliveries()) {
                g.writeStartObject();
                g.writeNumberField("at", d.at() / 1000);
                if (d.statusCode() == null) {
                    g.writeNullField("status_code");
                } else {
                    g.writeNumberField("status_code", d.statusCode());
                }
                if (d.error() == null) {
                    g.writeNullField("error");
                } else {
                    g.writeStringField("error", d.error());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    public static void writeError(JsonGenerator g, Task.TaskError e) throws IOException {
        g.writeObjectFieldStart("error");
        g.writeStringField("message", e.message());
        g.writeStringField("type", e.type());
        if (e.param() == null) {
            g.writeNullField("param");
        } else {
            g.writeStringField("param", e.param());
        }
        g.writeStringField("code", e.code());
        g.writeEndObject();
    }

    private static void writeResponse(JsonGenerator g, Task.TaskResponse r) throws IOException {
        g.writeObjectFieldStart("response");
        g.writeNumberField("status_code", r.statusCode());
        g.writeObjectFieldStart("headers");
        for (Map.Entry<String, String> h : r.headers().entrySet()) {
            g.writeStringField(h.getKey(), h.getValue());
        }
        g.writeEndObject();
        g.writeFieldName("body");
        if (isJson(r.body())) {
            g.writeRawValue(new String(r.body(), StandardCharsets.UTF_8));
        } else {
            g.writeString(new String(r.body(), StandardCharsets.UTF_8));
        }
        g.writeEndObject();
    }

    /** True when {@code b} is exactly one well-formed JSON value (so it can be embedded raw). */
    static boolean isJson(byte[] b) {
        if (b == null || b.length == 0) {
            return false;
        }
        try (JsonParser p = JSON.createParser(b)) {
            if (p.nextToken() == null) {
                return false;
            }
            p.skipChildren();
            return p.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }

    private static void seconds(JsonGenerator g, String name, Long millis) throws IOException {
        if (millis == null) {
            g.writeNullField(name);
        } else {
            g.writeNumberField(name, millis / 1000);
        }
    }
}
