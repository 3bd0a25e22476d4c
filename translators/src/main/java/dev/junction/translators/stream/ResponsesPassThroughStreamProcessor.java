package dev.junction.translators.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.junction.stream.GatewayError;
import dev.junction.stream.SseEvent;
import dev.junction.stream.Usage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * Forwards an OpenAI Responses event stream (wire-formats §1.11.5) to the client as the vendor's
 * own frames ({@code event:} line and {@code data:} payload carried as a retained slice), while
 * watching it for SPEC §5:
 * <ul>
 *   <li>{@code response.created}, {@code response.in_progress} and {@code response.queued} carry no
 *       content; every other event does (the commit point is the first output item).</li>
 *   <li>{@code response.completed} / {@code response.incomplete} end the answer: their usage is
 *       the stream's, their {@code response} is handed to {@code onResponse} (the gateway keeps it
 *       for {@code store}); the stream is complete at that event, with or without the vendor's
 *       {@code [DONE]}, and the client always gets one after it (Junction's Responses streams end
 *       with {@code [DONE]}, as the Open Responses rules ask).</li>
 *   <li>An {@code error} event, or {@code response.failed}, is a vendor error mapped by
 *       {@code errors} (status 500 for an in-stream failure): before the commit point the exchange
 *       retries or fails over; after it, the client gets Junction's in-band {@code error} event,
 *       then {@code response.failed} (the last snapshot, failed), then {@code [DONE]}, numbered on
 *       from the vendor's {@code sequence_number}s.</li>
 *   <li>An end before the terminal event is a truncation ({@code stream_interrupted}).</li>
 * </ul>
 */
public final class ResponsesPassThroughStreamProcessor extends SseStreamProcessor {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BiFunction<Integer, ByteBuf, GatewayError> errors;
    private final Consumer<JsonNode> onResponse;
    private ObjectNode snapshot;
    private long nextSequence;
    private Usage usage;
    private boolean terminal;

    /**
     * @param errors     maps a vendor error payload (status, body) to SPEC §4
     * @param onResponse receives the final {@code response} of a complete stream (not called otherwise)
     */
    public ResponsesPassThroughStreamProcessor(BiFunction<Integer, ByteBuf, GatewayError> errors,
                                               Consumer<JsonNode> onResponse) {
        super(1);
        this.errors = errors;
        this.onResponse = onResponse;
    }

    @Override
    public void onEvent(SseEvent event) {
        if (stopped()) {
            return;
        }
        ByteBuf data = event.data();
        if (isDone(data)) {
            if (terminal) {
                completed();
            } else {
                failed(GatewayError.streamInterrupted(
                        "The provider ended its Responses stream with [DONE] before a terminal event."));
            }
            return;
        }
        JsonNode n;
        try {
            n = JSON.readTree((InputStream) new ByteBufInputStream(data.duplicate(), false));
        } catch (IOException e) {
            n = null;
        }
        if (n == null || !n.isObject()) {
            failed(GatewayError.upstreamUnavailable("The provider sent a Responses stream event that is not valid JSON."));
            return;
        }
        String type = n.path("type").asText(event.event() == null ? "" : event.event());
        switch (type) {
            case "error" -> {
                JsonNode err = n.has("error") ? n : wrap(n);
                failed(errors.apply(500, json(err)));
                return;
            }
            case "response.failed" -> {
                JsonNode err = n.path("response").path("error");
                ObjectNode wrapped = JsonNodeFactory.instance.objectNode();
                wrapped.putObject("error").put("message", err.path("message").asText("The response failed."))
                        .put("type", "server_error").put("code", err.path("code").asText(null));
                failed(errors.apply(500, json(wrapped)));
                return;
            }
            case "response.created", "response.in_progress", "response.queued" -> {
                if (n.get("response") instanceof ObjectNode r) {
                    snapshot = r;
                }
                guard.forwarded(false);
            }
            case "response.completed", "response.incomplete" -> {
                JsonNode r = n.path("response");
                usage = usageOf(r.path("usage"));
                terminal = true;
                guard.forwarded(true);
                guard.finished(0);
                onResponse.accept(r);
            }
            default -> guard.forwarded(true);
        }
        // Junction's own closing events are numbered after the last event the client got.
        if (n.path("sequence_number").canConvertToLong()) {
            nextSequence = n.get("sequence_number").asLong() + 1;
        }
        out.add(frame(alloc, type, data));
    }

