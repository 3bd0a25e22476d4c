package dev.junction.translators.passthrough;

import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The common case of {@link OpenAiRequestScanner}'s checks as one hand-written pass over the bytes:
 * it holds the body to {@link RawBodyCheck}'s rules (well-formed UTF-8, no NUL, no string longer
 * than the limit) and to the JSON grammar while it reads the {@link OpenAiRequestFacts} the
 * Jackson pass would record, or answers {@code null} when it cannot vouch for the body. It never
 * refuses a body itself: every rule violation, every syntax error and everything it does not handle
 * (escaped member names or {@code model}, a byte order mark, numbers the rules would have to
 * convert, nesting close to the depth limit, very long names or numbers, large bodies in several
 * pieces) answers {@code null}, and the caller runs {@link RawBodyCheck} and the Jackson pass, which
 * decide and word the error. So a body the vendor receives was accepted by exactly the grammar
 * Jackson accepts (RFC 8259, no extensions) and the byte rules, and the facts, offsets included,
 * are the Jackson pass's ({@code RequestByteScanTest} compares both on thousands of corrupted
 * bodies). On a valid JSON text the byte rules need checking only inside strings: anything else
 * outside them is a syntax error.
 *
 * <p>One instance per scan, confined to the calling thread; no allocation besides the instance,
 * the byte view and the {@code model} string.
 */
final class RequestByteScan {

    /** Bodies in several pieces larger than this go to the Jackson pass rather than being merged. */
    private static final int MAX_MERGED_BYTES = 1 << 20;
    /** Longer member names go to the Jackson pass (it holds names to a limit of its own). */
    private static final int MAX_NAME_BYTES = 1024;
    /** Longer numbers go to the Jackson pass (it holds numbers to a limit of its own). */
    private static final int MAX_NUMBER_BYTES = 64;
    /** Media strings longer than this are left out of the prompt-size estimate (as the Jackson pass does). */
    private static final int MEDIA_STRING_BYTES = 4096;

    /** Thrown (without a stack) when the scan cannot vouch for the body. */
    private static final class Bail extends RuntimeException {
        Bail() {
            super(null, null, false, false);
        }
    }

    private static final Bail BAIL = new Bail();

    private static final byte[] MODEL = ascii("model");
    private static final byte[] STREAM = ascii("stream");
    private static final byte[] STREAM_OPTIONS = ascii("stream_options");
    private static final byte[] MESSAGES = ascii("messages");
    private static final byte[] TOOLS = ascii("tools");
    private static final byte[] RESPONSE_FORMAT = ascii("response_format");
    private static final byte[] MAX_COMPLETION_TOKENS = ascii("max_completion_tokens");
    private static final byte[] MAX_TOKENS = ascii("max_tokens");
    private static final byte[] N = ascii("n");
    private static final byte[] INPUT = ascii("input");
    private static final byte[] INCLUDE_USAGE = ascii("include_usage");
    private static final byte[] TYPE = ascii("type");
    private static final byte[] JSON_SCHEMA = ascii("json_schema");
    private static final byte[] IMAGE_URL = ascii("image_url");
    private static final byte[] URL = ascii("url");
    private static final byte[] FILE_DATA = ascii("file_data");
    private static final byte[] DATA = ascii("data");

    private final ByteBuffer b;
    private final int origin;
    private final int end;
    private final int maxDepth;
    private final long maxStringLength;
    private int i;
    /** Whether the last string read contained a backslash escape. */
    private boolean escaped;
    /** In the messages: the last member name was url, file_data or data (the Jackson pass's media rule). */
    private boolean mediaField;
    private int images;
    private long mediaBytes;
    private int[] names = new int[16];
    private int nameCount;

    private RequestByteScan(ByteBuffer b, int maxDepth, long maxStringLength) {
        this.b = b;
        this.origin = b.position();
        this.end = b.limit();
        this.i = origin;
        this.maxDepth = maxDepth;
        this.maxStringLength = maxStringLength;
    }

