package dev.junction.translators.passthrough;

import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One pass over a request body's raw bytes, before any JSON parser sees them: the body must be
 * well-formed UTF-8 (RFC 8259 §8.1; RFC 3629 §4: no overlong forms such as {@code C0 AF} or
 * {@code E0 80 AF}, no encoded surrogates such as {@code ED A0 80}, nothing above U+10FFFF such as
 * {@code F4 90 80 80}), contain no NUL byte (a UTF-16 or UTF-32 body always does, and a JSON text
 * never does), and have no string, member names included, longer than the limit in bytes as sent.
 *
 * <p>Done here rather than left to the parser because Jackson decodes UTF-8 leniently (it accepts
 * overlong and surrogate forms), detects UTF-16 and UTF-32 on its own (its offsets are then in
 * characters, not bytes), and never decodes the strings it skips, so its own length limit sees
 * only the members the scanner reads. A body the vendor receives as bytes must be held to every
 * limit here. Strings are found by tracking quotes and backslashes; on a body that is not valid
 * JSON the parser reports the syntax error that this pass may have misread. Every ingress door
 * that forwards or parses a client body runs it first ({@link OpenAiRequestScanner} does).
 */
public final class RawBodyCheck {

    /** What was wrong, or null. */
    public enum Problem { NUL, INVALID_UTF8, LONG_STRING }

    private final long maxStringLength;
    private int need;
    private int lo = 0x80;
    private int hi = 0xBF;
    private boolean inString;
    private boolean escaped;
    private long stringBytes;
    private Problem problem;

    private RawBodyCheck(long maxStringLength) {
        this.maxStringLength = maxStringLength;
    }

    /** Result of {@link #check}: the problem and the byte offset (from the reader index) where it was found. */
    public record Result(Problem problem, int offset) {
    }

    /** Checks {@code body}'s readable bytes (not consumed); null when all is well. */
    public static Result check(ByteBuf body, long maxStringLength) {
        RawBodyCheck c = new RawBodyCheck(maxStringLength);
        // NIO views of the bytes (no copy, one per component of an aggregated body): their
        // accessors compile to plain loads, where ByteBuf's check the reference count on every call.
        int offset = 0;
        for (ByteBuffer part : body.nioBuffers(body.readerIndex(), body.readableBytes())) {
            int at = c.scan(part.order(ByteOrder.LITTLE_ENDIAN));
            if (at >= 0) {
                return new Result(c.problem, offset + at);
            }
            offset += part.remaining();
        }
        if (c.need > 0) {
            return new Result(Problem.INVALID_UTF8, offset);
        }
        return null;
    }

    /** Runs the rules over {@code b}'s remaining bytes; the index (from its position) of a problem, or -1. */
    private int scan(ByteBuffer b) {
        int start = b.position();
        int end = b.limit();
        int i = start;
        while (i < end) {
            // Eight bytes at a time while they are plain ASCII with no quote, backslash or NUL: the
            // bulk of every body (base64 media, prose) needs no state change, only counting.
            if (need == 0 && !escaped && end - i >= 8 && plain(b.getLong(i))) {
                if (inString && (stringBytes += 8) > maxStringLength) {
                    problem = Problem.LONG_STRING;
                    return i - start;
                }
                i += 8;
                continue;
            }
            if (!process(b.get(i))) {
                return i - start;
            }
            i++;
        }
        return -1;
    }

    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    /** No byte of {@code w} is non-ASCII, NUL, {@code "} or {@code \}. */
    static boolean plain(long w) {
        return (w & HIGHS) == 0 && !hasZeroByte(w) && !hasZeroByte(w ^ 0x2222222222222222L)
                && !hasZeroByte(w ^ 0x5C5C5C5C5C5C5C5CL);
    }

    /** Whether any byte of {@code v} is zero (exact for words without high bits, as here). */
    private static boolean hasZeroByte(long v) {
        return ((v - ONES) & ~v & HIGHS) != 0;
    }

    private boolean process(byte value) {
        int b = value & 0xFF;
        if (need > 0) {
            if (b < lo || b > hi) {
                problem = Problem.INVALID_UTF8;
                return false;
            }
            lo = 0x80;
            hi = 0xBF;
            need--;
            return countInString();
        }
        if (b < 0x80) {
            if (b == 0) {
                problem = Problem.NUL;
                return false;
            }
            return json(b);
        }
        // RFC 3629 §4: the lead byte fixes the count and the range of the first continuation byte.
        if (b >= 0xC2 && b <= 0xDF) {
            need = 1;
        } else if (b == 0xE0) {
            need = 2;
            lo = 0xA0;
        } else if (b >= 0xE1 && b <= 0xEC || b == 0xEE || b == 0xEF) {
            need = 2;
        } else if (b == 0xED) {
            need = 2;
            hi = 0x9F;
        } else if (b == 0xF0) {
            need = 3;
            lo = 0x90;
        } else if (b >= 0xF1 && b <= 0xF3) {
            need = 3;
        } else if (b == 0xF4) {
            need = 3;
            hi = 0x8F;
        } else {
            problem = Problem.INVALID_UTF8;
            return false;
        }
        return countInString();
    }

    private boolean json(int b) {
        if (!inString) {
            if (b == '"') {
                inString = true;
                stringBytes = 0;
            }
            return true;
        }
        if (escaped) {
            escaped = false;
        } else if (b == '\\') {
            escaped = true;
        } else if (b == '"') {
            inString = false;
            return true;
        }
        return countInString();
    }

    private boolean countInString() {
        if (inString && ++stringBytes > maxStringLength) {
            problem = Problem.LONG_STRING;
            return false;
        }
        return true;
    }
}