    /** The flat {@code error} event of OpenAI's schema as the nested object error mappers read. */
    private static JsonNode wrap(JsonNode flat) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.putObject("error").put("message", flat.path("message").asText("The provider reported an error."))
                .put("type", "server_error").put("code", flat.path("code").asText(null));
        return o;
    }

    private static ByteBuf json(JsonNode n) {
        try {
            return Unpooled.wrappedBuffer(JSON.writeValueAsBytes(n));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code event: <type>\ndata: <payload>\n\n}, the payload a retained slice of the vendor's bytes. */
    private static ByteBuf frame(ByteBufAllocator alloc, String type, ByteBuf data) {
        byte[] head = ("event: " + type + "\ndata: ").getBytes(StandardCharsets.UTF_8);
        return alloc.compositeBuffer(3)
                .addComponent(true, Unpooled.wrappedBuffer(head))
                .addComponent(true, data.retainedSlice())
                .addComponent(true, Unpooled.wrappedBuffer(new byte[] {'\n', '\n'}));
    }

    /** Responses usage → canonical usage (input includes cached; output includes reasoning). */
    public static Usage usageOf(JsonNode u) {
        if (u == null || !u.isObject()) {
            return null;
        }
        return new Usage(nonNegative(u.path("input_tokens")), nonNegative(u.path("output_tokens")),
                nonNegative(u.path("input_tokens_details").path("cached_tokens")),
                nonNegative(u.path("input_tokens_details").path("cache_write_tokens")),
                nonNegative(u.path("output_tokens_details").path("reasoning_tokens")));
    }

    private static long nonNegative(JsonNode v) {
        return v.canConvertToLong() ? Math.max(0, v.asLong()) : 0;
    }

    private static boolean isDone(ByteBuf data) {
        return data.readableBytes() >= 6 && data.toString(data.readerIndex(), 6, StandardCharsets.US_ASCII).equals("[DONE]");
    }

    @Override
    protected void upstreamEnded() {
        if (terminal) {
            completed();
        } else {
            failed(GatewayError.streamInterrupted(
                    "The provider's Responses stream ended before its terminal event; the answer is incomplete."));
        }
    }

    @Override
    protected void finish(ByteBufAllocator alloc, List<ByteBuf> out) {
        out.add(Unpooled.wrappedBuffer("data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII)));
    }

    /** After the commit point: the {@code error} event, {@code response.failed} from the last snapshot, {@code [DONE]}. */
    @Override
    public void fail(GatewayError error, ByteBufAllocator alloc, List<ByteBuf> out) {
        ObjectNode e = JsonNodeFactory.instance.objectNode().put("type", "error").put("sequence_number", nextSequence++);
        e.put("code", error.code()).put("message", error.message()).put("param", error.param());
        e.putObject("error").put("type", error.type()).put("code", error.code()).put("message", error.message())
                .put("param", error.param());
        ObjectNode response = snapshot != null ? snapshot.deepCopy() : JsonNodeFactory.instance.objectNode();
        response.put("status", "failed");
        response.putObject("error").put("code", dev.junction.translators.responses.ResponsesPassThrough.responseErrorCode(error))
                .put("message", error.message());
        response.remove("usage");
        ObjectNode failed = JsonNodeFactory.instance.objectNode().put("type", "response.failed")
                .put("sequence_number", nextSequence++);
        failed.set("response", response);
        try {
            out.add(Unpooled.wrappedBuffer(("event: error\ndata: " + JSON.writeValueAsString(e)
                    + "\n\nevent: response.failed\ndata: " + JSON.writeValueAsString(failed)
                    + "\n\ndata: [DONE]\n\n").getBytes(StandardCharsets.UTF_8)));
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    @Override
    public Usage usage() {
        return usage;
    }
}
