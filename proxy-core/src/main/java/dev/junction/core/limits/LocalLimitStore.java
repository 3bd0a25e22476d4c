package dev.junction.core.limits;

import dev.junction.core.config.KeyConfig;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Limits and spend kept in this process (SPEC §7.1 {@code store = local}, and the per-instance
 * fallback of {@code store = redis, on-store-failure = open}). One small lock per gateway key:
 * requests of one key on different event loops serialise only on that key, for a few arithmetic
 * operations. Spend is written through to the {@link SpendLedger} when there is one.
 */
final class LocalLimitStore {

    private final Clock clock;
    private final SpendLedger ledger;
    private final ConcurrentHashMap<String, KeyState> keys = new ConcurrentHashMap<>();

    /** @param ledger where spend is persisted, or null to keep it in memory only */
    LocalLimitStore(Clock clock, SpendLedger ledger) {
        this.clock = clock;
        this.ledger = ledger;
    }

    Admission reserve(KeyConfig k, long tokens, String requestId) {
        KeyState s = state(k);
        long now = clock.millis();
        synchronized (s) {
            s.roll(now);
            if (k.budgetUsdPerDay() != null && s.day >= KeyLimiter.nanos(k.budgetUsdPerDay())) {
                return refuse(Admission.Outcome.BUDGET_EXCEEDED, k, requestId, 0, null, "day");
            }
            if (k.budgetUsdPerMonth() != null && s.month >= KeyLimiter.nanos(k.budgetUsdPerMonth())) {
                return refuse(Admission.Outcome.BUDGET_EXCEEDED, k, requestId, 0, null, "month");
            }
            double rpmLevel = k.rpm() == null ? 0 : s.rpm.level(now, k.rpm());
            double tpmLevel = k.tpm() == null ? 0 : s.tpm.level(now, k.tpm());
            if (k.maxConcurrent() != null && s.inFlight >= k.maxConcurrent()) {
                // No window frees a slot: a request in flight does. One second is a fair pause.
                return refuse(Admission.Outcome.CONCURRENCY_LIMITED, k, requestId, 1000, headers(k, rpmLevel, tpmLevel), null);
            }
            long wait = 0;
            if (k.rpm() != null) {
                wait = TokenBucket.waitMillis(rpmLevel, 1, k.rpm());
            }
            if (k.tpm() != null) {
                wait = Math.max(wait, TokenBucket.waitMillis(tpmLevel, Math.min(tokens, k.tpm()), k.tpm()));
            }
            if (wait > 0) {
                return refuse(Admission.Outcome.RATE_LIMITED, k, requestId, wait, headers(k, rpmLevel, tpmLevel), null);
            }
            if (k.rpm() != null) {
                s.rpm.take(1);
                rpmLevel -= 1;
            }
            if (k.tpm() != null) {
                s.tpm.take(tokens);
                tpmLevel -= tokens;
            }
            s.inFlight++;
            return new Admission(Admission.Outcome.ADMITTED, k, requestId, tokens, 0, headers(k, rpmLevel, tpmLevel),
                    Admission.Store.LOCAL, null);
        }
    }

    /** Gives back the concurrency slot and corrects the token reservation to {@code tokens}; charges spend. */
    void settle(Admission a, long tokens, long costNanos) {
        KeyState s = state(a.key);
        long now = clock.millis();
        synchronized (s) {
            s.roll(now);
            s.inFlight = Math.max(0, s.inFlight - 1);
            if (a.key.tpm() != null) {
                s.tpm.level(now, a.key.tpm());
                s.tpm.adjust(a.reservedTokens - tokens, a.key.tpm());
            }
            addSpend(a.key, s, costNanos);
        }
    }

    /** Charges spend for a request that reserved nothing (a key without limits). */
    void charge(KeyConfig key, long costNanos) {
        if (costNanos <= 0) {
            return;
        }
        KeyState s = state(key);
        synchronized (s) {
            s.roll(clock.millis());
            addSpend(key, s, costNanos);
        }
    }

    /**
     * Adds to the day's and month's spend; written to the spend file for configured keys only. With
     * no keys configured (the anonymous sidecar case) there is no budget to keep across a restart,
     * so the request path does no file writes at all.
     */
    private void addSpend(KeyConfig key, KeyState s, long costNanos) {
        if (costNanos <= 0) {
            return;
        }
        s.day += costNanos;
        s.month += costNanos;
        if (ledger != null && !key.key().isEmpty()) {
            ledger.record(key.name(), s.dayId, s.day);
            ledger.record(key.name(), s.monthId, s.month);
        }
    }

