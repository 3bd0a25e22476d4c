package dev.junction.stream;

import io.netty.buffer.ByteBuf;

import java.util.function.Function;

/**
 * The top-level {@code usage} of a whole OpenAI-shaped answer (chat completion, embeddings) that
 * the proxy forwards unchanged, read by the hand-written {@link ChunkScanner} (no parser, no strings)
 * when it can vouch for the answer's bytes, else by the caller's Jackson reader, which decides for
 * every answer the scanner does not recognise (broken JSON, escaped member names, long integers).
 */
public final class AnswerUsage {

    private static final ThreadLocal<ChunkScanner> SCANNER = ThreadLocal.withInitial(ChunkScanner::new);
    private static final ThreadLocal<byte[][]> SCRATCH = ThreadLocal.withInitial(() -> new byte[][] {new byte[2048]});
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
        byte[] bytes;
        int offset;
        if (body.hasArray()) {
            bytes = body.array();
            offset = body.arrayOffset() + body.readerIndex();
        } else if (n <= SCRATCH_MAX) {
            byte[][] holder = SCRATCH.get();
            if (holder[0].length < n) {
                holder[0] = new byte[Math.max(n, Math.min(SCRATCH_MAX, holder[0].length * 2))];
            }
            bytes = holder[0];
            offset = 0;
            body.getBytes(body.readerIndex(), bytes, 0, n);
        } else {
            return jackson.apply(body);
        }
        ChunkScanner scanner = SCANNER.get();
        if (scanner.scanAnswerUsage(bytes, offset, n)) {
            return scanner.answerUsage();
        }
        return jackson.apply(body);
    }
}
