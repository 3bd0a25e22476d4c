package dev.junction.core.proxy;

import dev.junction.stream.GatewayError;
import dev.junction.stream.OpenAiChunkWriter;
import dev.junction.stream.Usage;
import dev.junction.translators.VendorRegistry;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ChatResponse;
import dev.junction.translators.model.EmbeddingsRequest;
import dev.junction.translators.model.EmbeddingsResponse;
import dev.junction.translators.openai.JsonLimits;
import dev.junction.translators.openai.OpenAiRequestDecoder;
import dev.junction.translators.openai.OpenAiResponseEncoder;
import dev.junction.translators.passthrough.OpenAiRequestFacts;
import dev.junction.translators.passthrough.PassThroughVendor;
import dev.junction.translators.spi.StreamTranslator;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.VendorAdapter;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import dev.junction.core.media.FetchPolicy;
import dev.junction.core.media.MediaFetcher;
import dev.junction.core.media.RemoteMedia;
import dev.junction.translators.stream.StreamProcessor;
import dev.junction.translators.stream.FanOutStreamProcessor;
import dev.junction.translators.stream.PassThroughStreamProcessor;
import dev.junction.translators.stream.TranslatedStreamProcessor;
import dev.junction.translators.stream.UsageScanner;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Speaks to whichever vendor an attempt's route names, for one client request (chat or
 * embeddings). OpenAI-shaped vendors get the client's bytes with only the model and stream usage
 * option spliced, and their answer comes back as their own bytes (DESIGN house rule 5). Other
 * vendors go through the canonical model: the client's body is decoded once, on the first attempt
 * that needs it, and each attempt translates it afresh (DESIGN request flow step 3).
 */
final class ChatProtocol implements ExchangeProtocol {

    private final ByteBuf body;
    private final OpenAiRequestFacts facts;
    private final boolean embeddings;
    private final JsonLimits limits;
    private final String responseId;
    private final long created;
    private final String unsupportedPolicy;
    private final MediaFetcher fetcher;
    private final FetchPolicy fetchPolicy;
    private final ByteBufAllocator alloc;
    private RemoteMedia remote;
    private ChatRequest chat;
    private EmbeddingsRequest embeddingsRequest;
    private Usage unaryUsage;

    ChatProtocol(ByteBuf body, OpenAiRequestFacts facts, boolean embeddings, JsonLimits limits, String responseId,
                 String unsupportedPolicy, MediaFetcher fetcher, FetchPolicy fetchPolicy, ByteBufAllocator alloc) {
        this.fetcher = fetcher;
        this.fetchPolicy = fetchPolicy;
        this.alloc = alloc;
        this.body = body;
        this.facts = facts;
        this.embeddings = embeddings;
        this.limits = limits;
        this.responseId = responseId;
        this.created = System.currentTimeMillis() / 1000;
        this.unsupportedPolicy = unsupportedPolicy;
    }

    @Override
    public boolean stream() {
        return facts.stream() && !embeddings;
    }

    @Override
    public UpstreamRequest build(Route route, ByteBufAllocator alloc, Warnings warnings) {
        PassThroughVendor pt = VendorRegistry.passThrough(route.provider().type());
        if (pt != null) {
            // Only a dialect that refuses or drops members reads the policy; the others keep the route's target.
            Target target = pt.dialect(route.target()).usesUnsupportedPolicy() ? target(route) : route.target();
            return embeddings ? pt.embeddingsRequest(body, facts, target, alloc, warnings)
                    : pt.chatRequest(body, facts, target, alloc, warnings);
        }
        VendorAdapter a = adapter(route);
        Target t = target(route);
        return embeddings ? a.embeddingsRequest(embeddingsRequest(), t, alloc)
                : a.chatRequest(vendorChatRequest(route), t, alloc, warnings);
    }

    @Override
    public int fanOut(Route route) {
        if (embeddings || VendorRegistry.passThrough(route.provider().type()) != null) {
            return 1;
        }
        VendorAdapter a = VendorRegistry.adapter(route.provider().type());
        return a == null || a.supportsN() ? 1 : chatRequest().choices();
    }

    /** What one call to {@code route}'s vendor asks: a fanned-out call asks for one choice (SPEC §3). */
    private ChatRequest vendorChatRequest(Route route) {
        return fanOut(route) > 1 ? chatRequest().withN(null) : chatRequest();
    }

    @Override
    public ByteBuf unaryMerged(Route route, List<ByteBuf> answers, ByteBufAllocator alloc) {
        VendorAdapter a = adapter(route);
        ChatRequest one = vendorChatRequest(route);
        List<ChatResponse.Choice> choices = new ArrayList<>(answers.size());
        Usage usage = null;
        ChatResponse first = null;
        for (int i = 0; i < answers.size(); i++) {
            ChatResponse r = a.chatResponse(one, answers.get(i));
            if (first == null) {
                first = r;
            }
            for (ChatResponse.Choice c : r.choices()) {
                // Part i answered its choice 0: it is choice i of the client's answer.
                choices.add(new ChatResponse.Choice(c.index() + i, c.content(), c.refusal(), c.reasoning(),
                        c.toolCalls(), c.finishReason()));
            }
            if (r.usage() != null) {
                usage = usage == null ? r.usage() : usage.plus(r.usage());
            }
        }
        unaryUsage = usage;
        ChatResponse merged = new ChatResponse(first.vendorId(), first.vendorModel(), choices, usage);
        return OpenAiResponseEncoder.encodeChat(merged, responseId, created, route.deployment().model(), alloc);
    }

