package dev.junction.core.cache;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;

/**
 * The cache key's normalized body ({@link CachePlan}, docs/cache.md "The key") written straight from
 * the request's bytes, without a tree: members sorted by name at every depth, no whitespace,
 * numbers in one spelling, the top-level {@code stream} and {@code stream_options} left out — byte
 * for byte what {@link CachePlan#canonical} writes from a Jackson tree, so keys do not change. While
 * it reads, it notes the top-level facts the plan needs ({@code stream},
 * {@code stream_options.include_usage}, {@code temperature}, {@code n}, {@code background},
 * {@code previous_response_id}).
 *
 * <p>It vouches only for what it reads plainly: ASCII member names without escapes, numbers in
 * JSON's grammar, literals, strings (a string with an escape or non-ASCII bytes is decoded and
 * re-encoded by Jackson itself), no duplicate names, nesting up to {@link #MAX_DEPTH}, a top-level
 * object, and the facts in their plain types. For anything else {@link #read} returns false and the
 * plan takes the tree path; {@code CanonicalBodyTest} compares both on random bodies.
 *
 * <p>One instance per thread ({@link #local}); its buffers are reused from request to request.
 */
final class CanonicalBody {

    static final int MAX_DEPTH = 64;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ThreadLocal<CanonicalBody> LOCAL = ThreadLocal.withInitial(CanonicalBody::new);

    /** The thread's instance. */
    static CanonicalBody local() {
        return LOCAL.get();
    }

    /** Not plain enough: the tree path decides. */
    private static final class Unsure extends Exception {
        static final Unsure INSTANCE = new Unsure();

        private Unsure() {
            super(null, null, false, false);
        }
    }

    private byte[] own = new byte[4096];
    private byte[] in = own;
    private int end;
    private int at;
    private byte[] out = new byte[4096];
    private int len;
    private byte[] scratch = new byte[1024];
    /** Per-object member bookkeeping, a stack: start in {@code out}, name start and end in {@code in}. */
    private int[] memberOut = new int[64];
    private int[] nameStart = new int[64];
    private int[] nameEnd = new int[64];
    private int members;

    // Facts of the last read body.
    boolean stream;
    boolean includeUsage;
    /** {@code temperature}: absent or not a number (-1), ≤ 0 (0), > 0 (1). */
    int temperature;
    /** {@code n} as a long when it is a number, else 0. */
    long n;
    boolean background;
    /** {@code previous_response_id} is there and not null. */
    boolean continues;

    /** The normalized body of the last successful {@link #read}: {@code out()[0, length())}. */
    byte[] out() {
        return out;
    }

    int length() {
        return len;
    }

    /** Reads {@code body} (not consumed); false when the tree path must decide. */
    boolean read(ByteBuf body) {
        int n0 = body.readableBytes();
        if (own.length < n0) {
            own = new byte[Math.max(n0, own.length * 2)];
        }
        body.getBytes(body.readerIndex(), own, 0, n0);
        return read(own, n0);
    }

    boolean read(byte[] bytes, int length) {
        in = bytes;
        end = length;
        at = 0;
        len = 0;
        members = 0;
        stream = false;
        includeUsage = false;
        temperature = -1;
        n = 0;
        background = false;
        continues = false;
        try {
            skipWs();
            if (at >= end || in[at] != '{') {
                return false;
            }
            object(1);
            skipWs();
            return at == end;
        } catch (Unsure | RuntimeException e) {
            return false;
        }
    }

    // ---- reading ---------------------------------------------------------------------------------

    private void skipWs() {
        while (at < end) {
            byte b = in[at];
            if (b == ' ' || b == '\n' || b == '\r' || b == '\t') {
                at++;
            } else {
                return;
            }
        }
    }

    private byte next() throws Unsure {
        skipWs();
        if (at >= end) {
            throw Unsure.INSTANCE;
        }
        return in[at];
    }

    private void value(int depth) throws Unsure {
        byte b = next();
        switch (b) {
            case '{' -> object(depth + 1);
            case '[' -> array(depth + 1);
            case '"' -> string();
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> number();
        }
    }

