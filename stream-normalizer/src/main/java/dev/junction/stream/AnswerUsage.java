package dev.junction.stream;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;

import java.util.function.Function;

/**
 * The top-level {@code usage} of a whole OpenAI-shaped answer (chat completion, embeddings) that
 * the proxy forwards unchanged, read by the hand-written {@link ChunkScanner} (no parser, no strings)
 * when it can vouch for the answer's bytes, else by the caller's Jackson reader, which decides for
 * every answer the scanner does not recognise (broken JSON, escaped member names, long integers).
 */
public final class AnswerUsage {

    /**
     * The thread's scanner and scratch array, in one holder: a Netty {@link FastThreadLocal}, an
     * array index on an event loop (a {@link ThreadLocal} is a hash lookup, twice per answer before).
     */
    private static final FastThreadLocal<Scratch> PER_THREAD = new FastThreadLocal<>() {
        @Override
        protected Scratch initialValue() {
            return new Scratch();
        }
    };
    /** Larger answers are left to the Jackson reader (which streams them) rather than copied. */
    private static final int SCRATCH_MAX = 64 * 1024;

    private AnswerUsage() {
    }

    /**
     * The answer's top-level usage object, or null when it has none; {@code jackson} reads the
     * answers the scanner cannot vouch for. {@code body} is not consumed.
     */
    public static Usage topLevelUsage(ByteBuf body, Function<ByteBuf, Usage> jackson) {
        int n = body.readableBytes();
        if (!body.hasArray() && n > SCRATCH_MAX) {
            return jackson.apply(body);
        }
        Scratch t = PER_THREAD.get();
        byte[] bytes;
        int offset;
        if (body.hasArray()) {
            bytes = body.array();
            offset = body.arrayOffset() + body.readerIndex();
        } else {
            if (t.bytes.length < n) {
                t.bytes = new byte[Math.max(n, Math.min(SCRATCH_MAX, t.bytes.length * 2))];
            }
            bytes = t.bytes;
            offset = 0;
            body.getBytes(body.readerIndex(), bytes, 0, n);
        }
        ChunkScanner scanner = t.scanner;
        if (scanner.scanAnswerUsage(bytes, offset, n)) {
            return scanner.answerUsage();
        }
        return jackson.apply(body);
    }

    private static final class Scratch {
        final ChunkScanner scanner = new ChunkScanner();
        byte[] bytes = new byte[2048];
    }
}
