package dev.junction.translators.messages;

import dev.junction.stream.StreamEncoder;
import dev.junction.translators.anthropic.AnthropicAdapter;
import dev.junction.translators.anthropic.AnthropicPassThrough;
import dev.junction.translators.ingress.ErrorShape;
import dev.junction.translators.ingress.IngressRequest;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ChatResponse;
import dev.junction.translators.openai.JsonLimits;
import dev.junction.translators.passthrough.OpenAiRequestFacts;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.Translator;
import dev.junction.translators.spi.Vendor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * One request through the Anthropic Messages door ({@code POST /v1/messages}, or
 * {@code /v1/messages/count_tokens}; SPEC §3.2). To an Anthropic deployment the client's bytes pass
 * through with only {@code model} replaced ({@link AnthropicPassThrough}); every other vendor gets
 * the canonical request ({@link MessagesRequestDecoder}), and its answer comes back as an Anthropic
 * {@code Message} ({@link MessagesResponseEncoder}) or event stream ({@link MessagesStreamEncoder});
 * failures in Anthropic's error shape ({@link MessagesErrors}).
 */
public final class MessagesRequest extends IngressRequest {

    /** The path of a token count: carried to Anthropic only, never translated. */
    public static final String COUNT_TOKENS_PATH = "/v1/messages/count_tokens";
    public static final String MESSAGES_PATH = "/v1/messages";

    private final OpenAiRequestFacts facts;
    private final JsonLimits limits;
    private final boolean countTokens;
    private final String version;
    private final String beta;

    /**
     * @param facts       the top-level scan of the body (model offsets, stream)
     * @param countTokens a {@code count_tokens} body ({@code max_tokens} not required, never streamed)
     * @param version     the client's {@code anthropic-version}, or null
     * @param beta        the client's {@code anthropic-beta}, or null
     * @param responseId  the {@code msg_…} id of a translated answer
     */
    public MessagesRequest(ByteBuf body, OpenAiRequestFacts facts, JsonLimits limits, boolean countTokens, String version,
                           String beta, String responseId, long created) {
        super(body, responseId, created);
        this.facts = facts;
        this.limits = limits;
        this.countTokens = countTokens;
        this.version = version;
        this.beta = beta;
    }

    @Override
    public String door() {
        return "messages";
    }

    public OpenAiRequestFacts facts() {
        return facts;
    }

    public boolean countTokens() {
        return countTokens;
    }

    @Override
    public boolean stream() {
        return facts.stream() && !countTokens;
    }

    @Override
    protected ChatRequest decode() {
        return countTokens ? MessagesRequestDecoder.decodeCountTokens(body(), limits)
                : MessagesRequestDecoder.decode(body(), limits);
    }

    @Override
    public ByteBuf encodeAnswer(ChatResponse answer, String model, ByteBufAllocator alloc) {
        return MessagesResponseEncoder.encode(answer, responseId(), model, alloc);
    }

    @Override
    public StreamEncoder streamEncoder(String model) {
        return new MessagesStreamEncoder(responseId(), model);
    }

    @Override
    public ErrorShape errors() {
        return MessagesErrors.SHAPE;
    }

    /** Anthropic speaks this door's shape: its deployments get the client's bytes. */
    @Override
    public Translator passThrough(Vendor vendor, Target target, String unsupportedPolicy) {
        if (!(vendor instanceof AnthropicAdapter a)) {
            return null;
        }
        return new AnthropicPassThrough(a, body(), facts, countTokens ? COUNT_TOKENS_PATH : MESSAGES_PATH, version, beta,
                MessagesErrors.SHAPE, target);
    }
}
