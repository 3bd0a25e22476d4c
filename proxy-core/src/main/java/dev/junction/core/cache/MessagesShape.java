package dev.junction.core.cache;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code POST /v1/messages}, Anthropic's Messages shape (docs/cache.md). Recorded: the body, or each
 * named SSE event as sent ({@code event: message_start} ... {@code message_stop}, {@code ping}s
 * included), with one splice, the message id ({@code id} of the body, {@code message.id} of
 * {@code message_start}). Anthropic has no creation time and always reports usage, so nothing else
 * changes on replay.
 *
 * <p>Replayed as a stream: the recorded events, byte for byte but the fresh id. Replayed unary from a
 * stream: the events folded into one {@code Message} (text, thinking with its signature, tool_use
 * with its input, stop reason, usage — the stream's usage counts are cumulative, the last wins).
 * Replayed as a stream from a unary answer: {@code message_start}, one start / delta / stop per
 * content block (the whole text, thinking and signature, or tool input in one delta),
 * {@code message_delta}, {@code message_stop}.
 */
public final class MessagesShape implements ReplayShape {

    public static final MessagesShape INSTANCE = new MessagesShape();

    private static final ObjectMapper JSON = new ObjectMapper();

    private MessagesShape() {
    }

    @Override
    public String ingress() {
        return "messages";
    }

    @Override
    public boolean samples() {
        return true;
    }

    @Override
    public boolean streams() {
        return true;
    }

    /** The id of a replay, in Anthropic's {@code msg_} form. */
    static String id(Replay r) {
        String id = r.requestId().replaceAll("[^A-Za-z0-9]", "");
        return "msg_" + (id.length() > 48 ? id.substring(0, 48) : id);
    }

    // ---- recording ------------------------------------------------------------------------------

    @Override
    public CacheEntry.Piece event(byte[] bytes) {
        int[] data = data(bytes);
        if (data == null) {
            return new CacheEntry.Piece(CacheEntry.OTHER, bytes, List.of());
        }
        List<CacheEntry.Splice> splices = new ArrayList<>(1);
        int[] id = idSpan(bytes, data[0], data[1], "message");
        if (id != null) {
            splices.add(new CacheEntry.Splice(id[0], id[1], CacheEntry.ID));
        }
        byte kind = CacheEntry.CHUNK;
        if (eventName(bytes).equals("message_stop")) {
            kind = CacheEntry.DONE;
        }
        return new CacheEntry.Piece(kind, bytes, splices);
    }

    @Override
    public CacheEntry.Piece body(byte[] bytes) {
        int[] id = idSpan(bytes, 0, bytes.length, null);
        return new CacheEntry.Piece(CacheEntry.BODY, bytes,
                id == null ? List.of() : List.of(new CacheEntry.Splice(id[0], id[1], CacheEntry.ID)));
    }

    @Override
    public String responseModel(CacheEntry.Piece piece) {
        int[] d = piece.kind() == CacheEntry.BODY ? new int[] {0, piece.bytes().length} : data(piece.bytes());
        if (d == null) {
            return "";
        }
        JsonNode n = tree(piece.bytes(), d[0], d[1]);
        JsonNode m = piece.kind() == CacheEntry.BODY ? n : n.path("message");
        return m.path("model").asText("");
    }

    /** The event's name ({@code event:} line), or "". */
    private static String eventName(byte[] b) {
        String head = new String(b, 0, Math.min(b.length, 64), StandardCharsets.UTF_8);
        if (!head.startsWith("event:")) {
            return "";
        }
        int end = head.indexOf('\n');
        return (end < 0 ? head.substring(6) : head.substring(6, end)).trim();
    }

    /** {@code [start, end)} of the (one-line) {@code data:} of an event, or null. */
    private static int[] data(byte[] b) {
        int i = 0;
        while (i < b.length) {
            int eol = i;
            while (eol < b.length && b[eol] != '\n') {
                eol++;
            }
            if (eol - i >= 5 && b[i] == 'd' && b[i + 1] == 'a' && b[i + 2] == 't' && b[i + 3] == 'a' && b[i + 4] == ':') {
                int start = i + 5 < eol && b[i + 5] == ' ' ? i + 6 : i + 5;
                int end = eol;
                while (end > start && b[end - 1] == '\r') {
                    end--;
                }
                return new int[] {start, end};
            }
            i = eol + 1;
        }
        return null;
    }

    /**
     * {@code [start, end)} of the string value of {@code id} — at the top level when {@code inside}
     * is null, else in the top-level object member {@code inside} — or null.
     */
    private static int[] idSpan(byte[] b, int start, int end, String inside) {
        try (JsonParser p = JSON.getFactory().createParser(b, start, end - start)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            if (inside != null) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken v = p.nextToken();
                    if (name.equals(inside) && v == JsonToken.START_OBJECT) {
                        return idInObject(p, start);
                    }
                    p.skipChildren();
                }
                return null;
            }
            return idInObject(p, start);
        } catch (IOException e) {
            return null;
        }
    }

    /** With {@code p} just inside an object: the span of its {@code id} string. */
    private static int[] idInObject(JsonParser p, int start) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (name.equals("id") && v == JsonToken.VALUE_STRING) {
                int at = start + (int) p.currentTokenLocation().getByteOffset();
                p.getText();
                return new int[] {at, start + (int) p.currentLocation().getByteOffset()};
            }
            p.skipChildren();
        }
        return null;
    }

    // ---- replay ---------------------------------------------------------------------------------

    @Override
    public void stream(CacheEntry e, Replay r, ByteBufAllocator alloc, List<ByteBuf> out) {
        if (!e.stream()) {
            synthesize(e, r, alloc, out);
            return;
        }
        String id = id(r);
        for (CacheEntry.Piece p : e.pieces()) {
            ByteBuf b = alloc.heapBuffer(p.bytes().length + 16);
            ReplayShape.write(p, id, r.createdSeconds(), true, b);
            out.add(b);
        }
    }

    @Override
    public ByteBuf unary(CacheEntry e, Replay r, ByteBufAllocator alloc) {
        if (!e.stream()) {
            CacheEntry.Piece p = e.pieces().get(0);
            ByteBuf b = alloc.heapBuffer(p.bytes().length + 16);
            ReplayShape.write(p, id(r), r.createdSeconds(), true, b);
            return b;
        }
        return json(alloc, fold(e, r));
    }

    /** The recorded events folded into one Message. */
    private static ObjectNode fold(CacheEntry e, Replay r) {
        ObjectNode message = JSON.createObjectNode();
        Map<Integer, ObjectNode> blocks = new TreeMap<>();
        Map<Integer, StringBuilder> inputs = new TreeMap<>();
        ObjectNode usage = JSON.createObjectNode();
        for (CacheEntry.Piece p : e.pieces()) {
            int[] d = data(p.bytes());
            if (d == null) {
                continue;
            }
            JsonNode ev = tree(p.bytes(), d[0], d[1]);
            switch (ev.path("type").asText()) {
                case "message_start" -> {
                    message.setAll((ObjectNode) ev.path("message").deepCopy());
                    if (ev.path("message").path("usage").isObject()) {
                        usage.setAll((ObjectNode) ev.path("message").path("usage").deepCopy());
                    }
                }
                case "content_block_start" -> blocks.put(ev.path("index").asInt(),
                        ev.path("content_block").isObject() ? (ObjectNode) ev.path("content_block").deepCopy()
                                : JSON.createObjectNode());
                case "content_block_delta" -> {
                    int i = ev.path("index").asInt();
                    ObjectNode block = blocks.computeIfAbsent(i, k -> JSON.createObjectNode());
                    JsonNode delta = ev.path("delta");
                    switch (delta.path("type").asText()) {
                        case "text_delta" -> block.put("text", block.path("text").asText("") + delta.path("text").asText());
                        case "thinking_delta" -> block.put("thinking",
                                block.path("thinking").asText("") + delta.path("thinking").asText());
                        case "signature_delta" -> block.put("signature", delta.path("signature").asText());
                        case "input_json_delta" -> inputs.computeIfAbsent(i, k -> new StringBuilder())
                                .append(delta.path("partial_json").asText());
                        default -> { }
                    }
                }
                case "message_delta" -> {
                    ev.path("delta").fields().forEachRemaining(f -> message.set(f.getKey(), f.getValue()));
                    if (ev.path("usage").isObject()) {
                        usage.setAll((ObjectNode) ev.path("usage").deepCopy());
                    }
                }
                default -> { }
            }
        }
        for (Map.Entry<Integer, StringBuilder> in : inputs.entrySet()) {
            ObjectNode block = blocks.get(in.getKey());
            String json = in.getValue().toString();
            block.set("input", json.isBlank() ? JSON.createObjectNode() : tree(json.getBytes(StandardCharsets.UTF_8), 0,
                    json.getBytes(StandardCharsets.UTF_8).length));
        }
        ArrayNode content = JSON.createArrayNode();
        blocks.values().forEach(content::add);
        message.put("id", id(r));
        message.set("content", content);
        message.set("usage", usage);
        return message;
    }

    /** A stream made from a unary Message: one start, delta and stop per content block. */
    private static void synthesize(CacheEntry e, Replay r, ByteBufAllocator alloc, List<ByteBuf> out) {
        byte[] body = e.pieces().get(0).bytes();
        JsonNode m = tree(body, 0, body.length);
        ObjectNode start = ((ObjectNode) m.deepCopy());
        start.put("id", id(r));
        start.set("content", JSON.createArrayNode());
        start.putNull("stop_reason");
        start.putNull("stop_sequence");
        ObjectNode startUsage = m.path("usage").isObject() ? ((ObjectNode) m.path("usage").deepCopy()) : JSON.createObjectNode();
        startUsage.put("output_tokens", 0);
        start.set("usage", startUsage);
        out.add(event(alloc, "message_start", JSON.createObjectNode().put("type", "message_start").set("message", start)));
        int index = 0;
        for (JsonNode block : m.path("content")) {
            String type = block.path("type").asText();
            ObjectNode opened = (ObjectNode) block.deepCopy();
            ObjectNode delta = null;
            ObjectNode signature = null;
            switch (type) {
                case "text" -> {
                    opened.put("text", "");
                    delta = JSON.createObjectNode().put("type", "text_delta").put("text", block.path("text").asText());
                }
                case "thinking" -> {
                    opened.put("thinking", "");
                    opened.put("signature", "");
                    delta = JSON.createObjectNode().put("type", "thinking_delta").put("thinking", block.path("thinking").asText());
                    if (block.path("signature").isTextual()) {
                        signature = JSON.createObjectNode().put("type", "signature_delta")
                                .put("signature", block.path("signature").asText());
                    }
                }
                case "tool_use" -> {
                    opened.set("input", JSON.createObjectNode());
                    delta = JSON.createObjectNode().put("type", "input_json_delta")
                            .put("partial_json", block.path("input").toString());
                }
                default -> { }
            }
            out.add(event(alloc, "content_block_start", JSON.createObjectNode().put("type", "content_block_start")
                    .put("index", index).set("content_block", opened)));
            for (ObjectNode d : new ObjectNode[] {delta, signature}) {
                if (d != null) {
                    out.add(event(alloc, "content_block_delta", JSON.createObjectNode().put("type", "content_block_delta")
                            .put("index", index).set("delta", d)));
                }
            }
            out.add(event(alloc, "content_block_stop", JSON.createObjectNode().put("type", "content_block_stop")
                    .put("index", index)));
            index++;
        }
        ObjectNode delta = JSON.createObjectNode();
        delta.set("stop_reason", m.path("stop_reason").isMissingNode() ? JSON.nullNode() : m.path("stop_reason"));
        delta.set("stop_sequence", m.path("stop_sequence").isMissingNode() ? JSON.nullNode() : m.path("stop_sequence"));
        out.add(event(alloc, "message_delta", JSON.createObjectNode().put("type", "message_delta").<ObjectNode>set("delta", delta)
                .set("usage", m.path("usage").isObject() ? m.path("usage") : JSON.createObjectNode())));
        out.add(event(alloc, "message_stop", JSON.createObjectNode().put("type", "message_stop")));
    }

    private static ByteBuf event(ByteBufAllocator alloc, String name, JsonNode data) {
        ByteBuf b = alloc.heapBuffer(256);
        b.writeCharSequence("event: " + name + "\ndata: ", StandardCharsets.UTF_8);
        write(b, data);
        b.writeByte('\n').writeByte('\n');
        return b;
    }

    private static ByteBuf json(ByteBufAllocator alloc, JsonNode n) {
        ByteBuf b = alloc.heapBuffer(512);
        write(b, n);
        return b;
    }

    private static void write(ByteBuf b, JsonNode n) {
        try (JsonGenerator g = JSON.getFactory().createGenerator((java.io.OutputStream) new ByteBufOutputStream(b))) {
            g.writeTree(n);
        } catch (IOException ex) {
            b.release();
            throw new UncheckedIOException(ex);
        }
    }

    private static JsonNode tree(byte[] b, int start, int end) {
        try (JsonParser p = JSON.getFactory().createParser(b, start, end - start)) {
            JsonNode n = JSON.readTree(p);
            return n == null ? JSON.createObjectNode() : n;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