    /** What the admin page shows for {@code k}: remaining room and spend in the current periods. */
    KeyStatus status(KeyConfig k) {
        KeyState s = state(k);
        long now = clock.millis();
        synchronized (s) {
            s.roll(now);
            double rpmLevel = k.rpm() == null ? 0 : s.rpm.level(now, k.rpm());
            double tpmLevel = k.tpm() == null ? 0 : s.tpm.level(now, k.tpm());
            return new KeyStatus(k.name(), k.rpm(), k.rpm() == null ? null : (long) Math.max(0, Math.floor(rpmLevel)),
                    k.tpm(), k.tpm() == null ? null : (long) Math.max(0, Math.floor(tpmLevel)), k.maxConcurrent(),
                    s.inFlight, k.budgetUsdPerDay(), s.day / 1e9, k.budgetUsdPerMonth(), s.month / 1e9, "local");
        }
    }

    /**
     * The state of key {@code k}: the one looked up last when {@code k} is the same config object
     * (a run of one key's requests, the common case, skips the map), else by name.
     */
    private KeyState state(KeyConfig k) {
        Last l = last;
        if (l != null && l.key == k) {
            return l.state;
        }
        KeyState s = keys.get(k.name());
        if (s == null) {
            s = keys.computeIfAbsent(k.name(), KeyState::new);
        }
        last = new Last(k, s);
        return s;
    }

    /** A key's config object and its state (states are never removed, so a kept pair stays true). */
    private record Last(KeyConfig key, KeyState state) {
    }

    private volatile Last last;

    private Admission refuse(Admission.Outcome o, KeyConfig k, String requestId, long retryAfter, RateHeaders h,
                             String period) {
        return new Admission(o, k, requestId, 0, retryAfter, h, Admission.Store.LOCAL, period);
    }

    static RateHeaders headers(KeyConfig k, double rpmLevel, double tpmLevel) {
        if (k.rpm() == null && k.tpm() == null) {
            return null;
        }
        long rpm = k.rpm() == null ? -1 : k.rpm();
        long tpm = k.tpm() == null ? -1 : k.tpm();
        return new RateHeaders(rpm, rpm < 0 ? 0 : (long) Math.max(0, Math.floor(rpmLevel)),
                rpm < 0 ? 0 : TokenBucket.resetMillis(rpmLevel, rpm),
                tpm, tpm < 0 ? 0 : (long) Math.max(0, Math.floor(tpmLevel)),
                tpm < 0 ? 0 : TokenBucket.resetMillis(tpmLevel, tpm));
    }

    /** UTC period names: {@code 2026-12-02} (day) and {@code 2026-12} (month). */
    static String dayId(long millis) {
        ZonedDateTime t = Instant.ofEpochMilli(millis).atZone(ZoneOffset.UTC);
        return String.format("%04d-%02d-%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth());
    }

    static String monthId(long millis) {
        ZonedDateTime t = Instant.ofEpochMilli(millis).atZone(ZoneOffset.UTC);
        return String.format("%04d-%02d", t.getYear(), t.getMonthValue());
    }

    /** One key's windows, requests in flight and spend of the current UTC day and month. */
    private final class KeyState {
        final String name;
        final TokenBucket rpm = new TokenBucket();
        final TokenBucket tpm = new TokenBucket();
        int inFlight;
        String dayId;
        String monthId;
        long day;
        long month;
        long periodEnd = Long.MIN_VALUE;
        long periodStart = Long.MAX_VALUE;

        KeyState(String name) {
            this.name = name;
        }

        /** Moves to the current UTC day and month when {@code now} left them (the spend starts again). */
        void roll(long now) {
            if (now >= periodStart && now < periodEnd) {
                return;
            }
            String d = dayId(now);
            String m = monthId(now);
            if (!d.equals(dayId)) {
                dayId = d;
                day = ledger == null ? 0 : ledger.initial(name, d);
            }
            if (!m.equals(monthId)) {
                monthId = m;
                month = ledger == null ? 0 : ledger.initial(name, m);
            }
            long dayStart = now - Math.floorMod(now, 86_400_000L);
            periodStart = dayStart;
            periodEnd = dayStart + 86_400_000L;
        }
    }
}
