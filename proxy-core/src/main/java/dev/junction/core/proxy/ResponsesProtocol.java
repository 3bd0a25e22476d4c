package dev.junction.core.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.junction.core.media.FetchPolicy;
import dev.junction.core.media.MediaFetcher;
import dev.junction.core.media.RemoteMedia;
import dev.junction.core.responses.ResponseStates;
import dev.junction.core.responses.StoredResponse;
import dev.junction.stream.GatewayError;
import dev.junction.translators.ingress.ErrorShape;
import dev.junction.translators.openai.JsonLimits;
import dev.junction.translators.passthrough.OpenAiRequestFacts;
import dev.junction.translators.passthrough.OpenAiRequestScanner;
import dev.junction.translators.responses.ResponsesHistory;
import dev.junction.translators.responses.ResponsesIngress;
import dev.junction.translators.responses.ResponsesRequest;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.Translator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One {@code POST /v1/responses} request (SPEC §3.1) and the translators of the routes it is tried
 * on. Before the first attempt is built, its {@code previous_response_id} (if any) is resolved
 * against the response store, off the event loop: unknown, expired or another key's is {@code 404};
 * found, the stored conversation is expanded into the request's input ({@link ResponsesHistory})
 * and the expanded body is what every route sees. The door itself ({@link ResponsesIngress}) then
 * carries the bytes to OpenAI or translates through the canonical model. With {@code store} (the
 * default), the answer is kept once it is whole: a unary success, or a stream that reached its
 * terminal event; a failed or cut answer is never kept.
 */
final class ResponsesProtocol implements ExchangeProtocol {

    private final ByteBuf clientBody;
    private final ResponsesHistory.Facts history;
    private final OpenAiRequestScanner scanner;
    private final JsonLimits limits;
    private final String responseId;
    private final long created;
    private final String owner;
    private final ResponseStates states;
    private final String unsupportedPolicy;
    private final MediaFetcher fetcher;
    private final FetchPolicy fetchPolicy;
    private final ByteBufAllocator alloc;
    private final Map<Route, Translator> translators = new IdentityHashMap<>(4);
    /** The body every route sees: the client's, or the expanded one (owned here). */
    private ByteBuf body;
    private ByteBuf expanded;
    private OpenAiRequestFacts facts;
    private ResponsesIngress ingress;
    private Future<?> resolved;
    private RemoteMedia remote;
    private boolean kept;
    private boolean closed;

    /**
     * @param facts  the scan of the client's body
     * @param owner  the gateway key name, the only one that may see what is kept
     * @param states the response store, or null when none is configured (store and previous ids refused)
     * @param decoded    the client's body decoded, or null (decoded when a route needs it)
     */
    ResponsesProtocol(ByteBuf clientBody, OpenAiRequestFacts facts, ResponsesHistory.Facts history,
                      OpenAiRequestScanner scanner, JsonLimits limits, String responseId, long created, String owner,
                      ResponseStates states, String unsupportedPolicy, MediaFetcher fetcher, FetchPolicy fetchPolicy,
                      ByteBufAllocator alloc, ResponsesRequest decoded) {
        this.clientBody = clientBody;
        this.body = clientBody;
        this.facts = facts;
        this.history = history;
        this.scanner = scanner;
        this.limits = limits;
        this.responseId = responseId;
        this.created = created;
        this.owner = owner;
        this.states = states;
        this.unsupportedPolicy = unsupportedPolicy;
        this.fetcher = fetcher;
        this.fetchPolicy = fetchPolicy;
        this.alloc = alloc;
        if (history.previousResponseId() == null) {
            ingress = new ResponsesIngress(body, facts, limits, responseId, created, this::keep, decoded);
        }
    }

    private ResponsesIngress newIngress() {
        return new ResponsesIngress(body, facts, limits, responseId, created, this::keep);
    }

    /**
     * OpenAI itself gets the client's bytes ({@code ResponsesIngress#passThrough}); what only it can
     * serve (a built-in tool, an item reference) is routed there alone.
     */
    @Override
    public boolean passesThrough(Route route) {
        return "openai".equals(route.provider().type());
    }

    @Override
    public boolean stream() {
        return facts.stream();
    }

    @Override
    public String door() {
        return "responses";
    }

    @Override
    public String answerId() {
        return responseId;
    }

    @Override
    public boolean keepsReplayedAnswers() {
        return history.store() && states != null;
    }

    /**
     * An answer replayed from the response cache is kept like a fresh one (store: true), with the
     * conversation it answers: the client's input, after the stored conversation it continues
     * ({@code previous_response_id}, read and expanded on the store's thread). A previous response
     * that is gone by then leaves nothing to continue: nothing is kept.
     */
    @Override
    public void keepReplayed(JsonNode response) {
        if (kept || !keepsReplayedAnswers()) {
            return;
        }
        String previous = history.previousResponseId();
        if (previous == null) {
            keep(response);
            return;
        }
        kept = true;
        byte[] client = io.netty.buffer.ByteBufUtil.getBytes(clientBody);
        states.find(previous, owner).thenAccept(stored -> {
            if (stored == null) {
                return;
            }
            ByteBuf b = ResponsesHistory.expand(io.netty.buffer.Unpooled.wrappedBuffer(client), stored.input(),
                    stored.response(), io.netty.buffer.UnpooledByteBufAllocator.DEFAULT);
            try {
                states.keep(owner, response, io.netty.buffer.ByteBufUtil.getBytes(b));
            } finally {
                b.release();
            }
        });
    }

