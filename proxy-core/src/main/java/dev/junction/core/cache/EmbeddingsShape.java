package dev.junction.core.cache;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.List;

/**
 * {@code POST /v1/embeddings}: unary only, and an embedding has no id or creation time, so a
 * replay is the recorded body byte for byte. The temperature rule does not apply (nothing is
 * sampled).
 */
public final class EmbeddingsShape implements ReplayShape {

    public static final EmbeddingsShape INSTANCE = new EmbeddingsShape();

    private EmbeddingsShape() {
    }

    @Override
    public String ingress() {
        return "embeddings";
    }

    @Override
    public boolean samples() {
        return false;
    }

    @Override
    public boolean streams() {
        return false;
    }

    @Override
    public CacheEntry.Piece event(byte[] bytes) {
        throw new UnsupportedOperationException("embeddings do not stream");
    }

    @Override
    public CacheEntry.Piece body(byte[] bytes) {
        return new CacheEntry.Piece(CacheEntry.BODY, bytes, List.of());
    }

    @Override
    public String responseModel(CacheEntry.Piece piece) {
        return "";
    }

    @Override
    public ByteBuf unary(CacheEntry e, Replay r, ByteBufAllocator alloc) {
        byte[] b = e.pieces().get(0).bytes();
        return alloc.heapBuffer(b.length).writeBytes(b);
    }

    @Override
    public void stream(CacheEntry e, Replay r, ByteBufAllocator alloc, List<ByteBuf> out) {
        throw new UnsupportedOperationException("embeddings do not stream");
    }
}
