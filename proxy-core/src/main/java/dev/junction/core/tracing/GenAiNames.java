package dev.junction.core.tracing;

/**
 * OpenTelemetry GenAI semantic-convention values Junction reports in metrics and spans, derived
 * from configuration only (never from what a client sent).
 */
public final class GenAiNames {

    private GenAiNames() {
    }

    /** {@code gen_ai.operation.name} of a request path. */
    public static String operation(String path) {
        return path != null && path.startsWith("/v1/embeddings") ? "embeddings" : "chat";
    }

    /**
     * {@code gen_ai.provider.name}: the convention's well-known value for the vendor type, else the
     * provider's configured name (an OpenAI-compatible vendor has no well-known value).
     */
    public static String provider(String type, String configuredName) {
        if (type == null) {
            return configuredName;
        }
        return switch (type) {
            case "openai" -> "openai";
            case "azure-openai" -> "azure.ai.openai";
            case "anthropic" -> "anthropic";
            case "gemini" -> "gcp.gemini";
            default -> configuredName;
        };
    }
}
