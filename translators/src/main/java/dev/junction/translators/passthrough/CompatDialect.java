package dev.junction.translators.passthrough;

import dev.junction.stream.GatewayError;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.List;

/**
 * What one OpenAI-compatible server does differently from OpenAI (wire-formats §6.1, §8 items 15
 * and 17), as small overrides of the shared pass-through path rather than branches inside it.
 * Selected per provider by {@code options { dialect = ... }} and looked up in
 * {@link CompatDialects}. Every method defaults to "as OpenAI", so a dialect lists only what
 * differs; the generic dialect overrides nothing and costs nothing.
 *
 * <p>Quirks that are safe to handle for every server live in the shared code instead of here:
 * flat and string error bodies ({@link OpenAiErrorMapper}), Groq's {@code x_groq.usage} (read by
 * the stream inspector, and re-emitted as a standard usage chunk for a client that asked for one).
 * Implementations are stateless singletons.
 */
public interface CompatDialect {

    /** The name used in config ({@code options.dialect}). */
    String name();

    /**
     * Splices this server needs in the client's chat body, beyond the model and stream options
     * (offsets relative to the reader index; {@code body} is not consumed). Called once per attempt.
     */
    default List<BodyEdit> requestEdits(ByteBuf body) {
        return List.of();
    }

    /**
     * The splices of {@link #requestEdits(ByteBuf)} for a dialect that also refuses or drops members
     * its server does not support (DESIGN house rule 6): {@code target}'s option
     * {@code unsupported} ({@code reject}, the default, or {@code drop}) decides, dropped members are
     * reported in {@code warnings}, and a refusal throws
     * {@link dev.junction.translators.spi.TranslationException}. Called once per attempt.
     */
    default List<BodyEdit> requestEdits(ByteBuf body, OpenAiRequestFacts facts, Target target, Warnings warnings) {
        return requestEdits(body);
    }

    /**
     * Splices this server needs in the client's embeddings body, beyond the model; throws
     * {@link dev.junction.translators.spi.TranslationException} for an input it cannot take.
     */
    default List<BodyEdit> embeddingsEdits(ByteBuf body, Target target, Warnings warnings) {
        return List.of();
    }

    /**
     * Whether {@link #requestEdits(ByteBuf, OpenAiRequestFacts, Target, Warnings)} reads the
     * {@code unsupported} policy, so the proxy must put {@code translation.unsupported} into the
     * target when the provider does not set its own. False spares every other dialect that copy.
     */
    default boolean usesUnsupportedPolicy() {
        return false;
    }

    /**
     * Whether {@link #finishReason} may return an override at all. False lets the stream and the
     * unary answer skip every finish-reason check.
     */
    default boolean mapsFinishReasons() {
        return false;
    }

    /**
     * The override for a {@code finish_reason} outside OpenAI's set, or null to pass it on as sent.
     * Never called with an OpenAI reason ({@link FinishOverride#isOpenAiReason}).
     */
    default FinishOverride finishReason(String vendorReason) {
        return null;
    }

    /**
     * Adjusts the shared mapping of an error answer ({@code generic}, from {@link OpenAiErrorMapper})
     * for statuses or bodies this server uses differently. {@code body} may be null.
     */
    default GatewayError error(int status, HttpHeaders headers, ByteBuf body, GatewayError generic) {
        return generic;
    }
}
