package dev.junction.core.resilience;

import java.util.Locale;

/**
 * Why a failed attempt was not followed by another (DESIGN house rule 7: each reason is counted).
 * {@link #label()} is the metrics label value.
 */
public enum NoRetryReason {
    /** The error is one a retry cannot fix (e.g. a 400 the vendor gave for the request itself). */
    NOT_RETRYABLE,
    /** Past the commit point: a byte reached the client, or the body is no longer held (SPEC §5). */
    NOT_REPLAYABLE,
    /** {@code retry.max-attempts} reached. */
    ATTEMPTS_EXHAUSTED,
    /** The deadline has passed or the next wait would end after it. */
    DEADLINE_EXCEEDED,
    /** The vendor's Retry-After is longer than {@code retry.max-retry-after}. */
    RETRY_AFTER_TOO_LONG,
    /** The error allows only another deployment and none is left. */
    NO_OTHER_DEPLOYMENT;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
