package dev.junction.translators.passthrough;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Builds the upstream body for an OpenAI-shaped vendor from the client's body by splicing, not
 * re-serialising (DESIGN house rule 5): the alias in {@code model} becomes the deployment's model,
 * and for a stream, {@code stream_options.include_usage} is forced on so that cost is always
 * accounted (SPEC §5); everything else is the client's bytes, carried as retained slices.
 */
public final class OpenAiBodyRewriter {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] INSERT_STREAM_OPTIONS =
            "\"stream_options\":{\"include_usage\":true},".getBytes(StandardCharsets.US_ASCII);

    private OpenAiBodyRewriter() {
    }

    /**
     * Returns a new buffer (owned by the caller) for the upstream request. {@code body} is neither
     * consumed nor released; the result holds retained slices of it.
     *
     * @param forceUsage ask the vendor for the final usage chunk when the request streams
     */
    public static ByteBuf rewrite(ByteBuf body, OpenAiRequestFacts facts, String upstreamModel, boolean forceUsage,
                                  ByteBufAllocator alloc) {
        return rewrite(body, facts, upstreamModel, forceUsage, List.of(), alloc);
    }

    /**
     * As {@link #rewrite(ByteBuf, OpenAiRequestFacts, String, boolean, ByteBufAllocator)}, plus a
     * server dialect's own splices ({@link CompatDialect#requestEdits}), which never overlap the
     * model or stream options values.
     */
    public static ByteBuf rewrite(ByteBuf body, OpenAiRequestFacts facts, String upstreamModel, boolean forceUsage,
                                  List<BodyEdit> dialectEdits, ByteBufAllocator alloc) {
        List<BodyEdit> edits = new ArrayList<>(2 + dialectEdits.size());
        edits.addAll(dialectEdits);
        if (!upstreamModel.equals(facts.model())) {
            edits.add(new BodyEdit(facts.modelStart(), facts.modelEnd(), quoted(upstreamModel)));
        }
        if (facts.stream() && forceUsage && !facts.includeUsage()) {
            if (facts.streamOptionsStart() >= 0) {
                edits.add(new BodyEdit(facts.streamOptionsStart(), facts.streamOptionsEnd(),
                        withIncludeUsage(body, facts.streamOptionsStart(), facts.streamOptionsEnd())));
            } else {
                int open = body.indexOf(body.readerIndex(), body.writerIndex(), (byte) '{') - body.readerIndex();
                edits.add(new BodyEdit(open + 1, open + 1, INSERT_STREAM_OPTIONS));
            }
        }
        if (edits.isEmpty()) {
            return body.retainedDuplicate();
        }
        // An insertion sorts before a removal starting at the same byte (the stream options go in
        // right after '{' while a dialect may cut out the first member).
        edits.sort(Comparator.comparingInt(BodyEdit::start).thenComparingInt(BodyEdit::end));
        CompositeByteBuf out = alloc.compositeBuffer(edits.size() * 2 + 1);
        int base = body.readerIndex();
        int pos = 0;
        for (BodyEdit e : edits) {
            if (e.start() > pos) {
                out.addComponent(true, body.retainedSlice(base + pos, e.start() - pos));
            }
            out.addComponent(true, Unpooled.wrappedBuffer(e.replacement()));
            pos = e.end();
        }
        int length = body.readableBytes();
        if (pos < length) {
            out.addComponent(true, body.retainedSlice(base + pos, length - pos));
        }
        return out;
    }

    private static byte[] quoted(String s) {
        byte[] inner = JsonStringEncoder.getInstance().quoteAsUTF8(s);
        byte[] out = new byte[inner.length + 2];
        out[0] = '"';
        System.arraycopy(inner, 0, out, 1, inner.length);
        out[out.length - 1] = '"';
        return out;
    }

    /** The client's small {@code stream_options} object (or null) with include_usage set to true. */
    private static byte[] withIncludeUsage(ByteBuf body, int start, int end) {
        try {
            byte[] raw = new byte[end - start];
            body.getBytes(body.readerIndex() + start, raw);
            var node = JSON.readTree(raw);
            ObjectNode obj = node instanceof ObjectNode o ? o : JSON.createObjectNode();
            obj.put("include_usage", true);
            return JSON.writeValueAsBytes(obj);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