    private void object(int depth) throws Unsure {
        if (depth > MAX_DEPTH) {
            throw Unsure.INSTANCE;
        }
        at++; // {
        put((byte) '{');
        int base = members;
        int objectOut = len;
        int count = 0;
        if (next() == '}') {
            at++;
            put((byte) '}');
            return;
        }
        while (true) {
            if (next() != '"') {
                throw Unsure.INSTANCE;
            }
            int ns = at + 1;
            int ne = ns;
            while (ne < end && in[ne] != '"') {
                byte c = in[ne];
                if (c == '\\' || c < 0x20 || c >= 0x7f) {
                    throw Unsure.INSTANCE; // names with escapes or non-ASCII: the tree path
                }
                ne++;
            }
            if (ne >= end) {
                throw Unsure.INSTANCE;
            }
            at = ne + 1;
            if (next() != ':') {
                throw Unsure.INSTANCE;
            }
            at++;
            if (depth == 1 && fact(ns, ne)) {
                // stream / stream_options: read for the facts, not part of the key
            } else {
                int memberStart = len;
                if (count > 0) {
                    put((byte) ',');
                }
                putRange(ns - 1, ne + 1);
                put((byte) ':');
                int valueStart = len;
                value(depth);
                if (depth == 1) {
                    topFact(ns, ne, valueStart);
                }
                push(memberStart, ns, ne);
                count++;
            }
            byte c = next();
            at++;
            if (c == '}') {
                break;
            }
            if (c != ',') {
                throw Unsure.INSTANCE;
            }
        }
        sortMembers(base, count, objectOut);
        members = base;
        put((byte) '}');
    }

    private void array(int depth) throws Unsure {
        if (depth > MAX_DEPTH) {
            throw Unsure.INSTANCE;
        }
        at++;
        put((byte) '[');
        if (next() == ']') {
            at++;
            put((byte) ']');
            return;
        }
        while (true) {
            value(depth);
            byte c = next();
            at++;
            if (c == ']') {
                break;
            }
            if (c != ',') {
                throw Unsure.INSTANCE;
            }
            put((byte) ',');
        }
        put((byte) ']');
    }

