package dev.junction.core.routing;

import dev.junction.core.limits.TokenBucket;
import dev.junction.core.upstream.AnswerHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * How much a deployment's vendor account lets it do right now (SPEC §7.1 "per deployment"): the
 * provider's configured {@code rpm} / {@code tpm} (token buckets of this instance, like a key's)
 * and what the vendor's own headers last said remains — OpenAI's {@code x-ratelimit-remaining-*}
 * with {@code x-ratelimit-reset-*}, Anthropic's {@code anthropic-ratelimit-*-remaining} with
 * {@code -reset}, and {@code retry-after} on a 429. A deployment without room for a request is
 * ordered after those with room (the router routes around it before it answers 429) and comes back
 * by itself when its window resets. Thread-safe; shared like the deployment's statistics.
 */
public final class VendorHeadroom {

    /** JSON-friendly view for {@code /admin/routes}; -1 when unknown. */
    public record Snapshot(long remainingRequests, long remainingTokens, long outOfRoomForMs, String reason) {
    }

    private final LongSupplier clock;
    private final TokenBucket rpm = new TokenBucket();
    private final TokenBucket tpm = new TokenBucket();
    // What the vendor said, and until when it holds.
    private long vendorRequests = -1;
    private long vendorRequestsUntil;
    private long vendorTokens = -1;
    private long vendorTokensUntil;
    private long retryAfterUntil;

    public VendorHeadroom(LongSupplier clockMillis) {
        this.clock = clockMillis;
    }

    /**
     * Milliseconds until the deployment has room for a request of {@code tokens} (0 = now), given
     * the provider's configured limits (null = none).
     */
    public synchronized long waitMillis(Integer rpmLimit, Long tpmLimit, long tokens) {
        long now = clock.getAsLong();
        long wait = Math.max(0, retryAfterUntil - now);
        if (vendorRequests == 0 && now < vendorRequestsUntil) {
            wait = Math.max(wait, vendorRequestsUntil - now);
        }
        if (vendorTokens >= 0 && now < vendorTokensUntil && vendorTokens < tokens) {
            wait = Math.max(wait, vendorTokensUntil - now);
        }
        if (rpmLimit != null) {
            wait = Math.max(wait, TokenBucket.waitMillis(rpm.level(now, rpmLimit), 1, rpmLimit));
        }
        if (tpmLimit != null) {
            wait = Math.max(wait, TokenBucket.waitMillis(tpm.level(now, tpmLimit), Math.min(tokens, tpmLimit), tpmLimit));
        }
        return wait;
    }

    /** An attempt of {@code tokens} (estimated) is sent: taken from the configured windows. */
    public synchronized void sent(Integer rpmLimit, Long tpmLimit, long tokens) {
        long now = clock.getAsLong();
        if (rpmLimit != null) {
            rpm.level(now, rpmLimit);
            rpm.take(1);
        }
        if (tpmLimit != null) {
            tpm.level(now, tpmLimit);
            tpm.take(tokens);
        }
        if (vendorRequests > 0) {
            vendorRequests--;
        }
        if (vendorTokens > 0) {
            vendorTokens = Math.max(0, vendorTokens - tokens);
        }
    }

    /** The attempt's real usage is known: the configured tpm window gets back what was over-estimated. */
    public synchronized void settled(Long tpmLimit, long estimated, long used) {
        if (tpmLimit != null) {
            tpm.level(clock.getAsLong(), tpmLimit);
            tpm.adjust(estimated - used, tpmLimit);
        }
    }

    /**
     * The rate-limit headers read, in this order (index = slot of {@link #readLimits}). An answer
     * carries a dozen headers or fewer, most of them none of these: one pass over them, with a
     * first-letter test per header, costs less than a hashed lookup per name (twelve per answer).
     */
    static final AsciiString[] LIMIT_HEADERS = {
            AsciiString.cached("x-ratelimit-remaining-requests"), // 0
            AsciiString.cached("anthropic-ratelimit-requests-remaining"), // 1
            AsciiString.cached("x-ratelimit-reset-requests"), // 2
            AsciiString.cached("anthropic-ratelimit-requests-reset"), // 3
            AsciiString.cached("x-ratelimit-remaining-tokens"), // 4
            AsciiString.cached("anthropic-ratelimit-tokens-remaining"), // 5
            AsciiString.cached("anthropic-ratelimit-input-tokens-remaining"), // 6
            AsciiString.cached("x-ratelimit-reset-tokens"), // 7
            AsciiString.cached("anthropic-ratelimit-tokens-reset"), // 8
            AsciiString.cached("anthropic-ratelimit-input-tokens-reset"), // 9
            AsciiString.cached("retry-after-ms"), // 10
            AsciiString.cached("retry-after"), // 11
    };