    /**
     * The facts of {@code body}'s readable bytes (not consumed) for a request that needs the
     * member {@code required} ({@code "messages"}, {@code "input"} or null), or null to have the
     * Jackson pass decide.
     */
    static OpenAiRequestFacts scan(ByteBuf body, String required, int maxDepth, long maxStringLength) {
        int n = body.readableBytes();
        if (body.nioBufferCount() != 1 && n > MAX_MERGED_BYTES) {
            return null;
        }
        // One view of the bytes (no copy unless the body is in several pieces): its accessors
        // compile to plain loads, where ByteBuf's check the reference count on every call.
        ByteBuffer view = body.nioBuffer(body.readerIndex(), n);
        try {
            return new RequestByteScan(view, maxDepth, maxStringLength).body(required);
        } catch (Bail | IndexOutOfBoundsException e) {
            return null;
        }
    }

    private OpenAiRequestFacts body(String required) {
        ws();
        expect('{');
        String model = null;
        int modelStart = -1;
        int modelEnd = -1;
        boolean stream = false;
        boolean includeUsage = false;
        int soStart = -1;
        int soEnd = -1;
        int tools = 0;
        boolean jsonSchema = false;
        long maxCompletion = -1;
        long maxTokens = -1;
        int n = 1;
        long textBytes = 0;
        boolean sawMessages = false;
        boolean sawInput = false;
        ws();
        if (peek() == '}') {
            i++;
        } else {
            while (true) {
                expect('"');
                int nameStart = i;
                string();
                int nameEnd = i - 1;
                if (escaped || nameEnd - nameStart > MAX_NAME_BYTES) {
                    throw BAIL;
                }
                remember(nameStart, nameEnd);
                ws();
                expect(':');
                ws();
                int start = i - origin;
                if (is(nameStart, nameEnd, MODEL)) {
                    expect('"');
                    int from = i;
                    string();
                    if (escaped) {
                        throw BAIL;
                    }
                    model = text(from, i - 1);
                    modelStart = start;
                    modelEnd = i - origin;
                } else if (is(nameStart, nameEnd, STREAM)) {
                    byte c = peek();
                    if (c == 't') {
                        literal("true");
                        stream = true;
                    } else if (c == 'f') {
                        literal("false");
                    } else {
                        literal("null");
                    }
                } else if (is(nameStart, nameEnd, STREAM_OPTIONS)) {
                    if (peek() == '{') {
                        includeUsage = streamOptions();
                    } else {
                        literal("null");
                    }
                    soStart = start;
                    soEnd = i - origin;
                } else if (is(nameStart, nameEnd, MESSAGES)) {
                    deeper(2);
                    expect('[');
                    sawMessages = true;
                    messages();
                    textBytes = i - origin - start;
                } else if (is(nameStart, nameEnd, TOOLS)) {
                    if (peek() == '[') {
                        tools = countElements();
                    } else {
                        literal("null");
                    }
                } else if (is(nameStart, nameEnd, RESPONSE_FORMAT)) {
                    if (peek() == '{') {
                        jsonSchema = responseFormat();
                    } else {
                        skipValue(2);
                    }
                } else if (is(nameStart, nameEnd, MAX_COMPLETION_TOKENS)) {
                    maxCompletion = count();
                } else if (is(nameStart, nameEnd, MAX_TOKENS)) {
                    maxTokens = count();
                } else if (is(nameStart, nameEnd, N)) {
                    long v = count();
                    if (v == 0) {
                        throw BAIL;
                    }
                    n = v < 0 ? 1 : (int) Math.min(v, 128);
                } else if (is(nameStart, nameEnd, INPUT)) {
                    sawInput = peek() != 'n';
                    skipValue(2);
                } else {
                    skipValue(2);
                }
                ws();
                byte c = next();
                if (c == '}') {
                    break;
                }
                if (c != ',') {
                    throw BAIL;
                }
                ws();
            }
        }
        ws();
        if (i != end || model == null || "messages".equals(required) && !sawMessages
                || "input".equals(required) && !sawInput) {
            throw BAIL;
        }
        return new OpenAiRequestFacts(model, modelStart, modelEnd, stream, includeUsage, soStart, soEnd, images, tools,
                jsonSchema, maxCompletion >= 0 ? maxCompletion : maxTokens, n, sawMessages ? textBytes : 0, mediaBytes);
    }

