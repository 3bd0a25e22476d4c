package dev.junction.core.config;

import java.util.Map;

/**
 * One {@code junction.providers.<name>} entry.
 *
 * @param type        vendor adapter type: openai | openai-compatible | anthropic | gemini | azure-openai | runway (videos only)
 * @param apiKey      resolved key, or null (then {@code enabled} is false unless the type needs none)
 * @param enabled     false when left out of routing (missing key, {@code enabled = false})
 * @param disabledReason why it is disabled, for start-up logs and {@code check}
 * @param headers     extra headers sent upstream
 * @param options     vendor options such as {@code api-version}
 * @param retry       this provider's {@code retry} override, or null to use {@code junction.resilience.retry}
 */
public record ProviderConfig(String name, String type, String baseUrl, String apiKey, boolean enabled,
                             String disabledReason, Map<String, String> headers, Map<String, String> options,
                             Timeouts timeouts, int maxConnections, Integer rpm, Long tpm,
                             RetryConfig retry) {

    public ProviderConfig {
        headers = Map.copyOf(headers);
        options = Map.copyOf(options);
    }

    /** A provider without a retry override. */
    public ProviderConfig(String name, String type, String baseUrl, String apiKey, boolean enabled,
                          String disabledReason, Map<String, String> headers, Map<String, String> options,
                          Timeouts timeouts, int maxConnections, Integer rpm, Long tpm) {
        this(name, type, baseUrl, apiKey, enabled, disabledReason, headers, options, timeouts, maxConnections,
                rpm, tpm, null);
    }

    /** True when an api-key is configured (never expose the key itself). */
    public boolean hasApiKey() {
        return apiKey != null && !apiKey.isEmpty();
    }

    @Override
    public String toString() {
        return "ProviderConfig[" + name + " (" + type + ") " + baseUrl + (enabled ? "" : " disabled: " + disabledReason) + "]";
    }
}
