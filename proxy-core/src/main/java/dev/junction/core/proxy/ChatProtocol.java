package dev.junction.core.proxy;

import dev.junction.core.media.FetchPolicy;
import dev.junction.core.media.MediaFetcher;
import dev.junction.core.media.RemoteMedia;
import dev.junction.stream.GatewayError;
import dev.junction.translators.ingress.ErrorShape;
import dev.junction.translators.ingress.IngressRequest;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.Translator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One request from a client door ({@link IngressRequest}: OpenAI chat or embeddings, Anthropic
 * Messages, ...) and the translators of the routes it is tried on:
 * each route's vendor opens its {@link Translator} for the request once, on the first attempt
 * there. What differs between vendors — bytes carried or translated through the canonical model —
 * is the translator's business; the only vendor-specific step here is fetching remote media a
 * translated vendor cannot fetch itself (SPEC §9).
 */
final class ChatProtocol implements ExchangeProtocol {

    private final IngressRequest request;
    private final String unsupportedPolicy;
    private final MediaFetcher fetcher;
    private final FetchPolicy fetchPolicy;
    private final ByteBufAllocator alloc;
    /**
     * The translator opened on each route tried: the first route's in two fields (most requests
     * are tried on one), the others' in a map made when a second route is tried.
     */
    private Route firstRoute;
    private Translator firstTranslator;
    private Map<Route, Translator> more;
    private RemoteMedia remote;
    /**
     * "Nothing to fetch": one shared, already succeeded future rather than one per request (it
     * holds nothing; a listener added to it runs at once, on the caller's thread).
     */
    private static final Future<?> READY = ImmediateEventExecutor.INSTANCE.newSucceededFuture(null);

    ChatProtocol(IngressRequest request, String unsupportedPolicy, MediaFetcher fetcher, FetchPolicy fetchPolicy,
                 ByteBufAllocator alloc) {
        this.request = request;
        this.unsupportedPolicy = unsupportedPolicy;
        this.fetcher = fetcher;
        this.fetchPolicy = fetchPolicy;
        this.alloc = alloc;
    }

    @Override
    public boolean stream() {
        return request.stream();
    }

    @Override
    public String door() {
        return request.door();
    }

    @Override
    public ErrorShape errors() {
        return request.errors();
    }

    @Override
    public Translator translator(Route route) {
        Translator t = opened(route);
        if (t == null) {
            if (route.vendor() == null) {
                throw new TranslationException(GatewayError.internal("No translator for provider type '"
                        + route.provider().type() + "'."));
            }
            t = route.vendor().translator(request, route.target(), unsupportedPolicy);
            keep(route, t);
        }
        return t;
    }

    @Override
    public boolean passesThrough(Route route) {
        Translator t = opened(route);
        if (t == null && route.vendor() != null) {
            t = request.passThrough(route.vendor(), route.target(), unsupportedPolicy);
            if (t != null) {
                keep(route, t);
            }
            return t != null;
        }
        return t != null && !(t instanceof dev.junction.translators.openai.CanonicalTranslator);
    }

    private Translator opened(Route route) {
        if (route == firstRoute) {
            return firstTranslator;
        }
        return more == null ? null : more.get(route);
    }

    private void keep(Route route, Translator t) {
        if (firstRoute == null) {
            firstRoute = route;
            firstTranslator = t;
        } else {
            if (more == null) {
                more = new IdentityHashMap<>(4);
            }
            more.put(route, t);
        }
    }

    @Override
    public Future<?> prepare(Route route, EventLoop loop) {
        Predicate<String> fetchedByVendor;
        try {
            fetchedByVendor = translator(route).fetchesMediaUrl();
        } catch (TranslationException e) {
            return loop.newFailedFuture(e);
        }
        if (fetchedByVendor == null || fetcher == null) {
            return READY;
        }
        if (remote == null) {
            remote = new RemoteMedia(fetcher, fetchPolicy);
        }
        return remote.inlineInto(request, fetchedByVendor, loop, alloc);
    }

    @Override
    public void close() {
        if (remote != null) {
            remote.close();
        }
    }
}