    /** Records a top-level name ({@code [start, end)}, unescaped); a duplicate bails. */
    private void remember(int start, int end) {
        int len = end - start;
        for (int k = 0; k < nameCount; k += 2) {
            if (names[k + 1] - names[k] == len && same(names[k], start, len)) {
                throw BAIL;
            }
        }
        if (nameCount == names.length) {
            if (names.length >= 256) {
                throw BAIL;
            }
            names = java.util.Arrays.copyOf(names, names.length * 2);
        }
        names[nameCount++] = start;
        names[nameCount++] = end;
    }

    private boolean same(int a, int c, int len) {
        for (int k = 0; k < len; k++) {
            if (b.get(a + k) != b.get(c + k)) {
                return false;
            }
        }
        return true;
    }

    /** {@code stream_options}: an object whose {@code include_usage} is read once. */
    private boolean streamOptions() {
        deeper(2);
        expect('{');
        ws();
        boolean include = false;
        boolean seen = false;
        if (peek() == '}') {
            i++;
            return false;
        }
        while (true) {
            expect('"');
            int nameStart = i;
            string();
            int nameEnd = i - 1;
            if (escaped || nameEnd - nameStart > MAX_NAME_BYTES) {
                throw BAIL;
            }
            ws();
            expect(':');
            ws();
            if (is(nameStart, nameEnd, INCLUDE_USAGE)) {
                if (seen) {
                    throw BAIL;
                }
                seen = true;
                include = peek() == 't';
            }
            skipValue(3);
            if (closeOrNext('}')) {
                return include;
            }
        }
    }

    /** {@code response_format} (an object): whether its one {@code type} is {@code "json_schema"}. */
    private boolean responseFormat() {
        deeper(2);
        expect('{');
        ws();
        if (peek() == '}') {
            i++;
            return false;
        }
        boolean schema = false;
        boolean seen = false;
        while (true) {
            expect('"');
            int nameStart = i;
            string();
            int nameEnd = i - 1;
            if (escaped || nameEnd - nameStart > MAX_NAME_BYTES) {
                throw BAIL;
            }
            ws();
            expect(':');
            ws();
            boolean type = is(nameStart, nameEnd, TYPE);
            if (type && seen) {
                throw BAIL;
            }
            seen |= type;
            if (type && peek() == '"') {
                i++;
                int from = i;
                string();
                if (escaped) {
                    throw BAIL;
                }
                schema = is(from, i - 1, JSON_SCHEMA);
            } else {
                skipValue(3);
            }
            if (closeOrNext('}')) {
                return schema;
            }
        }
    }

    /** The elements of an array (the scan is on its {@code [}), each skipped. */
    private int countElements() {
        deeper(2);
        expect('[');
        ws();
        if (peek() == ']') {
            i++;
            return 0;
        }
        int count = 0;
        while (true) {
            count++;
            skipValue(3);
            if (closeOrNext(']')) {
                return count;
            }
        }
    }

    /**
     * The messages array (the scan is past its {@code [}; at depth 2): counts {@code image_url}
     * members and the bytes of long media strings as the Jackson pass does, a string's size being
     * the distance from its opening quote to the next token.
     */
    private void messages() {
        ws();
        if (peek() == ']') {
            i++;
            return;
        }
        while (true) {
            messageValue(3);
            if (closeOrNext(']')) {
                return;
            }
        }
    }

    /** One value inside the messages, at nesting {@code depth} if it is an object or array. */
    private void messageValue(int depth) {
        value(depth, true);
    }

    /** Where the token after a value starts: past whitespace and one comma (not consumed). */
    private int nextToken() {
        int k = i;
        while (k < end && space(b.get(k))) {
            k++;
        }
        if (k < end && b.get(k) == ',') {
            k++;
            while (k < end && space(b.get(k))) {
                k++;
            }
        }
        return k;
    }

    /** Skips any value; an object or array would sit at nesting {@code depth}. */
    private void skipValue(int depth) {
        value(depth, false);
    }

