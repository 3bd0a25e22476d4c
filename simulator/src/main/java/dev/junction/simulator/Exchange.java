package dev.junction.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.io.IOException;
import java.util.List;

/** The request as the vendor renderers see it: decoded once, JSON parsed on demand. */
final class Exchange {

    static final ObjectMapper JSON = new ObjectMapper();

    final String method;
    final String uri;
    final String path;
    final HttpHeaders headers;
    final String body;
    final int bodyBytes;
    private final QueryStringDecoder query;
    private JsonNode json;

    Exchange(String method, String uri, HttpHeaders headers, String body, int bodyBytes) {
        this.method = method;
        this.uri = uri;
        this.query = new QueryStringDecoder(uri);
        this.path = query.path();
        this.headers = headers;
        this.body = body;
        this.bodyBytes = bodyBytes;
    }

    String queryParam(String name) {
        List<String> values = query.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** The body as a JSON object; throws {@link IllegalArgumentException} when it is not one. */
    JsonNode json() {
        if (json == null) {
            JsonNode parsed;
            try {
                parsed = body.isEmpty() ? null : JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalArgumentException("request body is not valid JSON: " + e.getMessage());
            }
            if (parsed == null || !parsed.isObject()) {
                throw new IllegalArgumentException("request body must be a JSON object");
            }
            json = parsed;
        }
        return json;
    }

    /** Bearer token of the Authorization header, or null. */
    String bearer() {
        String auth = headers.get("authorization");
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return auth.substring(7).trim();
    }

    static Integer intOrNull(JsonNode node) {
        return node != null && node.canConvertToInt() && node.isNumber() ? node.intValue() : null;
    }
}