    /**
     * The values of {@link #LIMIT_HEADERS} in {@code h} (the first of each name, as a lookup would
     * give it), or null when it has none of them. An answer's headers as the upstream decoder keeps
     * them ({@link AnswerHeaders}: the head's bytes) are read from those bytes, with no header map
     * built and no entry iterated; other header maps are iterated once.
     */
    static String[] readLimits(HttpHeaders h) {
        if (h instanceof AnswerHeaders a) {
            return a.firstValues(LIMIT_HEADERS);
        }
        String[] found = null;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            CharSequence name = e.getKey();
            if (name.length() < 11) {
                continue;
            }
            char c = (char) (name.charAt(0) | 0x20);
            if (c != 'x' && c != 'a' && c != 'r') {
                continue;
            }
            for (int k = 0; k < LIMIT_HEADERS.length; k++) {
                if (LIMIT_HEADERS[k].contentEqualsIgnoreCase(name)) {
                    if (found == null) {
                        found = new String[LIMIT_HEADERS.length];
                    }
                    if (found[k] == null) {
                        found[k] = e.getValue().toString();
                    }
                    break;
                }
            }
        }
        return found;
    }

    private static String either(String a, String b) {
        return a != null ? a : b;
    }

    /** Reads the vendor's rate-limit headers of an answer (any status). */
    public void observe(int status, HttpHeaders h) {
        if (h == null) {
            return;
        }
        String[] v = readLimits(h);
        if (v == null) {
            if (status != 429) {
                return; // nothing to learn from this answer
            }
            v = new String[LIMIT_HEADERS.length];
        }
        long now = clock.getAsLong();
        long reqRemaining = number(either(v[0], v[1]));
        long reqReset = reset(now, v[2], v[3]);
        long tokRemaining = number(either(v[4], either(v[5], v[6])));
        long tokReset = reset(now, v[7], either(v[8], v[9]));
        long retryAfter = -1;
        if (status == 429) {
            retryAfter = retryAfterMillis(v[10], v[11], now);
            if (retryAfter < 0) {
                // A 429 without a hint: out of room until the soonest reset it named, else 1 s.
                retryAfter = Math.max(1000, Math.min(reqReset < 0 ? Long.MAX_VALUE : reqReset - now,
                        tokReset < 0 ? Long.MAX_VALUE : tokReset - now));
                if (retryAfter == Long.MAX_VALUE) {
                    retryAfter = 1000;
                }
            }
        }
        synchronized (this) {
            if (reqRemaining >= 0 && reqReset >= 0) {
                vendorRequests = reqRemaining;
                vendorRequestsUntil = reqReset;
            }
            if (tokRemaining >= 0 && tokReset >= 0) {
                vendorTokens = tokRemaining;
                vendorTokensUntil = tokReset;
            }
            if (retryAfter >= 0) {
                retryAfterUntil = Math.max(retryAfterUntil, now + retryAfter);
            }
        }
    }

    public synchronized Snapshot snapshot(Integer rpmLimit, Long tpmLimit) {
        long now = clock.getAsLong();
        long requests = now < vendorRequestsUntil ? vendorRequests : -1;
        long tokens = now < vendorTokensUntil ? vendorTokens : -1;
        if (rpmLimit != null) {
            long own = (long) Math.floor(Math.max(0, rpm.level(now, rpmLimit)));
            requests = requests < 0 ? own : Math.min(requests, own);
        }
        if (tpmLimit != null) {
            long own = (long) Math.floor(Math.max(0, tpm.level(now, tpmLimit)));
            tokens = tokens < 0 ? own : Math.min(tokens, own);
        }
        String reason = null;
        long out = 0;
        if (retryAfterUntil > now) {
            out = retryAfterUntil - now;
            reason = "vendor answered 429";
        }
        if (vendorRequests == 0 && now < vendorRequestsUntil && vendorRequestsUntil - now > out) {
            out = vendorRequestsUntil - now;
            reason = "vendor reports no requests left";
        }
        long ownWait = rpmLimit == null ? 0 : TokenBucket.waitMillis(rpm.level(now, rpmLimit), 1, rpmLimit);
        if (ownWait > out) {
            out = ownWait;
            reason = "configured rpm";
        }
        return new Snapshot(requests, tokens, out, reason);
    }

    private static long number(String v) {
        if (v == null) {
            return -1;
        }
        try {
            return Math.max(0, Long.parseLong(v.trim()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The reset instant in epoch millis: OpenAI's duration ({@code 6m0s}) or Anthropic's RFC 3339 time; -1 if none. */
    static long reset(long now, String duration, String instant) {
        if (duration != null) {
            long d = goDurationMillis(duration.trim());
            if (d >= 0) {
                return now + d;
            }
        }
        if (instant != null) {
            try {
                return Instant.parse(instant.trim()).toEpochMilli();
            } catch (DateTimeParseException e) {
                return -1;
            }
        }
        return -1;
    }

    /** {@code 1h2m3.5s}, {@code 6m0s}, {@code 20ms}, {@code 0.5s} in milliseconds; -1 when unreadable. */
    static long goDurationMillis(String s) {
        if (s.isEmpty()) {
            return -1;
        }
        double total = 0;
        int i = 0;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            if (start == i) {
                return -1;
            }
            double v;
            try {
                v = Double.parseDouble(s.substring(start, i));
            } catch (NumberFormatException e) {
                return -1;
            }
            int u = i;
            while (i < s.length() && Character.isLetter(s.charAt(i))) {
                i++;
            }
            switch (s.substring(u, i)) {
                case "h" -> total += v * 3_600_000;
                case "m" -> total += v * 60_000;
                case "s" -> total += v * 1000;
                case "ms" -> total += v;
                case "us", "µs" -> total += v / 1000;
                case "ns" -> total += v / 1e6;
                default -> {
                    return -1;
                }
            }
        }
        return (long) Math.ceil(total);
    }

    private static long retryAfterMillis(String ms, String seconds, long now) {
        if (ms != null) {
            try {
                return Math.max(0, (long) Double.parseDouble(ms.trim()));
            } catch (NumberFormatException ignored) {
                // fall through to retry-after
            }
        }
        if (seconds != null) {
            try {
                return Math.max(0, (long) (Double.parseDouble(seconds.trim()) * 1000));
            } catch (NumberFormatException e) {
                try {
                    return Math.max(0, java.time.ZonedDateTime.parse(seconds.trim(),
                            java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli() - now);
                } catch (DateTimeParseException ignored) {
                    return -1;
                }
            }
        }
        return -1;
    }
}
