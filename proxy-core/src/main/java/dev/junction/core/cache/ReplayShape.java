package dev.junction.core.cache;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.List;

/**
 * How one door's answers are recorded and replayed (docs/cache.md). One implementation per ingress
 * shape: OpenAI chat completions ({@link ChatShape}), embeddings ({@link EmbeddingsShape}), Anthropic
 * Messages ({@link MessagesShape}), OpenAI Responses ({@link ResponsesShape}); a door joins in {@link ReplayShapes}. A shape knows its door's JSON and event stream, never a
 * vendor: what is recorded is what that door's client received.
 */
public interface ReplayShape {

    /** The door's name, part of every key ({@code chat}, {@code embeddings}, {@code messages}, ...). */
    String ingress();

    /** Whether the door generates (the temperature and {@code n} rules apply). */
    boolean samples();

    /** Whether the door has a stream form. */
    boolean streams();

    /**
     * Why this door never caches {@code request} (the client's body), or null: a request the door
     * answers with something other than the answer itself. Reported as the bypass reason.
     */
    default String bypass(CachePlan.Facts request) {
        return null;
    }

    /**
     * Whether {@code request}'s entry belongs to the gateway key that sent it even on an alias that
     * shares entries (e.g. it continues a conversation only that key may read).
     */
    default boolean ownedByKey(CachePlan.Facts request) {
        return false;
    }

    /**
     * A fresh identity for one replay: the id and creation time the replayed answer carries.
     * {@code requestId} is the request's id, or the id the door already chose for its answer (the
     * Responses door's {@code resp_...}).
     */
    record Replay(String requestId, long createdSeconds, boolean includeUsage) {
    }

    /** One sent stream event ({@code bytes}, a whole SSE event) as a piece with its splices. */
    CacheEntry.Piece event(byte[] bytes);

    /** A sent unary body as a piece with its splices. */
    CacheEntry.Piece body(byte[] bytes);

    /** The model the answer names, read from a recorded piece, or "" (kept for answers made up on replay). */
    String responseModel(CacheEntry.Piece piece);

    /** The client's unary body from {@code e} (recorded as a body or as a stream). */
    ByteBuf unary(CacheEntry e, Replay r, ByteBufAllocator alloc);

    /** The client's stream events from {@code e} (recorded as a stream or as a body), appended to {@code out}. */
    void stream(CacheEntry e, Replay r, ByteBufAllocator alloc, List<ByteBuf> out);

    /** Writes {@code p}'s bytes with its splices applied for replay {@code r}. */
    static void write(CacheEntry.Piece p, String id, long created, boolean includeUsage, ByteBuf out) {
        byte[] b = p.bytes();
        int at = 0;
        for (CacheEntry.Splice s : p.splices()) {
            out.writeBytes(b, at, s.start() - at);
            switch (s.what()) {
                case CacheEntry.ID -> {
                    out.writeByte('"');
                    out.writeCharSequence(id, java.nio.charset.StandardCharsets.UTF_8);
                    out.writeByte('"');
                }
                case CacheEntry.CREATED -> out.writeCharSequence(Long.toString(created),
                        java.nio.charset.StandardCharsets.US_ASCII);
                default -> {
                    if (includeUsage) {
                        out.writeBytes(b, s.start(), s.end() - s.start());
                    }
                }
            }
            at = s.end();
        }
        out.writeBytes(b, at, b.length - at);
    }
}
