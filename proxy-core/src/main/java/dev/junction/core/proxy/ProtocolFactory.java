package dev.junction.core.proxy;

import dev.junction.translators.passthrough.OpenAiRequestFacts;
import dev.junction.translators.passthrough.OpenAiRequestScanner;
import io.netty.buffer.ByteBuf;

/**
 * Reads a client's request once (validation, limits, the facts routing needs) and prepares the
 * protocol that will speak to whichever deployments the router picks.
 */
public final class ProtocolFactory {

    /** The alias asked for and the protocol ready to run attempts. */
    public record Prepared(String alias, OpenAiRequestFacts facts, ExchangeProtocol protocol) {
    }

    private final OpenAiRequestScanner scanner;

    public ProtocolFactory(int maxJsonDepth, int maxStringLength) {
        this.scanner = new OpenAiRequestScanner(maxJsonDepth, maxStringLength);
    }

    /** Throws {@code TranslationException} for a body that is not a valid request. */
    public Prepared prepare(ByteBuf body, boolean embeddings) {
        OpenAiRequestFacts facts = scanner.scan(body);
        return new Prepared(facts.model(), facts, new PassThroughProtocol(body, facts, embeddings));
    }
}
