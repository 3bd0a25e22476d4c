package dev.junction.core.time;

import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Randomness injected into the policies that need it (backoff jitter, weighted choice,
 * power-of-two-choices) so tests can use a seeded, reproducible sequence.
 */
public interface RandomSource {

    /** Uniform in [0, 1). */
    double nextDouble();

    /** Uniform in [0, bound); {@code bound > 0}. */
    int nextInt(int bound);

    /** Production source: {@link ThreadLocalRandom}, contention-free on event-loop threads. */
    static RandomSource threadLocal() {
        return ThreadLocalSource.INSTANCE;
    }

    /** A reproducible source for tests; thread-safe (backed by {@link Random}). */
    static RandomSource seeded(long seed) {
        Random random = new Random(seed);
        return new RandomSource() {
            @Override
            public double nextDouble() {
                return random.nextDouble();
            }

            @Override
            public int nextInt(int bound) {
                return random.nextInt(bound);
            }
        };
    }

    /** Uses {@code ThreadLocalRandom.current()} on every call: the instance is per thread. */
    enum ThreadLocalSource implements RandomSource {
        INSTANCE;

        @Override
        public double nextDouble() {
            return ThreadLocalRandom.current().nextDouble();
        }

        @Override
        public int nextInt(int bound) {
            return ThreadLocalRandom.current().nextInt(bound);
        }
    }
}
