package dev.junction.translators.openaichat;

import dev.junction.stream.GatewayError;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ChatResponse;
import dev.junction.translators.passthrough.CompatDialect;
import dev.junction.translators.passthrough.CompatDialects;
import dev.junction.translators.passthrough.OpenAiErrorMapper;
import dev.junction.translators.passthrough.OpenAiPassThrough;
import dev.junction.translators.spi.StreamTranslator;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.VendorAdapter;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * An OpenAI-shaped vendor ({@code openai}, {@code azure-openai}, {@code openai-compatible} with
 * its dialects) on the canonical model: canonical request → chat completions JSON
 * ({@link OpenAiChatRequestWriter}), chat answer → canonical answer
 * ({@link OpenAiChatResponseReader}), chunk stream → canonical events
 * ({@link OpenAiChatStreamTranslator}), errors through the same mapping as the pass-through
 * ({@code OpenAiErrorMapper} plus the server's dialect).
 *
 * <p>It serves the doors whose shape is not OpenAI chat (Anthropic Messages, OpenAI Responses to a
 * chat-only server) and replays of canonical answers. Requests that come in by the OpenAI chat
 * door to these vendors keep the byte pass-through ({@code VendorRegistry.vendor}), so this
 * adapter's {@link #translator} is never the chat door's route. URL, auth header and dialect come
 * from the vendor's {@link OpenAiPassThrough}, so both paths address the server identically.
 */
public final class OpenAiChatAdapter implements VendorAdapter {

    private final OpenAiPassThrough vendor;
    private final CompatDialect dialect;

    /** The adapter of {@code vendor} for a server of the generic dialect; {@link #forTarget} binds another. */
    public OpenAiChatAdapter(OpenAiPassThrough vendor) {
        this(vendor, CompatDialects.GENERIC);
    }

    private OpenAiChatAdapter(OpenAiPassThrough vendor, CompatDialect dialect) {
        this.vendor = vendor;
        this.dialect = dialect;
    }

    @Override
    public String type() {
        return vendor.type();
    }

    /**
     * This adapter bound to {@code target}'s server dialect (provider option {@code dialect},
     * wire-formats §6.1), which reading answers, streams and errors needs (finish reasons,
     * error statuses) and which the other methods of {@link VendorAdapter} are not given.
     */
    @Override
    public VendorAdapter forTarget(Target target) {
        CompatDialect d = vendor.dialect(target);
        return d == dialect ? this : new OpenAiChatAdapter(vendor, d);
    }

    /** The dialect this adapter reads answers with. */
    CompatDialect dialect() {
        return dialect;
    }

    @Override
    public UpstreamRequest chatRequest(ChatRequest request, Target target, ByteBufAllocator alloc, Warnings warnings) {
        return OpenAiChatRequestWriter.write(vendor, request, target, alloc, warnings);
    }

    @Override
    public ChatResponse chatResponse(ChatRequest request, ByteBuf body) {
        return OpenAiChatResponseReader.read(this, dialect, body);
    }

    @Override
    public StreamTranslator streamTranslator(ChatRequest request) {
        return new OpenAiChatStreamTranslator(this, dialect, request.choices());
    }

    @Override
    public GatewayError error(int status, HttpHeaders headers, ByteBuf body) {
        return dialect.error(status, headers, body, OpenAiErrorMapper.map(status, headers, body));
    }

    /** The mapping of an error object the vendor sent inside a 2xx answer or stream. */
    GatewayError errorFromBody(int status, ByteBuf body) {
        return error(status, null, body);
    }
}
