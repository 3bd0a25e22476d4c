package dev.junction.core.limits;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * A key's rate-limit state in OpenAI's response headers (SPEC §7.1): {@code x-ratelimit-limit-*},
 * {@code x-ratelimit-remaining-*} and {@code x-ratelimit-reset-*} for requests and tokens. A limit
 * of -1 means the key has no such limit (that trio is left out).
 *
 * @param resetRequestsMillis time until the requests window is full again
 * @param resetTokensMillis   time until the tokens window is full again
 */
public record RateHeaders(long limitRequests, long remainingRequests, long resetRequestsMillis,
                          long limitTokens, long remainingTokens, long resetTokensMillis) {

    public void writeTo(HttpHeaders h) {
        if (limitRequests >= 0) {
            h.set("x-ratelimit-limit-requests", limitRequests);
            h.set("x-ratelimit-remaining-requests", remainingRequests);
            h.set("x-ratelimit-reset-requests", duration(resetRequestsMillis));
        }
        if (limitTokens >= 0) {
            h.set("x-ratelimit-limit-tokens", limitTokens);
            h.set("x-ratelimit-remaining-tokens", remainingTokens);
            h.set("x-ratelimit-reset-tokens", duration(resetTokensMillis));
        }
    }

    /** OpenAI's duration style: {@code 20ms}, {@code 1.5s}, {@code 6m0s}. */
    static String duration(long millis) {
        long ms = Math.max(0, millis);
        if (ms < 1000) {
            return ms + "ms";
        }
        long minutes = ms / 60_000;
        long rest = ms % 60_000;
        StringBuilder b = new StringBuilder(12);
        if (minutes > 0) {
            b.append(minutes).append('m');
        }
        b.append(rest / 1000);
        long frac = rest % 1000;
        if (frac != 0) {
            String f = String.format("%03d", frac);
            int end = f.length();
            while (f.charAt(end - 1) == '0') {
                end--;
            }
            b.append('.').append(f, 0, end);
        }
        return b.append('s').toString();
    }
}
