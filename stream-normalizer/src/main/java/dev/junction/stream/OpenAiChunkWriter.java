package dev.junction.stream;

import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Turns the canonical {@link StreamEvent}s of one stream into OpenAI {@code chat.completion.chunk}
 * SSE frames (wire-formats §1.5, §4.6). One instance per stream; not thread-safe.
 *
 * <p>Rules it enforces, so no vendor translator has to:
 * <ul>
 *   <li>every chunk has the same {@code id}, {@code created} and {@code model},
 *       {@code object:"chat.completion.chunk"}, {@code logprobs:null} and {@code finish_reason:null}
 *       until that choice's finish chunk;</li>
 *   <li>the first chunk of each choice is {@code delta:{"role":"assistant","content":""}};</li>
 *   <li>text, reasoning (the {@code reasoning_content} extension of DeepSeek/vLLM, wire-formats
 *       §6.1) and refusal become {@code delta.content}, {@code delta.reasoning_content} and
 *       {@code delta.refusal}; empty fragments are not sent;</li>
 *   <li>a tool call starts with {@code {index,id,type:"function",function:{name,arguments:""}}},
 *       then carries only {@code index} and argument fragments (empty ones skipped); a call that
 *       got no non-empty fragment gets {@code "{}"} before the finish chunk (wire-formats §4.6, §8.12);</li>
 *   <li>exactly one {@code finish_reason} per choice: a second {@link StreamEvent.Finish} is ignored;</li>
 *   <li>usage is remembered (the last report wins) and sent only by {@link #finish} when the
 *       client asked for it ({@code stream_options.include_usage}, SPEC §5). Other chunks carry no
 *       {@code usage} key at all: the OpenAI schema does not admit {@code usage:null}, and the
 *       SDKs treat a missing key as null.</li>
 * </ul>
 *
 * <p>JSON is generated straight into pooled buffers (no intermediate string); each frame appended
 * to {@code out} is one buffer owned by the caller. Choice indexes are expected to be small ({@code n} of the request).
 */
public final class OpenAiChunkWriter implements StreamEncoder {

    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DELTA = ",\"delta\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OPEN_SUFFIX =
            ",\"logprobs\":null,\"finish_reason\":null}]}\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FINISH_SUFFIX = ",\"logprobs\":null,\"finish_reason\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FINISH_END = "\"}]}\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ROLE_DELTA =
            "{\"role\":\"assistant\",\"content\":\"\"}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY_DELTA = "{}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] USAGE_CHOICES = "[],\"usage\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FRAME_END = "}\n\n".getBytes(StandardCharsets.US_ASCII);

    /** {@code {"id":…,"object":"chat.completion.chunk","created":…,"model":…,"choices":} */
    private final byte[] head;
    /** {@code head + [{"index":} */
    private final byte[] choiceHead;
    private final boolean includeUsage;
    private final List<ChoiceState> choices = new ArrayList<>(1);
    private Usage usage;
    private boolean ended;

    private static final class ChoiceState {
        boolean started;
        boolean finished;
        /** Per tool ordinal: 0 unknown, 1 started without arguments, 2 got a non-empty fragment. */
        byte[] tools = new byte[4];
        int toolCount;
    }

    public OpenAiChunkWriter(String id, long created, String model, boolean includeUsage) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(model, "model");
        this.includeUsage = includeUsage;
        ByteArrayOutputStream out = new ByteArrayOutputStream(96 + id.length() + model.length());
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("id", id);
            g.writeStringField("object", "chat.completion.chunk");
            g.writeNumberField("created", created);
            g.writeStringField("model", model);
            g.writeArrayFieldStart("choices");
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // The fixed head of every chunk, escaped once per stream: everything before the "[]}" tail.
        byte[] whole = out.toByteArray();
        this.head = Arrays.copyOf(whole, whole.length - 3);
        byte[] ch = "[{\"index\":".getBytes(StandardCharsets.US_ASCII);
        this.choiceHead = Arrays.copyOf(head, head.length + ch.length);
        System.arraycopy(ch, 0, choiceHead, head.length, ch.length);
    }

    /** Appends the frames (zero or more) that {@code event} yields to {@code out}. */
    @Override
    public void write(StreamEvent event, ByteBufAllocator alloc, List<ByteBuf> out) {
        if (ended) {
            throw new IllegalStateException("stream already finished or failed");
        }
        if (event instanceof StreamEvent.TextDelta t) {
            textual(t.choice(), "content", t.text(), alloc, out);
        } else if (event instanceof StreamEvent.ToolCallArguments a) {
            toolArguments(a, alloc, out);
        } else if (event instanceof StreamEvent.ReasoningDelta r) {
            textual(r.choice(), "reasoning_content", r.text(), alloc, out);
        } else if (event instanceof StreamEvent.RefusalDelta r) {
            textual(r.choice(), "refusal", r.text(), alloc, out);
        } else if (event instanceof StreamEvent.ToolCallStart s) {
            toolStart(s, alloc, out);
        } else if (event instanceof StreamEvent.Finish f) {
            finishChoice(f.choice(), f.reason(), alloc, out);
        } else if (event instanceof StreamEvent.UsageReport u) {
            usage = u.usage();
        } else if (event instanceof StreamEvent.Error e) {
            fail(e.error(), alloc, out);
        } else if (!(event instanceof StreamEvent.Start) && !(event instanceof StreamEvent.ReasoningSignature)) {
            throw new IllegalArgumentException("unknown stream event " + event);
        }
    }

    /**
     * Ends a complete stream: the usage chunk {@code {"choices":[],"usage":{…}}} when the client
     * asked for usage and the upstream reported it, then {@code data: [DONE]}. Choices that never
     * finished get nothing invented here: whether the stream is complete is {@link StreamGuard}'s call.
     */
    @Override
    public void finish(ByteBufAllocator alloc, List<ByteBuf> out) {
        if (ended) {
            throw new IllegalStateException("stream already finished or failed");
        }
        ended = true;
        if (includeUsage && usage != null) {
            ByteBuf buf = alloc.buffer(head.length + 256);
            buf.writeBytes(DATA).writeBytes(head).writeBytes(USAGE_CHOICES);
            Usage u = usage;
            out.add(generate(buf, g -> writeUsage(g, u), FRAME_END));
        }
        out.add(SseFrames.done());
    }

    /** Ends the stream with the in-band error frame of SPEC §5 (no {@code [DONE]} after it). */
    @Override
    public void fail(GatewayError error, ByteBufAllocator alloc, List<ByteBuf> out) {
        if (ended) {
            throw new IllegalStateException("stream already finished or failed");
        }
        ended = true;
        out.add(SseFrames.error(alloc, error));
    }

    /** The last usage reported so far, or null. */
    public Usage usage() {
        return usage;
    }

    /** Whether {@link #finish} or {@link #fail} was called. */
    public boolean ended() {
        return ended;
    }

    private ChoiceState state(int choice, ByteBufAllocator alloc, List<ByteBuf> out) {
        if (choice < 0) {
            throw new IllegalArgumentException("negative choice index " + choice);
        }
        while (choices.size() <= choice) {
            choices.add(new ChoiceState());
        }
        ChoiceState st = choices.get(choice);
        if (!st.started) {
            st.started = true;
            out.add(rawChunk(choice, ROLE_DELTA, alloc));
        }
        return st;
    }

    private void textual(int choice, String field, String text, ByteBufAllocator alloc, List<ByteBuf> out) {
        ChoiceState st = state(choice, alloc, out);
        if (st.finished || text == null || text.isEmpty()) {
            return;
        }
        out.add(generate(open(choice, alloc), g -> {
            g.writeStartObject();
            g.writeStringField(field, text);
            g.writeEndObject();
        }, OPEN_SUFFIX));
    }

    private void toolStart(StreamEvent.ToolCallStart s, ByteBufAllocator alloc, List<ByteBuf> out) {
        ChoiceState st = state(s.choice(), alloc, out);
        if (st.finished) {
            return;
        }
        markTool(st, s.toolIndex(), (byte) 1);
        out.add(generate(open(s.choice(), alloc), g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("tool_calls");
            g.writeStartObject();
            g.writeNumberField("index", s.toolIndex());
            g.writeStringField("id", s.id());
            g.writeStringField("type", "function");
            g.writeObjectFieldStart("function");
            g.writeStringField("name", s.name());
            g.writeStringField("arguments", "");
            g.writeEndObject();
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        }, OPEN_SUFFIX));
    }

    private void toolArguments(StreamEvent.ToolCallArguments a, ByteBufAllocator alloc, List<ByteBuf> out) {
        ChoiceState st = state(a.choice(), alloc, out);
        if (st.finished || a.fragment() == null || a.fragment().isEmpty()) {
            return;
        }
        markTool(st, a.toolIndex(), (byte) 2);
        out.add(argumentsChunk(a.choice(), a.toolIndex(), a.fragment(), alloc));
    }

    private ByteBuf argumentsChunk(int choice, int toolIndex, String fragment, ByteBufAllocator alloc) {
        return generate(open(choice, alloc), g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("tool_calls");
            g.writeStartObject();
            g.writeNumberField("index", toolIndex);
            g.writeObjectFieldStart("function");
            g.writeStringField("arguments", fragment);
            g.writeEndObject();
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        }, OPEN_SUFFIX);
    }

    private static void markTool(ChoiceState st, int toolIndex, byte state) {
        if (toolIndex < 0) {
            throw new IllegalArgumentException("negative tool index " + toolIndex);
        }
        if (toolIndex >= st.tools.length) {
            st.tools = Arrays.copyOf(st.tools, Math.max(toolIndex + 1, st.tools.length * 2));
        }
        if (st.tools[toolIndex] < state) {
            st.tools[toolIndex] = state;
        }
        st.toolCount = Math.max(st.toolCount, toolIndex + 1);
    }

    private void finishChoice(int choice, FinishReason reason, ByteBufAllocator alloc, List<ByteBuf> out) {
        Objects.requireNonNull(reason, "reason");
        ChoiceState st = state(choice, alloc, out);
        if (st.finished) {
            return;
        }
        st.finished = true;
        for (int t = 0; t < st.toolCount; t++) {
            if (st.tools[t] == 1) {
                // wire-formats §4.6/§8.12: a call without arguments still needs valid JSON arguments.
                out.add(argumentsChunk(choice, t, "{}", alloc));
                st.tools[t] = 2;
            }
        }
        ByteBuf buf = open(choice, alloc);
        buf.writeBytes(EMPTY_DELTA).writeBytes(FINISH_SUFFIX)
                .writeCharSequence(reason.wire(), StandardCharsets.US_ASCII);
        buf.writeBytes(FINISH_END);
        out.add(buf);
    }

    /** {@code data: {head…"choices":[{"index":N,"delta":} — the caller writes the delta and a suffix. */
    /** Writes JSON into {@code buf} after what it holds, then {@code suffix}; releases {@code buf} on failure. */
    private static ByteBuf generate(ByteBuf buf, JsonWriter body, byte[] suffix) {
        Gen gen = Gen.bind(buf);
        try {
            body.write(gen.g);
            gen.unbind();
            buf.writeBytes(suffix);
            return buf;
        } catch (IOException | RuntimeException e) {
            gen.discard();
            buf.release();
            throw rethrow(e);
        }
    }

    @FunctionalInterface
    private interface JsonWriter {
        void write(JsonGenerator g) throws IOException;
    }

    private ByteBuf open(int choice, ByteBufAllocator alloc) {
        ByteBuf buf = alloc.buffer(choiceHead.length + 128);
        buf.writeBytes(DATA).writeBytes(choiceHead);
        writeInt(buf, choice);
        buf.writeBytes(DELTA);
        return buf;
    }

    private ByteBuf rawChunk(int choice, byte[] delta, ByteBufAllocator alloc) {
        ByteBuf buf = open(choice, alloc);
        buf.writeBytes(delta).writeBytes(OPEN_SUFFIX);
        return buf;
    }

    private static void writeInt(ByteBuf buf, int v) {
        if (v < 10) {
            buf.writeByte('0' + v);
        } else {
            buf.writeCharSequence(Integer.toString(v), StandardCharsets.US_ASCII);
        }
    }

    /**
     * A JSON generator writing into whichever buffer is bound to it, one per thread: every chunk
     * is a complete root value flushed before the call returns, so the generator (and its recycled
     * output buffer) can serve every stream on an event loop instead of being built per chunk.
     */
    private static final class Gen extends OutputStream {
        private static final ThreadLocal<Gen> CURRENT = ThreadLocal.withInitial(Gen::new);

        final JsonGenerator g;
        private ByteBuf target;

        private Gen() {
            try {
                g = Json.FACTORY.createGenerator(this);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            g.setRootValueSeparator(null); // chunks are separate documents, not a value sequence
        }

        static Gen bind(ByteBuf buf) {
            Gen gen = CURRENT.get();
            if (gen.target != null) {
                gen = new Gen(); // re-entered on this thread (cannot happen today): do not share
            }
            gen.target = buf;
            return gen;
        }

        /** Flushes what was generated into the bound buffer and unbinds it. */
        void unbind() throws IOException {
            g.flush();
            target = null;
        }

        /** After a failure the generator's state is unknown: never reuse it. */
        void discard() {
            target = null;
            CURRENT.remove();
        }

        @Override
        public void write(int b) {
            target.writeByte(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            target.writeBytes(b, off, len);
        }
    }

    /**
     * OpenAI usage object (wire-formats §4.3) with {@code prompt_tokens_details.cached_tokens}
     * ({@code cache_write_tokens} only when non-zero) and
     * {@code completion_tokens_details.reasoning_tokens}. The one renderer of usage, for chunks and
     * for whole responses alike.
     */
    public static void writeUsage(JsonGenerator g, Usage u) throws IOException {
        g.writeStartObject();
        g.writeNumberField("prompt_tokens", u.promptTokens());
        g.writeNumberField("completion_tokens", u.completionTokens());
        g.writeNumberField("total_tokens", u.totalTokens());
        g.writeObjectFieldStart("prompt_tokens_details");
        g.writeNumberField("cached_tokens", u.cachedInputTokens());
        if (u.cacheWriteTokens() != 0) {
            g.writeNumberField("cache_write_tokens", u.cacheWriteTokens());
        }
        g.writeEndObject();
        g.writeObjectFieldStart("completion_tokens_details");
        g.writeNumberField("reasoning_tokens", u.reasoningTokens());
        g.writeEndObject();
        g.writeEndObject();
    }

    private static RuntimeException rethrow(Exception e) {
        if (e instanceof RuntimeException r) {
            return r;
        }
        return new UncheckedIOException((IOException) e);
    }
}
