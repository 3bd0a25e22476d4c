package dev.junction.stream;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The hand-written fast path of {@link OpenAiChunkWriter}: the delta of the chunks every translated
 * stream is made of (a text, reasoning or refusal fragment, a tool call's start and its argument
 * fragments) and the usage object, written as bytes without a JSON generator. The output is byte
 * for byte what the writer's Jackson path writes: the same member order, numbers in decimal, and
 * Jackson's string escaping (the quote, the backslash and control characters; {@code \b \t \n \f \r}
 * in short form, the other controls as the six-character escape (backslash, u, 00, two hex digits) in upper-case hex; everything else, {@code /}
 * and DEL included, as UTF-8, except that each UTF-16 surrogate, paired or not, is escaped on its
 * own in upper-case hex as Jackson does by default). Text longer than {@link #MAX_CHARS} makes a
 * method return false with nothing written, and the writer asks Jackson.
 */
final class ChunkText {

    /** Longer strings are left to Jackson (no scratch array kept for them). */
    static final int MAX_CHARS = 16 * 1024;

    /**
     * The per-thread scratch array (in a holder, so it can grow). A Netty {@link FastThreadLocal}:
     * on an event loop it is an array index, where a {@code ThreadLocal} lookup, asked several times
     * per chunk, showed up in profiles (hash probing in the thread's map).
     */
    private static final FastThreadLocal<byte[][]> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected byte[][] initialValue() {
            return new byte[][] {new byte[1024]};
        }
    };

    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    /** Per ASCII character: 0 written as is, a letter for a short escape, 'u' for the long form. */
    private static final byte[] ESCAPE = new byte[128];

    static {
        for (int c = 0; c < 0x20; c++) {
            ESCAPE[c] = 'u';
        }
        ESCAPE['"'] = '"';
        ESCAPE['\\'] = '\\';
        ESCAPE['\b'] = 'b';
        ESCAPE['\t'] = 't';
        ESCAPE['\f'] = 'f';
        ESCAPE['\n'] = 'n';
        ESCAPE['\r'] = 'r';
    }

    private static final byte[] CONTENT_OPEN = ascii("{\"content\":\"");
    private static final byte[] REASONING_OPEN = ascii("{\"reasoning_content\":\"");
    private static final byte[] REFUSAL_OPEN = ascii("{\"refusal\":\"");
    private static final byte[] TEXT_CLOSE = ascii("\"}");
    private static final byte[] TOOL_OPEN = ascii("{\"tool_calls\":[{\"index\":");
    private static final byte[] ARGUMENTS_OPEN = ascii(",\"function\":{\"arguments\":\"");
    private static final byte[] TOOL_CLOSE = ascii("\"}}]}");
    private static final byte[] START_ID = ascii(",\"id\":");
    private static final byte[] START_NAME = ascii(",\"type\":\"function\",\"function\":{\"name\":");
    private static final byte[] START_CLOSE = ascii(",\"arguments\":\"\"}}]}");
    private static final byte[] NULL = ascii("null");

    private ChunkText() {
    }

    /**
     * A whole frame {@code <prefix><choice>,"delta":{"<field>":"<text>"}<suffix>} assembled in this
     * thread's scratch array (one copy into the frame's buffer instead of one per piece); returns
     * its length, or -1 (nothing assembled) when the text is left to Jackson. {@code prefix} is
     * {@code data: } and the stream's head up to the choice index.
     */
    static int textFrame(byte[] prefix, int choice, String field, String text, byte[] suffix) {
        byte[] open = switch (field) {
            case "content" -> CONTENT_OPEN;
            case "reasoning_content" -> REASONING_OPEN;
            case "refusal" -> REFUSAL_OPEN;
            default -> null;
        };
        if (open == null || text.length() > MAX_CHARS) {
            return -1;
        }
        byte[] out = scratch(prefix.length + 32 + open.length + text.length() * 6 + TEXT_CLOSE.length + suffix.length);
        int n = deltaStart(out, prefix, choice);
        n = put(out, n, open, open.length);
        n = encode(text, out, n);
        n = put(out, n, TEXT_CLOSE, TEXT_CLOSE.length);
        return put(out, n, suffix, suffix.length);
    }

    /**
     * As {@link #textFrame}, with the text given as the bytes between the quotes of a JSON string
     * ({@code json[from, to)}, a vendor's escaped text, e.g. an Anthropic {@code text_delta}'s
     * {@code "text"}): the frame is byte for byte what {@link #textFrame} writes for the string's
     * decoded text, without decoding it ({@link #transcode}). -1, with nothing assembled, when the
     * bytes are not a valid JSON string's content or are longer than {@link #MAX_CHARS}; the
     * caller then decodes the text and takes the string path.
     */
    static int textFrameJson(byte[] prefix, int choice, String field, byte[] json, int from, int to, byte[] suffix) {
        byte[] open = switch (field) {
            case "content" -> CONTENT_OPEN;
            case "reasoning_content" -> REASONING_OPEN;
            case "refusal" -> REFUSAL_OPEN;
            default -> null;
        };
        if (open == null || to - from > MAX_CHARS) {
            return -1;
        }
        byte[] out = scratch(prefix.length + 32 + open.length + (to - from) * 3 + TEXT_CLOSE.length + suffix.length);
        int n = deltaStart(out, prefix, choice);
        n = put(out, n, open, open.length);
        n = transcode(json, from, to, out, n);
        if (n < 0) {
            return -1;
        }
        n = put(out, n, TEXT_CLOSE, TEXT_CLOSE.length);
        return put(out, n, suffix, suffix.length);
    }

    /** As {@link #argumentsFrame}, with the fragment given as a JSON string's escaped bytes, as {@link #textFrameJson}. */
    static int argumentsFrameJson(byte[] prefix, int choice, int toolIndex, byte[] json, int from, int to, byte[] suffix) {
        if (to - from > MAX_CHARS) {
            return -1;
        }
        byte[] out = scratch(prefix.length + 64 + TOOL_OPEN.length + ARGUMENTS_OPEN.length + (to - from) * 3
                + TOOL_CLOSE.length + suffix.length);
        int n = deltaStart(out, prefix, choice);
        n = put(out, n, TOOL_OPEN, TOOL_OPEN.length);
        n = putLong(out, n, toolIndex);
        n = put(out, n, ARGUMENTS_OPEN, ARGUMENTS_OPEN.length);
        n = transcode(json, from, to, out, n);
        if (n < 0) {
            return -1;
        }
        n = put(out, n, TOOL_CLOSE, TOOL_CLOSE.length);
        return put(out, n, suffix, suffix.length);
    }

    /**
     * The content of a JSON string ({@code in[from, to)}, between its quotes) rewritten as
     * {@link #encode} writes the string's decoded text, into {@code out} from {@code at} (room for
     * three bytes per input byte); returns the end, or -1 when the bytes are not strictly a JSON
     * string's content (RFC 8259: a raw quote or control character, an unknown or short escape,
     * UTF-8 that is not well-formed by RFC 3629, surrogates encoded as UTF-8 included). Most bytes
     * stay as they are: printable ASCII and two- and three-byte UTF-8 are written as {@link #encode}
     * writes them, and so are the escapes of the quote, the backslash and {@code \b \f \n \r \t}.
     * What differs is normalised to {@link #encode}'s form: {@code \/} becomes {@code /}, a
     * six-character escape (backslash, u, four hex digits) becomes what {@link #encode} writes for
     * its one UTF-16 unit (plain bytes or UTF-8, the short form, or upper-case hex for a control
     * character or a surrogate), and a four-byte UTF-8 character becomes its surrogate pair's two
     * escapes.
     */
    static int transcode(byte[] in, int from, int to, byte[] out, int at) {
        int n = at;
        int p = from;
        while (p < to) {
            int c = in[p];
            if (c >= 0x20 && c != '"' && c != '\\') {
                out[n++] = (byte) c; // printable ASCII (DEL included, as encode writes it)
                p++;
            } else if (c == '\\') {
                if (p + 1 >= to) {
                    return -1;
                }
                byte x = in[p + 1];
                switch (x) {
                    case '"', '\\', 'b', 'f', 'n', 'r', 't' -> {
                        out[n++] = '\\';
                        out[n++] = x;
                        p += 2;
                    }
                    case '/' -> {
                        out[n++] = '/';
                        p += 2;
                    }
                    case 'u' -> {
                        if (p + 6 > to) {
                            return -1;
                        }
                        int unit = (hex(in[p + 2]) << 12) | (hex(in[p + 3]) << 8) | (hex(in[p + 4]) << 4) | hex(in[p + 5]);
                        if (unit < 0) {
                            return -1;
                        }
                        n = encode((char) unit, out, n);
                        p += 6;
                    }
                    default -> {
                        return -1;
                    }
                }
            } else if (c >= 0) {
                return -1; // a raw control character or quote
            } else {
                int lead = c & 0xff;
                if (lead >= 0xc2 && lead <= 0xdf) {
                    if (p + 1 >= to || (in[p + 1] & 0xc0) != 0x80) {
                        return -1;
                    }
                    out[n++] = (byte) c;
                    out[n++] = in[p + 1];
                    p += 2;
                } else if (lead >= 0xe0 && lead <= 0xef) {
                    if (p + 2 >= to || (in[p + 1] & 0xc0) != 0x80 || (in[p + 2] & 0xc0) != 0x80) {
                        return -1;
                    }
                    int cp = ((lead & 0x0f) << 12) | ((in[p + 1] & 0x3f) << 6) | (in[p + 2] & 0x3f);
                    if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) {
                        return -1; // overlong, or a surrogate encoded as UTF-8
                    }
                    out[n++] = (byte) c;
                    out[n++] = in[p + 1];
                    out[n++] = in[p + 2];
                    p += 3;
                } else if (lead >= 0xf0 && lead <= 0xf4) {
                    if (p + 3 >= to || (in[p + 1] & 0xc0) != 0x80 || (in[p + 2] & 0xc0) != 0x80
                            || (in[p + 3] & 0xc0) != 0x80) {
                        return -1;
                    }
                    int cp = ((lead & 0x07) << 18) | ((in[p + 1] & 0x3f) << 12) | ((in[p + 2] & 0x3f) << 6)
                            | (in[p + 3] & 0x3f);
                    if (cp < 0x10000 || cp > 0x10ffff) {
                        return -1;
                    }
                    n = encode(Character.highSurrogate(cp), out, n);
                    n = encode(Character.lowSurrogate(cp), out, n);
                    p += 4;
                } else {
                    return -1;
                }
            }
        }
        return n;
    }

    /** A hex digit's value, or -1 (negative however far it is shifted into the unit, so the or'ed unit is negative). */
    private static int hex(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /**
     * A whole frame with the delta {@code {"tool_calls":[{"index":N,"function":{"arguments":"<fragment>"}}]}},
     * as {@link #textFrame}.
     */
    static int argumentsFrame(byte[] prefix, int choice, int toolIndex, String fragment, byte[] suffix) {
        if (fragment.length() > MAX_CHARS) {
            return -1;
        }
        byte[] out = scratch(prefix.length + 64 + TOOL_OPEN.length + ARGUMENTS_OPEN.length + fragment.length() * 6
                + TOOL_CLOSE.length + suffix.length);
        int n = deltaStart(out, prefix, choice);
        n = put(out, n, TOOL_OPEN, TOOL_OPEN.length);
        n = putLong(out, n, toolIndex);
        n = put(out, n, ARGUMENTS_OPEN, ARGUMENTS_OPEN.length);
        n = encode(fragment, out, n);
        n = put(out, n, TOOL_CLOSE, TOOL_CLOSE.length);
        return put(out, n, suffix, suffix.length);
    }

    /**
     * A whole frame with the delta
     * {@code {"tool_calls":[{"index":N,"id":…,"type":"function","function":{"name":…,"arguments":""}}]}}
     * (a null id or name as {@code null}), as {@link #textFrame}.
     */
    static int toolStartFrame(byte[] prefix, int choice, int toolIndex, String id, String name, byte[] suffix) {
        int idChars = id == null ? 0 : id.length();
        int nameChars = name == null ? 0 : name.length();
        if (idChars > MAX_CHARS || nameChars > MAX_CHARS) {
            return -1;
        }
        byte[] out = scratch(prefix.length + 64 + TOOL_OPEN.length + START_ID.length + START_NAME.length
                + START_CLOSE.length + (idChars + nameChars) * 6 + 12 + suffix.length);
        int n = deltaStart(out, prefix, choice);
        n = put(out, n, TOOL_OPEN, TOOL_OPEN.length);
        n = putLong(out, n, toolIndex);
        n = put(out, n, START_ID, START_ID.length);
        n = quoted(id, out, n);
        n = put(out, n, START_NAME, START_NAME.length);
        n = quoted(name, out, n);
        n = put(out, n, START_CLOSE, START_CLOSE.length);
        return put(out, n, suffix, suffix.length);
    }

    /** A whole frame whose delta is the bytes {@code delta} (already JSON), then {@code suffix}, as {@link #textFrame}. */
    static int rawFrame(byte[] prefix, int choice, byte[] delta, byte[] suffix) {
        byte[] out = scratch(prefix.length + 32 + delta.length + suffix.length);
        int n = deltaStart(out, prefix, choice);
        n = put(out, n, delta, delta.length);
        return put(out, n, suffix, suffix.length);
    }

    private static final byte[] FINISH_DELTA = ascii("{},\"logprobs\":null,\"finish_reason\":\"");

    /**
     * A whole finish frame: the delta {@code {}}, {@code "logprobs":null,"finish_reason":"<reason>} (a
     * plain ASCII word) and {@code suffix}, as {@link #textFrame}.
     */
    static int finishFrame(byte[] prefix, int choice, String reason, byte[] suffix) {
        byte[] out = scratch(prefix.length + 32 + FINISH_DELTA.length + reason.length() + suffix.length);
        int n = deltaStart(out, prefix, choice);
        n = put(out, n, FINISH_DELTA, FINISH_DELTA.length);
        for (int i = 0; i < reason.length(); i++) {
            out[n++] = (byte) reason.charAt(i);
        }
        return put(out, n, suffix, suffix.length);
    }

    /** The array the last frame was assembled in (valid until this thread's next call here). */
    static byte[] frameBytes() {
        return SCRATCH.get()[0];
    }

    private static final byte[] DELTA = ascii(",\"delta\":");

    private static int deltaStart(byte[] out, byte[] prefix, int choice) {
        int n = put(out, 0, prefix, prefix.length);
        n = putLong(out, n, choice);
        return put(out, n, DELTA, DELTA.length);
    }

    /** This thread's scratch array, grown to at least {@code size} bytes (contents not kept). */
    private static byte[] scratch(int size) {
        byte[][] holder = SCRATCH.get();
        byte[] out = holder[0];
        if (out.length < size) {
            out = new byte[Math.max(size, out.length * 2)];
            holder[0] = out;
        }
        return out;
    }

    private static int put(byte[] to, int at, byte[] from, int length) {
        System.arraycopy(from, 0, to, at, length);
        return at + length;
    }

    private static int putLong(byte[] to, int at, long v) {
        if (v >= 0 && v < 10) {
            to[at] = (byte) ('0' + v);
            return at + 1;
        }
        String s = Long.toString(v);
        for (int i = 0; i < s.length(); i++) {
            to[at + i] = (byte) s.charAt(i);
        }
        return at + s.length();
    }

    /** {@code s} as a JSON string with its quotes, or {@code null}, into {@code out} at {@code at}; returns the end. */
    private static int quoted(String s, byte[] out, int at) {
        if (s == null) {
            return put(out, at, NULL, NULL.length);
        }
        out[at] = '"';
        int n = encode(s, out, at + 1);
        out[n] = '"';
        return n + 1;
    }

    /** The usage object exactly as {@link OpenAiChunkWriter#writeUsage} writes it. */
    static void usage(ByteBuf buf, Usage u) {
        buf.writeCharSequence("{\"prompt_tokens\":", StandardCharsets.US_ASCII);
        writeLong(buf, u.promptTokens());
        buf.writeCharSequence(",\"completion_tokens\":", StandardCharsets.US_ASCII);
        writeLong(buf, u.completionTokens());
        buf.writeCharSequence(",\"total_tokens\":", StandardCharsets.US_ASCII);
        writeLong(buf, u.totalTokens());
        buf.writeCharSequence(",\"prompt_tokens_details\":{\"cached_tokens\":", StandardCharsets.US_ASCII);
        writeLong(buf, u.cachedInputTokens());
        if (u.cacheWriteTokens() != 0) {
            buf.writeCharSequence(",\"cache_write_tokens\":", StandardCharsets.US_ASCII);
            writeLong(buf, u.cacheWriteTokens());
        }
        buf.writeCharSequence("},\"completion_tokens_details\":{\"reasoning_tokens\":", StandardCharsets.US_ASCII);
        writeLong(buf, u.reasoningTokens());
        buf.writeCharSequence("}}", StandardCharsets.US_ASCII);
    }

    private static final byte[] HEAD_ID = ascii("{\"id\":\"");
    private static final byte[] HEAD_CREATED = ascii("\",\"object\":\"chat.completion.chunk\",\"created\":");
    private static final byte[] HEAD_MODEL = ascii(",\"model\":\"");
    private static final byte[] HEAD_CHOICES = ascii("\",\"choices\":");

    /**
     * A stream's chunk head {@code {"id":…,"object":"chat.completion.chunk","created":…,"model":…,"choices":}
     * as {@link OpenAiChunkWriter#jacksonHead} writes it, followed by {@code tail}; null when the id
     * or model is left to Jackson (longer than {@link #MAX_CHARS}).
     */
    static byte[] head(String id, long created, String model, byte[] tail) {
        int idLength = encode(id);
        if (idLength < 0 || model.length() > MAX_CHARS) {
            return null;
        }
        byte[] idBytes = Arrays.copyOf(SCRATCH.get()[0], idLength);
        int modelLength = encode(model);
        byte[] modelBytes = SCRATCH.get()[0];
        byte[] number = Long.toString(created).getBytes(StandardCharsets.US_ASCII);
        byte[] head = new byte[HEAD_ID.length + idLength + HEAD_CREATED.length + number.length + HEAD_MODEL.length
                + modelLength + HEAD_CHOICES.length + tail.length];
        int n = put(head, 0, HEAD_ID, HEAD_ID.length);
        n = put(head, n, idBytes, idLength);
        n = put(head, n, HEAD_CREATED, HEAD_CREATED.length);
        n = put(head, n, number, number.length);
        n = put(head, n, HEAD_MODEL, HEAD_MODEL.length);
        n = put(head, n, modelBytes, modelLength);
        n = put(head, n, HEAD_CHOICES, HEAD_CHOICES.length);
        put(head, n, tail, tail.length);
        return head;
    }

    /**
     * Escapes and encodes {@code s} into this thread's scratch array; returns the byte count, or -1
     * when the string is left to Jackson (longer than {@link #MAX_CHARS}).
     */
    static int encode(String s) {
        if (s.length() > MAX_CHARS) {
            return -1;
        }
        return encode(s, scratch(s.length() * 6), 0);
    }

    /**
     * Escapes and encodes {@code s} into {@code out} from {@code at}, which must have room for six
     * bytes per char (a control character's or a surrogate's escape); returns the end.
     */
    static int encode(String s, byte[] out, int at) {
        int len = s.length();
        int n = at;
        for (int i = 0; i < len; i++) {
            n = encode(s.charAt(i), out, n);
        }
        return n;
    }

    /** One UTF-16 unit as {@link #encode(String, byte[], int)} writes it (up to six bytes); returns the end. */
    private static int encode(char c, byte[] out, int at) {
        int n = at;
        if (c < 0x80) {
            byte e = ESCAPE[c];
            if (e == 0) {
                out[n++] = (byte) c;
            } else if (e != 'u') {
                out[n++] = '\\';
                out[n++] = e;
            } else {
                out[n++] = '\\';
                out[n++] = 'u';
                out[n++] = '0';
                out[n++] = '0';
                out[n++] = HEX[c >> 4];
                out[n++] = HEX[c & 0xf];
            }
        } else if (c < 0x800) {
            out[n++] = (byte) (0xc0 | (c >> 6));
            out[n++] = (byte) (0x80 | (c & 0x3f));
        } else if (!Character.isSurrogate(c)) {
            out[n++] = (byte) (0xe0 | (c >> 12));
            out[n++] = (byte) (0x80 | ((c >> 6) & 0x3f));
            out[n++] = (byte) (0x80 | (c & 0x3f));
        } else {
            // Jackson escapes every surrogate on its own, paired or not (it does not combine
            // pairs into four-byte UTF-8 unless told to).
            out[n++] = '\\';
            out[n++] = 'u';
            out[n++] = HEX[c >> 12];
            out[n++] = HEX[(c >> 8) & 0xf];
            out[n++] = HEX[(c >> 4) & 0xf];
            out[n++] = HEX[c & 0xf];
        }
        return n;
    }

    private static void writeLong(ByteBuf buf, long v) {
        if (v >= 0 && v < 10) {
            buf.writeByte((int) ('0' + v));
        } else {
            buf.writeCharSequence(Long.toString(v), StandardCharsets.US_ASCII);
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
