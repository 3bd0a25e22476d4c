package dev.junction.translators.stream;

import dev.junction.stream.GatewayError;
import dev.junction.stream.SseEvent;
import dev.junction.stream.StreamEvent;
import dev.junction.stream.Usage;
import dev.junction.translators.ingress.ErrorShape;
import dev.junction.translators.spi.StreamTranslator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

/**
 * A vendor stream that is already in the client door's shape (Anthropic's events to a Messages
 * client, OpenAI Responses events to a Responses client), forwarded event by event as the vendor's
 * own bytes: each event's name and {@code data} are re-framed as they came, never parsed and
 * re-serialised (DESIGN house rule 5). It is judged as a translated stream is: every event also goes
 * through the vendor's {@link StreamTranslator}, whose canonical events tell the
 * {@link dev.junction.stream.StreamGuard} where the content starts (the commit point), what the
 * usage is, and whether the stream ended whole (SPEC §5). A vendor error event is not forwarded: it
 * stops the stream, and the exchange retries it or ends the stream with the door's in-band error
 * ({@link ErrorShape#event}). Nothing is added at a complete end: the vendor's own end event was
 * forwarded.
 */
public final class ForwardingStreamProcessor extends SseStreamProcessor implements Consumer<StreamEvent> {

    private static final byte[] EVENT = "event: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);

    private final StreamTranslator judge;
    private final ErrorShape errors;
    private Usage usage;

    /** @param judge the vendor's translator of this stream; {@code errors} the door's error shape */
    public ForwardingStreamProcessor(StreamTranslator judge, ErrorShape errors) {
        super(1);
        this.judge = judge;
        this.errors = errors;
    }

    @Override
    public void onEvent(SseEvent event) {
        if (stopped()) {
            return;
        }
        judge.onEvent(event, this);
        if (vendorError() != null) {
            return; // the error event is the door's to render, in its own time
        }
        out.add(frame(event, alloc));
    }

    @Override
    public void accept(StreamEvent e) {
        if (stopped()) {
            return;
        }
        if (e instanceof StreamEvent.Error err) {
            failed(err.error());
            return;
        }
        if (e instanceof StreamEvent.UsageReport u) {
            usage = u.usage();
        }
        guard.observe(e);
    }

    /**
     * {@code event: <name>\ndata: <data>\n\n} (one {@code data:} line per line of the data), copied
     * into one pooled buffer: events are a few hundred bytes and the exchange copies every frame into
     * its write batch anyway, so a composite of slices around the vendor's bytes would cost more
     * than the copy (DoorStreamBenchmark).
     */
    static ByteBuf frame(SseEvent event, ByteBufAllocator alloc) {
        ByteBuf data = event.data();
        String name = event.event();
        int lines = 1;
        int end = data.writerIndex();
        for (int i = data.indexOf(data.readerIndex(), end, (byte) '\n'); i >= 0; i = data.indexOf(i + 1, end, (byte) '\n')) {
            lines++;
        }
        int size = (name == null ? 0 : EVENT.length + name.length() * 3 + 1) + lines * (DATA.length + 1)
                + data.readableBytes() + 1;
        ByteBuf f = alloc.buffer(size);
        boolean ok = false;
        try {
            if (name != null) {
                f.writeBytes(EVENT);
                f.writeCharSequence(name, StandardCharsets.UTF_8);
                f.writeByte('\n');
            }
            int from = data.readerIndex();
            while (true) {
                int nl = data.indexOf(from, end, (byte) '\n');
                int lineEnd = nl < 0 ? end : nl;
                f.writeBytes(DATA);
                f.writeBytes(data, from, lineEnd - from);
                f.writeByte('\n');
                if (nl < 0) {
                    break;
                }
                from = nl + 1;
            }
            f.writeByte('\n');
            ok = true;
            return f;
        } finally {
            if (!ok) {
                f.release();
            }
        }
    }

    /** The translator knows its vendor's end marker: without an error from it, the stream is complete. */
    @Override
    protected void upstreamEnded() {
        judge.onEnd(this);
        if (vendorError() == null) {
            completed();
        }
    }

    @Override
    protected void finish(ByteBufAllocator alloc, List<ByteBuf> out) {
    }

    @Override
    public void fail(GatewayError error, ByteBufAllocator alloc, List<ByteBuf> out) {
        out.add(errors.event(error, alloc));
    }

    @Override
    public Usage usage() {
        return usage;
    }
}
