package dev.junction.core.cache;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.junction.stream.OpenAiChunkWriter;
import dev.junction.stream.Usage;
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
 * {@code POST /v1/chat/completions} (docs/cache.md). Recorded: the body, or each SSE event as sent
 * ({@code data: <chat.completion.chunk>}, the usage chunk, {@code data: [DONE]}), with splices for
 * the top-level {@code id} and {@code created} and for the {@code ,"usage":null} member a client
 * that asked for usage gets in every chunk.
 *
 * <p>Replayed as a stream: the recorded events, byte for byte except the fresh id and time; the
 * usage chunk (and the null usage members) only if this client asked for usage, and made from the
 * recorded usage when the recording client had not asked. Replayed unary from a stream: the chunks
 * folded into one {@code chat.completion} (text, reasoning, refusal and tool calls per choice, the
 * finish reason, usage). Replayed as a stream from a unary answer: one role chunk, then reasoning,
 * text, refusal, one chunk per tool call, the finish, usage if asked, {@code [DONE]} — that answer
 * never had chunk boundaries to keep.
 */
public final class ChatShape implements ReplayShape {

    public static final ChatShape INSTANCE = new ChatShape();

    private static final JsonFactory FACTORY = new JsonFactory();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] NULL_USAGE = ",\"usage\":null".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private ChatShape() {
    }

    @Override
    public String ingress() {
        return "chat";
    }

    @Override
    public boolean samples() {
        return true;
    }

    @Override
    public boolean streams() {
        return true;
    }

    /** The chat id of a replay: the gateway's own form, as translated answers carry. */
    static String id(Replay r) {
        return "chatcmpl-" + r.requestId();
    }

    // ---- recording ------------------------------------------------------------------------------

    @Override
    public CacheEntry.Piece event(byte[] bytes) {
        int[] payload = payload(bytes);
        if (payload == null) {
            return new CacheEntry.Piece(CacheEntry.OTHER, bytes, List.of());
        }
        int start = payload[0];
        int end = payload[1];
        if (end - start == 6 && new String(bytes, start, 6, StandardCharsets.US_ASCII).equals("[DONE]")) {
            return new CacheEntry.Piece(CacheEntry.DONE, bytes, List.of());
        }
        Scan s = scan(bytes, start, end);
        if (s == null) {
            return new CacheEntry.Piece(CacheEntry.OTHER, bytes, List.of());
        }
        List<CacheEntry.Splice> splices = s.splices;
        int nu = indexOf(bytes, start, end, NULL_USAGE);
        if (nu >= 0) {
            splices.add(new CacheEntry.Splice(nu, nu + NULL_USAGE.length, CacheEntry.USAGE_ONLY));
        }
        splices.sort((a, b) -> Integer.compare(a.start(), b.start()));
        byte kind = s.choices == 0 && s.usage ? CacheEntry.USAGE : s.choices >= 0 ? CacheEntry.CHUNK : CacheEntry.OTHER;
        return new CacheEntry.Piece(kind, bytes, splices);
    }

    @Override
    public CacheEntry.Piece body(byte[] bytes) {
        Scan s = scan(bytes, 0, bytes.length);
        List<CacheEntry.Splice> splices = s == null ? List.of() : s.splices;
        return new CacheEntry.Piece(CacheEntry.BODY, bytes, splices);
    }

    @Override
    public String responseModel(CacheEntry.Piece piece) {
        int[] p = piece.kind() == CacheEntry.BODY ? new int[] {0, piece.bytes().length} : payload(piece.bytes());
        if (p == null) {
            return "";
        }
        Scan s = scan(piece.bytes(), p[0], p[1]);
        return s == null || s.model == null ? "" : s.model;
    }

    /** What one top-level object holds, as far as the cache cares. */
    private static final class Scan {
        final List<CacheEntry.Splice> splices = new ArrayList<>(3);
        /** -1 when there is no choices array. */
        int choices = -1;
        boolean usage;
        String model;
    }

    /**
     * One streaming pass over the object in {@code b[start, end)}: where its top-level {@code id}
     * and {@code created} values are, how many choices it has, whether it carries usage. Null when
     * it is not a JSON object.
     */
    private static Scan scan(byte[] b, int start, int end) {
        Scan s = new Scan();
        try (JsonParser p = FACTORY.createParser(b, start, end - start)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                int at = start + (int) p.currentTokenLocation().getByteOffset();
                switch (name) {
                    case "id" -> {
                        if (v == JsonToken.VALUE_STRING) {
                            p.getText();
                            s.splices.add(new CacheEntry.Splice(at, start + (int) p.currentLocation().getByteOffset(),
                                    CacheEntry.ID));
                        }
                    }
                    case "created" -> {
                        if (v == JsonToken.VALUE_NUMBER_INT) {
                            int digits = p.getText().length();
                            s.splices.add(new CacheEntry.Splice(at, at + digits, CacheEntry.CREATED));
                        }
                    }
                    case "model" -> {
                        if (v == JsonToken.VALUE_STRING && s.model == null) {
                            s.model = p.getText();
                        }
                    }
                    case "choices" -> {
                        if (v == JsonToken.START_ARRAY) {
                            int n = 0;
                            while (p.nextToken() != JsonToken.END_ARRAY) {
                                p.skipChildren();
                                n++;
                            }
                            s.choices = n;
                        }
                    }
                    case "usage" -> s.usage = v == JsonToken.START_OBJECT;
                    default -> { }
                }
                if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                    p.skipChildren();
                }
            }
            return t == JsonToken.END_OBJECT ? s : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** {@code [start, end)} of the data of a one-line {@code data:} event, or null. */
    private static int[] payload(byte[] b) {
        if (b.length < 5 || b[0] != 'd' || b[1] != 'a' || b[2] != 't' || b[3] != 'a' || b[4] != ':') {
            return null;
        }
        int start = b.length > 5 && b[5] == ' ' ? 6 : 5;
        int end = b.length;
        while (end > start && (b[end - 1] == '\n' || b[end - 1] == '\r')) {
            end--;
        }
        for (int i = start; i < end; i++) {
            if (b[i] == '\n' || b[i] == '\r') {
                return null; // several data lines: not a chunk this shape writes
            }
        }
        return new int[] {start, end};
    }

    private static int indexOf(byte[] b, int from, int to, byte[] pattern) {
        outer:
        for (int i = to - pattern.length; i >= from; i--) {
            for (int j = 0; j < pattern.length; j++) {
                if (b[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    // ---- replay ---------------------------------------------------------------------------------

    @Override
    public void stream(CacheEntry e, Replay r, ByteBufAllocator alloc, List<ByteBuf> out) {
        if (!e.stream()) {
            synthesize(e, r, alloc, out);
            return;
        }
        String id = id(r);
        boolean usageSent = false;
        for (CacheEntry.Piece p : e.pieces()) {
            switch (p.kind()) {
                case CacheEntry.USAGE -> {
                    if (r.includeUsage()) {
                        out.add(piece(p, id, r, alloc));
                        usageSent = true;
                    }
                }
                case CacheEntry.DONE -> {
                    if (r.includeUsage() && !usageSent) {
                        addUsageChunk(e, r, alloc, out);
                        usageSent = true;
                    }
                    out.add(alloc.heapBuffer(p.bytes().length).writeBytes(p.bytes()));
                }
                default -> out.add(piece(p, id, r, alloc));
            }
        }
    }

    private static ByteBuf piece(CacheEntry.Piece p, String id, Replay r, ByteBufAllocator alloc) {
        ByteBuf b = alloc.heapBuffer(p.bytes().length + 32);
        ReplayShape.write(p, id, r.createdSeconds(), r.includeUsage(), b);
        return b;
    }

    private static void addUsageChunk(CacheEntry e, Replay r, ByteBufAllocator alloc, List<ByteBuf> out) {
        Usage u = e.usageOrNull();
        if (u == null) {
            return;
        }
        out.add(event(alloc, g -> {
            chunkHead(g, e, r);
            g.writeArrayFieldStart("choices");
            g.writeEndArray();
            g.writeFieldName("usage");
            OpenAiChunkWriter.writeUsage(g, u);
            g.writeEndObject();
        }));
    }

    private static void chunkHead(JsonGenerator g, CacheEntry e, Replay r) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", id(r));
        g.writeStringField("object", "chat.completion.chunk");
        g.writeNumberField("created", r.createdSeconds());
        g.writeStringField("model", e.responseModel());
    }

    /** A stream made from a unary answer: the answer's parts in the order a vendor streams them. */
    private static void synthesize(CacheEntry e, Replay r, ByteBufAllocator alloc, List<ByteBuf> out) {
        JsonNode body = tree(e.pieces().get(0).bytes());
        for (JsonNode c : body.path("choices")) {
            int index = c.path("index").asInt(0);
            JsonNode m = c.path("message");
            delta(e, r, alloc, out, index, d -> {
                d.writeStringField("role", "assistant");
                d.writeStringField("content", "");
            }, null);
            for (String field : new String[] {"reasoning_content", "reasoning", "content", "refusal"}) {
                JsonNode v = m.get(field);
                if (v != null && v.isTextual() && !v.asText().isEmpty()) {
                    delta(e, r, alloc, out, index, d -> d.writeStringField(field, v.asText()), null);
                }
            }
            int k = 0;
            for (JsonNode call : m.path("tool_calls")) {
                int callIndex = k++;
                delta(e, r, alloc, out, index, d -> {
                    d.writeArrayFieldStart("tool_calls");
                    d.writeStartObject();
                    d.writeNumberField("index", callIndex);
                    d.writeStringField("id", call.path("id").asText());
                    d.writeStringField("type", call.path("type").asText("function"));
                    d.writeObjectFieldStart("function");
                    d.writeStringField("name", call.path("function").path("name").asText());
                    d.writeStringField("arguments", call.path("function").path("arguments").asText(""));
                    d.writeEndObject();
                    d.writeEndObject();
                    d.writeEndArray();
                }, null);
            }
            String finish = c.path("finish_reason").asText("stop");
            delta(e, r, alloc, out, index, d -> { }, finish);
        }
        if (r.includeUsage()) {
            JsonNode usage = body.get("usage");
            if (usage != null && usage.isObject()) {
                out.add(event(alloc, g -> {
                    chunkHead(g, e, r);
                    g.writeArrayFieldStart("choices");
                    g.writeEndArray();
                    g.writeFieldName("usage");
                    g.writeTree(usage);
                    g.writeEndObject();
                }));
            } else {
                addUsageChunk(e, r, alloc, out);
            }
        }
        out.add(alloc.heapBuffer(DONE.length).writeBytes(DONE));
    }

    private interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    private static void delta(CacheEntry e, Replay r, ByteBufAllocator alloc, List<ByteBuf> out, int index,
                              Writer delta, String finish) {
        out.add(event(alloc, g -> {
            chunkHead(g, e, r);
            g.writeArrayFieldStart("choices");
            g.writeStartObject();
            g.writeNumberField("index", index);
            g.writeObjectFieldStart("delta");
            delta.write(g);
            g.writeEndObject();
            g.writeNullField("logprobs");
            if (finish == null) {
                g.writeNullField("finish_reason");
            } else {
                g.writeStringField("finish_reason", finish);
            }
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        }));
    }

    /** {@code data: <json>\n\n}. */
    private static ByteBuf event(ByteBufAllocator alloc, Writer w) {
        ByteBuf b = alloc.heapBuffer(256);
        b.writeBytes("data: ".getBytes(StandardCharsets.US_ASCII));
        json(b, w);
        b.writeByte('\n').writeByte('\n');
        return b;
    }

    private static void json(ByteBuf b, Writer w) {
        try (JsonGenerator g = JSON.getFactory().createGenerator((java.io.OutputStream) new ByteBufOutputStream(b))) {
            w.write(g);
        } catch (IOException ex) {
            b.release();
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public ByteBuf unary(CacheEntry e, Replay r, ByteBufAllocator alloc) {
        if (!e.stream()) {
            CacheEntry.Piece p = e.pieces().get(0);
            ByteBuf b = alloc.heapBuffer(p.bytes().length + 32);
            ReplayShape.write(p, id(r), r.createdSeconds(), true, b);
            return b;
        }
        return fold(e, r, alloc);
    }

    /** One choice being folded from its deltas. */
    private static final class Choice {
        StringBuilder content;
        StringBuilder reasoning;
        String reasoningField;
        StringBuilder refusal;
        final Map<Integer, ObjectNode> calls = new TreeMap<>();
        final Map<Integer, StringBuilder> arguments = new TreeMap<>();
        String finish;
    }

    /** The chunks of a recorded stream folded into one {@code chat.completion}. */
    private static ByteBuf fold(CacheEntry e, Replay r, ByteBufAllocator alloc) {
        Map<Integer, Choice> choices = new TreeMap<>();
        JsonNode usage = null;
        String fingerprint = null;
        for (CacheEntry.Piece p : e.pieces()) {
            if (p.kind() != CacheEntry.CHUNK && p.kind() != CacheEntry.USAGE) {
                continue;
            }
            int[] at = payload(p.bytes());
            JsonNode chunk = treeOf(p.bytes(), at[0], at[1]);
            if (fingerprint == null && chunk.path("system_fingerprint").isTextual()) {
                fingerprint = chunk.path("system_fingerprint").asText();
            }
            if (chunk.path("usage").isObject()) {
                usage = chunk.get("usage");
            }
            for (JsonNode c : chunk.path("choices")) {
                Choice ch = choices.computeIfAbsent(c.path("index").asInt(0), i -> new Choice());
                JsonNode d = c.path("delta");
                ch.content = append(ch.content, d.get("content"));
                for (String f : new String[] {"reasoning_content", "reasoning"}) {
                    if (d.path(f).isTextual()) {
                        ch.reasoning = append(ch.reasoning, d.get(f));
                        ch.reasoningField = f;
                    }
                }
                ch.refusal = append(ch.refusal, d.get("refusal"));
                for (JsonNode call : d.path("tool_calls")) {
                    int i = call.path("index").asInt(0);
                    ObjectNode o = ch.calls.computeIfAbsent(i, k -> JSON.createObjectNode());
                    if (call.path("id").isTextual()) {
                        o.put("id", call.get("id").asText());
                    }
                    o.put("type", call.path("type").asText(o.path("type").asText("function")));
                    ObjectNode fn = o.has("function") ? (ObjectNode) o.get("function") : o.putObject("function");
                    if (call.path("function").path("name").isTextual()) {
                        fn.put("name", call.path("function").path("name").asText());
                    }
                    if (call.path("function").path("arguments").isTextual()) {
                        ch.arguments.computeIfAbsent(i, k -> new StringBuilder())
                                .append(call.path("function").path("arguments").asText());
                    }
                }
                if (c.path("finish_reason").isTextual() && ch.finish == null) {
                    ch.finish = c.path("finish_reason").asText();
                }
            }
        }
        JsonNode usageNode = usage;
        String fp = fingerprint;
        ByteBuf b = alloc.heapBuffer(512);
        json(b, g -> {
            g.writeStartObject();
            g.writeStringField("id", id(r));
            g.writeStringField("object", "chat.completion");
            g.writeNumberField("created", r.createdSeconds());
            g.writeStringField("model", e.responseModel());
            g.writeArrayFieldStart("choices");
            for (Map.Entry<Integer, Choice> en : choices.entrySet()) {
                Choice c = en.getValue();
                g.writeStartObject();
                g.writeNumberField("index", en.getKey());
                g.writeObjectFieldStart("message");
                g.writeStringField("role", "assistant");
                // content is null, as OpenAI sends it, for an answer that is only tool calls or a refusal.
                g.writeStringField("content", c.content != null ? c.content.toString()
                        : c.calls.isEmpty() && c.refusal == null ? "" : null);
                g.writeStringField("refusal", c.refusal == null ? null : c.refusal.toString());
                if (c.reasoning != null) {
                    g.writeStringField(c.reasoningField, c.reasoning.toString());
                }
                if (!c.calls.isEmpty()) {
                    ArrayNode calls = JSON.createArrayNode();
                    for (Map.Entry<Integer, ObjectNode> call : c.calls.entrySet()) {
                        StringBuilder args = c.arguments.get(call.getKey());
                        ((ObjectNode) call.getValue().get("function")).put("arguments", args == null ? "" : args.toString());
                        calls.add(call.getValue());
                    }
                    g.writeFieldName("tool_calls");
                    g.writeTree(calls);
                }
                g.writeEndObject();
                g.writeNullField("logprobs");
                g.writeStringField("finish_reason", c.finish == null ? "stop" : c.finish);
                g.writeEndObject();
            }
            g.writeEndArray();
            if (usageNode != null) {
                g.writeFieldName("usage");
                g.writeTree(usageNode);
            } else if (e.usageOrNull() != null) {
                g.writeFieldName("usage");
                OpenAiChunkWriter.writeUsage(g, e.usageOrNull());
            }
            if (fp != null) {
                g.writeStringField("system_fingerprint", fp);
            }
            g.writeEndObject();
        });
        return b;
    }

    private static StringBuilder append(StringBuilder b, JsonNode v) {
        if (v == null || !v.isTextual()) {
            return b;
        }
        return (b == null ? new StringBuilder() : b).append(v.asText());
    }

    private static JsonNode tree(byte[] b) {
        return treeOf(b, 0, b.length);
    }

    private static JsonNode treeOf(byte[] b, int start, int end) {
        try (JsonParser p = JSON.getFactory().createParser(b, start, end - start)) {
            JsonNode n = JSON.readTree(p);
            return n == null ? JSON.createObjectNode() : n;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
