package dev.junction.core.routing;

import dev.junction.core.catalog.Capability;
import dev.junction.core.catalog.ModelInfo;
import dev.junction.stream.GatewayError;
import dev.junction.translators.VendorRegistry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * SPEC §7 candidates: the route's deployments whose provider type serves this kind of request
 * (chat, embeddings, images, video: a video-only vendor never gets a chat request, whatever its
 * catalog entry says), that have every capability the request needs, room
 * for its estimated context and requested output, an enabled provider (it has its key), and a
 * circuit that is not open (a half-open circuit with a free probe counts as available). Checks run
 * in that order, so a deployment ruled out as disabled or circuit-open is known to be capable.
 *
 * <p>When none remain, {@link #error} explains, naming every deployment and why it was ruled out:
 * a capable deployment that is merely down gives 503 {@code upstream_unavailable}; else one that
 * only lacks context gives 400 {@code context_length_exceeded}; else 400
 * {@code unsupported_capability} (SPEC §4).
 */
public final class CapabilityFilter {

    public enum Reason { MISSING_CAPABILITY, CONTEXT_TOO_SMALL, MAX_OUTPUT_TOO_SMALL, DISABLED, CIRCUIT_OPEN }

    /** A deployment ruled out, and why, in words for the error message and logs. */
    public record Exclusion(Deployment deployment, Reason reason, String detail) {
    }

    /** {@code candidates} in config order (mutable: strategies reorder it in place). */
    public record Result(List<Deployment> candidates, List<Exclusion> excluded) {
    }

    private CapabilityFilter() {
    }

    public static Result filter(Route route, RequestProfile profile) {
        List<Deployment> all = route.deployments();
        List<Deployment> candidates = new ArrayList<>(all.size());
        List<Exclusion> excluded = null;
        // An array, not the set: containsAll over an unmodifiable set allocates an iterator per deployment.
        Capability[] needs = profile.needs().toArray(new Capability[0]);
        VendorRegistry.Operation op = profile.operation();
        for (Deployment d : all) {
            Exclusion why = check(d, profile, needs, op);
            if (why == null) {
                candidates.add(d);
            } else {
                if (excluded == null) {
                    excluded = new ArrayList<>(all.size());
                }
                excluded.add(why);
            }
        }
        return new Result(candidates, excluded == null ? List.of() : excluded);
    }

    private static Exclusion check(Deployment d, RequestProfile p, Capability[] needs, VendorRegistry.Operation op) {
        ModelInfo info = d.info();
        for (Capability c : needs) {
            if (!info.capabilities().contains(c)) {
                EnumSet<Capability> missing = EnumSet.copyOf(p.needs());
                missing.removeAll(info.capabilities());
                return new Exclusion(d, Reason.MISSING_CAPABILITY, "does not support " + names(missing));
            }
        }
        if (!VendorRegistry.serves(d.provider().type(), op)) {
            return new Exclusion(d, Reason.MISSING_CAPABILITY, "is on provider " + d.providerName() + " of type "
                    + d.provider().type() + ", which does not offer " + op.words());
        }
        long output = p.requestedMaxOutput() == null ? 0 : p.requestedMaxOutput();
        if (info.contextWindow() > 0 && p.estimatedInputTokens() + output > info.contextWindow()) {
            return new Exclusion(d, Reason.CONTEXT_TOO_SMALL, "has a context window of " + info.contextWindow()
                    + " tokens; the request needs about " + (p.estimatedInputTokens() + output) + " (estimated "
                    + p.estimatedInputTokens() + " input" + (output > 0 ? " + " + output + " max output" : "") + ")");
        }
        if (info.maxOutput() > 0 && output > info.maxOutput()) {
            return new Exclusion(d, Reason.MAX_OUTPUT_TOO_SMALL, "produces at most " + info.maxOutput()
                    + " output tokens; the request asks for " + output);
        }
        if (!d.enabled()) {
            String why = d.provider().disabledReason();
            return new Exclusion(d, Reason.DISABLED, "provider " + d.providerName() + " is disabled"
                    + (why == null || why.isBlank() ? "" : " (" + why + ")"));
        }
        if (!d.breaker().isAvailable()) {
            long ms = Duration.ofNanos(d.breaker().remainingOpenNanos()).toMillis();
            return new Exclusion(d, Reason.CIRCUIT_OPEN, "is failing: circuit open for another " + ms + " ms");
        }
        return null;
    }

    /** The SPEC §4 error for a request no deployment of the route can serve. */
    public static GatewayError error(Route route, List<Exclusion> excluded) {
        boolean down = false;
        boolean context = false;
        boolean output = false;
        long retryAfterNanos = Long.MAX_VALUE;
        StringBuilder list = new StringBuilder();
        for (Exclusion e : excluded) {
            switch (e.reason()) {
                case DISABLED -> down = true;
                case CIRCUIT_OPEN -> {
                    down = true;
                    retryAfterNanos = Math.min(retryAfterNanos, e.deployment().breaker().remainingOpenNanos());
                }
                case CONTEXT_TOO_SMALL -> context = true;
                case MAX_OUTPUT_TOO_SMALL -> output = true;
                default -> { }
            }
            list.append(list.length() == 0 ? "" : "; ").append(e.deployment().id()).append(' ').append(e.detail());
        }
        String alias = "\"" + route.alias() + "\"";
        if (excluded.isEmpty()) {
            return GatewayError.invalidRequest("model_not_found", "model",
                    "model " + alias + " has no deployments; add one under junction.models." + route.alias());
        }
        if (down) {
            Duration retryAfter = retryAfterNanos == Long.MAX_VALUE ? null
                    : Duration.ofSeconds(Math.max(1, (retryAfterNanos + 999_999_999L) / 1_000_000_000L));
            return GatewayError.upstreamUnavailable("No deployment of model " + alias + " is available right now: " + list
                            + ". Retry later or configure the missing provider keys.").terminal().withRetryAfter(retryAfter);
        }
        if (context) {
            return GatewayError.invalidRequest("context_length_exceeded", "messages",
                    "The request is too long for every deployment of model " + alias + ": " + list
                            + ". Shorten the messages or lower max_tokens, or add a deployment with a larger context window.");
        }
        return GatewayError.invalidRequest("unsupported_capability", output ? "max_tokens" : null,
                "No deployment of model " + alias + " supports what this request needs: " + list
                        + ". Remove the unsupported feature or add a deployment that has it.");
    }

    private static String names(Set<Capability> caps) {
        StringBuilder b = new StringBuilder();
        for (Capability c : caps) {
            b.append(b.length() == 0 ? "" : ", ").append(c.configName());
        }
        return b.toString();
    }
}
