package dev.junction.core.tasks;

import java.security.SecureRandom;

/**
 * Task ids: {@code task_} and a ULID (48 bits of milliseconds, 80 random bits, Crockford base32),
 * so ids sort by creation time — lists page by id — and cannot be guessed.
 */
final class TaskIds {

    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private TaskIds() {
    }

    static String next(long nowMillis) {
        char[] out = new char[26];
        long t = nowMillis;
        for (int i = 9; i >= 0; i--) {
            out[i] = ALPHABET[(int) (t & 31)];
            t >>>= 5;
        }
        byte[] r = new byte[10];
        RANDOM.nextBytes(r);
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 5; i++) {
            hi = (hi << 8) | (r[i] & 0xff);
            lo = (lo << 8) | (r[i + 5] & 0xff);
        }
        for (int i = 17; i >= 10; i--) {
            out[i] = ALPHABET[(int) (hi & 31)];
            hi >>>= 5;
        }
        for (int i = 25; i >= 18; i--) {
            out[i] = ALPHABET[(int) (lo & 31)];
            lo >>>= 5;
        }
        return "task_" + new String(out);
    }
}
