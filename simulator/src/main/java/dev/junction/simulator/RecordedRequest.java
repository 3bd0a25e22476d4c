package dev.junction.simulator;

import java.util.List;
import java.util.Map;

/**
 * One request as the simulator received it.
 *
 * @param method  HTTP method
 * @param uri     path and query, as sent
 * @param headers header names lower-cased, values in arrival order
 * @param body    the body decoded as UTF-8 (empty when there was none)
 */
public record RecordedRequest(String method, String uri, Map<String, List<String>> headers, String body) {

    public RecordedRequest {
        headers = Map.copyOf(headers);
    }

    /** The first value of a header (case-insensitive name), or null. */
    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** The path without the query string. */
    public String path() {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }
}