    /**
     * One value, at nesting {@code depth} if it is an object or array. Inside the messages
     * ({@code inMessages}) strings are also measured (the size limit, media bytes), member names must
     * be unescaped, and image parts and media fields are noted.
     */
    private void value(int depth, boolean inMessages) {
        byte c = peek();
        if (c == '"') {
            int at = i;
            i++;
            string();
            if (inMessages) {
                long size = nextToken() - at;
                if (size > maxStringLength + 4L) {
                    throw BAIL;
                }
                if (mediaField && size > MEDIA_STRING_BYTES) {
                    mediaBytes += size;
                }
            }
        } else if (c == '{') {
            deeper(depth);
            i++;
            ws();
            if (peek() == '}') {
                i++;
                return;
            }
            while (true) {
                expect('"');
                int nameStart = i;
                string();
                int nameEnd = i - 1;
                if (nameEnd - nameStart > MAX_NAME_BYTES || (inMessages && escaped)) {
                    throw BAIL;
                }
                if (inMessages) {
                    if (is(nameStart, nameEnd, IMAGE_URL)) {
                        images++;
                    }
                    mediaField = is(nameStart, nameEnd, URL) || is(nameStart, nameEnd, FILE_DATA)
                            || is(nameStart, nameEnd, DATA);
                }
                ws();
                expect(':');
                ws();
                value(depth + 1, inMessages);
                if (closeOrNext('}')) {
                    return;
                }
            }
        } else if (c == '[') {
            deeper(depth);
            i++;
            ws();
            if (peek() == ']') {
                i++;
                return;
            }
            while (true) {
                value(depth + 1, inMessages);
                if (closeOrNext(']')) {
                    return;
                }
            }
        } else {
            scalar();
        }
    }

    /** Opening an object or array at {@code depth}; well inside the limit, else the Jackson pass decides. */
    private void deeper(int depth) {
        if (depth >= maxDepth) {
            throw BAIL;
        }
    }

    /** After a member or element: true at {@code close} (consumed), false after a comma. */
    private boolean closeOrNext(char close) {
        ws();
        byte c = next();
        if (c == close) {
            return true;
        }
        if (c != ',') {
            throw BAIL;
        }
        ws();
        return false;
    }

    /** A number, {@code true}, {@code false} or {@code null}. */
    private void scalar() {
        byte c = peek();
        if (c == 't') {
            literal("true");
        } else if (c == 'f') {
            literal("false");
        } else if (c == 'n') {
            literal("null");
        } else {
            number();
        }
    }

    /** {@code null} (-1) or a non-negative integer of at most 18 digits without a sign. */
    private long count() {
        if (peek() == 'n') {
            literal("null");
            return -1;
        }
        int from = i;
        long v = 0;
        while (i < end) {
            byte c = b.get(i);
            if (c < '0' || c > '9') {
                break;
            }
            v = v * 10 + (c - '0');
            i++;
        }
        int digits = i - from;
        if (digits == 0 || digits > 18 || digits > 1 && b.get(from) == '0') {
            throw BAIL;
        }
        delimiter();
        return v;
    }

    /** A JSON number (RFC 8259 §6), no longer than {@link #MAX_NUMBER_BYTES}. */
    private void number() {
        int from = i;
        if (peek() == '-') {
            i++;
        }
        byte c = next();
        if (c == '0') {
            // no further integer digits
        } else if (c >= '1' && c <= '9') {
            digits();
        } else {
            throw BAIL;
        }
        if (i < end && b.get(i) == '.') {
            i++;
            if (!digit(next())) {
                throw BAIL;
            }
            digits();
        }
        if (i < end && (b.get(i) == 'e' || b.get(i) == 'E')) {
            i++;
            c = next();
            if (c == '+' || c == '-') {
                c = next();
            }
            if (!digit(c)) {
                throw BAIL;
            }
            digits();
        }
        if (i - from > MAX_NUMBER_BYTES) {
            throw BAIL;
        }
        delimiter();
    }

    private void digits() {
        while (i < end && digit(b.get(i))) {
            i++;
        }
    }

    private static boolean digit(byte c) {
        return c >= '0' && c <= '9';
    }

    private void literal(String word) {
        for (int k = 0; k < word.length(); k++) {
            if (next() != word.charAt(k)) {
                throw BAIL;
            }
        }
        delimiter();
    }

