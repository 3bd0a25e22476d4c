package dev.junction.translators.anthropic;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The fast path of {@link AnthropicEvent#parse}: a hand-written scan of one stream event's bytes
 * that validates the whole JSON text and fills the same {@link Parsing.Fields} as the Jackson pass
 * of {@link Parsing#readObject}, without a parser object, a tokenizer or exceptions per event.
 *
 * <p>It only answers for input it can vouch for: strictly valid JSON (RFC 8259 grammar, well-formed
 * UTF-8, nothing but whitespace after the object) whose members the Jackson pass reads with a plain
 * meaning. Anything else — broken or truncated JSON, escaped member names, a field it reads holding
 * a value of another type than the usual one (a number as {@code type}, a string as {@code index}),
 * integers too long for a quick parse, deep nesting — makes {@link #scan} return false, and the
 * event goes to Jackson, so every odd event gets exactly the answer it always got. The scan walks
 * the members in the same order and with the same rules as {@code Parsing.readObject} (which
 * nested objects are read, later duplicates overwrite earlier ones, null leaves a field as it was),
 * so both agree on every event the scan accepts. Strings are decoded here (escapes, surrogate
 * pairs, UTF-8) to the same {@code String} Jackson gives; a delta's text, partial_json and
 * thinking are kept as the range of their validated bytes and decoded only when asked for
 * ({@link Parsing.Fields#deltaText()}), so that the translated stream can copy them as they are.
 *
 * <p>One per thread ({@link #get()}): it holds a scratch array for events in direct buffers, and
 * its state lives only during one {@link #scan} call.
 */
final class EventScanner {

    /** A Netty {@link FastThreadLocal}: asked once per event, an array index on an event loop. */
    private static final FastThreadLocal<EventScanner> CURRENT = new FastThreadLocal<>() {
        @Override
        protected EventScanner initialValue() {
            return new EventScanner();
        }
    };

    static EventScanner get() {
        return CURRENT.get();
    }

    /** Unwinds a scan that cannot vouch for its input; shared, without a stack trace. */
    private static final class GiveUp extends RuntimeException {
        GiveUp() {
            super(null, null, false, false);
        }
    }

    private static final GiveUp GIVE_UP = new GiveUp();

    /** Nesting deeper than this is left to Jackson (and its own depth limit). */
    private static final int MAX_DEPTH = 200;
    /** Integers with more digits than this are left to Jackson (overflow rules). */
    private static final int MAX_INT_DIGITS = 18;
    /** Numbers longer than this are left to Jackson (its number-length limit). */
    private static final int MAX_NUMBER_LENGTH = 100;
    /** Events larger than this are left to Jackson (no scratch array kept for them). */
    private static final int SCRATCH_MAX = 64 * 1024;

    // Paths, as in Parsing.
    private static final int TOP = 0;
    private static final int MESSAGE = 1;
    private static final int BLOCK = 2;
    private static final int DELTA = 3;
    private static final int USAGE = 4;
    private static final int ERROR = 5;
    private static final int OUTPUT_DETAILS = 6;
    private static final int SKIP = -1;

    // Value kinds, as the first byte of the value tells them.
    private static final int OBJECT = 1;
    private static final int ARRAY = 2;
    private static final int STRING = 3;
    private static final int NUMBER = 4;
    private static final int LITERAL = 5;
    private static final int NULL = 6;

    /**
     * String values the stream repeats in every event (types, stop reasons): answered as shared
     * constants, so the common event allocates no string for them.
     */
    private static final String[] KNOWN = {
        "content_block_delta", "text_delta", "input_json_delta", "thinking_delta", "signature_delta",
        "citations_delta", "content_block_start", "content_block_stop", "message_start", "message_delta",
        "message_stop", "ping", "error", "text", "tool_use", "thinking", "redacted_thinking", "server_tool_use",
        "message", "assistant", "end_turn", "max_tokens", "stop_sequence", "pause_turn", "refusal",
        "overloaded_error", "api_error", ""};
    private static final byte[][] KNOWN_BYTES = new byte[KNOWN.length][];

    static {
        for (int i = 0; i < KNOWN.length; i++) {
            KNOWN_BYTES[i] = ascii(KNOWN[i]);
        }
    }

    private byte[] scratch = new byte[1024];
    private byte[] b;
    private int pos;
    private int end;
    private int depth;
    /** Scanning an SSE line ({@link #scanLine}): CR and LF end it, they are not whitespace. */
    private boolean lineMode;
    // The last string scanned: raw bytes b[strStart, strEnd); strEscaped if it had a backslash,
    // strAscii if every byte was ASCII.
    private int strStart;
    private int strEnd;
    private boolean strEscaped;
    private boolean strAscii;
    private long numValue;
    private boolean numIsInt;
    private int numDigits;

    private EventScanner() {
    }

    /**
     * Scans the readable bytes of {@code data} (not consumed) into {@code f} (fresh). Returns false
     * when it cannot vouch for the event; {@code f} is then in an undefined state and must not be used.
     */
    boolean scan(ByteBuf data, Parsing.Fields f) {
        return scan(data, data.readerIndex(), data.readableBytes(), f);
    }

    /** As {@link #scan(ByteBuf, Parsing.Fields)} for the bytes {@code src[index, index + n)} (not consumed). */
    boolean scan(ByteBuf src, int index, int n, Parsing.Fields f) {
        if (src.hasArray()) {
            return scan(src.array(), src.arrayOffset() + index, n, f);
        }
        if (n > SCRATCH_MAX) {
            return false;
        }
        if (scratch.length < n) {
            scratch = new byte[Math.max(n, Math.min(SCRATCH_MAX, scratch.length * 2))];
        }
        src.getBytes(index, scratch, 0, n);
        return scan(scratch, 0, n, f);
    }

    boolean scan(byte[] bytes, int offset, int length, Parsing.Fields f) {
        b = bytes;
        pos = offset;
        end = offset + length;
        depth = 0;
        try {
            ws();
            if (pos >= end || b[pos] != '{') {
                return false;
            }
            if (!commonDelta(f)) {
                object(f, TOP);
            }
            ws();
            return pos == end;
        } catch (GiveUp | ArrayIndexOutOfBoundsException e) {
            return false;
        } finally {
            b = null;
        }
    }

    /**
     * As {@link #scan(byte[], int, int, Parsing.Fields)} for the value of an SSE {@code data:} line
     * whose end is not known yet ({@link dev.junction.stream.SseDecoder.LineScanner}): the event
     * starts at {@code bytes[from]} and {@code bytes[from, to)} is the rest of what was read. Returns
     * the index of the CR or LF that ends the line, with {@code f} filled as {@code scan} fills it
     * for {@code bytes[from, eol)}; or -1 when it cannot vouch for the line (the line does not end
     * within {@code to}, or its value is not an event {@code scan} accepts; {@code f} is then
     * undefined). A CR or LF is never whitespace here: the first one ends the line, and an event
     * cut there is broken JSON, as it is for {@code scan}. So the index returned is the first CR
     * or LF after {@code from}.
     */
    int scanLine(byte[] bytes, int from, int to, Parsing.Fields f) {
        b = bytes;
        pos = from;
        end = to;
        depth = 0;
        lineMode = true;
        try {
            ws();
            if (pos >= end || b[pos] != '{') {
                return -1;
            }
            if (!commonDelta(f)) {
                object(f, TOP);
            }
            ws();
            return pos < end && (b[pos] == '\n' || b[pos] == '\r') ? pos : -1;
        } catch (GiveUp | ArrayIndexOutOfBoundsException e) {
            return -1;
        } finally {
            b = null;
            lineMode = false;
        }
    }

    /**
     * The event almost every streamed token is, in the exact bytes Anthropic sends it:
     * {@code {"type":"content_block_delta","index":N,"delta":{"type":"text_delta","text":"…"}}}
     * (or {@code input_json_delta} with {@code partial_json}, {@code thinking_delta} with
     * {@code thinking}), matched as literal text around the index and the string, which are read
     * with the usual rules. Fills {@code f} as {@link #object} does for these bytes and returns
     * true with {@link #pos} past the object; returns false, with {@code f} and {@link #pos} as they
     * were, for anything else (other members, another order, spaces, escaped names, a long index):
     * {@link #object} reads it then. A string that breaks the JSON rules gives up, as it would there.
     */
    private boolean commonDelta(Parsing.Fields f) {
        int start = pos;
        int p = start;
        if (!at(p, DELTA_HEAD)) {
            return false;
        }
        p += DELTA_HEAD.length;
        int digits = p;
        int index = 0;
        while (p < end && b[p] >= '0' && b[p] <= '9' && p - digits < 9) {
            index = index * 10 + (b[p] - '0');
            p++;
        }
        if (p == digits || (b[digits] == '0' && p - digits > 1) || !at(p, DELTA_TYPE)) {
            return false;
        }
        p += DELTA_TYPE.length;
        String deltaType;
        Parsing.Fields.RawString r;
        if (at(p, TEXT_DELTA_TEXT)) {
            p += TEXT_DELTA_TEXT.length;
            deltaType = "text_delta";
            r = f.rawText;
        } else if (at(p, JSON_DELTA_PARTIAL)) {
            p += JSON_DELTA_PARTIAL.length;
            deltaType = "input_json_delta";
            r = f.rawPartialJson;
        } else if (at(p, THINKING_DELTA_THINKING)) {
            p += THINKING_DELTA_THINKING.length;
            deltaType = "thinking_delta";
            r = f.rawThinking;
        } else {
            return false;
        }
        pos = p - 1; // the string's opening quote
        string();
        if (end - pos < 2 || b[pos] != '}' || b[pos + 1] != '}') {
            pos = start;
            return false;
        }
        pos += 2;
        f.type = "content_block_delta";
        f.index = index;
        f.deltaType = deltaType;
        f.raw = b;
        r.from = strStart;
        r.to = strEnd;
        r.escaped = strEscaped;
        r.ascii = strAscii;
        return true;
    }

    private static final byte[] DELTA_HEAD = ascii("{\"type\":\"content_block_delta\",\"index\":");
    private static final byte[] DELTA_TYPE = ascii(",\"delta\":{\"type\":\"");
    private static final byte[] TEXT_DELTA_TEXT = ascii("text_delta\",\"text\":\"");
    private static final byte[] JSON_DELTA_PARTIAL = ascii("input_json_delta\",\"partial_json\":\"");
    private static final byte[] THINKING_DELTA_THINKING = ascii("thinking_delta\",\"thinking\":\"");

    /** Whether {@code word} lies at {@code b[p]} (wholly before {@link #end}). */
    private boolean at(int p, byte[] word) {
        return end - p >= word.length && Arrays.equals(b, p, p + word.length, word, 0, word.length);
    }

    // ---- the members Parsing.readObject reads, with its rules ------------------------------------

    /** At a '{': reads the object whose path is {@code where} (SKIP: validated, nothing kept). */
    private void object(Parsing.Fields f, int where) {
        pos++;
        enter();
        if (firstMember()) {
            do {
                key();
                int keyStart = strStart;
                int keyEnd = strEnd;
                int kind = valueKind();
                if (kind == OBJECT) {
                    object(f, where == SKIP ? SKIP : child(where, keyStart, keyEnd));
                } else if (kind == ARRAY || kind == NULL || where == SKIP) {
                    skipValue(kind);
                } else {
                    member(f, where, keyStart, keyEnd, kind);
                }
            } while (nextMember());
        }
        leave();
    }

    /** Which nested objects Parsing reads: message, message.usage, usage.output_tokens_details, content_block, delta, usage, error. */
    private int child(int where, int s, int e) {
        switch (where) {
            case TOP:
                if (is(s, e, K_MESSAGE)) {
                    return MESSAGE;
                } else if (is(s, e, K_CONTENT_BLOCK)) {
                    return BLOCK;
                } else if (is(s, e, K_DELTA)) {
                    return DELTA;
                } else if (is(s, e, K_USAGE)) {
                    return USAGE;
                } else if (is(s, e, K_ERROR)) {
                    return ERROR;
                }
                return SKIP;
            case MESSAGE:
                return is(s, e, K_USAGE) ? USAGE : SKIP;
            case USAGE:
                return is(s, e, K_OUTPUT_TOKENS_DETAILS) ? OUTPUT_DETAILS : SKIP;
            default:
                return SKIP;
        }
    }

    /** A scalar member (not null) of an object Parsing reads. */
    private void member(Parsing.Fields f, int where, int s, int e, int kind) {
        switch (where) {
            case TOP -> {
                if (is(s, e, K_TYPE)) {
                    f.type = text(kind);
                } else if (is(s, e, K_INDEX)) {
                    f.index = index(kind);
                } else {
                    skipValue(kind);
                }
            }
            case MESSAGE -> {
                if (is(s, e, K_ID)) {
                    f.messageId = text(kind);
                } else if (is(s, e, K_MODEL)) {
                    f.messageModel = text(kind);
                } else {
                    skipValue(kind);
                }
            }
            case BLOCK -> {
                if (is(s, e, K_TYPE)) {
                    f.blockType = text(kind);
                } else if (is(s, e, K_ID)) {
                    f.blockId = text(kind);
                } else if (is(s, e, K_NAME)) {
                    f.blockName = text(kind);
                } else if (is(s, e, K_TEXT)) {
                    f.blockText = text(kind);
                } else {
                    skipValue(kind);
                }
            }
            case DELTA -> {
                if (is(s, e, K_TYPE)) {
                    f.deltaType = text(kind);
                } else if (is(s, e, K_TEXT)) {
                    f.deltaText = null;
                    raw(kind, f, f.rawText);
                } else if (is(s, e, K_PARTIAL_JSON)) {
                    f.deltaPartialJson = null;
                    raw(kind, f, f.rawPartialJson);
                } else if (is(s, e, K_THINKING)) {
                    f.deltaThinking = null;
                    raw(kind, f, f.rawThinking);
                } else if (is(s, e, K_SIGNATURE)) {
                    f.deltaSignature = text(kind);
                } else if (is(s, e, K_STOP_REASON)) {
                    f.stopReason = text(kind);
                } else {
                    skipValue(kind);
                }
            }
            case USAGE -> {
                // Parsing keeps integers only; anything else in these members is ignored.
                if (is(s, e, K_INPUT_TOKENS)) {
                    Long v = count(kind);
                    if (v != null) {
                        f.input = v;
                    }
                } else if (is(s, e, K_OUTPUT_TOKENS)) {
                    Long v = count(kind);
                    if (v != null) {
                        f.output = v;
                    }
                } else if (is(s, e, K_CACHE_READ)) {
                    Long v = count(kind);
                    if (v != null) {
                        f.cacheRead = v;
                    }
                } else if (is(s, e, K_CACHE_CREATION)) {
                    Long v = count(kind);
                    if (v != null) {
                        f.cacheCreation = v;
                    }
                } else {
                    skipValue(kind);
                }
            }
            case OUTPUT_DETAILS -> {
                if (is(s, e, K_THINKING_TOKENS)) {
                    Long v = count(kind);
                    if (v != null) {
                        f.thinking = v;
                    }
                } else {
                    skipValue(kind);
                }
            }
            case ERROR -> {
                if (is(s, e, K_TYPE)) {
                    f.errorType = text(kind);
                } else if (is(s, e, K_MESSAGE)) {
                    f.errorMessage = text(kind);
                } else {
                    skipValue(kind);
                }
            }
            default -> skipValue(kind);
        }
    }

    /** A string field: only a JSON string is vouched for (Parsing would take a number's or literal's text). */
    private String text(int kind) {
        if (kind != STRING) {
            throw GIVE_UP;
        }
        string();
        return decode();
    }

    /**
     * A delta's fragment (text, partial_json, thinking): validated as {@link #text} validates it,
     * and kept as its bytes' range (decoded only when asked for, {@link Parsing.Fields#deltaText()}).
     */
    private void raw(int kind, Parsing.Fields f, Parsing.Fields.RawString r) {
        if (kind != STRING) {
            throw GIVE_UP;
        }
        string();
        f.raw = b;
        r.from = strStart;
        r.to = strEnd;
        r.escaped = strEscaped;
        r.ascii = strAscii;
    }

    /** {@code index}: only an integer that fits an int comfortably (Parsing coerces strings, floats, booleans). */
    private int index(int kind) {
        if (kind != NUMBER) {
            throw GIVE_UP;
        }
        number();
        if (!numIsInt || numDigits > 9) {
            throw GIVE_UP;
        }
        return (int) numValue;
    }

    /** A usage count: the integer, or null (ignored) for a string, float or literal, as Parsing does. */
    private Long count(int kind) {
        if (kind == NUMBER) {
            number();
            return numIsInt ? Long.valueOf(numValue) : null;
        }
        skipValue(kind);
        return null;
    }

    // ---- strings ------------------------------------------------------------------------------------

    /** The last string scanned as Java text: a shared constant when it is a known one. */
    private String decode() {
        int s = strStart;
        int e = strEnd;
        if (!strEscaped && strAscii && e - s <= 24) {
            for (int i = 0; i < KNOWN_BYTES.length; i++) {
                if (is(s, e, KNOWN_BYTES[i])) {
                    return KNOWN[i];
                }
            }
        }
        return decode(b, s, e, strEscaped, strAscii);
    }

    /** A string the scan kept as its bytes ({@link #raw}), as Java text. */
    static String decode(byte[] b, Parsing.Fields.RawString r) {
        return decode(b, r.from, r.to, r.escaped, r.ascii);
    }

    /** The validated string content {@code b[s, e)} as Java text ({@code escaped}, {@code ascii}: what its scan saw). */
    private static String decode(byte[] b, int s, int e, boolean escaped, boolean ascii) {
        if (!escaped) {
            if (ascii) {
                return new String(b, s, e - s, StandardCharsets.ISO_8859_1);
            }
            return new String(b, s, e - s, StandardCharsets.UTF_8); // validated by string()
        }
        char[] out = new char[e - s]; // never more chars than bytes
        int n = 0;
        int p = s;
        while (p < e) {
            int c = b[p];
            if (c == '\\') {
                char x = (char) b[p + 1];
                switch (x) {
                    case 'b' -> out[n++] = '\b';
                    case 'f' -> out[n++] = '\f';
                    case 'n' -> out[n++] = '\n';
                    case 'r' -> out[n++] = '\r';
                    case 't' -> out[n++] = '\t';
                    case 'u' -> {
                        out[n++] = (char) ((hex(b[p + 2]) << 12) | (hex(b[p + 3]) << 8) | (hex(b[p + 4]) << 4) | hex(b[p + 5]));
                        p += 4;
                    }
                    default -> out[n++] = x; // '"', '\\', '/'
                }
                p += 2;
            } else if (c >= 0) {
                out[n++] = (char) c;
                p++;
            } else {
                // A validated multi-byte UTF-8 sequence.
                int lead = c & 0xff;
                int len = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : 1;
                int cp = lead & (0x3f >> len);
                for (int i = 1; i <= len; i++) {
                    cp = (cp << 6) | (b[p + i] & 0x3f);
                }
                p += len + 1;
                if (cp >= 0x10000) {
                    out[n++] = Character.highSurrogate(cp);
                    out[n++] = Character.lowSurrogate(cp);
                } else {
                    out[n++] = (char) cp;
                }
            }
        }
        return new String(out, 0, n);
    }

    private static int hex(byte c) {
        return Character.digit(c, 16);
    }

    /** At a '"': scans the string to past its closing quote, validating escapes and UTF-8. */
    private void string() {
        int p = pos + 1;
        int start = p;
        boolean escaped = false;
        boolean ascii = true;
        byte[] a = b;
        int stop = end;
        while (true) {
            while (p < stop && PLAIN[a[p] & 0xff]) {
                p++;
            }
            if (p >= stop) {
                throw GIVE_UP; // truncated inside the string
            }
            int c = a[p];
            if (c == '"') {
                break;
            }
            if (c == '\\') {
                escaped = true;
                p = escape(p + 1);
            } else if (c < 0) {
                ascii = false;
                p = utf8(p, c & 0xff);
            } else {
                throw GIVE_UP; // an unescaped control character
            }
        }
        strStart = start;
        strEnd = p;
        strEscaped = escaped;
        strAscii = ascii;
        pos = p + 1;
    }

    /** Bytes a string can hold as they are: printable ASCII other than the quote and the backslash. */
    private static final boolean[] PLAIN = new boolean[256];

    static {
        for (int c = 0x20; c < 0x80; c++) {
            PLAIN[c] = c != '"' && c != '\\';
        }
    }

    /** After a backslash: validates the escape and returns the index past it. */
    private int escape(int p) {
        switch (at(p)) {
            case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> {
                return p + 1;
            }
            case 'u' -> {
                for (int i = 1; i <= 4; i++) {
                    if (Character.digit(at(p + i), 16) < 0) {
                        throw GIVE_UP;
                    }
                }
                return p + 5;
            }
            default -> throw GIVE_UP;
        }
    }

    /** A multi-byte UTF-8 sequence starting with lead byte {@code c} at {@code p} (RFC 3629); returns the index past it. */
    private int utf8(int p, int c) {
        int n;
        int min;
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            min = 0x10000;
        } else {
            throw GIVE_UP;
        }
        int cp = c & (0x3f >> n);
        for (int i = 1; i <= n; i++) {
            int d = at(p + i);
            if ((d & 0xc0) != 0x80) {
                throw GIVE_UP;
            }
            cp = (cp << 6) | (d & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            throw GIVE_UP;
        }
        return p + n + 1;
    }

    // ---- the JSON grammar -------------------------------------------------------------------------

    /** Skips whitespace; returns the kind of the value that starts there (without consuming it). */
    private int valueKind() {
        ws();
        if (pos >= end) {
            throw GIVE_UP;
        }
        switch (b[pos]) {
            case '{':
                return OBJECT;
            case '[':
                return ARRAY;
            case '"':
                return STRING;
            case 'n':
                return NULL;
            case 't':
            case 'f':
                return LITERAL;
            default:
                return NUMBER;
        }
    }

    private void skipValue(int kind) {
        switch (kind) {
            case OBJECT -> object(null, SKIP);
            case ARRAY -> {
                pos++;
                enter();
                if (firstElement()) {
                    do {
                        skipValue(valueKind());
                    } while (nextElement());
                }
                leave();
            }
            case STRING -> string();
            case NULL -> literal(NULL_BYTES);
            case LITERAL -> literal(b[pos] == 't' ? TRUE_BYTES : FALSE_BYTES);
            default -> number();
        }
    }

    private static final byte[] NULL_BYTES = ascii("null");
    private static final byte[] TRUE_BYTES = ascii("true");
    private static final byte[] FALSE_BYTES = ascii("false");

    private void literal(byte[] word) {
        if (end - pos < word.length) {
            throw GIVE_UP;
        }
        for (int i = 0; i < word.length; i++) {
            if (b[pos + i] != word[i]) {
                throw GIVE_UP;
            }
        }
        pos += word.length;
        // A literal must be followed by a delimiter ("truex" is broken JSON).
        if (pos < end && !isDelimiter(b[pos])) {
            throw GIVE_UP;
        }
    }

    /** After an object's '{': true if a member follows, false (past the '}') if the object is empty. */
    private boolean firstMember() {
        ws();
        if (at(pos) == '}') {
            pos++;
            return false;
        }
        return true;
    }

    /** After a member's value: true (past the ',') if another member follows, false (past the '}') at the end. */
    private boolean nextMember() {
        ws();
        byte c = at(pos++);
        if (c == ',') {
            return true;
        }
        if (c == '}') {
            return false;
        }
        throw GIVE_UP;
    }

    private boolean firstElement() {
        ws();
        if (at(pos) == ']') {
            pos++;
            return false;
        }
        return true;
    }

    private boolean nextElement() {
        ws();
        byte c = at(pos++);
        if (c == ',') {
            return true;
        }
        if (c == ']') {
            return false;
        }
        throw GIVE_UP;
    }

    /** A member name and its ':'; the name is left in strStart/strEnd. Escaped names are left to Jackson. */
    private void key() {
        ws();
        if (at(pos) != '"') {
            throw GIVE_UP;
        }
        string();
        if (strEscaped) {
            throw GIVE_UP;
        }
        ws();
        if (at(pos++) != ':') {
            throw GIVE_UP;
        }
    }

    /** A JSON number (strict grammar); sets numIsInt, numDigits and, for an integer, numValue. */
    private void number() {
        int p = pos;
        int start = p;
        boolean negative = false;
        if (at(p) == '-') {
            negative = true;
            p++;
        }
        int digitsStart = p;
        long value = 0;
        byte first = at(p);
        if (first == '0') {
            p++;
        } else if (first >= '1' && first <= '9') {
            while (p < end && b[p] >= '0' && b[p] <= '9') {
                value = value * 10 + (b[p] - '0');
                p++;
                if (p - digitsStart > MAX_INT_DIGITS) {
                    throw GIVE_UP;
                }
            }
        } else {
            throw GIVE_UP;
        }
        int digits = p - digitsStart;
        boolean isInt = true;
        if (p < end && b[p] == '.') {
            isInt = false;
            p = digits(p + 1);
        }
        if (p < end && (b[p] == 'e' || b[p] == 'E')) {
            isInt = false;
            p++;
            if (p < end && (b[p] == '+' || b[p] == '-')) {
                p++;
            }
            p = digits(p);
        }
        if (p - start > MAX_NUMBER_LENGTH) {
            throw GIVE_UP;
        }
        // A number must be followed by a delimiter (Jackson reports "1x" as broken, as does the grammar).
        if (p < end && !isDelimiter(b[p])) {
            throw GIVE_UP;
        }
        numIsInt = isInt;
        numDigits = digits;
        numValue = negative ? -value : value;
        pos = p;
    }

    /** One or more digits from {@code p}; returns the index past them. */
    private int digits(int p) {
        int start = p;
        while (p < end && b[p] >= '0' && b[p] <= '9') {
            p++;
        }
        if (p == start) {
            throw GIVE_UP;
        }
        return p;
    }

    private static boolean isDelimiter(byte c) {
        return c == ',' || c == '}' || c == ']' || isWs(c);
    }

    private void ws() {
        int p = pos;
        if (lineMode) {
            while (p < end && (b[p] == ' ' || b[p] == '\t')) {
                p++;
            }
        } else {
            while (p < end && b[p] <= ' ' && isWs(b[p])) {
                p++;
            }
        }
        pos = p;
    }

    private static boolean isWs(byte c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }

    /** The byte at {@code p}, which must lie inside the event (an event that ends early is not vouched for). */
    private byte at(int p) {
        if (p >= end) {
            throw GIVE_UP;
        }
        return b[p];
    }

    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw GIVE_UP;
        }
    }

    private void leave() {
        depth--;
    }

    /** Whether b[start, stop) is exactly {@code word}. */
    private boolean is(int start, int stop, byte[] word) {
        int n = word.length;
        if (stop - start != n) {
            return false;
        }
        byte[] a = b;
        for (int i = 0; i < n; i++) {
            if (a[start + i] != word[i]) {
                return false;
            }
        }
        return true;
    }

    private static final byte[] K_MESSAGE = ascii("message");
    private static final byte[] K_CONTENT_BLOCK = ascii("content_block");
    private static final byte[] K_DELTA = ascii("delta");
    private static final byte[] K_USAGE = ascii("usage");
    private static final byte[] K_ERROR = ascii("error");
    private static final byte[] K_OUTPUT_TOKENS_DETAILS = ascii("output_tokens_details");
    private static final byte[] K_TYPE = ascii("type");
    private static final byte[] K_INDEX = ascii("index");
    private static final byte[] K_ID = ascii("id");
    private static final byte[] K_MODEL = ascii("model");
    private static final byte[] K_NAME = ascii("name");
    private static final byte[] K_TEXT = ascii("text");
    private static final byte[] K_PARTIAL_JSON = ascii("partial_json");
    private static final byte[] K_THINKING = ascii("thinking");
    private static final byte[] K_SIGNATURE = ascii("signature");
    private static final byte[] K_STOP_REASON = ascii("stop_reason");
    private static final byte[] K_INPUT_TOKENS = ascii("input_tokens");
    private static final byte[] K_OUTPUT_TOKENS = ascii("output_tokens");
    private static final byte[] K_CACHE_READ = ascii("cache_read_input_tokens");
    private static final byte[] K_CACHE_CREATION = ascii("cache_creation_input_tokens");
    private static final byte[] K_THINKING_TOKENS = ascii("thinking_tokens");

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
