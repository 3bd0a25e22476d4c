package dev.junction.core.proxy;

import dev.junction.translators.responses.ResponsesRequestDecoder;
import dev.junction.translators.responses.ResponsesRequest;
import dev.junction.translators.responses.ResponsesHistory;
import dev.junction.core.responses.ResponseStates;
import dev.junction.core.catalog.Capability;
import dev.junction.stream.GatewayError;
import dev.junction.translators.messages.MessagesRequest;
import dev.junction.translators.spi.TranslationException;
import dev.junction.core.routing.RequestProfile;
import dev.junction.translators.openai.JsonLimits;
import dev.junction.translators.openai.OpenAiRequest;
import dev.junction.translators.passthrough.OpenAiRequestFacts;
import dev.junction.translators.passthrough.OpenAiRequestScanner;
import dev.junction.core.media.FetchPolicy;
import dev.junction.core.media.MediaFetcher;
import dev.junction.core.media.MediaStore;
import dev.junction.translators.model.ImagesRequest;
import dev.junction.translators.openai.OpenAiRequestDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.EnumSet;

/**
 * Reads a client's request once (validation, limits, the facts routing needs) and prepares the
 * protocol that will speak to whichever deployments the router picks.
 */
public final class ProtocolFactory {

    /**
     * The alias asked for, what the request needs of a deployment, and the protocol ready to run
     * attempts. {@code passThroughOnly} is non-null when the request cannot be translated through the
     * canonical model (e.g. a Messages body with a server tool of Anthropic's): only deployments that
     * carry its bytes can serve it, and this error answers it when there is none.
     */
    public record Prepared(String alias, OpenAiRequestFacts facts, RequestProfile profile, ExchangeProtocol protocol,
                           GatewayError passThroughOnly) {

        public Prepared(String alias, OpenAiRequestFacts facts, RequestProfile profile, ExchangeProtocol protocol) {
            this(alias, facts, profile, protocol, null);
        }
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

    /**
     * An images request (wire-formats §1.9): needs deployments with the {@code images} capability.
     * {@code mediaBase} is the base of the media URLs handed out. Throws {@code TranslationException}.
     */
    public Prepared prepareImages(ByteBuf body, String unsupportedPolicy, MediaStore media, FetchPolicy fetchPolicy,
                                  String mediaBase) {
        ImagesRequest req = OpenAiRequestDecoder.decodeImages(body, limits);
        RequestProfile profile = new RequestProfile(EnumSet.of(Capability.IMAGES),
                Math.max(1, req.prompt().length() / RequestProfile.BYTES_PER_TOKEN), null);
        return new Prepared(req.model(), null, profile,
                new ImagesProtocol(req, unsupportedPolicy, media, fetcher, fetchPolicy, mediaBase));
    }

    /**
     * A request of the Anthropic Messages door (SPEC §3.2), {@code /v1/messages} or, with
     * {@code countTokens}, {@code /v1/messages/count_tokens}. The body gets the same byte-level and
     * JSON checks as a chat body ({@link OpenAiRequestScanner}: UTF-8, NUL bytes, string length,
     * depth, duplicate members) and is decoded to the canonical request once, here, for what routing
     * needs; a body only Anthropic can serve (its server tools and blocks) is routed to the
     * deployments that carry its bytes. {@code version} and {@code beta} are the client's
     * {@code anthropic-version} and {@code anthropic-beta}, forwarded to Anthropic deployments.
     * Throws {@code TranslationException}.
     */
    public Prepared prepareMessages(ByteBuf body, boolean countTokens, String version, String beta, String requestId,
                                    String unsupportedPolicy, FetchPolicy fetchPolicy, ByteBufAllocator alloc) {
        OpenAiRequestFacts facts = scanner.scan(body);
        MessagesRequest request = new MessagesRequest(body, facts, limits, countTokens, version, beta,
                messageId(requestId), System.currentTimeMillis() / 1000);
        RequestProfile profile;
        GatewayError passThroughOnly = null;
        try {
            profile = RequestProfile.of(request.chat());
        } catch (TranslationException e) {
            if (!"unsupported_capability".equals(e.error().code())) {
                throw e;
            }
            passThroughOnly = e.error();
            profile = RequestProfile.passThrough(facts.toolCount() > 0, 0, false, request.stream(), false,
                    body.readableBytes(), facts.inlineMediaBytes(),
                    facts.maxTokens() < 0 ? null : (int) Math.min(Integer.MAX_VALUE, facts.maxTokens()));
        }
        return new Prepared(facts.model(), facts, profile,
                new ChatProtocol(request, unsupportedPolicy, fetcher, fetchPolicy, alloc), passThroughOnly);
    }

    /** Anthropic's {@code msg_…} id form, from the request id (which a client may have chosen). */
    static String messageId(String requestId) {
        String id = requestId.replaceAll("[^A-Za-z0-9]", "");
        if (id.isEmpty()) {
            id = java.util.UUID.randomUUID().toString().replace("-", "");
        }
        return "msg_" + (id.length() > 48 ? id.substring(0, 48) : id);
    }

    /**
     * A Responses request (SPEC §3.1). The body is scanned with the chat door's byte and JSON limits
     * and decoded once to learn what it needs of a deployment; a request only OpenAI itself can serve
     * (a built-in tool such as {@code web_search}, an item reference) decodes to
     * {@code unsupported_capability}, which then leaves only the routes whose
     * vendor gets the bytes (OpenAI's; {@link Prepared#passThroughOnly}). {@code owner} is the gateway key name; {@code states} the
     * response store (null: none). Throws {@code TranslationException} for an invalid body.
     */
    public Prepared prepareResponses(ByteBuf body, String owner, ResponseStates states, String unsupportedPolicy,
                                     FetchPolicy fetchPolicy, ByteBufAllocator alloc) {
        OpenAiRequestFacts facts = scanner.scanResponses(body);
        ResponsesHistory.Facts history = ResponsesHistory.facts(body);
        ResponsesRequest decoded = null;
        GatewayError onlyOpenAi = null;
        try {
            decoded = ResponsesRequestDecoder.decode(body, limits);
        } catch (TranslationException e) {
            if (!"unsupported_capability".equals(e.error().code())) {
                throw e;
            }
            onlyOpenAi = e.error();
        }
        RequestProfile profile = decoded != null ? RequestProfile.of(decoded.chat())
                : RequestProfile.passThrough(false, 0, false, facts.stream(), false, body.readableBytes(), 0, null);
        byte[] random = new byte[16];
        java.util.concurrent.ThreadLocalRandom.current().nextBytes(random);
        String id = "resp_" + java.util.HexFormat.of().formatHex(random);
        ResponsesProtocol protocol = new ResponsesProtocol(body, facts, history, scanner, limits, id,
                System.currentTimeMillis() / 1000, owner, states, unsupportedPolicy, fetcher, fetchPolicy, alloc,
                history.previousResponseId() == null ? decoded : null);
        return new Prepared(facts.model(), facts, profile, protocol, onlyOpenAi);
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
        return new Prepared(facts.model(), facts, profile,
                new ChatProtocol(new OpenAiRequest(body, facts, embeddings, limits, embeddings ? "emb-" : "chatcmpl-",
                        requestId, System.currentTimeMillis() / 1000), unsupportedPolicy, fetcher, fetchPolicy, alloc));
    }
}
