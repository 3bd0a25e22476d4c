package dev.junction.core.cache;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/responses}, OpenAI's Responses shape (docs/cache.md). Recorded: the Response
 * body, or each typed SSE event as sent ({@code response.created} ... {@code response.completed},
 * {@code data: [DONE]}), with splices where the answer's identity is: the Response's {@code id},
 * {@code created_at} and {@code completed_at} (top level of a body; the {@code response} member of an event), and every
 * output item's id ({@code id} of an item in {@code output} or of an event's {@code item}, an
 * event's {@code item_id}).
 *
 * <p>On replay the Response gets the id the door chose for this request and the time of the
 * replay (both times); each item id becomes a fresh one of the same kind ({@code msg_}, {@code fc_},
 * {@code rs_} ...), derived from the replay's id and the recorded item id, so every event of one
 * item names the same fresh id and two replays never share one. {@code call_id}s are kept: they
 * belong to the answer's content. Replayed as a stream: the recorded events byte for byte but those
 * splices ({@code sequence_number}s as recorded: 0, 1, 2, ...). Replayed unary from a stream: the
 * {@code response} of the terminal event ({@code response.completed} or
 * {@code response.incomplete}), which holds every item and the usage. Replayed as a stream from a
 * unary answer: the typed event sequence the gateway's own stream encoder sends (snapshots, then per
 * item its added / part / delta / done events with the whole text or arguments in one delta, the
 * terminal event with the Response, {@code [DONE]}).
 */
public final class ResponsesShape implements ReplayShape {

    public static final ResponsesShape INSTANCE = new ResponsesShape();

    private static final ObjectMapper JSON = new ObjectMapper();

    private ResponsesShape() {
    }

    @Override
    public String ingress() {
        return "responses";
    }

    @Override
    public boolean samples() {
        return true;
    }

    @Override
    public boolean streams() {
        return true;
    }

    /**
     * A request the cache does not take: {@code background: true} is answered with a queued Response
     * that is completed later, not with the answer itself.
     */
    @Override
    public String bypass(CachePlan.Facts request) {
        return request.background() ? "background" : null;
    }

    /**
     * A conversation continued from a stored response is the key's own: the cache never answers
     * it for another key, even on an alias whose entries are shared.
     */
    @Override
    public boolean ownedByKey(CachePlan.Facts request) {
        return request.continues();
    }

    /** The Response id of a replay: the id the door chose ({@code resp_...}), else one from the request id. */
    static String id(Replay r) {
        String id = r.requestId();
        if (id.startsWith("resp_")) {
            return id;
        }
        id = id.replaceAll("[^A-Za-z0-9]", "");
        return "resp_" + (id.length() > 48 ? id.substring(0, 48) : id);
    }

    /**
     * The fresh id of a recorded item id ({@code recorded}, without quotes) in replay {@code responseId}:
     * the recorded id's kind prefix, the replay's suffix, and a hash of the recorded id (items of one
     * answer stay distinct; the same item is named alike in every event).
     */
    static String itemId(String responseId, String recorded) {
        int us = recorded.indexOf('_');
        String kind = us > 0 && us <= 16 ? recorded.substring(0, us) : "item";
        String suffix = responseId.startsWith("resp_") ? responseId.substring(5) : responseId;
        long h = 0xcbf29ce484222325L; // FNV-1a, 64 bits
        for (int i = 0; i < recorded.length(); i++) {
            h ^= recorded.charAt(i);
            h *= 0x100000001b3L;
        }
        return kind + "_" + suffix + "_" + Long.toHexString(h);
    }

    // ---- recording ------------------------------------------------------------------------------

    @Override
    public CacheEntry.Piece event(byte[] bytes) {
        int[] data = data(bytes);
        if (data == null) {
            return new CacheEntry.Piece(CacheEntry.OTHER, bytes, List.of());
        }
        if (data[1] - data[0] == 6 && new String(bytes, data[0], 6, StandardCharsets.US_ASCII).equals("[DONE]")) {
            return new CacheEntry.Piece(CacheEntry.DONE, bytes, List.of());
        }
        return new CacheEntry.Piece(CacheEntry.CHUNK, bytes, splices(bytes, data[0], data[1], true));
    }

    @Override
    public CacheEntry.Piece body(byte[] bytes) {
        return new CacheEntry.Piece(CacheEntry.BODY, bytes, splices(bytes, 0, bytes.length, false));
    }

