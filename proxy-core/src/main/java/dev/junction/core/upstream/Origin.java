package dev.junction.core.upstream;

import java.net.URI;
import java.util.Locale;

/**
 * Where a provider lives: scheme, host, port and the base path that every vendor path is appended
 * to (e.g. {@code https://api.openai.com/v1} → host api.openai.com, port 443, base path /v1).
 */
public record Origin(boolean tls, String host, int port, String basePath) {

    public static Origin parse(String baseUrl) {
        URI uri = URI.create(baseUrl);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("base-url must be http(s): " + baseUrl);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("base-url has no host: " + baseUrl);
        }
        boolean tls = scheme.equals("https");
        int port = uri.getPort() > 0 ? uri.getPort() : (tls ? 443 : 80);
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return new Origin(tls, uri.getHost(), port, path);
    }

    /** The Host header value. */
    public String authority() {
        boolean defaultPort = (tls && port == 443) || (!tls && port == 80);
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return defaultPort ? h : h + ":" + port;
    }

    /** The pool key: base paths share connections. */
    public String key() {
        return (tls ? "https://" : "http://") + authority();
    }
}
