package dev.junction.translators.openai;

import dev.junction.stream.GatewayError;
import dev.junction.stream.StreamEncoder;
import dev.junction.stream.Usage;
import dev.junction.translators.ingress.IngressRequest;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ChatResponse;
import dev.junction.translators.model.EmbeddingsRequest;
import dev.junction.translators.model.EmbeddingsResponse;
import dev.junction.translators.spi.StreamTranslator;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.Translator;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.VendorAdapter;
import dev.junction.translators.spi.Warnings;
import dev.junction.translators.stream.FanOutStreamProcessor;
import dev.junction.translators.stream.StreamProcessor;
import dev.junction.translators.stream.TranslatedStreamProcessor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Any door to a vendor translated through the canonical model ({@link VendorAdapter}): the door's
 * body → canonical request → vendor request; vendor answer → canonical answer → the door's JSON;
 * vendor events → canonical events → the door's stream ({@link IngressRequest} is the door, the
 * adapter the vendor; neither knows the other). A vendor without {@code n} gets the request fanned
 * out into {@code n} calls whose answers are merged (SPEC §3). Embeddings come only through the
 * OpenAI door ({@link OpenAiRequest#embeddings()}).
 */
public final class CanonicalTranslator implements Translator {

    private final VendorAdapter adapter;
    private final IngressRequest request;
    /** The OpenAI door's embeddings request, or null. */
    private final OpenAiRequest embeddings;
    private final Target target;
    private Usage usage;

    /** @param target the route's target, with what translation needs from config (the drop/reject policy) */
    public CanonicalTranslator(VendorAdapter adapter, IngressRequest request, Target target) {
        this.adapter = adapter.forTarget(target);
        this.request = request;
        this.embeddings = request instanceof OpenAiRequest o && o.embeddings() ? o : null;
        this.target = target;
    }

    @Override
    public int calls() {
        return embeddings != null || adapter.supportsN() ? 1 : request.chat().choices();
    }

    /** What one call asks: a fanned-out call asks for one choice. */
    private ChatRequest perCall() {
        return calls() > 1 ? request.chat().withN(null) : request.chat();
    }

    @Override
    public UpstreamRequest request(ByteBufAllocator alloc, Warnings warnings) {
        return embeddings != null ? adapter.embeddingsRequest(embeddings.embeddingsRequest(), target, alloc)
                : adapter.chatRequest(perCall(), target, alloc, warnings);
    }

    @Override
    public ByteBuf answer(ByteBuf body, ByteBufAllocator alloc) {
        if (embeddings != null) {
            EmbeddingsRequest req = embeddings.embeddingsRequest();
            EmbeddingsResponse r = adapter.embeddingsResponse(req, body);
            usage = r.usage();
            return OpenAiResponseEncoder.encodeEmbeddings(r, target.model(), req.base64(), alloc);
        }
        ChatResponse r = adapter.chatResponse(request.chat(), body);
        usage = r.usage();
        return request.encodeAnswer(r, target.model(), alloc);
    }

    @Override
    public ByteBuf answers(List<ByteBuf> bodies, ByteBufAllocator alloc) {
        ChatRequest one = perCall();
        List<ChatResponse.Choice> choices = new ArrayList<>(bodies.size());
        Usage sum = null;
        ChatResponse first = null;
        for (int i = 0; i < bodies.size(); i++) {
            ChatResponse r = adapter.chatResponse(one, bodies.get(i));
            if (first == null) {
                first = r;
            }
            for (ChatResponse.Choice c : r.choices()) {
                // Call i answered its choice 0: it is choice i of the client's answer.
                choices.add(new ChatResponse.Choice(c.index() + i, c.content(), c.refusal(), c.reasoning(),
                        c.toolCalls(), c.finishReason()));
            }
            if (r.usage() != null) {
                sum = sum == null ? r.usage() : sum.plus(r.usage());
            }
        }
        usage = sum;
        ChatResponse merged = new ChatResponse(first.vendorId(), first.vendorModel(), choices, sum);
        return request.encodeAnswer(merged, target.model(), alloc);
    }

    @Override
    public Usage usage() {
        return usage;
    }

    @Override
    public StreamProcessor streamProcessor() {
        ChatRequest req = request.chat();
        StreamEncoder writer = request.streamEncoder(target.model());
        int k = calls();
        if (k > 1) {
            StreamTranslator[] parts = new StreamTranslator[k];
            for (int i = 0; i < k; i++) {
                parts[i] = adapter.streamTranslator(perCall());
            }
            return new FanOutStreamProcessor(parts, writer);
        }
        return new TranslatedStreamProcessor(adapter.streamTranslator(req), writer, req.choices());
    }

    @Override
    public GatewayError error(int status, HttpHeaders headers, ByteBuf body) {
        return adapter.error(status, headers, body);
    }

    @Override
    public Predicate<String> fetchesMediaUrl() {
        return embeddings != null ? null : adapter::acceptsMediaUrl;
    }
}
