package dev.junction.translators.stream;

import dev.junction.stream.GatewayError;
import dev.junction.stream.OpenAiChunkWriter;
import dev.junction.stream.StreamEncoder;
import dev.junction.stream.SseDecoder;
import dev.junction.stream.SseEvent;
import dev.junction.stream.SseListener;
import dev.junction.stream.StreamEvent;
import dev.junction.stream.StreamGuard;
import dev.junction.stream.Usage;
import dev.junction.translators.spi.StreamTranslator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.List;
import java.util.function.Consumer;

/**
 * The streams of a fanned-out request (SPEC §3 {@code n} on a vendor without it) merged into one
 * client stream: each sub-stream has its own SSE decoder and vendor translator, whose events for
 * choice 0 are re-indexed to the sub-stream's choice and written by ONE {@link OpenAiChunkWriter},
 * so the writer's rules hold across the whole answer (a role chunk and one finish per choice, one
 * usage chunk and one {@code [DONE]}, SPEC §5). The sub-streams' usage is summed and reported once,
 * when the last one ends. The commit point is every part's first content ({@link #hasContent()}).
 *
 * <p>The SPEC §5 rules are applied by one {@link StreamGuard} over the merged answer: committed
 * once every part has content, complete when every part's translator saw its vendor's end, and a
 * failure after every choice finished still ends the answer normally.
 *
 * <p>The proxy's fan-out call says which sub-stream the next {@link #feed} belongs to ({@link #select}) and
 * whether it is that sub-stream's last piece; a sub-stream that ends truncated or with an error
 * event makes the whole answer fail ({@link #vendorError()}), before or after the commit point.
 */
public final class FanOutStreamProcessor implements StreamProcessor {

    private final Sub[] subs;
    private final StreamEncoder writer;
    private int current;
    private boolean currentLast;
    private ByteBufAllocator alloc;
    private List<ByteBuf> out;
    private final StreamGuard guard;
    private GatewayError vendorError;
    private boolean complete;
    private boolean opened;

    /** One translator per part; part {@code i} answers choice {@code i} of the client's answer. */
    public FanOutStreamProcessor(StreamTranslator[] translators, StreamEncoder writer) {
        this.writer = writer;
        this.guard = new StreamGuard(translators.length);
        this.subs = new Sub[translators.length];
        for (int i = 0; i < translators.length; i++) {
            subs[i] = new Sub(i, translators[i]);
        }
    }

    /** The next {@link #feed} carries sub-stream {@code sub}'s bytes; {@code last}: its final piece. */
    public void select(int sub, boolean last) {
        current = sub;
        currentLast = last;
    }

    @Override
    public void feed(ByteBuf chunk, ByteBufAllocator alloc, List<ByteBuf> out) {
        if (vendorError != null || complete) {
            return;
        }
        Sub s = subs[current];
        this.alloc = alloc;
        this.out = out;
        try {
            s.decoder.feed(chunk);
            if (currentLast && vendorError == null && !complete) {
                s.end();
                if (vendorError == null) {
                    commitIfStarted(); // a part that ended without content no longer holds the others back
                }
            }
        } catch (SseDecoder.EventTooLargeException e) {
            failed(GatewayError.upstreamUnavailable(
                    "The provider sent a stream event larger than " + SseStreamProcessor.MAX_EVENT_BYTES + " bytes."));
        } finally {
            this.out = null;
        }
    }

    /**
     * The commit point of a fanned-out stream (SPEC §5): every part has produced content (or ended).
     * Until then the exchange holds the merged frames back, so a part refused or cut early (an
     * overloaded or rate-limited vendor, the usual case) fails the group over invisibly instead of
     * ending in an in-band error; the price is that the first byte waits for the slowest part.
     */
    @Override
    public boolean hasContent() {
        return guard.committed();
    }

    /** Every part has produced content (or ended): the merged stream may be committed. */
    private boolean everyPartStarted() {
        for (Sub s : subs) {
            if (!s.content && !s.ended) {
                return false;
            }
        }
        return true;
    }

    /** A failure of any part, judged for the whole answer. */
    private void failed(GatewayError cause) {
        StreamGuard.Verdict v = guard.upstreamFailed(cause);
        if (v.complete()) {
            complete = true;
        } else {
            vendorError = v.error();
        }
    }

    private void commitIfStarted() {
        if (!guard.committed() && everyPartStarted()) {
            guard.forwarded(true);
        }
    }

    @Override
    public GatewayError vendorError() {
        return vendorError;
    }

