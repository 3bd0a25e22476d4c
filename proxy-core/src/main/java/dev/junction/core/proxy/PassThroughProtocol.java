package dev.junction.core.proxy;

import dev.junction.stream.GatewayError;
import dev.junction.stream.Usage;
import dev.junction.translators.VendorRegistry;
import dev.junction.translators.passthrough.OpenAiRequestFacts;
import dev.junction.translators.passthrough.PassThroughVendor;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * The OpenAI pass-through: the client's body goes upstream with only the model (and the stream
 * usage option) spliced, and the answer comes back as the vendor's bytes (DESIGN house rule 5).
 */
final class PassThroughProtocol implements ExchangeProtocol {

    private final ByteBuf body;
    private final OpenAiRequestFacts facts;
    private final boolean embeddings;
    private Usage unaryUsage;

    PassThroughProtocol(ByteBuf body, OpenAiRequestFacts facts, boolean embeddings) {
        this.body = body;
        this.facts = facts;
        this.embeddings = embeddings;
    }

    static boolean handles(Route route) {
        return VendorRegistry.passThrough(route.provider().type()) != null;
    }

    private static PassThroughVendor vendor(Route route) {
        return VendorRegistry.passThrough(route.provider().type());
    }

    @Override
    public boolean stream() {
        return facts.stream() && !embeddings;
    }

    @Override
    public UpstreamRequest build(Route route, ByteBufAllocator alloc, Warnings warnings) {
        return embeddings ? vendor(route).embeddingsRequest(body, facts, route.target(), alloc)
                : vendor(route).chatRequest(body, facts, route.target(), alloc);
    }

    @Override
    public GatewayError error(Route route, int status, HttpHeaders headers, ByteBuf errorBody) {
        return vendor(route).error(status, headers, errorBody);
    }

    @Override
    public ByteBuf unary(Route route, ByteBuf answer, ByteBufAllocator alloc) {
        unaryUsage = UsageScanner.topLevelUsage(answer);
        return answer.retainedDuplicate();
    }

    @Override
    public Usage unaryUsage() {
        return unaryUsage;
    }

    @Override
    public StreamProcessor streamProcessor(Route route) {
        return new PassThroughStreamProcessor(facts.includeUsage(), vendor(route));
    }
}
