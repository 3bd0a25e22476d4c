package dev.junction.core.media;

import com.typesafe.config.Config;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * What {@link MediaFetcher} may fetch on a user's behalf (SPEC §9).
 *
 * <ul>
 *   <li>{@code maxBytes}: body limit, checked against {@code Content-Length} before reading and
 *       again while the body streams in (a server may omit or understate the length).</li>
 *   <li>{@code timeout}: the whole fetch, DNS and every redirect hop included.</li>
 *   <li>{@code maxRedirects}: redirects followed; the address check is re-applied to every hop.</li>
 *   <li>{@code allowHosts}: host names fetched whatever they resolve to, also over plain http.
 *       Exact names, case-insensitive; {@code *.example.com} matches sub-domains (not the apex).</li>
 *   <li>{@code allowNetworks}: resolved addresses fetched even though they are loopback, private
 *       or link-local; plain http is allowed when every resolved address is in these networks.</li>
 *   <li>{@code mimeTypes}: media types returned to the caller; anything else is refused.</li>
 * </ul>
 *
 * <p>https is the only scheme for hosts that are not allow-listed: a plain http image can be
 * altered in transit, and the allow-list is meant for internal servers the operator trusts.
 */
public record FetchPolicy(long maxBytes, Duration timeout, int maxRedirects, List<String> allowHosts,
                          List<Cidr> allowNetworks, Set<String> mimeTypes) {

    public static final long DEFAULT_MAX_BYTES = 20L * 1024 * 1024;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_REDIRECTS = 3;
    /** The image types every vision-capable vendor accepts, plus PDF (wire-formats: documents). */
    public static final Set<String> DEFAULT_MIME_TYPES =
            Set.of("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf");

    public FetchPolicy {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("max-bytes must be positive");
        }
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive");
        }
        if (maxRedirects < 0) {
            throw new IllegalArgumentException("max-redirects must not be negative");
        }
        allowHosts = allowHosts.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).toList();
        allowNetworks = List.copyOf(allowNetworks);
        mimeTypes = Set.copyOf(mimeTypes.stream().map(m -> m.trim().toLowerCase(Locale.ROOT)).toList());
    }

    public static FetchPolicy defaults() {
        return new FetchPolicy(DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, DEFAULT_MAX_REDIRECTS, List.of(), List.of(),
                DEFAULT_MIME_TYPES);
    }

    /**
     * Reads a {@code junction.media-fetch} block; every key is optional:
     * <pre>
     * media-fetch {
     *   max-bytes = 20MiB
     *   timeout = 10s
     *   max-redirects = 3
     *   allow = ["images.internal.example", "*.cdn.internal", "10.20.0.0/16", "127.0.0.1"]
     *   mime-types = ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"]
     * }
     * </pre>
     * {@code allow} entries that are IP literals or CIDR networks go to {@link #allowNetworks()},
     * the rest to {@link #allowHosts()}.
     *
     * @throws IllegalArgumentException naming the offending key
     */
    public static FetchPolicy fromConfig(Config c) {
        FetchPolicy d = defaults();
        long maxBytes = c.hasPath("max-bytes") ? c.getBytes("max-bytes") : d.maxBytes();
        Duration timeout = c.hasPath("timeout") ? c.getDuration("timeout") : d.timeout();
        int maxRedirects = c.hasPath("max-redirects") ? c.getInt("max-redirects") : d.maxRedirects();
        List<String> allow = c.hasPath("allow") ? c.getStringList("allow") : List.of();
        Set<String> mimes = c.hasPath("mime-types") ? new LinkedHashSet<>(c.getStringList("mime-types"))
                : d.mimeTypes();
        try {
            return d.withMaxBytes(maxBytes).withTimeout(timeout).withMaxRedirects(maxRedirects)
                    .withAllow(allow.toArray(String[]::new)).withMimeTypes(mimes);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("media-fetch: " + e.getMessage(), e);
        }
    }

    public FetchPolicy withMaxBytes(long v) {
        return new FetchPolicy(v, timeout, maxRedirects, allowHosts, allowNetworks, mimeTypes);
    }

    public FetchPolicy withTimeout(Duration v) {
        return new FetchPolicy(maxBytes, v, maxRedirects, allowHosts, allowNetworks, mimeTypes);
    }

    public FetchPolicy withMaxRedirects(int v) {
        return new FetchPolicy(maxBytes, timeout, v, allowHosts, allowNetworks, mimeTypes);
    }

    public FetchPolicy withMimeTypes(Set<String> v) {
        return new FetchPolicy(maxBytes, timeout, maxRedirects, allowHosts, allowNetworks, v);
    }

    /** Adds allow-list entries: IP literals and CIDR networks, or host names (optionally {@code *.}). */
    public FetchPolicy withAllow(String... entries) {
        List<String> hosts = new ArrayList<>(allowHosts);
        List<Cidr> nets = new ArrayList<>(allowNetworks);
        for (String e : entries) {
            String s = e.trim();
            if (s.isEmpty()) {
                throw new IllegalArgumentException("empty allow entry");
            }
            if (Cidr.isLiteral(s)) {
                nets.add(Cidr.parse(s));
            } else if (s.contains("/") || s.contains(":")) {
                throw new IllegalArgumentException("allow entry '" + s + "' is neither a host name nor an IP network");
            } else {
                hosts.add(s);
            }
        }
        return new FetchPolicy(maxBytes, timeout, maxRedirects, hosts, nets, mimeTypes);
    }

    /** True when {@code host} (a name from a URL) is allow-listed. */
    public boolean hostAllowed(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);                    // "example.com." is "example.com"
        }
        for (String a : allowHosts) {
            if (a.startsWith("*.") ? h.endsWith(a.substring(1)) : h.equals(a)) {
                return true;
            }
        }
        return false;
    }

    /** True when {@code address} lies in an allow-listed network. */
    public boolean networkAllowed(InetAddress address) {
        for (Cidr c : allowNetworks) {
            if (c.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
