package dev.junction.core.proxy;

import dev.junction.core.catalog.Capability;
import dev.junction.core.routing.RequestProfile;
import dev.junction.translators.openai.JsonLimits;
import dev.junction.translators.openai.OpenAiRequest;
import dev.junction.translators.passthrough.OpenAiRequestFacts;
import dev.junction.translators.passthrough.OpenAiRequestScanner;
import dev.junction.core.media.FetchPolicy;
import dev.junction.core.media.MediaFetcher;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.EnumSet;

/**
 * Reads a client's request once (validation, limits, the facts routing needs) and prepares the
 * protocol that will speak to whichever deployments the router picks.
 */
public final class ProtocolFactory {

    /** The alias asked for, what the request needs of a deployment, and the protocol ready to run attempts. */
    public record Prepared(String alias, OpenAiRequestFacts facts, RequestProfile profile, ExchangeProtocol protocol) {
    }

    private final OpenAiRequestScanner scanner;
    private final JsonLimits limits;
    private final MediaFetcher fetcher;

    /** @param fetcher fetches remote media for vendors that cannot; null to refuse such media */
    public ProtocolFactory(int maxJsonDepth, int maxStringLength, MediaFetcher fetcher) {
        this.fetcher = fetcher;
        this.scanner = new OpenAiRequestScanner(maxJsonDepth, maxStringLength);
        this.limits = new JsonLimits(maxJsonDepth, maxStringLength);
    }

    /** Throws {@code TranslationException} for a body that is not a valid request. */
    public Prepared prepare(ByteBuf body, boolean embeddings, String requestId, String unsupportedPolicy,
                            FetchPolicy fetchPolicy, ByteBufAllocator alloc) {
        OpenAiRequestFacts facts = scanner.scan(body, embeddings);
        RequestProfile profile = embeddings
                ? new RequestProfile(EnumSet.of(Capability.EMBEDDINGS), facts.textBytes() / RequestProfile.BYTES_PER_TOKEN, null)
                : RequestProfile.passThrough(facts.toolCount() > 0, facts.imageParts(), facts.jsonSchema(), facts.stream(),
                        false, body.readableBytes(), facts.inlineMediaBytes(),
                        facts.maxTokens() < 0 ? null : (int) Math.min(Integer.MAX_VALUE, facts.maxTokens()));
        String id = (embeddings ? "emb-" : "chatcmpl-") + requestId;
        return new Prepared(facts.model(), facts, profile,
                new ChatProtocol(new OpenAiRequest(body, facts, embeddings, limits, id, System.currentTimeMillis() / 1000),
                        unsupportedPolicy, fetcher, fetchPolicy, alloc));
    }
}
