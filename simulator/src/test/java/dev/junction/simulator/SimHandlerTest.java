package dev.junction.simulator;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimHandlerTest {

    @Test
    void streamPausesWhileUnwritableAndResumes() {
        try (VendorSimulator sim = VendorSimulator.start()) {
            EmbeddedChannel ch = new EmbeddedChannel(new SimHandler(sim));
            String body = "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
                    + "\"[[sim tokens=3]]\"}]}";
            FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
                    "/v1/chat/completions", Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
            ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
            ch.writeInbound(req);
            assertInstanceOf(HttpResponse.class, ch.readOutbound(), "headers go out first");
            assertNull(ch.readOutbound(), "no frame while the channel is unwritable");
            assertEquals(1, sim.activeStreams());

            ch.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
            ch.runPendingTasks();
            int frames = 0;
            Object msg;
            StringBuilder all = new StringBuilder();
            while ((msg = ch.readOutbound()) != null) {
                if (msg instanceof HttpContent c) {
                    all.append(c.content().toString(StandardCharsets.UTF_8));
                    if (c.content().isReadable()) {
                        frames++;
                    }
                    if (msg instanceof LastHttpContent) {
                        ReferenceCountUtil.release(msg);
                        break;
                    }
                }
                ReferenceCountUtil.release(msg);
            }
            assertEquals(1 + 3 + 1 + 1, frames);
            assertTrue(all.toString().endsWith("data: [DONE]\n\n"));
            assertEquals(1, sim.completedStreams());
            ch.finishAndReleaseAll();
        }
    }
}
