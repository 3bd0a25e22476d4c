package dev.junction.translators.passthrough;

import dev.junction.stream.GatewayError;

/**
 * DeepSeek (wire-formats §6.1): finish reason {@code insufficient_system_resource} means the
 * server ran out of capacity mid-generation, so the answer is cut short by an overload, not
 * finished: it is reported as a retryable {@code upstream_unavailable} (SPEC §4), which fails over
 * before the first byte and ends a started stream with an in-band error (SPEC §5). Its 402
 * (insufficient balance) and 422 statuses are handled by the shared error mapping.
 */
final class DeepSeekDialect implements CompatDialect {

    static final DeepSeekDialect INSTANCE = new DeepSeekDialect();

    private DeepSeekDialect() {
    }

    @Override
    public String name() {
        return "deepseek";
    }

    @Override
    public boolean mapsFinishReasons() {
        return true;
    }

    @Override
    public FinishOverride finishReason(String vendorReason) {
        if ("insufficient_system_resource".equals(vendorReason)) {
            return FinishOverride.fail(GatewayError.upstreamUnavailable(
                    "The provider ran out of capacity while generating (finish_reason 'insufficient_system_resource')."));
        }
        return null;
    }
}
