package dev.junction.translators.ingress;

import dev.junction.stream.ErrorJson;
import dev.junction.stream.GatewayError;
import dev.junction.stream.SseFrames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * How one client door renders a SPEC §4 failure: the HTTP status and body of an error answer, and
 * the in-band stream event after the commit point (SPEC §5). The situation and its message are the
 * same for every door; only the shape differs. Stateless. Known before a request is read (a wrong
 * gateway key, a body too large), so the server picks it by path ({@link IngressRequest#errors()}
 * gives the same one once the request is read).
 */
public interface ErrorShape {

    /** The HTTP status a client of this door gets for {@code e}. */
    default int status(GatewayError e) {
        return e.status();
    }

    /** The error body (owned by the caller); {@code requestId} may be null. */
    ByteBuf body(GatewayError e, String requestId, ByteBufAllocator alloc);

    /** The in-band stream error that ends a committed stream (owned by the caller). */
    ByteBuf event(GatewayError e, ByteBufAllocator alloc);

    /** OpenAI's {@code {"error":{message,type,param,code}}} and the {@code data: {"error":…}} frame. */
    ErrorShape OPENAI = new ErrorShape() {
        @Override
        public ByteBuf body(GatewayError e, String requestId, ByteBufAllocator alloc) {
            return ErrorJson.render(e, alloc);
        }

        @Override
        public ByteBuf event(GatewayError e, ByteBufAllocator alloc) {
            return SseFrames.error(alloc, e);
        }
    };
}
