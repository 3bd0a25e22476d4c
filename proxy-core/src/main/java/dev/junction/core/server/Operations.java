package dev.junction.core.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.junction.core.http.HttpResponses;
import dev.junction.core.metrics.GatewayMetrics;
import dev.junction.core.proxy.Route;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.io.IOException;
import java.io.UncheckedIOException;

/** The operations endpoints behind the admin check: {@code /metrics} and {@code /admin/routes} (SPEC §3). */
final class Operations {

    private static final JsonFactory JSON = new JsonFactory();
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
        ByteBuf buf = Unpooled.buffer(1024);
        try (JsonGenerator g = JSON.createGenerator((java.io.OutputStream) new ByteBufOutputStream(buf))) {
            g.writeStartObject();
            g.writeObjectFieldStart("aliases");
            for (String alias : snap.routes().aliases()) {
                g.writeObjectFieldStart(alias);
                g.writeStringField("strategy", snap.config().models().get(alias).strategy());
                g.writeArrayFieldStart("deployments");
                for (Route r : snap.routes().all(alias)) {
                    g.writeStartObject();
                    g.writeStringField("id", r.id());
                    g.writeStringField("provider", r.provider().name());
                    g.writeStringField("type", r.provider().type());
                    g.writeStringField("model", r.deployment().model());
                    g.writeBooleanField("enabled", r.provider().enabled());
                    if (!r.provider().enabled()) {
                        g.writeStringField("disabled_reason", r.provider().disabledReason());
                    }
                    g.writeNumberField("weight", r.deployment().weight());
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            buf.release();
            throw new UncheckedIOException(e);
        }
        return buf;
    }
}