    private void string() throws Unsure {
        int start = at; // the quote
        int i = at + 1;
        boolean plain = true;
        while (true) {
            if (i >= end) {
                throw Unsure.INSTANCE;
            }
            byte c = in[i];
            if (c == '"') {
                break;
            }
            if (c == '\\') {
                plain = false;
                i += 2;
                continue;
            }
            if (c >= 0 && c < 0x20) {
                throw Unsure.INSTANCE; // a raw control character is not JSON
            }
            if (c < 0) {
                plain = false;
            }
            i++;
        }
        at = i + 1;
        if (plain) {
            putRange(start, at);
            return;
        }
        // Escapes or non-ASCII: decoded and re-encoded as Jackson's generator writes strings.
        String text;
        try (JsonParser p = JSON.getFactory().createParser(in, start, at - start)) {
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                throw Unsure.INSTANCE;
            }
            text = p.getText();
        } catch (IOException e) {
            throw Unsure.INSTANCE;
        }
        for (int k = 0; k < text.length(); k++) {
            char ch = text.charAt(k);
            if (Character.isHighSurrogate(ch) && k + 1 < text.length() && Character.isLowSurrogate(text.charAt(k + 1))) {
                k++; // a pair: one code point, four bytes of UTF-8 either way
            } else if (Character.isSurrogate(ch)) {
                throw Unsure.INSTANCE; // how a lone surrogate is written is the generator's business
            }
        }
        put((byte) '"');
        byte[] enc = JsonStringEncoder.getInstance().quoteAsUTF8(text);
        putBytes(enc, 0, enc.length);
        put((byte) '"');
    }

    private void literal(String word) throws Unsure {
        int n0 = word.length();
        if (at + n0 > end) {
            throw Unsure.INSTANCE;
        }
        for (int i = 0; i < n0; i++) {
            if (in[at + i] != word.charAt(i)) {
                throw Unsure.INSTANCE;
            }
        }
        putRange(at, at + n0);
        at += n0;
    }

    /** A number in JSON's grammar, written as {@link CachePlan}'s tree path writes it. */
    private void number() throws Unsure {
        int start = at;
        int i = at;
        if (i < end && in[i] == '-') {
            i++;
        }
        int intStart = i;
        while (i < end && in[i] >= '0' && in[i] <= '9') {
            i++;
        }
        int intDigits = i - intStart;
        if (intDigits == 0 || (intDigits > 1 && in[intStart] == '0')) {
            throw Unsure.INSTANCE;
        }
        boolean integral = true;
        if (i < end && in[i] == '.') {
            integral = false;
            int f = ++i;
            while (i < end && in[i] >= '0' && in[i] <= '9') {
                i++;
            }
            if (i == f) {
                throw Unsure.INSTANCE;
            }
        }
        if (i < end && (in[i] == 'e' || in[i] == 'E')) {
            integral = false;
            i++;
            if (i < end && (in[i] == '+' || in[i] == '-')) {
                i++;
            }
            int e = i;
            while (i < end && in[i] >= '0' && in[i] <= '9') {
                i++;
            }
            if (i == e) {
                throw Unsure.INSTANCE;
            }
        }
        at = i;
        if (integral && in[i - 1] != '0') {
            putRange(start, i); // an integer without trailing zeros is already in its one spelling
            return;
        }
        String token = new String(in, start, i - start, java.nio.charset.StandardCharsets.US_ASCII);
        BigDecimal d;
        if (integral) {
            d = intDigits <= 18 ? BigDecimal.valueOf(Long.parseLong(token)) : new BigDecimal(new BigInteger(token));
        } else {
            double v = Double.parseDouble(token); // the tree reads a fraction as a double
            if (Double.isInfinite(v) || Double.isNaN(v)) {
                throw Unsure.INSTANCE;
            }
            d = BigDecimal.valueOf(v);
        }
        String s = d.signum() == 0 ? "0" : d.stripTrailingZeros().toString();
        for (int k = 0; k < s.length(); k++) {
            put((byte) s.charAt(k));
        }
    }

    // ---- top-level facts -------------------------------------------------------------------------

    private boolean nameIs(int ns, int ne, String name) {
        if (ne - ns != name.length()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (in[ns + i] != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** {@code stream} and {@code stream_options}: read for the facts only. True when it was one of them. */
    private boolean fact(int ns, int ne) throws Unsure {
        if (nameIs(ns, ne, "stream")) {
            stream = bool();
            return true;
        }
        if (!nameIs(ns, ne, "stream_options")) {
            return false;
        }
        byte b = next();
        if (b == 'n') {
            at += expect("null");
            includeUsage = false;
            return true;
        }
        if (b != '{') {
            throw Unsure.INSTANCE;
        }
        // Read it with the writer (nothing of it is kept), noting include_usage; the last one wins.
        int mark = len;
        int base = members;
        at++;
        includeUsage = false;
        if (next() == '}') {
            at++;
            return true;
        }
        while (true) {
            if (next() != '"') {
                throw Unsure.INSTANCE;
            }
            int s = at + 1;
            int e = s;
            while (e < end && in[e] != '"' && in[e] != '\\' && in[e] >= 0x20) { // ASCII only (a byte is signed)
                e++;
            }
            if (e >= end || in[e] != '"') {
                throw Unsure.INSTANCE;
            }
            at = e + 1;
            if (next() != ':') {
                throw Unsure.INSTANCE;
            }
            at++;
            if (nameIs(s, e, "include_usage")) {
                includeUsage = bool();
            } else {
                value(2);
                len = mark;
                members = base;
            }
            byte c = next();
            at++;
            if (c == '}') {
                return true;
            }
            if (c != ',') {
                throw Unsure.INSTANCE;
            }
        }
    }

    private int expect(String word) throws Unsure {
        for (int i = 0; i < word.length(); i++) {
            if (at + i >= end || in[at + i] != word.charAt(i)) {
                throw Unsure.INSTANCE;
            }
        }
        return word.length();
    }

    /** A literal read as {@code asBoolean(false)} reads it: true only for {@code true}; other types are unsure. */
    private boolean bool() throws Unsure {
        byte b = next();
        switch (b) {
            case 't' -> {
                at += expect("true");
                return true;
            }
            case 'f' -> {
                at += expect("false");
                return false;
            }
            case 'n' -> {
                at += expect("null");
                return false;
            }
            default -> throw Unsure.INSTANCE;
        }
    }

    /** The facts of a kept top-level member, from its written value {@code out[valueStart, len)}. */
    private void topFact(int ns, int ne, int valueStart) throws Unsure {
        byte first = out[valueStart];
        boolean number = first == '-' || (first >= '0' && first <= '9');
        if (nameIs(ns, ne, "temperature")) {
            temperature = !number ? -1 : first == '-' ? 0 : (len - valueStart == 1 && first == '0') ? 0 : 1;
        } else if (nameIs(ns, ne, "n")) {
            if (number) {
                String s = new String(out, valueStart, len - valueStart, java.nio.charset.StandardCharsets.US_ASCII);
                BigDecimal d = new BigDecimal(s);
                if (d.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0 || d.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) < 0) {
                    throw Unsure.INSTANCE;
                }
                n = d.longValue();
            }
        } else if (nameIs(ns, ne, "background")) {
            if (first == 't') {
                background = true;
            } else if (first != 'f' && first != 'n') {
                throw Unsure.INSTANCE;
            }
        } else if (nameIs(ns, ne, "previous_response_id")) {
            continues = first != 'n';
        }
    }

    // ---- members in order ------------------------------------------------------------------------

    private void push(int memberStart, int ns, int ne) {
        if (members == memberOut.length) {
            memberOut = Arrays.copyOf(memberOut, members * 2);
            nameStart = Arrays.copyOf(nameStart, members * 2);
            nameEnd = Arrays.copyOf(nameEnd, members * 2);
        }
        memberOut[members] = memberStart;
        nameStart[members] = ns;
        nameEnd[members] = ne;
        members++;
    }

    private int compareNames(int a, int b) {
        int as = nameStart[a];
        int bs = nameStart[b];
        int al = nameEnd[a] - as;
        int bl = nameEnd[b] - bs;
        int m = Math.min(al, bl);
        for (int i = 0; i < m; i++) {
            int d = in[as + i] - in[bs + i]; // ASCII: byte order is String order
            if (d != 0) {
                return d;
            }
        }
        return al - bl;
    }

    /**
     * The {@code count} members written from {@code out[first]} on, stack entries from {@code base}:
     * left as they are when already in order, else rewritten sorted. Equal names are unsure (the tree
     * keeps the last).
     */
    private void sortMembers(int base, int count, int first) throws Unsure {
        boolean sorted = true;
        for (int i = base + 1; i < base + count; i++) {
            int c = compareNames(i - 1, i);
            if (c == 0) {
                throw Unsure.INSTANCE;
            }
            if (c > 0) {
                sorted = false;
            }
        }
        if (sorted) {
            return;
        }
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
            order[i] = base + i;
        }
        Arrays.sort(order, this::compareNames);
        for (int i = 1; i < count; i++) {
            if (compareNames(order[i - 1], order[i]) == 0) {
                throw Unsure.INSTANCE;
            }
        }
        int total = len - first;
        if (scratch.length < total) {
            scratch = new byte[Math.max(total, scratch.length * 2)];
        }
        System.arraycopy(out, first, scratch, 0, total);
        len = first;
        for (int k = 0; k < count; k++) {
            int i = order[k];
            int s = memberOut[i] - first;
            int e = (i + 1 < base + count ? memberOut[i + 1] : first + total) - first;
            if (i > base) {
                s++; // its leading comma
            }
            if (k > 0) {
                put((byte) ',');
            }
            putBytes(scratch, s, e - s);
        }
    }

    // ---- output ----------------------------------------------------------------------------------

    private void put(byte b) {
        if (len == out.length) {
            out = Arrays.copyOf(out, out.length * 2);
        }
        out[len++] = b;
    }

    private void putRange(int from, int to) {
        putBytes(in, from, to - from);
    }

    private void putBytes(byte[] b, int from, int n0) {
        if (len + n0 > out.length) {
            out = Arrays.copyOf(out, Math.max(len + n0, out.length * 2));
        }
        System.arraycopy(b, from, out, len, n0);
        len += n0;
    }
}
