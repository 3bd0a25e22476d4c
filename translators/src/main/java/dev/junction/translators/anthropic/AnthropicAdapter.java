package dev.junction.translators.anthropic;

import dev.junction.stream.GatewayError;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ChatResponse;
import dev.junction.translators.spi.StreamTranslator;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.VendorAdapter;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaders;

import java.time.Clock;

/**
 * Anthropic Messages API behind Junction's OpenAI API (wire-formats §2, §4, §5). Provider options
 * read from {@link Target#option}:
 * <ul>
 *   <li>{@code unsupported}: {@code reject} (default) refuses OpenAI fields Anthropic cannot honour
 *       with {@code unsupported_capability}; {@code drop} drops them with a warning
 *       ({@link AnthropicParameters}).</li>
 *   <li>{@code max-output}: the model's maximum output tokens from the catalog, sent as
 *       {@code max_tokens} when the client sent none.</li>
 *   <li>{@code json-schema}: {@code native} sends {@code response_format} json_schema as
 *       {@code output_config.format}; otherwise a forced "json" tool is used.</li>
 *   <li>{@code reasoning}: {@code effort} sends {@code reasoning_effort} as {@code output_config.effort};
 *       otherwise as a thinking budget ({@link AnthropicRequestWriter}).</li>
 * </ul>
 */
public final class AnthropicAdapter implements VendorAdapter {

    private final Clock clock;

    public AnthropicAdapter() {
        this(Clock.systemUTC());
    }

    /** {@code clock} turns an HTTP-date {@code retry-after} into a delay. */
    public AnthropicAdapter(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String type() {
        return "anthropic";
    }

    /** Messages has no {@code n}: the proxy fans out (AnthropicParameters, SPEC §3). */
    @Override
    public boolean supportsN() {
        return false;
    }

    @Override
    public UpstreamRequest chatRequest(ChatRequest request, Target target, ByteBufAllocator alloc, Warnings warnings) {
        return AnthropicRequestWriter.write(request, target, alloc, warnings);
    }

    @Override
    public ChatResponse chatResponse(ChatRequest request, ByteBuf body) {
        return AnthropicResponseReader.read(request, body);
    }

    @Override
    public StreamTranslator streamTranslator(ChatRequest request) {
        return new AnthropicStreamTranslator(AnthropicResponseReader.jsonToolMode(request));
    }

    @Override
    public GatewayError error(int status, HttpHeaders headers, ByteBuf body) {
        return AnthropicErrors.map(status, headers, body, clock);
    }
}
