package dev.junction.translators.passthrough;

import dev.junction.stream.GatewayError;

import java.util.Objects;

/**
 * What a {@link CompatDialect} makes of a {@code finish_reason} outside OpenAI's set
 * (wire-formats §6.1): either the OpenAI reason the client sees instead, or an upstream error
 * (the vendor says it failed, so the answer is not a complete one).
 *
 * @param reason the OpenAI finish reason to send instead, or null when {@code error} is set
 * @param error  the failure to report instead of finishing, or null when {@code reason} is set
 */
public record FinishOverride(String reason, GatewayError error) {

    public FinishOverride {
        if ((reason == null) == (error == null)) {
            throw new IllegalArgumentException("exactly one of reason and error");
        }
    }

    public static FinishOverride rename(String openAiReason) {
        return new FinishOverride(Objects.requireNonNull(openAiReason), null);
    }

    public static FinishOverride fail(GatewayError error) {
        return new FinishOverride(null, Objects.requireNonNull(error));
    }

    /** The reasons OpenAI's chat completion schema allows; they are never overridden. */
    public static boolean isOpenAiReason(String reason) {
        return switch (reason) {
            case "stop", "length", "tool_calls", "content_filter", "function_call" -> true;
            default -> false;
        };
    }
}