    /** Called when every sub-stream's body ended: each translator has had its end in {@link #feed}. */
    @Override
    public GatewayError end(ByteBufAllocator alloc, List<ByteBuf> out) {
        if (vendorError != null) {
            return vendorError;
        }
        if (!complete) {
            for (Sub s : subs) {
                if (!s.ended) {
                    return GatewayError.internal("A fanned-out stream ended before all of its parts.");
                }
            }
        }
        finish(alloc, out);
        return null;
    }

    @Override
    public GatewayError cut(GatewayError cause, ByteBufAllocator alloc, List<ByteBuf> out) {
        if (vendorError == null && !complete) {
            failed(cause);
        }
        if (vendorError != null) {
            return vendorError;
        }
        finish(alloc, out);
        return null;
    }

    private void finish(ByteBufAllocator alloc, List<ByteBuf> out) {
        Usage sum = usage();
        if (sum != null) {
            writer.write(new StreamEvent.UsageReport(sum), alloc, out);
        }
        writer.finish(alloc, out);
    }

    @Override
    public void fail(GatewayError error, ByteBufAllocator alloc, List<ByteBuf> out) {
        writer.fail(error, alloc, out);
    }

    /** The sum of the sub-streams' last usage reports (null when none reported any). */
    @Override
    public Usage usage() {
        Usage sum = null;
        for (Sub s : subs) {
            if (s.usage != null) {
                sum = sum == null ? s.usage : sum.plus(s.usage);
            }
        }
        return sum;
    }

    @Override
    public void close() {
        for (Sub s : subs) {
            s.decoder.close();
        }
    }

    /**
     * Opens every choice (its role chunk) before the first event of any part, as OpenAI's own
     * {@code n > 1} streams do: SDK accumulators (openai-java's ChatCompletionAccumulator) take the
     * answer as complete once every choice seen so far has finished, so a fast part finishing before
     * a slow one's first chunk would otherwise end the answer early. An empty text delta makes the
     * writer send just the role chunk (it skips empty fragments).
     */
    private void openAll() {
        if (opened) {
            return;
        }
        opened = true;
        for (int i = 0; i < subs.length; i++) {
            writer.write(new StreamEvent.TextDelta(i, ""), alloc, out);
        }
    }

    /** Choice 0 of sub-stream {@code i} is choice {@code i} of the client's answer. */
    static StreamEvent reindex(StreamEvent e, int i) {
        if (e instanceof StreamEvent.TextDelta t) {
            return new StreamEvent.TextDelta(t.choice() + i, t.text());
        } else if (e instanceof StreamEvent.ReasoningDelta r) {
            return new StreamEvent.ReasoningDelta(r.choice() + i, r.text());
        } else if (e instanceof StreamEvent.RefusalDelta r) {
            return new StreamEvent.RefusalDelta(r.choice() + i, r.text());
        } else if (e instanceof StreamEvent.ToolCallStart s) {
            return new StreamEvent.ToolCallStart(s.choice() + i, s.toolIndex(), s.id(), s.name());
        } else if (e instanceof StreamEvent.ToolCallArguments a) {
            return new StreamEvent.ToolCallArguments(a.choice() + i, a.toolIndex(), a.fragment());
        } else if (e instanceof StreamEvent.Finish f) {
            return new StreamEvent.Finish(f.choice() + i, f.reason());
        }
        return e; // Start, UsageReport and Error carry no choice
    }

    /** One sub-stream: its decoder, its translator and its usage. */
    private final class Sub implements SseListener, Consumer<StreamEvent> {
        final int index;
        final StreamTranslator translator;
        final SseDecoder decoder;
        Usage usage;
        boolean content;
        boolean ended;

        Sub(int index, StreamTranslator translator) {
            this.index = index;
            this.translator = translator;
            this.decoder = new SseDecoder(this, SseStreamProcessor.MAX_EVENT_BYTES);
        }

        @Override
        public void onEvent(SseEvent event) {
            if (vendorError == null && !complete) {
                translator.onEvent(event, this);
            }
        }

        void end() {
            ended = true;
            translator.onEnd(this);
        }

        @Override
        public void accept(StreamEvent e) {
            if (vendorError != null || complete) {
                return;
            }
            if (e instanceof StreamEvent.Error err) {
                failed(err.error());
                return;
            }
            if (e instanceof StreamEvent.UsageReport u) {
                usage = u.usage(); // summed over the sub-streams at the end, never written per part
                return;
            }
            StreamEvent event = reindex(e, index);
            if (StreamGuard.isContent(event)) {
                content = true;
            }
            if (event instanceof StreamEvent.Finish f) {
                guard.finished(f.choice());
            }
            commitIfStarted();
            openAll();
            writer.write(event, alloc, out);
        }
    }
}