    @Override
    public GatewayError error(Route route, int status, HttpHeaders headers, ByteBuf errorBody) {
        PassThroughVendor pt = VendorRegistry.passThrough(route.provider().type());
        return pt != null ? pt.error(route.target(), status, headers, errorBody)
                : adapter(route).error(status, headers, errorBody);
    }

    @Override
    public ByteBuf unary(Route route, ByteBuf answer, ByteBufAllocator alloc) {
        PassThroughVendor pt = VendorRegistry.passThrough(route.provider().type());
        if (pt != null) {
            unaryUsage = UsageScanner.topLevelUsage(answer);
            return embeddings ? answer.retainedDuplicate() : pt.chatResponse(route.target(), answer);
        }
        VendorAdapter a = adapter(route);
        String model = route.deployment().model();
        if (embeddings) {
            EmbeddingsRequest req = embeddingsRequest();
            EmbeddingsResponse r = a.embeddingsResponse(req, answer);
            unaryUsage = r.usage();
            return OpenAiResponseEncoder.encodeEmbeddings(r, model, req.base64(), alloc);
        }
        ChatResponse r = a.chatResponse(chatRequest(), answer);
        unaryUsage = r.usage();
        return OpenAiResponseEncoder.encodeChat(r, responseId, created, model, alloc);
    }

    @Override
    public Usage unaryUsage() {
        return unaryUsage;
    }

    @Override
    public StreamProcessor streamProcessor(Route route) {
        PassThroughVendor pt = VendorRegistry.passThrough(route.provider().type());
        if (pt != null) {
            return new PassThroughStreamProcessor(facts.includeUsage(), facts.n(), pt, route.target());
        }
        ChatRequest req = chatRequest();
        OpenAiChunkWriter writer = new OpenAiChunkWriter(responseId, created, route.deployment().model(), req.includeUsage());
        int k = fanOut(route);
        if (k > 1) {
            StreamTranslator[] parts = new StreamTranslator[k];
            for (int i = 0; i < k; i++) {
                parts[i] = adapter(route).streamTranslator(vendorChatRequest(route));
            }
            return new FanOutStreamProcessor(parts, writer);
        }
        return new TranslatedStreamProcessor(adapter(route).streamTranslator(req), writer, req.choices());
    }

    @Override
    public Future<?> prepare(Route route, EventLoop loop) {
        VendorAdapter a = VendorRegistry.adapter(route.provider().type());
        if (a == null || embeddings || fetcher == null) {
            return loop.newSucceededFuture(null);
        }
        ChatRequest req;
        try {
            req = chatRequest();
        } catch (TranslationException e) {
            return loop.newFailedFuture(e);
        }
        if (remote == null) {
            remote = new RemoteMedia(fetcher, fetchPolicy);
        }
        Future<ChatRequest> inlined = remote.inline(req, a::acceptsMediaUrl, loop, alloc);
        Promise<Void> ready = loop.newPromise();
        inlined.addListener(f -> {
            if (f.isSuccess()) {
                chat = inlined.getNow();
                ready.setSuccess(null);
            } else {
                ready.setFailure(f.cause());
            }
        });
        return ready;
    }

    @Override
    public void close() {
        if (remote != null) {
            remote.close();
        }
    }

    private static VendorAdapter adapter(Route route) {
        VendorAdapter a = VendorRegistry.adapter(route.provider().type());
        if (a == null) {
            throw new TranslationException(GatewayError.internal("No translator for provider type '"
                    + route.provider().type() + "'."));
        }
        return a;
    }

    /** The route's target with what translation needs from config: the drop/reject policy. */
    private Target target(Route route) {
        Target t = route.target();
        if (unsupportedPolicy == null || t.options().containsKey("unsupported")) {
            return t;
        }
        Map<String, String> options = new HashMap<>(t.options());
        options.put("unsupported", unsupportedPolicy);
        return new Target(t.provider(), t.type(), t.baseUrl(), t.model(), t.apiKey(), t.headers(), options);
    }

    private ChatRequest chatRequest() {
        if (chat == null) {
            chat = OpenAiRequestDecoder.decodeChat(body, limits);
        }
        return chat;
    }

    private EmbeddingsRequest embeddingsRequest() {
        if (embeddingsRequest == null) {
            embeddingsRequest = OpenAiRequestDecoder.decodeEmbeddings(body, limits);
        }
        return embeddingsRequest;
    }
}
