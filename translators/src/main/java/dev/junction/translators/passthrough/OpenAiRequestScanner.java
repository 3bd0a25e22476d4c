package dev.junction.translators.passthrough;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import dev.junction.stream.GatewayError;
import dev.junction.translators.spi.TranslationException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One streaming pass over an OpenAI request body that validates it as JSON, enforces the depth
 * and string-length limits, and records the {@link OpenAiRequestFacts} the pass-through path and
 * the router need. No tree is built and large strings (base64 media) are skipped, not decoded
 * (DESIGN house rule 5). Thread-safe: one instance per limits setting.
 */
public final class OpenAiRequestScanner {

    private final JsonFactory factory;
    private final int maxDepth;
    private final int maxStringLength;

    public OpenAiRequestScanner(int maxDepth, int maxStringLength) {
        this.maxDepth = maxDepth;
        this.maxStringLength = maxStringLength;
        this.factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(maxDepth).maxStringLength(maxStringLength).build())
                .build();
    }

    /**
     * Scans {@code body} as a request that needs {@code model} only (not consumed, not released;
     * a leading UTF-8 byte order mark is skipped, see {@link #scan(ByteBuf, boolean)}).
     */
    public OpenAiRequestFacts scan(ByteBuf body) {
        return scan(body, null);
    }

    /**
     * Scans a chat ({@code embeddings} false: {@code messages} is required) or embeddings
     * ({@code input} is required) request body. Not released; a leading UTF-8 byte order mark is
     * skipped by moving the body's reader index past it (RFC 8259 §8.1 lets a parser ignore it), so
     * that every offset and every forwarded byte starts at the JSON text. Throws
     * {@link TranslationException} with {@code invalid_json}, {@code missing_field} or
     * {@code invalid_value}.
     */
    public OpenAiRequestFacts scan(ByteBuf body, boolean embeddings) {
        return scan(body, embeddings ? "input" : "messages");
    }

    /**
     * Scans a Responses request body ({@code input} is required) with the same byte-level and JSON
     * limits; only {@code model}, {@code stream} and the body size are meaningful in the facts.
     */
    public OpenAiRequestFacts scanResponses(ByteBuf body) {
        return scan(body, "input");
    }

    /** {@link #scan(ByteBuf, boolean)} for a request that needs {@code required} (or nothing but {@code model}). */
    OpenAiRequestFacts scanFor(ByteBuf body, String required) {
        return scan(body, required);
    }

    int maxDepth() {
        return maxDepth;
    }

    int maxStringLength() {
        return maxStringLength;
    }

    private OpenAiRequestFacts scan(ByteBuf body, String required) {
        skipByteOrderMark(body);
        // The common case in one pass over the bytes (the byte rules and the JSON pass at once);
        // anything it cannot vouch for (every error included) is decided, and its error worded,
        // by the byte check and the Jackson pass.
        OpenAiRequestFacts facts = RequestByteScan.scan(body, required, maxDepth, maxStringLength);
        if (facts != null) {
            return facts;
        }
        checkRawRules(body);
        return jacksonPass(body, required);
    }

    /**
     * The checks and facts of {@link #scan(ByteBuf, boolean)} by the Jackson pass alone, without
     * the byte scan in front: what every body cost before it, kept to compare against (tests and
     * {@code RequestScanBenchmark}).
     */
    public OpenAiRequestFacts scanWithJackson(ByteBuf body, boolean embeddings) {
        return scanWithJackson(body, embeddings ? "input" : "messages");
    }

    OpenAiRequestFacts scanWithJackson(ByteBuf body, String required) {
        checkRaw(body);
        return jacksonPass(body, required);
    }

    private OpenAiRequestFacts jacksonPass(ByteBuf body, String required) {
        try (JsonParser p = parser(body)) {
            return scan(p, required);
        } catch (StreamConstraintsException e) {
            throw invalid("invalid_json", null, "The request body exceeds a JSON limit: " + e.getOriginalMessage()
                    + ". Send a smaller or less deeply nested body.");
        } catch (JsonParseException e) {
            throw invalid("invalid_json", null, "The request body is not valid JSON: " + e.getOriginalMessage()
                    + " (at byte " + e.getLocation().getByteOffset() + ").");
        } catch (IOException e) {
            throw invalid("invalid_json", null, "The request body could not be read as JSON: " + e.getMessage());
        }
    }

    /** A leading UTF-8 byte order mark (one) and the byte-level rules of {@link RawBodyCheck}. */
    private void checkRaw(ByteBuf body) {
        skipByteOrderMark(body);
        checkRawRules(body);
    }

    private static void skipByteOrderMark(ByteBuf body) {
        int r = body.readerIndex();
        if (body.readableBytes() >= 3 && body.getUnsignedByte(r) == 0xEF && body.getUnsignedByte(r + 1) == 0xBB
                && body.getUnsignedByte(r + 2) == 0xBF) {
            body.skipBytes(3);
        }
    }

    /** The byte-level rules of {@link RawBodyCheck}, with a message that says how to fix the body. */
    private void checkRawRules(ByteBuf body) {
        int r = body.readerIndex();
        RawBodyCheck.Result bad = RawBodyCheck.check(body, maxStringLength);
        if (bad == null) {
            return;
        }
        int n = body.readableBytes();
        boolean utf16Bom = n >= 2 && (body.getUnsignedByte(r) == 0xFE && body.getUnsignedByte(r + 1) == 0xFF
                || body.getUnsignedByte(r) == 0xFF && body.getUnsignedByte(r + 1) == 0xFE);
        boolean wide = utf16Bom || n >= 2 && (body.getByte(r) == 0 || body.getByte(r + 1) == 0);
        if (wide) {
            throw invalid("invalid_json", null, "The request body is not UTF-8 (it looks like UTF-16 or UTF-32)."
                    + " JSON requests must be sent as UTF-8 (RFC 8259 §8.1).");
        }
        throw switch (bad.problem()) {
            case NUL -> invalid("invalid_json", null, "The request body contains a NUL byte (at byte " + bad.offset()
                    + "); JSON text must be UTF-8 and control characters in strings must be escaped.");
            case INVALID_UTF8 -> invalid("invalid_json", null, "The request body is not valid UTF-8 (at byte "
                    + bad.offset() + "): invalid, overlong or surrogate byte sequences are refused. Send UTF-8 text.");
            case LONG_STRING -> invalid("invalid_json", null, "A string in the request body is longer than "
                    + maxStringLength + " bytes (junction.server.max-string-length; at byte " + bad.offset() + ").");
        };
    }

    private JsonParser parser(ByteBuf body) throws IOException {
        if (body.hasArray()) {
            return factory.createParser(body.array(), body.arrayOffset() + body.readerIndex(), body.readableBytes());
        }
        return factory.createParser((java.io.InputStream) new ByteBufInputStream(body.duplicate()));
    }

    private OpenAiRequestFacts scan(JsonParser p, String required) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw invalid("invalid_json", null, "The request body must be a JSON object.");
        }
        String model = null;
        int modelStart = -1;
        int modelEnd = -1;
        boolean stream = false;
        boolean includeUsage = false;
        int soStart = -1;
        int soEnd = -1;
        int images = 0;
        int tools = 0;
        boolean jsonSchema = false;
        long maxCompletion = -1;
        long maxTokens = -1;
        int n = 1;
        long textBytes = 0;
        long mediaBytes = 0;
        boolean sawMessages = false;
        boolean sawInput = false;
        Set<String> seen = new HashSet<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            if (!seen.add(name)) {
                throw duplicate(name);
            }
            JsonToken t = p.nextToken();
            int start = (int) p.currentTokenLocation().getByteOffset();
            switch (name) {
                case "model" -> {
                    if (t != JsonToken.VALUE_STRING) {
                        throw invalid("invalid_value", "model", "'model' must be a string naming a model alias.");
                    }
                    model = p.getText();
                    modelStart = start;
                    modelEnd = (int) p.currentLocation().getByteOffset();
                }
                case "stream" -> {
                    if (t == JsonToken.VALUE_TRUE) {
                        stream = true;
                    } else if (t != JsonToken.VALUE_FALSE && t != JsonToken.VALUE_NULL) {
                        throw invalid("invalid_value", "stream", "'stream' must be a boolean.");
                    }
                }
                case "stream_options" -> {
                    if (t == JsonToken.START_OBJECT) {
                        includeUsage = scanStreamOptions(p);
                        soStart = start;
                        soEnd = (int) p.currentLocation().getByteOffset();
                    } else if (t != JsonToken.VALUE_NULL) {
                        throw invalid("invalid_value", "stream_options", "'stream_options' must be an object.");
                    } else {
                        soStart = start;
                        soEnd = (int) p.currentLocation().getByteOffset();
                    }
                }
                case "messages" -> {
                    if (t != JsonToken.START_ARRAY) {
                        throw invalid("invalid_value", "messages", "'messages' must be an array of messages.");
                    }
                    sawMessages = true;
                    long[] media = new long[1];
                    images = countImages(p, media);
                    mediaBytes = media[0];
                    textBytes = p.currentLocation().getByteOffset() - start;
                }
                case "tools" -> {
                    if (t == JsonToken.START_ARRAY) {
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            tools++;
                            p.skipChildren();
                        }
                    } else if (t != JsonToken.VALUE_NULL) {
                        throw invalid("invalid_value", "tools", "'tools' must be an array.");
                    }
                }
                case "response_format" -> jsonSchema = scanResponseFormat(p, t);
                case "max_completion_tokens" -> maxCompletion = positiveInt(p, t, name);
                case "max_tokens" -> maxTokens = positiveInt(p, t, name);
                case "n" -> {
                    long v = positiveInt(p, t, name);
                    if (v == 0) {
                        throw invalid("invalid_value", "n", "'n' must be at least 1.");
                    }
                    n = v < 0 ? 1 : (int) Math.min(v, 128);
                }
                case "input" -> {
                    sawInput = t != JsonToken.VALUE_NULL;
                    p.skipChildren();
                }
                default -> p.skipChildren();
            }
        }
        if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
            throw invalid("invalid_json", null, "The request body has content after the JSON object.");
        }
        if (model == null) {
            throw invalid("missing_field", "model", "The request has no 'model'. Set it to one of the aliases listed by GET /v1/models.");
        }
        if ("messages".equals(required) && !sawMessages) {
            throw invalid("missing_field", "messages", "The request has no 'messages'. Send the conversation as an array"
                    + " of messages, e.g. [{\"role\":\"user\",\"content\":\"Hello\"}].");
        }
        if ("input".equals(required) && !sawInput) {
            throw invalid("missing_field", "input", "The request has no 'input'. Send the text (or array of texts) to embed.");
        }
        return new OpenAiRequestFacts(model, modelStart, modelEnd, stream, includeUsage, soStart, soEnd, images, tools,
                jsonSchema, maxCompletion >= 0 ? maxCompletion : maxTokens, n, sawMessages ? textBytes : 0, mediaBytes);
    }

    /** A JSON string value in a body: bytes {@code [start, end)} including the quotes, and its text. */
    public record StringSpan(int start, int end, String value) {
    }

    /**
     * The tool-call ids of the conversation history: every {@code messages[].tool_calls[].id} and
     * {@code messages[].tool_call_id} string, in body order. A second pass over a body that
     * {@link #scan} already validated, run only for a server that constrains the ids (wire-formats
     * §6.1, Mistral), so the common path does not pay for recording them. {@code body} is not
     * consumed.
     */
    public static List<StringSpan> toolCallIds(ByteBuf body) {
        List<StringSpan> out = new ArrayList<>();
        try (JsonParser p = body.hasArray()
                ? PLAIN.createParser(body.array(), body.arrayOffset() + body.readerIndex(), body.readableBytes())
                : PLAIN.createParser((java.io.InputStream) new ByteBufInputStream(body.duplicate()))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return out;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if ("messages".equals(name) && t == JsonToken.START_ARRAY) {
                    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                        if (t == JsonToken.START_OBJECT) {
                            messageIds(p, out);
                        } else {
                            p.skipChildren();
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw invalid("invalid_json", null, "The request body could not be read as JSON: " + e.getMessage());
        }
        return out;
    }

    /**
     * One top-level member of a request body, for a dialect that refuses or removes members its
     * server does not support (wire-formats §6.1, Ollama). Offsets are relative to the body's reader
     * index, end exclusive.
     *
     * @param name   the member's name
     * @param start  the opening quote of the name
     * @param end    just after the value
     * @param kind   the value's first token
     * @param first  for an object or array, its first inner token ({@code END_ARRAY}/{@code END_OBJECT}
     *               when empty, {@code FIELD_NAME} for a non-empty object, the first element's token
     *               for an array); null for a scalar
     * @param text   a scalar's text (string, number, {@code true}/{@code false}/{@code null}); null for
     *               an object or array
     */
    public record Member(String name, int start, int end, JsonToken kind, JsonToken first, String text) {

        /** Whether the value asks for nothing: {@code null}, {@code false}, {@code {}} or {@code []}. */
        public boolean inert() {
            return kind == JsonToken.VALUE_NULL || kind == JsonToken.VALUE_FALSE
                    || first == JsonToken.END_ARRAY || first == JsonToken.END_OBJECT;
        }
    }

    /**
     * What a second pass over a validated body found for a dialect ({@link #members}).
     *
     * @param members           every top-level member, in body order
     * @param remoteImageParams where each {@code image_url} part whose url is not a {@code data:} URL
     *                          sits, as a parameter path ({@code messages[0].content[1].image_url.url});
     *                          empty unless asked for
     */
    public record BodyMembers(List<Member> members, List<String> remoteImageParams) {
    }

    /**
     * The top-level members of {@code body} (and, when {@code remoteImages}, the {@code image_url}
     * parts that reference a URL rather than carry a data URL). A second pass over a body that
     * {@link #scan} already validated, run only for a server dialect that needs it, so the common
     * path does not pay for it. Large strings are skipped, never decoded. {@code body} is not
     * consumed.
     */
    public static BodyMembers members(ByteBuf body, boolean remoteImages) {
        List<Member> members = new ArrayList<>();
        List<String> remote = remoteImages ? new ArrayList<>(0) : List.of();
        try (JsonParser p = body.hasArray()
                ? PLAIN.createParser(body.array(), body.arrayOffset() + body.readerIndex(), body.readableBytes())
                : PLAIN.createParser((java.io.InputStream) new ByteBufInputStream(body.duplicate()))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return new BodyMembers(members, remote);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                int start = (int) p.currentTokenLocation().getByteOffset();
                JsonToken kind = p.nextToken();
                JsonToken first = null;
                String text = null;
                if (kind == JsonToken.START_ARRAY) {
                    if (remoteImages && "messages".equals(name)) {
                        first = remoteImages(p, body, remote);
                    } else {
                        first = p.nextToken();
                        if (first != JsonToken.END_ARRAY) {
                            p.skipChildren();
                            while (p.nextToken() != JsonToken.END_ARRAY) {
                                p.skipChildren();
                            }
                        }
                    }
                } else if (kind == JsonToken.START_OBJECT) {
                    first = p.nextToken();
                    if (first == JsonToken.FIELD_NAME) {
                        do {
                            p.nextToken();
                            p.skipChildren();
                        } while (p.nextToken() == JsonToken.FIELD_NAME);
                    }
                } else {
                    // Reading the text also finishes a string token, so the location below is its end.
                    text = p.getText();
                }
                members.add(new Member(name, start, (int) p.currentLocation().getByteOffset(), kind, first, text));
            }
        } catch (IOException e) {
            throw invalid("invalid_json", null, "The request body could not be read as JSON: " + e.getMessage());
        }
        return new BodyMembers(members, remote);
    }

    /**
     * Walks the messages array (the parser is on its {@code START_ARRAY}) and records every
     * {@code messages[i].content[j].image_url.url} that is not a data URL. Returns the array's first
     * inner token. The url's first bytes are read from the body, so a base64 payload is never decoded.
     */
    private static JsonToken remoteImages(JsonParser p, ByteBuf body, List<String> out) throws IOException {
        JsonToken first = null;
        int i = -1;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            i++;
            if (first == null) {
                first = t;
            }
            if (t != JsonToken.START_OBJECT) {
                p.skipChildren();
                continue;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                JsonToken v = p.nextToken();
                if (!"content".equals(f) || v != JsonToken.START_ARRAY) {
                    p.skipChildren();
                    continue;
                }
                int j = -1;
                JsonToken part;
                while ((part = p.nextToken()) != JsonToken.END_ARRAY) {
                    j++;
                    if (part != JsonToken.START_OBJECT) {
                        p.skipChildren();
                        continue;
                    }
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String pf = p.currentName();
                        JsonToken pv = p.nextToken();
                        if (!"image_url".equals(pf)) {
                            p.skipChildren();
                        } else if (pv == JsonToken.VALUE_STRING) {
                            // Some clients send the url as a bare string; it is still a url.
                            if (!dataUrl(p, body)) {
                                out.add("messages[" + i + "].content[" + j + "].image_url");
                            }
                        } else if (pv == JsonToken.START_OBJECT) {
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String uf = p.currentName();
                                JsonToken uv = p.nextToken();
                                if ("url".equals(uf) && uv == JsonToken.VALUE_STRING && !dataUrl(p, body)) {
                                    out.add("messages[" + i + "].content[" + j + "].image_url.url");
                                } else {
                                    p.skipChildren();
                                }
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                }
            }
        }
        return first == null ? JsonToken.END_ARRAY : first;
    }

    private static final byte[] DATA = {'d', 'a', 't', 'a', ':'};

    /**
     * Whether the string token the parser is on is a {@code data:} URL (the scheme is
     * case-insensitive, RFC 2397). Its first bytes are read from the body; only a string that does
     * not start with the plain scheme (e.g. one that escapes it) is decoded to be sure.
     */
    private static boolean dataUrl(JsonParser p, ByteBuf body) throws IOException {
        int at = body.readerIndex() + (int) p.currentTokenLocation().getByteOffset() + 1;
        if (at + DATA.length <= body.writerIndex()) {
            boolean plain = true;
            for (int k = 0; k < DATA.length && plain; k++) {
                plain = Character.toLowerCase(body.getByte(at + k)) == DATA[k];
            }
            if (plain) {
                return true;
            }
        }
        String url = p.getText();
        return url.regionMatches(true, 0, "data:", 0, DATA.length);
    }

    private static void messageIds(JsonParser p, List<StringSpan> out) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            if ("tool_call_id".equals(name) && t == JsonToken.VALUE_STRING) {
                out.add(span(p));
            } else if ("tool_calls".equals(name) && t == JsonToken.START_ARRAY) {
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t != JsonToken.START_OBJECT) {
                        p.skipChildren();
                        continue;
                    }
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String f = p.currentName();
                        if (p.nextToken() == JsonToken.VALUE_STRING && "id".equals(f)) {
                            out.add(span(p));
                        } else {
                            p.skipChildren();
                        }
                    }
                }
            } else {
                p.skipChildren();
            }
        }
    }

    private static StringSpan span(JsonParser p) throws IOException {
        int start = (int) p.currentTokenLocation().getByteOffset();
        String value = p.getText();
        return new StringSpan(start, (int) p.currentLocation().getByteOffset(), value);
    }

    /** For second passes over a body {@link #scan} already held to the configured limits. */
    private static final JsonFactory PLAIN = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(Integer.MAX_VALUE)
                    .maxStringLength(Integer.MAX_VALUE).build())
            .build();

    private static boolean scanStreamOptions(JsonParser p) throws IOException {
        boolean include = false;
        boolean seen = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken v = p.nextToken();
            if ("include_usage".equals(f)) {
                if (seen) {
                    throw duplicate("stream_options.include_usage");
                }
                seen = true;
                include = v == JsonToken.VALUE_TRUE;
            } else {
                p.skipChildren();
            }
        }
        return include;
    }

    /**
     * Walks the messages counting {@code image_url} parts and the bytes of long media strings (the
     * {@code url}, {@code file_data} and {@code data} values that carry base64) without decoding
     * them: a string's size is the distance from its start to the next token.
     */
    private int countImages(JsonParser p, long[] mediaBytes) throws IOException {
        int images = 0;
        int depth = 1;
        long stringStart = -1;
        boolean mediaString = false;
        String field = null;
        while (depth > 0) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new JsonParseException(p, "unexpected end of input in messages");
            }
            long at = p.currentTokenLocation().getByteOffset();
            if (stringStart >= 0) {
                // Skipped strings are never decoded, so Jackson's own length limit does not see them.
                long size = at - stringStart;
                if (size > maxStringLength + 4L) {
                    throw invalid("invalid_json", "messages", "A string in the messages is longer than "
                            + maxStringLength + " bytes (junction.server.max-string-length).");
                }
                if (mediaString && size > MEDIA_STRING_BYTES) {
                    mediaBytes[0] += size;
                }
                stringStart = -1;
            }
            switch (t) {
                case START_ARRAY, START_OBJECT -> {
                    if (++depth > maxDepth) {
                        throw invalid("invalid_json", "messages", "The messages are nested deeper than " + maxDepth + " levels.");
                    }
                }
                case END_ARRAY, END_OBJECT -> depth--;
                case FIELD_NAME -> {
                    field = p.currentName();
                    if ("image_url".equals(field)) {
                        images++;
                    }
                }
                case VALUE_STRING -> {
                    stringStart = at;
                    mediaString = "url".equals(field) || "file_data".equals(field) || "data".equals(field);
                }
                default -> { }
            }
        }
        return images;
    }

    /** Media strings longer than this are left out of the prompt-size estimate (they are not text). */
    private static final int MEDIA_STRING_BYTES = 4096;

    private static boolean scanResponseFormat(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.START_OBJECT) {
            p.skipChildren();
            return false;
        }
        boolean schema = false;
        boolean seen = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken v = p.nextToken();
            if ("type".equals(f) && seen) {
                throw duplicate("response_format.type");
            }
            seen |= "type".equals(f);
            if ("type".equals(f) && v == JsonToken.VALUE_STRING) {
                schema = "json_schema".equals(p.getText());
            } else {
                p.skipChildren();
            }
        }
        return schema;
    }

    private static long positiveInt(JsonParser p, JsonToken t, String name) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return -1;
        }
        if (t != JsonToken.VALUE_NUMBER_INT || p.getLongValue() < 0) {
            throw invalid("invalid_value", name, "'" + name + "' must be a non-negative integer.");
        }
        return p.getLongValue();
    }

    /**
     * A member sent twice. Parsers disagree on which copy wins (Jackson and most Python and Go
     * decoders keep the last, others the first), so forwarding both could let the vendor run a
     * model the gateway neither routed, allowed nor priced: refused rather than guessed.
     */
    private static TranslationException duplicate(String param) {
        return invalid("invalid_json", param, "The request body has the member '" + param
                + "' more than once; send each member once.");
    }

    private static TranslationException invalid(String code, String param, String message) {
        return new TranslationException(GatewayError.invalidRequest(code, param, message));
    }
}
