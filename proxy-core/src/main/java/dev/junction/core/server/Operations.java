package dev.junction.core.server;

import dev.junction.core.http.HttpResponses;
import dev.junction.core.metrics.GatewayMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.io.IOException;
import java.io.UncheckedIOException;

/** The operations endpoints behind the admin check: {@code /metrics} and {@code /admin/routes} (SPEC §3). */
final class Operations {

    private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = new com.fasterxml.jackson.databind.ObjectMapper()
            .setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE);
    private final GatewayMetrics metrics;

    Operations(GatewayMetrics metrics) {
        this.metrics = metrics;
    }

    /** The answer for {@code path}, or null when there is no such endpoint. */
    FullHttpResponse handle(String path, GatewaySnapshot snap) {
        return switch (path) {
            case "/metrics" -> HttpResponses.text(HttpResponseStatus.OK, metrics.contentType(), metrics.scrape());
            case "/admin/routes" -> HttpResponses.json(HttpResponseStatus.OK, routes(snap));
            default -> null;
        };
    }

    private static ByteBuf routes(GatewaySnapshot snap) {
        java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("aliases", snap.table().snapshot());
        body.put("no_retry", snap.retry().noRetryCounts());
        try {
            return Unpooled.wrappedBuffer(MAPPER.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
