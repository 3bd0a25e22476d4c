package dev.junction.translators.messages;

import dev.junction.stream.GatewayError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Renders a SPEC §4 failure in Anthropic's error shape (wire-formats §2.5):
 * {@code {"type":"error","error":{"type":…,"message":…},"request_id":…}}, with the status and
 * {@code error.type} an Anthropic client expects for that situation:
 * <table>
 *   <tr><th>Junction</th><th>status</th><th>Anthropic type</th></tr>
 *   <tr><td>any 400 (bad field, unsupported capability, context too long, content filter)</td><td>400</td><td>invalid_request_error</td></tr>
 *   <tr><td>401</td><td>401</td><td>authentication_error</td></tr>
 *   <tr><td>403</td><td>403</td><td>permission_error</td></tr>
 *   <tr><td>404</td><td>404</td><td>not_found_error</td></tr>
 *   <tr><td>413</td><td>413</td><td>request_too_large</td></tr>
 *   <tr><td>429 (any: the key's limits, its budget, upstream rate limits)</td><td>429</td><td>rate_limit_error</td></tr>
 *   <tr><td>503 {@code upstream_unavailable} (vendors overloaded after retries and failover)</td><td>529</td><td>overloaded_error</td></tr>
 *   <tr><td>504</td><td>504</td><td>timeout_error</td></tr>
 *   <tr><td>other 5xx (500, 502, other 503s)</td><td>as Junction's</td><td>api_error</td></tr>
 *   <tr><td>other 4xx (405, 408, 409, 431, ...)</td><td>as Junction's</td><td>invalid_request_error</td></tr>
 * </table>
 * Anthropic's SDKs choose their exception class from the status (≥ 500: internal server error, 529:
 * overloaded), so a 502 stays 502: the status still tells an operator which side failed. The
 * message is Junction's (it never carries a vendor key); Junction's {@code code} is not part of
 * Anthropic's shape and is not sent, the {@code x-request-id} header and the log carry the details.
 */
public final class MessagesErrors {

    /** The Messages door's {@link dev.junction.translators.ingress.ErrorShape}: this class's statuses, bodies and events. */
    public static final dev.junction.translators.ingress.ErrorShape SHAPE = new dev.junction.translators.ingress.ErrorShape() {
        @Override
        public int status(GatewayError e) {
            return MessagesErrors.status(e);
        }

        @Override
        public ByteBuf body(GatewayError e, String requestId, ByteBufAllocator alloc) {
            return MessagesErrors.body(e, requestId, alloc);
        }

        @Override
        public ByteBuf event(GatewayError e, ByteBufAllocator alloc) {
            return MessagesErrors.event(e, alloc);
        }
    };

    private MessagesErrors() {
    }

    /** The HTTP status an Anthropic client gets for {@code e}. */
    public static int status(GatewayError e) {
        if (e.status() == 503 && "upstream_unavailable".equals(e.code())) {
            return 529;
        }
        return e.status();
    }

    /** Anthropic's {@code error.type} for {@code e}. */
    public static String type(GatewayError e) {
        int s = e.status();
        return switch (s) {
            case 400 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 504 -> "timeout_error";
            default -> {
                if (s == 503 && "upstream_unavailable".equals(e.code())) {
                    yield "overloaded_error";
                }
                yield s >= 500 ? "api_error" : "invalid_request_error";
            }
        };
    }

    /** The error body; {@code requestId} (Junction's {@code x-request-id}) is left out when null. */
    public static ByteBuf body(GatewayError e, String requestId, ByteBufAllocator alloc) {
        return NamedEvents.json(alloc, g -> {
            writeError(g, e);
            if (requestId != null) {
                // writeError left the object open for this member
                g.writeStringField("request_id", requestId);
            }
            g.writeEndObject();
        });
    }

    /** The in-band stream error after the commit point: {@code event: error} with the same body. */
    public static ByteBuf event(GatewayError e, ByteBufAllocator alloc) {
        return NamedEvents.event(alloc, "error", g -> {
            writeError(g, e);
            g.writeEndObject();
        });
    }

    /** {@code {"type":"error","error":{…}} without the closing brace. */
    private static void writeError(com.fasterxml.jackson.core.JsonGenerator g, GatewayError e) throws java.io.IOException {
        g.writeStartObject();
        g.writeStringField("type", "error");
        g.writeObjectFieldStart("error");
        g.writeStringField("type", type(e));
        g.writeStringField("message", e.message());
        g.writeEndObject();
    }
}
