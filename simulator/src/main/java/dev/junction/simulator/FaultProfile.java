package dev.junction.simulator;

/**
 * Probabilistic faults for chaos and load runs, applied to requests whose status is not scripted
 * (e.g. "this deployment fails 30% of calls with 503; 5% of calls are 10x slower").
 *
 * @param failureRate    probability in [0,1] that a request is answered with {@code failureStatus}
 * @param failureStatus  the status used for injected failures (vendor-shaped body)
 * @param tailRate       probability in [0,1] that a request's latency is multiplied
 * @param tailMultiplier factor applied to the latency (and token interval) of tail requests
 * @param seed           random seed, so a run is reproducible
 */
public record FaultProfile(double failureRate, int failureStatus, double tailRate, double tailMultiplier, long seed) {

    public static final FaultProfile NONE = new FaultProfile(0, 503, 0, 1, 0);

    public FaultProfile {
        if (failureRate < 0 || failureRate > 1 || tailRate < 0 || tailRate > 1) {
            throw new IllegalArgumentException("rates must be within [0,1]");
        }
        if (failureStatus < 400 || failureStatus > 599) {
            throw new IllegalArgumentException("failureStatus must be an error status: " + failureStatus);
        }
        if (tailMultiplier < 1) {
            throw new IllegalArgumentException("tailMultiplier must be >= 1");
        }
    }

    public boolean isNone() {
        return failureRate == 0 && tailRate == 0;
    }
}
