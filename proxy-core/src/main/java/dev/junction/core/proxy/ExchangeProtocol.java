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

    /** The vendor contract for this request on {@code route}; throws TranslationException. */
    Translator translator(Route route);

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
