package dev.junction.stream;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The fast path of {@link OpenAiChunkInspector}: a hand-written scan of one chunk's bytes that
 * validates the whole JSON text and fills the same {@link OpenAiChunkInspector.Result} the Jackson
 * pass would, without a tokenizer, strings or exceptions per chunk.
 *
 * <p>It only answers for input it can vouch for: strictly valid JSON (RFC 8259 grammar, well-formed
 * UTF-8) of the shapes the inspector reads. Anything else — broken or truncated JSON, escaped member
 * names, an integer too long for a quick parse, deep nesting, members whose value has a type the
 * Jackson pass treats specially — makes {@link #scan} return false, and the inspector asks Jackson,
 * so every odd chunk gets exactly the answer it always got. A valid chunk is accepted by both, and
 * the scan reads the same members in the same order as the Jackson pass, so both agree on it
 * (duplicate members included: the later one wins in both).
 *
 * <p>Not thread-safe; one per inspector.
 */
final class ChunkScanner {

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

    // Value kinds, as the first byte of the value tells them.
    private static final int OBJECT = 1;
    private static final int ARRAY = 2;
    private static final int STRING = 3;
    private static final int NUMBER = 4;
    private static final int LITERAL = 5;
    private static final int NULL = 6;

    private static final byte[] CHOICES = ascii("choices");
    private static final byte[] USAGE = ascii("usage");
    private static final byte[] X_GROQ = ascii("x_groq");
    private static final byte[] ERROR = ascii("error");
    private static final byte[] OBJECT_NAME = ascii("object");
    private static final byte[] INDEX = ascii("index");
    private static final byte[] FINISH_REASON = ascii("finish_reason");
    private static final byte[] DELTA = ascii("delta");
    private static final byte[] CONTENT = ascii("content");
    private static final byte[] REFUSAL = ascii("refusal");
    private static final byte[] REASONING_CONTENT = ascii("reasoning_content");
    private static final byte[] REASONING = ascii("reasoning");
    private static final byte[] TOOL_CALLS = ascii("tool_calls");
    private static final byte[] FUNCTION_CALL = ascii("function_call");
    private static final byte[] PROMPT_TOKENS = ascii("prompt_tokens");
    private static final byte[] COMPLETION_TOKENS = ascii("completion_tokens");
    private static final byte[] PROMPT_CACHE_HIT_TOKENS = ascii("prompt_cache_hit_tokens");
    private static final byte[] PROMPT_TOKENS_DETAILS = ascii("prompt_tokens_details");
    private static final byte[] COMPLETION_TOKENS_DETAILS = ascii("completion_tokens_details");
    private static final byte[] CACHED_TOKENS = ascii("cached_tokens");
    private static final byte[] CACHE_WRITE_TOKENS = ascii("cache_write_tokens");
    private static final byte[] REASONING_TOKENS = ascii("reasoning_tokens");

    /** The finish reasons vendors send, so that a finishing chunk allocates no string. */
    private static final String[] KNOWN_REASONS = {
        "stop", "length", "tool_calls", "content_filter", "function_call", "eos", "end_turn", "max_tokens",
        "tool_use", "stop_sequence", "error", "abort"};
    private static final byte[][] KNOWN_REASON_BYTES = new byte[KNOWN_REASONS.length][];

    static {
        for (int i = 0; i < KNOWN_REASONS.length; i++) {
            KNOWN_REASON_BYTES[i] = ascii(KNOWN_REASONS[i]);
        }
    }

    private byte[] b;
    private int pos;
    private int end;
    private int depth;
    // The last string scanned: its raw bytes are b[strStart, strEnd), strEscaped if it had a backslash.
    private int strStart;
    private int strEnd;
    private boolean strEscaped;
    // The last number scanned: whether it was an integer, and its value when it was.
    private boolean numIsInt;
    private long numValue;

    /**
     * Scans {@code bytes[offset, offset + length)} into {@code r} (already reset). Returns false when
     * the input is not one it can vouch for; {@code r} is then in an undefined state and must be reset.
     */
    boolean scan(byte[] bytes, int offset, int length, OpenAiChunkInspector.Result r) {
        b = bytes;
        pos = offset;
        end = offset + length;
        depth = 0;
        try {
            boolean resumed = resume(offset);
            if (!resumed) {
                ws();
                if (pos >= end || b[pos] != '{') {
                    return false;
                }
            }
            topLevel(r, resumed);
            ws();
            if (pos != end) {
                return false;
            }
            remember(offset, resumed);
            return true;
        } catch (GiveUp | ArrayIndexOutOfBoundsException e) {
            return false;
        } finally {
            b = null;
        }
    }

    /**
     * Line mode: scans the chunk that starts at {@code offset} as the value of one SSE {@code data:}
     * line whose end is not known yet ({@code limit} is the end of the bytes read, which may hold
     * further lines), into {@code r} (already reset). CR and LF are not whitespace here, and no
     * string, number or literal may hold them, so the scan cannot pass the end of the line; after
     * the object only spaces and tabs may come before it. Returns the index of that CR or LF (the
     * first one at or after {@code offset}, as a search for the line end finds it), with {@code r}
     * exactly what {@link #scan} gives for the bytes from {@code offset} to there; or -1 when it
     * cannot vouch for the line ({@code r} is then undefined), e.g. the line goes on past
     * {@code limit}.
     */
    int scanLine(byte[] bytes, int offset, int limit, OpenAiChunkInspector.Result r) {
        b = bytes;
        pos = offset;
        end = limit;
        depth = 0;
        lineMode = true;
        try {
            boolean resumed = resume(offset);
            if (!resumed) {
                ws();
                if (pos >= end || b[pos] != '{') {
                    return -1;
                }
            }
            topLevel(r, resumed);
            ws();
            if (pos < end && (b[pos] == '\n' || b[pos] == '\r')) {
                remember(offset, resumed);
                return pos;
            }
            return -1;
        } catch (GiveUp | ArrayIndexOutOfBoundsException e) {
            return -1;
        } finally {
            b = null;
            lineMode = false;
        }
    }

    /** Whether CR and LF end the input rather than count as whitespace ({@link #scanLine}). */
    private boolean lineMode;

    // ---- the known start of a stream's chunks -----------------------------------------------------
    //
    // A vendor starts every chunk of a stream with the same members ({"id":..,"object":..,
    // "created":..,"model":..,"system_fingerprint":.., then "choices"). The scan's state after such a
    // member and its comma depends on those bytes alone (and on the line mode): one object open,
    // the next member due, nothing in the result. So the scan remembers the bytes of the members
    // before the first one that counts (choices, usage, x_groq, error, an "object" of "error"), and
    // a chunk that starts with exactly those bytes, read in the same mode, resumes from there; the
    // verdict is the one the whole scan gives, for fewer bytes.

    /** {@code known[0, knownLength)}: the last vouched-for chunk's plain members, through the comma after them. */
    private byte[] known = NOTHING_KNOWN;
    private int knownLength;
    private boolean knownLineMode;
    /** In the current scan: where its plain members end (past the comma), or -1 when none did. */
    private int plainEnd;
    private static final byte[] NOTHING_KNOWN = new byte[0];
    /** How many scans resumed after the known start (tests). */
    int resumed;

    /** Moves past the known start when the chunk at {@code offset} begins with it; else stays. */
    private boolean resume(int offset) {
        plainEnd = -1;
        int n = knownLength;
        if (n == 0 || knownLineMode != lineMode || end - offset <= n
                || !Arrays.equals(b, offset, offset + n, known, 0, n)) {
            return false;
        }
        pos = offset + n;
        depth = 1;
        plainEnd = pos;
        resumed++;
        return true;
    }

    /** After a vouched-for scan of the chunk at {@code offset}: keeps its plain members' bytes as the known start. */
    private void remember(int offset, boolean resumedScan) {
        int n = plainEnd < 0 ? 0 : plainEnd - offset;
        if (resumedScan && n == knownLength) {
            return; // the same bytes
        }
        if (known.length < n) {
            known = new byte[Math.max(n, known.length * 2)];
        }
        System.arraycopy(b, offset, known, 0, n);
        knownLength = n;
        knownLineMode = lineMode;
    }

    /**
     * The top-level {@code usage} object of a whole answer (chat completion, embeddings), read as
     * the Jackson reader in the translators' {@code UsageScanner} reads it: the first top-level
     * {@code usage} member whose value is an object; what follows it is not looked at. Returns
     * false when it cannot vouch for the answer (the caller then asks Jackson); else true, with the
     * usage, or null when the answer is an object without one, in {@link #answerUsage()}.
     */
    boolean scanAnswerUsage(byte[] bytes, int offset, int length) {
        b = bytes;
        pos = offset;
        end = offset + length;
        depth = 0;
        answerUsage = null;
        try {
            ws();
            if (pos >= end || b[pos] != '{') {
                return false;
            }
            pos++;
            enter();
            if (firstMember()) {
                do {
                    key();
                    boolean isUsage = is(strStart, strEnd, USAGE);
                    int kind = valueKind();
                    if (isUsage && kind == OBJECT) {
                        answerUsage = answerUsageObject();
                        return true;
                    }
                    skipValue();
                } while (nextMember());
            }
            return true;
        } catch (GiveUp | ArrayIndexOutOfBoundsException e) {
            return false;
        } finally {
            b = null;
        }
    }

    private Usage answerUsage;

    /** The usage {@link #scanAnswerUsage} found (null: none). */
    Usage answerUsage() {
        return answerUsage;
    }

    /** A {@code CompletionUsage} object, with the rules of the translators' {@code UsageScanner.readUsage}. */
    private Usage answerUsageObject() {
        pos++; // '{'
        enter();
        long prompt = 0;
        long completion = 0;
        long cached = 0;
        long cacheWrite = 0;
        long reasoning = 0;
        if (firstMember()) {
            do {
                key();
                int keyStart = strStart;
                int keyEnd = strEnd;
                int kind = valueKind();
                if (is(keyStart, keyEnd, PROMPT_TOKENS)) {
                    prompt = answerCount(kind);
                } else if (is(keyStart, keyEnd, COMPLETION_TOKENS)) {
                    completion = answerCount(kind);
                } else if ((is(keyStart, keyEnd, PROMPT_TOKENS_DETAILS) || is(keyStart, keyEnd, COMPLETION_TOKENS_DETAILS))
                        && kind == OBJECT) {
                    pos++;
                    enter();
                    if (firstMember()) {
                        do {
                            key();
                            int s = strStart;
                            int e = strEnd;
                            int k = valueKind();
                            if (is(s, e, CACHED_TOKENS)) {
                                cached = answerCount(k);
                            } else if (is(s, e, CACHE_WRITE_TOKENS)) {
                                cacheWrite = answerCount(k);
                            } else if (is(s, e, REASONING_TOKENS)) {
                                reasoning = answerCount(k);
                            } else {
                                skipValue();
                            }
                        } while (nextMember());
                    }
                    leave();
                } else {
                    skipValue();
                }
            } while (nextMember());
        }
        leave();
        return new Usage(prompt, completion, cached, cacheWrite, reasoning);
    }

    /** A count as UsageScanner reads it: an integer floored at 0, else 0; it does not skip containers. */
    private long answerCount(int kind) {
        scalarOnly(kind);
        return count(kind);
    }

    // ---- the members the inspector reads (same order and rules as its Jackson pass) --------------

    /**
     * The chunk's object, from its '{' or, {@code resumed}, from the member after the known start.
     * Notes in {@link #plainEnd} where the members before the first that counts end.
     */
    private void topLevel(OpenAiChunkInspector.Result r, boolean resumed) {
        boolean plainSoFar = true;
        if (!resumed) {
            pos++; // '{'
            enter();
        }
        if (resumed || firstMember()) {
            boolean more;
            do {
                key();
                int keyStart = strStart;
                int keyEnd = strEnd;
                int kind = valueKind();
                boolean counts = true;
                if (is(keyStart, keyEnd, CHOICES)) {
                    if (kind == ARRAY) {
                        choices(r);
                    } else {
                        skipValue();
                    }
                } else if (is(keyStart, keyEnd, USAGE)) {
                    if (kind == OBJECT) {
                        r.usage = usage();
                        r.usageTopLevel = true;
                    } else {
                        skipValue();
                    }
                } else if (is(keyStart, keyEnd, X_GROQ)) {
                    if (kind == OBJECT) {
                        groq(r);
                    } else {
                        skipValue();
                    }
                } else if (is(keyStart, keyEnd, ERROR)) {
                    if (kind != NULL) {
                        r.error = true;
                    }
                    skipValue();
                } else if (is(keyStart, keyEnd, OBJECT_NAME)) {
                    if (kind == OBJECT || kind == ARRAY) {
                        throw GIVE_UP; // the Jackson pass reads into such a value; leave it to that pass
                    }
                    if (kind == STRING) {
                        string();
                        if (strEscaped) {
                            throw GIVE_UP;
                        }
                        if (is(strStart, strEnd, ERROR)) {
                            r.error = true;
                        } else {
                            counts = false;
                        }
                    } else {
                        skipValue();
                    }
                } else {
                    skipValue();
                    counts = false;
                }
                more = nextMember();
                if (plainSoFar) {
                    plainSoFar = !counts;
                    if (plainSoFar && more) {
                        plainEnd = pos;
                    }
                }
            } while (more);
        }
        leave();
    }

    private void groq(OpenAiChunkInspector.Result r) {
        pos++; // '{'
        enter();
        if (firstMember()) {
            do {
                key();
                boolean isUsage = is(strStart, strEnd, USAGE);
                int kind = valueKind();
                if (isUsage && kind == OBJECT) {
                    Usage groq = usage();
                    if (!r.usageTopLevel) {
                        r.usage = groq;
                    }
                } else {
                    skipValue();
                }
            } while (nextMember());
        }
        leave();
    }

    private void choices(OpenAiChunkInspector.Result r) {
        pos++; // '['
        enter();
        if (firstElement()) {
            do {
                r.choiceCount++;
                if (valueKind() != OBJECT) {
                    skipValue();
                    continue;
                }
                choice(r);
            } while (nextElement());
        }
        leave();
    }

    private void choice(OpenAiChunkInspector.Result r) {
        pos++; // '{'
        enter();
        int index = -1;
        String finish = null;
        if (firstMember()) {
            do {
                key();
                int keyStart = strStart;
                int keyEnd = strEnd;
                int kind = valueKind();
                if (is(keyStart, keyEnd, INDEX)) {
                    scalarOnly(kind);
                    if (kind == NUMBER) {
                        number();
                        if (numIsInt) {
                            if (numValue > Integer.MAX_VALUE || numValue < Integer.MIN_VALUE) {
                                throw GIVE_UP;
                            }
                            index = (int) numValue;
                        }
                    } else {
                        skipValue();
                    }
                } else if (is(keyStart, keyEnd, FINISH_REASON)) {
                    scalarOnly(kind);
                    if (kind == STRING) {
                        string();
                        finish = reason();
                    } else {
                        skipValue();
                    }
                } else if (is(keyStart, keyEnd, DELTA)) {
                    if (kind == OBJECT) {
                        delta(r);
                    } else {
                        skipValue();
                    }
                } else {
                    skipValue();
                }
            } while (nextMember());
        }
        leave();
        if (finish != null) {
            r.addFinish(index, finish);
        }
    }

    private void delta(OpenAiChunkInspector.Result r) {
        pos++; // '{'
        enter();
        if (firstMember()) {
            do {
                key();
                int keyStart = strStart;
                int keyEnd = strEnd;
                int kind = valueKind();
                if (is(keyStart, keyEnd, CONTENT) || is(keyStart, keyEnd, REFUSAL)
                        || is(keyStart, keyEnd, REASONING_CONTENT) || is(keyStart, keyEnd, REASONING)) {
                    scalarOnly(kind);
                    if (kind == STRING) {
                        string();
                        if (strEnd > strStart) {
                            r.content = true;
                        }
                    } else {
                        skipValue();
                    }
                } else if (is(keyStart, keyEnd, TOOL_CALLS)) {
                    if (kind == OBJECT) {
                        throw GIVE_UP; // the Jackson pass reads into such a value; leave it to that pass
                    }
                    if (kind == ARRAY && !emptyArrayAhead()) {
                        r.content = true;
                    }
                    skipValue();
                } else if (is(keyStart, keyEnd, FUNCTION_CALL)) {
                    if (kind == OBJECT) {
                        r.content = true;
                    }
                    skipValue();
                } else {
                    skipValue();
                }
            } while (nextMember());
        }
        leave();
    }

    private Usage usage() {
        pos++; // '{'
        enter();
        long prompt = 0;
        long completion = 0;
        long cached = -1;
        long cacheHit = 0;
        long cacheWrite = 0;
        long reasoning = 0;
        if (firstMember()) {
            do {
                key();
                int keyStart = strStart;
                int keyEnd = strEnd;
                int kind = valueKind();
                if (is(keyStart, keyEnd, PROMPT_TOKENS)) {
                    prompt = count(kind);
                } else if (is(keyStart, keyEnd, COMPLETION_TOKENS)) {
                    completion = count(kind);
                } else if (is(keyStart, keyEnd, PROMPT_CACHE_HIT_TOKENS)) {
                    cacheHit = count(kind);
                } else if (is(keyStart, keyEnd, PROMPT_TOKENS_DETAILS) && kind == OBJECT) {
                    pos++;
                    enter();
                    if (firstMember()) {
                        do {
                            key();
                            int s = strStart;
                            int e = strEnd;
                            int k = valueKind();
                            if (is(s, e, CACHED_TOKENS)) {
                                cached = count(k);
                            } else if (is(s, e, CACHE_WRITE_TOKENS)) {
                                cacheWrite = count(k);
                            } else {
                                skipValue();
                            }
                        } while (nextMember());
                    }
                    leave();
                } else if (is(keyStart, keyEnd, COMPLETION_TOKENS_DETAILS) && kind == OBJECT) {
                    pos++;
                    enter();
                    if (firstMember()) {
                        do {
                            key();
                            boolean isReasoning = is(strStart, strEnd, REASONING_TOKENS);
                            int k = valueKind();
                            if (isReasoning) {
                                reasoning = count(k);
                            } else {
                                skipValue();
                            }
                        } while (nextMember());
                    }
                    leave();
                } else {
                    skipValue();
                }
            } while (nextMember());
        }
        leave();
        return new Usage(prompt, completion, cached >= 0 ? cached : cacheHit, cacheWrite, reasoning);
    }

    /** A token count: an integer, floored at 0; anything else (null, a float, ...) counts as 0. */
    private long count(int kind) {
        if (kind == NUMBER) {
            number();
            return numIsInt ? Math.max(0, numValue) : 0;
        }
        skipValue();
        return 0;
    }

    /** The Jackson pass does not skip a container in these members; such chunks are left to it. */
    private static void scalarOnly(int kind) {
        if (kind == OBJECT || kind == ARRAY) {
            throw GIVE_UP;
        }
    }

    /** The finish reason just scanned, as a shared constant when it is a known one. */
    private String reason() {
        if (strEscaped) {
            throw GIVE_UP; // decoding escapes is Jackson's job
        }
        for (int i = 0; i < KNOWN_REASON_BYTES.length; i++) {
            if (is(strStart, strEnd, KNOWN_REASON_BYTES[i])) {
                return KNOWN_REASONS[i];
            }
        }
        return new String(b, strStart, strEnd - strStart, StandardCharsets.UTF_8);
    }

    /** At a '[': whether only whitespace separates it from its ']'. Does not move. */
    private boolean emptyArrayAhead() {
        int p = pos + 1;
        while (p < end && isWs(b[p])) {
            p++;
        }
        return p < end && b[p] == ']';
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

    private void skipValue() {
        switch (valueKind()) {
            case OBJECT -> {
                pos++;
                enter();
                if (firstMember()) {
                    do {
                        key();
                        skipValue();
                    } while (nextMember());
                }
                leave();
            }
            case ARRAY -> {
                pos++;
                enter();
                if (firstElement()) {
                    do {
                        skipValue();
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

    /** At a '"': scans the string to past its closing quote, validating escapes and UTF-8. */
    private void string() {
        int p = pos + 1;
        int start = p;
        boolean escaped = false;
        byte[] a = b;
        int stop = end;
        while (true) {
            // Eight bytes at a time up to the first that needs a look; then byte by byte to the
            // string's end or its next quote, backslash, control character or non-ASCII byte.
            while (p <= stop - 8) {
                long marks = needsLook((long) WORDS.get(a, p));
                if (marks != 0) {
                    p += Long.numberOfTrailingZeros(marks) >>> 3;
                    break;
                }
                p += 8;
            }
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
                p = utf8(p, c & 0xff);
            } else {
                throw GIVE_UP; // an unescaped control character
            }
        }
        strStart = start;
        strEnd = p;
        strEscaped = escaped;
        pos = p + 1;
    }

    /** Eight bytes of an array as one little-endian long: the first byte is the lowest. */
    private static final VarHandle WORDS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long QUOTES = ONES * '"';
    private static final long BACKSLASHES = ONES * '\\';
    private static final long SPACES = ONES * ' ';

    /**
     * The bytes of {@code w} that are not {@link #PLAIN}: the high bit of each byte that is a quote,
     * a backslash, below 0x20 or at or above 0x80. A subtraction's borrow can also mark a byte above
     * a marked one, never below it, so the lowest mark is always exact (and the only one used).
     */
    static long needsLook(long w) {
        long quote = w ^ QUOTES;
        long backslash = w ^ BACKSLASHES;
        long zeroQuote = (quote - ONES) & ~quote;
        long zeroBackslash = (backslash - ONES) & ~backslash;
        long control = (w - SPACES) & ~w;
        return (zeroQuote | zeroBackslash | control | w) & HIGHS;
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

    /** A JSON number (strict grammar); sets numIsInt and, for an integer, numValue. */
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

    private boolean isDelimiter(byte c) {
        return c == ',' || c == '}' || c == ']' || isWs(c);
    }

    private void ws() {
        int p = pos;
        // Vendors rarely put whitespace between tokens: one compare settles the common case.
        while (p < end && b[p] <= ' ' && isWs(b[p])) {
            p++;
        }
        pos = p;
    }

    private boolean isWs(byte c) {
        return c == ' ' || c == '\t' || ((c == '\n' || c == '\r') && !lineMode);
    }

    /** The byte at {@code p}, which must lie inside the chunk (a chunk that ends early is not vouched for). */
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

    /** Whether b[start, end) is exactly {@code word}. */
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

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