    @Override
    public String responseModel(CacheEntry.Piece piece) {
        int[] d = piece.kind() == CacheEntry.BODY ? new int[] {0, piece.bytes().length} : data(piece.bytes());
        if (d == null || piece.kind() == CacheEntry.DONE) {
            return "";
        }
        JsonNode n = tree(piece.bytes(), d[0], d[1]);
        JsonNode r = piece.kind() == CacheEntry.BODY ? n : n.path("response");
        return r.path("model").asText("");
    }

    /** {@code [start, end)} of the (one-line) {@code data:} of an event, or null. */
    static int[] data(byte[] b) {
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
     * The splices of the JSON in {@code b[start, end)}: a Response body ({@code event} false) or one
     * typed event. Unreadable JSON has none (replayed as it is).
     */
    static List<CacheEntry.Splice> splices(byte[] b, int start, int end, boolean event) {
        List<CacheEntry.Splice> out = new ArrayList<>(4);
        try (JsonParser p = JSON.getFactory().createParser(b, start, end - start)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t != JsonToken.VALUE_STRING && t != JsonToken.VALUE_NUMBER_INT) {
                    continue;
                }
                JsonStreamContext in = p.getParsingContext(); // the object holding this member
                String name = in.getCurrentName();
                if (name == null || !in.inObject()) {
                    continue;
                }
                int at = start + (int) p.currentTokenLocation().getByteOffset();
                byte what;
                if (t == JsonToken.VALUE_NUMBER_INT) {
                    if (!(name.equals("created_at") || name.equals("completed_at")) || !isResponse(in, event)) {
                        continue;
                    }
                    what = CacheEntry.CREATED;
                } else if (name.equals("id") && isResponse(in, event)) {
                    what = CacheEntry.ID;
                } else if (name.equals("id") && isItem(in, event)) {
                    what = CacheEntry.ITEM_ID;
                } else if (name.equals("item_id") && event && in.getParent().inRoot()) {
                    what = CacheEntry.ITEM_ID;
                } else {
                    continue;
                }
                int stop = what == CacheEntry.CREATED ? endOfNumber(b, at, end) : endOfString(b, at, end);
                if (stop < 0) {
                    return List.of();
                }
                out.add(new CacheEntry.Splice(at, stop, what));
            }
        } catch (IOException e) {
            return List.of();
        }
        return out;
    }

    /** Whether object context {@code in} is the Response: the body's root, or an event's {@code response}. */
    private static boolean isResponse(JsonStreamContext in, boolean event) {
        JsonStreamContext parent = in.getParent();
        if (!event) {
            return parent.inRoot();
        }
        return parent.inObject() && "response".equals(parent.getCurrentName()) && parent.getParent().inRoot();
    }

    /** Whether object context {@code in} is an output item: in the Response's {@code output}, or an event's {@code item}. */
    private static boolean isItem(JsonStreamContext in, boolean event) {
        JsonStreamContext parent = in.getParent();
        if (event && parent.inObject() && "item".equals(parent.getCurrentName()) && parent.getParent().inRoot()) {
            return true;
        }
        if (!parent.inArray()) {
            return false;
        }
        JsonStreamContext holder = parent.getParent(); // the object whose member the array is
        return holder.inObject() && "output".equals(holder.getCurrentName()) && isResponse(holder, event);
    }

    /** With {@code at} on a string's opening quote: past its closing quote, or -1. */
    private static int endOfString(byte[] b, int at, int end) {
        if (at >= end || b[at] != '"') {
            return -1;
        }
        for (int i = at + 1; i < end; i++) {
            if (b[i] == '\\') {
                i++;
            } else if (b[i] == '"') {
                return i + 1;
            }
        }
        return -1;
    }

    private static int endOfNumber(byte[] b, int at, int end) {
        int i = at;
        if (i < end && b[i] == '-') {
            i++;
        }
        while (i < end && b[i] >= '0' && b[i] <= '9') {
            i++;
        }
        return i > at ? i : -1;
    }

    // ---- replay ---------------------------------------------------------------------------------

    /** {@code p} with its splices applied for the replay whose Response id is {@code id}. */
    private static void write(CacheEntry.Piece p, String id, long created, ByteBuf out) {
        byte[] b = p.bytes();
        int at = 0;
        for (CacheEntry.Splice s : p.splices()) {
            out.writeBytes(b, at, s.start() - at);
            switch (s.what()) {
                case CacheEntry.ID -> {
                    out.writeByte('"');
                    out.writeCharSequence(id, StandardCharsets.UTF_8);
                    out.writeByte('"');
                }
                case CacheEntry.CREATED -> out.writeCharSequence(Long.toString(created), StandardCharsets.US_ASCII);
                case CacheEntry.ITEM_ID -> {
                    String recorded = new String(b, s.start() + 1, s.end() - s.start() - 2, StandardCharsets.UTF_8);
                    out.writeByte('"');
                    out.writeCharSequence(itemId(id, recorded), StandardCharsets.UTF_8);
                    out.writeByte('"');
                }
                default -> out.writeBytes(b, s.start(), s.end() - s.start());
            }
            at = s.end();
        }
        out.writeBytes(b, at, b.length - at);
    }

    @Override
    public void stream(CacheEntry e, Replay r, ByteBufAllocator alloc, List<ByteBuf> out) {
        if (!e.stream()) {
            synthesize(e, r, alloc, out);
            return;
        }
        String id = id(r);
        for (CacheEntry.Piece p : e.pieces()) {
            ByteBuf b = alloc.heapBuffer(p.bytes().length + 32 * (p.splices().size() + 1));
            write(p, id, r.createdSeconds(), b);
            out.add(b);
        }
    }

    @Override
    public ByteBuf unary(CacheEntry e, Replay r, ByteBufAllocator alloc) {
        String id = id(r);
        if (!e.stream()) {
            CacheEntry.Piece p = e.pieces().get(0);
            ByteBuf b = alloc.heapBuffer(p.bytes().length + 32 * (p.splices().size() + 1));
            write(p, id, r.createdSeconds(), b);
            return b;
        }
        // The terminal event holds the whole Response (every item, the usage).
        JsonNode response = null;
        ByteBuf scratch = alloc.heapBuffer(1024);
        try {
            for (CacheEntry.Piece p : e.pieces()) {
                int[] d = data(p.bytes());
                if (d == null || p.kind() != CacheEntry.CHUNK) {
                    continue;
                }
                scratch.clear();
                write(p, id, r.createdSeconds(), scratch);
                byte[] spliced = io.netty.buffer.ByteBufUtil.getBytes(scratch);
                int[] sd = data(spliced);
                JsonNode ev = tree(spliced, sd[0], sd[1]);
                String type = ev.path("type").asText();
                if (type.equals("response.completed") || type.equals("response.incomplete")) {
                    response = ev.path("response");
                }
            }
        } finally {
            scratch.release();
        }
        if (response == null || !response.isObject()) {
            // Only streams that reached their terminal event are stored; an older entry without one is
            // answered as the failure it would be.
            throw new IllegalStateException("a cached Responses stream without its terminal event");
        }
        ByteBuf b = alloc.heapBuffer(1024);
        writeJson(b, response);
        return b;
    }

    /** A stream made from a unary Response: the typed events the gateway's stream encoder sends. */
    private static void synthesize(CacheEntry e, Replay r, ByteBufAllocator alloc, List<ByteBuf> out) {
        ByteBuf whole = alloc.heapBuffer(1024);
        JsonNode response;
        try {
            write(e.pieces().get(0), id(r), r.createdSeconds(), whole);
            response = tree(whole);
        } finally {
            whole.release();
        }
        Events ev = new Events(alloc, out);
        ObjectNode snapshot = ((ObjectNode) response.deepCopy());
        snapshot.put("status", "in_progress");
        if (snapshot.has("completed_at")) {
            snapshot.putNull("completed_at");
        }
        snapshot.putNull("incomplete_details");
        snapshot.set("output", JSON.createArrayNode());
        snapshot.remove("usage");
        ev.add("response.created", o -> o.set("response", snapshot));
        ev.add("response.in_progress", o -> o.set("response", snapshot));
        int index = 0;
        for (JsonNode item : response.path("output")) {
            int outputIndex = index++;
            String itemId = item.path("id").asText();
            String type = item.path("type").asText();
            ObjectNode opened = (ObjectNode) item.deepCopy();
            if (opened.has("status")) {
                opened.put("status", "in_progress");
            }
            switch (type) {
                case "message" -> opened.set("content", JSON.createArrayNode());
                case "reasoning" -> opened.set("summary", JSON.createArrayNode());
                case "function_call" -> opened.put("arguments", "");
                default -> { }
            }
            ev.add("response.output_item.added", o -> o.put("output_index", outputIndex).set("item", opened));
            switch (type) {
                case "message" -> {
                    int c = 0;
                    for (JsonNode part : item.path("content")) {
                        int contentIndex = c++;
                        boolean refusal = part.path("type").asText().equals("refusal");
                        ObjectNode empty = (ObjectNode) part.deepCopy();
                        empty.put(refusal ? "refusal" : "text", "");
                        if (!refusal && empty.has("annotations")) {
                            empty.set("annotations", JSON.createArrayNode());
                        }
                        String text = part.path(refusal ? "refusal" : "text").asText();
                        ev.add("response.content_part.added", o -> fields(o, itemId, outputIndex)
                                .put("content_index", contentIndex).set("part", empty));
                        ev.add(refusal ? "response.refusal.delta" : "response.output_text.delta", o -> {
                            fields(o, itemId, outputIndex).put("content_index", contentIndex).put("delta", text);
                            if (!refusal) {
                                o.set("logprobs", JSON.createArrayNode());
                            }
                        });
                        ev.add(refusal ? "response.refusal.done" : "response.output_text.done", o -> {
                            fields(o, itemId, outputIndex).put("content_index", contentIndex)
                                    .put(refusal ? "refusal" : "text", text);
                            if (!refusal) {
                                o.set("logprobs", JSON.createArrayNode());
                            }
                        });
                        ev.add("response.content_part.done", o -> fields(o, itemId, outputIndex)
                                .put("content_index", contentIndex).set("part", part));
                    }
                }
                case "reasoning" -> {
                    int s = 0;
                    for (JsonNode part : item.path("summary")) {
                        int summaryIndex = s++;
                        String text = part.path("text").asText();
                        ObjectNode empty = (ObjectNode) part.deepCopy();
                        empty.put("text", "");
                        ev.add("response.reasoning_summary_part.added", o -> fields(o, itemId, outputIndex)
                                .put("summary_index", summaryIndex).set("part", empty));
                        ev.add("response.reasoning_summary_text.delta", o -> fields(o, itemId, outputIndex)
                                .put("summary_index", summaryIndex).put("delta", text));
                        ev.add("response.reasoning_summary_text.done", o -> fields(o, itemId, outputIndex)
                                .put("summary_index", summaryIndex).put("text", text));
                        ev.add("response.reasoning_summary_part.done", o -> fields(o, itemId, outputIndex)
                                .put("summary_index", summaryIndex).set("part", part));
                    }
                }
                case "function_call" -> {
                    String args = item.path("arguments").asText();
                    ev.add("response.function_call_arguments.delta", o -> fields(o, itemId, outputIndex)
                            .put("delta", args));
                    ev.add("response.function_call_arguments.done", o -> fields(o, itemId, outputIndex)
                            .put("name", item.path("name").asText()).put("arguments", args));
                }
                default -> { }
            }
            ev.add("response.output_item.done", o -> o.put("output_index", outputIndex).set("item", item));
        }
        String status = response.path("status").asText();
        ev.add(status.equals("incomplete") ? "response.incomplete" : "response.completed",
                o -> o.set("response", response));
        ByteBuf done = alloc.heapBuffer(16);
        done.writeCharSequence("data: [DONE]\n\n", StandardCharsets.US_ASCII);
        out.add(done);
    }

    private static ObjectNode fields(ObjectNode o, String itemId, int outputIndex) {
        return o.put("item_id", itemId).put("output_index", outputIndex);
    }

    /** Typed events with {@code sequence_number} 0, 1, 2, ... */
    private static final class Events {
        private final ByteBufAllocator alloc;
        private final List<ByteBuf> out;
        private int sequence;

        Events(ByteBufAllocator alloc, List<ByteBuf> out) {
            this.alloc = alloc;
            this.out = out;
        }

        void add(String type, java.util.function.Consumer<ObjectNode> members) {
            ObjectNode o = JSON.createObjectNode();
            o.put("type", type);
            o.put("sequence_number", sequence++);
            members.accept(o);
            ByteBuf b = alloc.heapBuffer(256);
            b.writeCharSequence("event: " + type + "\ndata: ", StandardCharsets.UTF_8);
            writeJson(b, o);
            b.writeByte('\n').writeByte('\n');
            out.add(b);
        }
    }

    private static void writeJson(ByteBuf b, JsonNode n) {
        try (JsonGenerator g = JSON.getFactory().createGenerator((java.io.OutputStream) new ByteBufOutputStream(b))) {
            g.writeTree(n);
        } catch (IOException ex) {
            b.release();
            throw new UncheckedIOException(ex);
        }
    }

    private static JsonNode tree(ByteBuf b) {
        try {
            JsonNode n = JSON.readTree((java.io.InputStream) new ByteBufInputStream(b.duplicate()));
            return n == null ? JSON.createObjectNode() : n;
        } catch (IOException ex) {
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
