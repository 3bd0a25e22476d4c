package dev.junction.simulator;

/**
 * The behaviour that applies to one request after layering (options defaults, then directives,
 * then the next enqueued behaviour, then probabilistic faults).
 *
 * @param plain true when nothing was scripted or injected, so the pre-rendered default answer fits
 */
record Effective(Behavior behavior, boolean plain, long latencyNanos, long intervalNanos) {
}