    /** A scalar must be followed by whitespace, a comma or a closing bracket. */
    private void delimiter() {
        if (i < end) {
            byte c = b.get(i);
            if (!space(c) && c != ',' && c != '}' && c != ']') {
                throw BAIL;
            }
        }
    }

    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    /**
     * The rest of a string (the scan is past its opening quote) up to and past its closing quote,
     * noting in {@link #escaped} whether it has escapes. Escapes are held to RFC 8259 §7; a raw
     * control character, a byte sequence that is not well-formed UTF-8 (RFC 3629 §4, as
     * {@link RawBodyCheck} holds it) or more than the limit of bytes between the quotes bails.
     */
    private void string() {
        escaped = false;
        int from = i;
        while (true) {
            // Eight bytes at a time while all are ASCII and none is a quote, a backslash or a
            // control character: the bulk of every body (prose, base64 media).
            while (end - i >= 8) {
                long w = b.getLong(i);
                long q = w ^ 0x2222222222222222L;
                long s = w ^ 0x5C5C5C5C5C5C5C5CL;
                if (((((q - ONES) & ~q) | ((s - ONES) & ~s) | ((w - 0x2020202020202020L) & ~w) | w) & HIGHS) != 0) {
                    break;
                }
                i += 8;
            }
            byte c = next();
            if (c == '"') {
                if (i - 1 - from > maxStringLength) {
                    throw BAIL;
                }
                return;
            }
            if (c == '\\') {
                escaped = true;
                escape();
            } else if (c < 0) {
                utf8(c & 0xFF);
            } else if (c < 0x20) {
                throw BAIL;
            }
        }
    }

    /** The continuation bytes of a UTF-8 sequence led by {@code lead} (RFC 3629 §4: no overlong, surrogate or too large forms). */
    private void utf8(int lead) {
        int need;
        int lo = 0x80;
        int hi = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            need = 1;
        } else if (lead == 0xE0) {
            need = 2;
            lo = 0xA0;
        } else if (lead >= 0xE1 && lead <= 0xEC || lead == 0xEE || lead == 0xEF) {
            need = 2;
        } else if (lead == 0xED) {
            need = 2;
            hi = 0x9F;
        } else if (lead == 0xF0) {
            need = 3;
            lo = 0x90;
        } else if (lead >= 0xF1 && lead <= 0xF3) {
            need = 3;
        } else if (lead == 0xF4) {
            need = 3;
            hi = 0x8F;
        } else {
            throw BAIL;
        }
        for (int k = 0; k < need; k++) {
            int c = next() & 0xFF;
            if (c < lo || c > hi) {
                throw BAIL;
            }
            lo = 0x80;
            hi = 0xBF;
        }
    }

    private static boolean hasZero(long v) {
        return ((v - ONES) & ~v & HIGHS) != 0;
    }

    private void escape() {
        byte c = next();
        switch (c) {
            case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> { }
            case 'u' -> {
                for (int k = 0; k < 4; k++) {
                    byte h = next();
                    if (!(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F')) {
                        throw BAIL;
                    }
                }
            }
            default -> throw BAIL;
        }
    }

    private void ws() {
        while (i < end && space(b.get(i))) {
            i++;
        }
    }

    private static boolean space(byte c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }

    private void expect(char c) {
        if (next() != c) {
            throw BAIL;
        }
    }

    private byte peek() {
        if (i >= end) {
            throw BAIL;
        }
        return b.get(i);
    }

    private byte next() {
        if (i >= end) {
            throw BAIL;
        }
        return b.get(i++);
    }

    /** Whether bytes {@code [from, to)} are {@code word}. */
    private boolean is(int from, int to, byte[] word) {
        if (to - from != word.length) {
            return false;
        }
        for (int k = 0; k < word.length; k++) {
            if (b.get(from + k) != word[k]) {
                return false;
            }
        }
        return true;
    }

    private String text(int from, int to) {
        byte[] bytes = new byte[to - from];
        for (int k = 0; k < bytes.length; k++) {
            bytes[k] = b.get(from + k);
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
