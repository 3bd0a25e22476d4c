package dev.junction.core.proxy;

import dev.junction.translators.spi.Translator;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/**
 * One client request as the exchange runs it: whether it streams, and for each route the router
 * offers, the vendor's {@link Translator} for this request, opened once per route and used by every
 * attempt there (DESIGN "Doors and vendors").
 */
public interface ExchangeProtocol {

    /** Whether the client asked for a stream. */
    boolean stream();

    /**
     * The door the request came in by ({@code chat}, {@code embeddings}, {@code messages}, ...; the
     * ingress request's {@code door()}), which the response cache keys and replays by; null for a
     * request the cache never applies to.
     */
    default String door() {
        return null;
    }

    /**
     * The id this request's answer carries when the door chooses it itself (the Responses door's
     * {@code resp_...}), for an answer replayed from the response cache; null to let the cache
     * derive one from the request id.
     */
    default String answerId() {
        return null;
    }

    /** Whether an answer replayed from the response cache must be kept like a fresh one ({@link #keepReplayed}). */
    default boolean keepsReplayedAnswers() {
        return false;
    }

    /** Keeps {@code answer}, the unary form of an answer replayed from the response cache (see {@link #keepsReplayedAnswers}). */
    default void keepReplayed(com.fasterxml.jackson.databind.JsonNode answer) {
    }

    /** How the client's door renders failures: as an answer, or in-band after the commit point. */
    default dev.junction.translators.ingress.ErrorShape errors() {
        return dev.junction.translators.ingress.ErrorShape.OPENAI;
    }

    /** The vendor contract for this request on {@code route}; throws TranslationException. */
    Translator translator(Route route);

    /**
     * Whether the client's bytes are carried to {@code route}'s vendor as they are (the vendor
     * speaks the client's door's shape), rather than translated through the canonical model.
     */
    default boolean passesThrough(Route route) {
        return false;
    }

    /**
     * Whether a successful unary answer is turned into the client's body asynchronously by
     * {@link #unaryAsync} instead of the translator's {@code answer}: when work that must not run on
     * the event loop comes first (image results written to the media store).
     */
    default boolean asyncUnary() {
        return false;
    }

    /**
     * The client's body from the successful answers of one attempt (one, or one per fanned-out
     * call), completed on {@code loop}; fails with a TranslationException for an answer that maps to
     * an error. {@code answers} are not consumed: the protocol retains what it keeps past the call.
     */
    default Future<io.netty.buffer.ByteBuf> unaryAsync(Route route, java.util.List<io.netty.buffer.ByteBuf> answers,
                                                       io.netty.buffer.ByteBufAllocator alloc, EventLoop loop) {
        throw new UnsupportedOperationException("this protocol answers synchronously");
    }

    /** Images made by the last unary answer, priced per image from the catalog (0 for text). */
    default int unaryImages() {
        return 0;
    }

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