    @Override
    public ErrorShape errors() {
        return ErrorShape.OPENAI;
    }

    /** The door of this request once its history is resolved (the routes' translators read it). */
    ResponsesIngress ingress() {
        return ingress;
    }

    @Override
    public Translator translator(Route route) {
        Translator t = translators.get(route);
        if (t == null) {
            if (ingress == null) {
                throw new IllegalStateException("translator asked before the history was resolved");
            }
            if (route.vendor() == null) {
                throw new TranslationException(GatewayError.internal("No translator for provider type '"
                        + route.provider().type() + "'."));
            }
            t = route.vendor().translator(ingress, route.target(), unsupportedPolicy);
            translators.put(route, t);
        }
        return t;
    }

    @Override
    public Future<?> prepare(Route route, EventLoop loop) {
        if (ingress == null) {
            if (resolved == null) {
                resolved = resolve(loop);
            }
            if (!resolved.isDone()) {
                Promise<Void> ready = loop.newPromise();
                resolved.addListener(f -> {
                    if (!f.isSuccess()) {
                        ready.setFailure(f.cause());
                        return;
                    }
                    chain(prepareMedia(route, loop), ready);
                });
                return ready;
            }
            if (!resolved.isSuccess()) {
                return resolved;
            }
        }
        return prepareMedia(route, loop);
    }

    private static void chain(Future<?> f, Promise<Void> p) {
        f.addListener(done -> {
            if (done.isSuccess()) {
                p.setSuccess(null);
            } else {
                p.setFailure(done.cause());
            }
        });
    }

    /**
     * Looks the previous response up and expands it into a new body on the store's thread (a tree
     * of the conversation is built there, not on the loop), then swaps the body in on the loop.
     */
    private Future<?> resolve(EventLoop loop) {
        Promise<Void> done = loop.newPromise();
        String previous = history.previousResponseId();
        if (states == null) {
            done.setFailure(new TranslationException(notFound(previous)));
            return done;
        }
        states.find(previous, owner).thenApply(stored -> stored == null ? null
                : ResponsesHistory.expand(clientBody, stored.input(), stored.response(), alloc))
                .whenComplete((b, error) -> loop.execute(() -> {
                    if (error != null) {
                        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                                ? error.getCause() : error;
                        done.setFailure(cause instanceof TranslationException t ? t
                                : new TranslationException(GatewayError.upstreamUnavailable(
                                        "The response store could not be read: " + cause.getMessage())));
                        return;
                    }
                    if (b == null) {
                        done.setFailure(new TranslationException(notFound(previous)));
                        return;
                    }
                    if (closed) {
                        b.release();
                        done.setFailure(new TranslationException(GatewayError.internal("the request ended")));
                        return;
                    }
                    try {
                        facts = scanner.scanResponses(b);
                    } catch (TranslationException e) {
                        b.release();
                        done.setFailure(e);
                        return;
                    }
                    expanded = b;
                    body = b;
                    ingress = newIngress();
                    done.setSuccess(null);
                }));
        return done;
    }

    static GatewayError notFound(String id) {
        return GatewayError.fatal(404, "invalid_request_error", "response_not_found", "previous_response_id",
                "Previous response with id '" + id + "' not found. It may have expired, been deleted, been created"
                        + " with store: false, or belong to another key.");
    }

    /** As the chat door: remote media a translated vendor cannot fetch are fetched and inlined. */
    private Future<?> prepareMedia(Route route, EventLoop loop) {
        Predicate<String> fetchedByVendor;
        try {
            fetchedByVendor = translator(route).fetchesMediaUrl();
        } catch (TranslationException e) {
            return loop.newFailedFuture(e);
        }
        if (fetchedByVendor == null || fetcher == null) {
            return loop.newSucceededFuture(null);
        }
        if (remote == null) {
            remote = new RemoteMedia(fetcher, fetchPolicy);
        }
        return remote.inlineInto(ingress, fetchedByVendor, loop, alloc);
    }

    /** The whole answer's {@code response} object: kept when the request asked for {@code store}. */
    private void keep(JsonNode response) {
        if (kept || !history.store() || states == null) {
            return;
        }
        kept = true;
        // The conversation's input items are read from a copy on the store's thread, not here.
        states.keep(owner, response, io.netty.buffer.ByteBufUtil.getBytes(body));
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (remote != null) {
            remote.close();
        }
        if (expanded != null) {
            expanded.release();
            expanded = null;
        }
    }
}
