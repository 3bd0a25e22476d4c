package dev.junction.core.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.junction.core.config.KeyConfig;
import dev.junction.core.http.HttpResponses;
import dev.junction.core.limits.KeyLimiter;
import dev.junction.core.limits.KeyStatus;
import dev.junction.core.metrics.GatewayMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The operations endpoints behind the admin check (SPEC §3, §8): {@code /metrics},
 * {@code /admin/routes}, {@code /admin/stats} and the dashboard page {@code /admin/} with its
 * script and style, which are read from the jar once, at start-up (no file reads on an event loop).
 */
final class Operations {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    /** The dashboard's files: path → (content type, bytes). */
    private static final Map<String, Asset> ASSETS = Map.of(
            "/admin/", asset("index.html", "text/html; charset=utf-8"),
            "/admin/index.html", asset("index.html", "text/html; charset=utf-8"),
            "/admin/dashboard.js", asset("dashboard.js", "text/javascript; charset=utf-8"),
            "/admin/dashboard.css", asset("dashboard.css", "text/css; charset=utf-8"));

    private record Asset(String contentType, byte[] body) {
    }

    private final GatewayMetrics metrics;
    private final KeyLimiter limiter;

    Operations(GatewayMetrics metrics, KeyLimiter limiter) {
        this.metrics = metrics;
        this.limiter = limiter;
    }

    /** The answer for {@code path}, or null when there is no such endpoint. */
    FullHttpResponse handle(String path, GatewaySnapshot snap, String accept) {
        switch (path) {
            case "/metrics" -> {
                if (!metrics.enabled()) {
                    return null; // junction.metrics.enabled = false: no such endpoint
                }
                GatewayMetrics.Scrape s = metrics.scrape(accept);
                return HttpResponses.text(HttpResponseStatus.OK, s.contentType(), s.body());
            }
            case "/admin/routes" -> {
                return HttpResponses.json(HttpResponseStatus.OK, routes(snap));
            }
            case "/admin/stats" -> {
                return HttpResponses.json(HttpResponseStatus.OK, json(stats(snap)));
            }
            case "/admin" -> {
                FullHttpResponse r = HttpResponses.text(HttpResponseStatus.MOVED_PERMANENTLY, "text/plain", new byte[0]);
                r.headers().set(HttpHeaderNames.LOCATION, "/admin/");
                return r;
            }
            default -> {
                Asset a = ASSETS.get(path);
                if (a == null) {
                    return null;
                }
                FullHttpResponse r = HttpResponses.text(HttpResponseStatus.OK, a.contentType(), a.body());
                // The page only shows what its scripts fetch; nothing of it is fetched from elsewhere.
                r.headers().set("content-security-policy", "default-src 'self'; connect-src 'self'; img-src 'self' data:");
                r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
                return r;
            }
        }
    }

    private static ByteBuf routes(GatewaySnapshot snap) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("aliases", snap.table().snapshot());
        body.put("no_retry", snap.retry().noRetryCounts());
        return json(body);
    }

    /**
     * The figures the dashboard shows besides the routing table: per alias since start, spend per
     * key (since start, and the limiter's current UTC day and month) against its budgets, and tasks
     * by state (null when no task engine runs).
     */
    Map<String, Object> stats(GatewaySnapshot snap) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("started_at_ms", snap.createdAtMillis());
        body.put("in_flight", metrics.inFlight());
        body.put("aliases", metrics.aliasFigures());
        Map<String, Double> spend = metrics.spendByKey();
        Map<String, Object> keys = new TreeMap<>();
        List<KeyConfig> configured = snap.config().auth().keys();
        for (KeyConfig k : configured) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("spend_usd_since_start", spend.getOrDefault(k.name(), 0.0));
            // The limiter's figures for the current UTC day and month (shared ones with a Redis store).
            KeyStatus status = limiter.status(k);
            v.put("spend_usd_today", status.spendUsdToday());
            v.put("budget_usd_per_day", k.budgetUsdPerDay());
            v.put("spend_usd_this_month", status.spendUsdThisMonth());
            v.put("budget_usd_per_month", k.budgetUsdPerMonth());
            keys.put(k.name(), v);
        }
        if (configured.isEmpty() && spend.containsKey(GatewayAuth.ANONYMOUS.name())) {
            keys.put(GatewayAuth.ANONYMOUS.name(), Map.of("spend_usd_since_start", spend.get(GatewayAuth.ANONYMOUS.name())));
        }
        body.put("keys", keys);
        body.put("tasks", metrics.taskCounts());
        return body;
    }

    private static ByteBuf json(Object body) {
        try {
            return Unpooled.wrappedBuffer(MAPPER.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Asset asset(String name, String contentType) {
        try (InputStream in = Operations.class.getResourceAsStream("/dev/junction/admin/" + name)) {
            if (in == null) {
                throw new IllegalStateException("dashboard file missing from the jar: " + name);
            }
            return new Asset(contentType, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
