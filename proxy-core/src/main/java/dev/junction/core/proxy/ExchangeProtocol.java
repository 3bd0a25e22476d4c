package dev.junction.core.proxy;

import dev.junction.stream.GatewayError;
import dev.junction.stream.Usage;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.Warnings;
import dev.junction.translators.stream.StreamProcessor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.concurrent.Future;

import java.util.List;

/**
 * How one kind of upstream is spoken to for one client request: the OpenAI pass-through (bytes
 * carried as they are) or a translated vendor. Built per request, re-run per attempt from the
 * untouched original (DESIGN request flow step 3).
 */
public interface ExchangeProtocol {

    /** Whether the client asked for a stream. */
    boolean stream();

    /** The vendor request for an attempt on {@code route}; throws TranslationException. */
    UpstreamRequest build(Route route, ByteBufAllocator alloc, Warnings warnings);

    /** Maps a vendor error answer of {@code route}'s vendor. */
    GatewayError error(Route route, int status, HttpHeaders headers, ByteBuf body);

    /** The client's body for a successful unary answer ({@code body} is not consumed; result is owned by the caller). */
    ByteBuf unary(Route route, ByteBuf body, ByteBufAllocator alloc);

    /**
     * How many upstream calls one attempt on {@code route} makes: the client's {@code n} when the
     * route's vendor cannot answer several choices in one call (SPEC §3 fan-out), else 1. Each of
     * the calls is built by {@link #build} (with {@code n} unset). Throws TranslationException.
     */
    default int fanOut(Route route) {
        return 1;
    }

    /**
     * The client's body merging the successful unary answers of a fanned-out attempt, choice
     * {@code i} from {@code answers[i]}, usage summed; {@link #unaryUsage()} then gives the sum.
     * {@code answers} are not consumed. Throws TranslationException.
     */
    default ByteBuf unaryMerged(Route route, List<ByteBuf> answers, ByteBufAllocator alloc) {
        throw new UnsupportedOperationException("this protocol does not fan out");
    }

    /** Usage found in the last unary answer (null when none). */
    Usage unaryUsage();

    /** A fresh stream processor for an attempt on {@code route}. */
    StreamProcessor streamProcessor(Route route);

    /**
     * Completes when the request is ready to be built for {@code route}: at once, unless remote media
     * has to be fetched first for a vendor that cannot fetch it. Fails with a TranslationException.
     */
    default Future<?> prepare(Route route, EventLoop loop) {
        return loop.newSucceededFuture(null);
    }

    /** Releases what the protocol holds for the request (fetched media). Idempotent. */
    default void close() {
    }
}
