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
 * <p>JSON is written straight into pooled buffers (no intermediate string): the common chunks
 * (content, reasoning, refusal, tool call start and argument deltas, finish, usage) by hand
 * ({@link ChunkText}, byte-for-byte what Jackson writes; a string it cannot vouch for, such as a
 * lone surrogate, goes to Jackson), anything else by Jackson. Each frame is one buffer appended to
 * {@code out} and owned by the caller, or, through
 * {@link #write(StreamEvent, FrameBuffers, ByteBufAllocator, List)}, written into the buffer the
 * caller hands out, so the frames of one upstream read share one buffer. Choice indexes are expected to be small ({@code n} of the request).
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

    /**
     * {@code {"id":…,"object":"chat.completion.chunk","created":…,"model":…,"choices":[{"index":}: the
     * fixed start of every choice chunk; its first {@link #headLength} bytes (up to {@code "choices":})
     * start the usage chunk.
     */
    private final byte[] choiceHead;
    private final int headLength;
    /** {@code data: } + {@link #choiceHead}: the start of every choice frame the fast path assembles. */
    private final byte[] framePrefix;
    private final boolean includeUsage;
    /** Whether the common chunks are written by hand ({@link ChunkText}) rather than by Jackson. */
    private final boolean fast;
    private final List<ChoiceState> choices = new ArrayList<>(1);
    // The current write call's destination: frames go into sink's buffers when it is set, else
    // each into a buffer of its own appended to out.
    private FrameBuffers sink;
    private ByteBufAllocator alloc;
    private List<ByteBuf> out;
    /** Where the frame being written started in its buffer (to undo it when the writing fails). */
    private int frameStart;
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
        this(id, created, model, includeUsage, true);
    }

    /** @param fast false: every chunk generated by Jackson (the reference the hand-written path is tested against) */
    OpenAiChunkWriter(String id, long created, String model, boolean includeUsage, boolean fast) {
        Objects.requireNonNull(id, "id");
        this.fast = fast;
        Objects.requireNonNull(model, "model");
        this.includeUsage = includeUsage;
        // The fixed head of every chunk, escaped once per stream: by hand (ChunkText.head), or by
        // Jackson for the reference path and for the id or model the hand-written path declines.
        byte[] withChoice = fast ? ChunkText.head(id, created, model, CHOICE_OPEN) : null;
        if (withChoice == null) {
            byte[] head = jacksonHead(id, created, model);
            withChoice = Arrays.copyOf(head, head.length + CHOICE_OPEN.length);
            System.arraycopy(CHOICE_OPEN, 0, withChoice, head.length, CHOICE_OPEN.length);
        }
        this.choiceHead = withChoice;
        this.headLength = withChoice.length - CHOICE_OPEN.length;
        this.framePrefix = new byte[DATA.length + withChoice.length];
        System.arraycopy(DATA, 0, framePrefix, 0, DATA.length);
        System.arraycopy(withChoice, 0, framePrefix, DATA.length, withChoice.length);
    }

    private static final byte[] CHOICE_OPEN = "[{\"index\":".getBytes(StandardCharsets.US_ASCII);

    /** {@code {"id":…,"object":"chat.completion.chunk","created":…,"model":…,"choices":} as Jackson writes it. */
    static byte[] jacksonHead(String id, long created, String model) {
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
        byte[] whole = out.toByteArray();
        return Arrays.copyOf(whole, whole.length - 3); // everything before the "[]}" tail
    }

    /** Appends the frames (zero or more) that {@code event} yields to {@code out}. */
    @Override
    public void write(StreamEvent event, ByteBufAllocator alloc, List<ByteBuf> out) {
        write(event, null, alloc, out);
    }

    /**
     * Appends the frames that {@code event} yields into the buffers {@code frames} hands out (one
     * per frame asked; the translated stream shares one per upstream read), or each into a buffer
     * of its own appended to {@code out} when {@code frames} is null.
     */
    @Override
    public void write(StreamEvent event, FrameBuffers frames, ByteBufAllocator alloc, List<ByteBuf> out) {
        if (ended) {
            throw new IllegalStateException("stream already finished or failed");
        }
        this.sink = frames;
        this.alloc = alloc;
        this.out = out;
        try {
            dispatch(event);
        } finally {
            this.sink = null;
            this.alloc = null;
            this.out = null;
        }
    }

    /**
     * Text, reasoning and tool-argument fragments given as a JSON string's escaped bytes: written by
     * hand ({@link ChunkText#textFrameJson}, {@link ChunkText#argumentsFrameJson}) exactly as their
     * events with the decoded text are written; declined (nothing written) on the Jackson reference
     * path and for bytes the hand-written path does not vouch for.
     */
    @Override
    public boolean writeJsonText(JsonTextSink.Kind kind, int choice, int toolIndex, byte[] json, int from, int to,
            FrameBuffers frames, ByteBufAllocator alloc, List<ByteBuf> out) {
        if (!fast || ended || from >= to) {
            return false; // the event path answers (and rejects a write after the end)
        }
        this.sink = frames;
        this.alloc = alloc;
        this.out = out;
        try {
            ChoiceState st = state(choice);
            if (st.finished) {
                return true; // as the event: nothing after a choice's finish
            }
            if (kind == JsonTextSink.Kind.TOOL_ARGUMENTS) {
                markTool(st, toolIndex, (byte) 2);
                return emit(ChunkText.argumentsFrameJson(framePrefix, choice, toolIndex, json, from, to, OPEN_SUFFIX));
            }
            String field = kind == JsonTextSink.Kind.TEXT ? "content" : "reasoning_content";
            return emit(ChunkText.textFrameJson(framePrefix, choice, field, json, from, to, OPEN_SUFFIX));
        } finally {
            this.sink = null;
            this.alloc = null;
            this.out = null;
        }
    }

    private void dispatch(StreamEvent event) {
        if (event instanceof StreamEvent.TextDelta t) {
            textual(t.choice(), "content", t.text());
        } else if (event instanceof StreamEvent.ToolCallArguments a) {
            toolArguments(a);
        } else if (event instanceof StreamEvent.ReasoningDelta r) {
            textual(r.choice(), "reasoning_content", r.text());
        } else if (event instanceof StreamEvent.RefusalDelta r) {
            textual(r.choice(), "refusal", r.text());
        } else if (event instanceof StreamEvent.ToolCallStart s) {
            toolStart(s);
        } else if (event instanceof StreamEvent.Finish f) {
            finishChoice(f.choice(), f.reason());
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
            Usage u = usage;
            this.alloc = alloc;
            this.out = out;
            try {
                ByteBuf buf = alloc.buffer(headLength + 256); // a buffer of its own (no sink here)
                frameStart = 0;
                buf.writeBytes(DATA).writeBytes(choiceHead, 0, headLength).writeBytes(USAGE_CHOICES);
                if (fast) {
                    try {
                        ChunkText.usage(buf, u);
                    } catch (RuntimeException e) {
                        undo(buf);
                        throw e;
                    }
                    done(buf, FRAME_END);
                } else {
                    generate(buf, g -> writeUsage(g, u), FRAME_END);
                }
            } finally {
                this.alloc = null;
                this.out = null;
            }
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

    private ChoiceState state(int choice) {
        if (choice < 0) {
            throw new IllegalArgumentException("negative choice index " + choice);
        }
        while (choices.size() <= choice) {
            choices.add(new ChoiceState());
        }
        ChoiceState st = choices.get(choice);
        if (!st.started) {
            st.started = true;
            rawChunk(choice, ROLE_DELTA);
        }
        return st;
    }

    private void textual(int choice, String field, String text) {
        ChoiceState st = state(choice);
        if (st.finished || text == null || text.isEmpty()) {
            return;
        }
        if (fast && emit(ChunkText.textFrame(framePrefix, choice, field, text, OPEN_SUFFIX))) {
            return;
        }
        ByteBuf buf = open(choice, text.length());
        generate(buf, g -> {
            g.writeStartObject();
            g.writeStringField(field, text);
            g.writeEndObject();
        }, OPEN_SUFFIX);
    }

    private void toolStart(StreamEvent.ToolCallStart s) {
        ChoiceState st = state(s.choice());
        if (st.finished) {
            return;
        }
        markTool(st, s.toolIndex(), (byte) 1);
        if (fast && emit(ChunkText.toolStartFrame(framePrefix, s.choice(), s.toolIndex(), s.id(), s.name(), OPEN_SUFFIX))) {
            return;
        }
        ByteBuf buf = open(s.choice(), 64);
        generate(buf, g -> {
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
        }, OPEN_SUFFIX);
    }

    private void toolArguments(StreamEvent.ToolCallArguments a) {
        ChoiceState st = state(a.choice());
        if (st.finished || a.fragment() == null || a.fragment().isEmpty()) {
            return;
        }
        markTool(st, a.toolIndex(), (byte) 2);
        argumentsChunk(a.choice(), a.toolIndex(), a.fragment());
    }

    private void argumentsChunk(int choice, int toolIndex, String fragment) {
        if (fast && emit(ChunkText.argumentsFrame(framePrefix, choice, toolIndex, fragment, OPEN_SUFFIX))) {
            return;
        }
        ByteBuf buf = open(choice, fragment.length());
        generate(buf, g -> {
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

    private void finishChoice(int choice, FinishReason reason) {
        Objects.requireNonNull(reason, "reason");
        ChoiceState st = state(choice);
        if (st.finished) {
            return;
        }
        st.finished = true;
        for (int t = 0; t < st.toolCount; t++) {
            if (st.tools[t] == 1) {
                // wire-formats §4.6/§8.12: a call without arguments still needs valid JSON arguments.
                argumentsChunk(choice, t, "{}");
                st.tools[t] = 2;
            }
        }
        if (fast) {
            emit(ChunkText.finishFrame(framePrefix, choice, reason.wire(), FINISH_END));
            return;
        }
        ByteBuf buf = open(choice, 32);
        try {
            buf.writeBytes(EMPTY_DELTA).writeBytes(FINISH_SUFFIX)
                    .writeCharSequence(reason.wire(), StandardCharsets.US_ASCII);
        } catch (RuntimeException e) {
            undo(buf);
            throw e;
        }
        done(buf, FINISH_END);
    }

    /**
     * Writes JSON into {@code buf} (a frame begun by {@link #open}) with Jackson, then
     * {@code suffix}, and completes the frame; undoes the frame on failure.
     */
    private void generate(ByteBuf buf, JsonWriter body, byte[] suffix) {
        Gen gen = Gen.bind(buf);
        try {
            body.write(gen.g);
            gen.unbind();
        } catch (IOException | RuntimeException e) {
            gen.discard();
            undo(buf);
            throw rethrow(e);
        }
        done(buf, suffix);
    }

    @FunctionalInterface
    private interface JsonWriter {
        void write(JsonGenerator g) throws IOException;
    }

    /**
     * Begins a frame: {@code data: {head…"choices":[{"index":N,"delta":} in the sink's current
     * buffer, or in a new buffer of its own; the caller writes the delta, then {@link #done} (or
     * {@link #undo} on failure). {@code payload} is the expected size of the delta's text.
     */
    private ByteBuf open(int choice, int payload) {
        int size = choiceHead.length + 128 + payload;
        ByteBuf buf = sink != null ? sink.frameBuffer(size) : alloc.buffer(size);
        frameStart = buf.writerIndex();
        try {
            buf.writeBytes(DATA).writeBytes(choiceHead);
            writeInt(buf, choice);
            buf.writeBytes(DELTA);
        } catch (RuntimeException e) {
            undo(buf);
            throw e;
        }
        return buf;
    }

    /**
     * Appends the frame the fast path assembled ({@link ChunkText}, {@code length} bytes of
     * {@link ChunkText#frameBytes}) with one copy: into the sink's current buffer, or into a buffer
     * of its own joining {@code out}. False, with nothing written, when {@code length} is -1 (the
     * text is left to Jackson).
     */
    private boolean emit(int length) {
        if (length < 0) {
            return false;
        }
        byte[] frame = ChunkText.frameBytes();
        if (sink != null) {
            sink.frameBuffer(length).writeBytes(frame, 0, length);
            return true;
        }
        ByteBuf buf = alloc.buffer(length);
        try {
            buf.writeBytes(frame, 0, length);
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
        out.add(buf);
        return true;
    }

    /** Ends the frame begun by {@link #open} with {@code suffix}; a buffer of its own joins {@code out}. */
    private void done(ByteBuf buf, byte[] suffix) {
        try {
            buf.writeBytes(suffix);
        } catch (RuntimeException e) {
            undo(buf);
            throw e;
        }
        if (sink == null) {
            out.add(buf);
        }
    }

    /** Takes back the frame begun by {@link #open}: the shared buffer is cut back, a buffer of its own released. */
    private void undo(ByteBuf buf) {
        if (sink == null) {
            buf.release();
        } else {
            buf.writerIndex(frameStart);
        }
    }

    private void rawChunk(int choice, byte[] delta) {
        if (fast) {
            emit(ChunkText.rawFrame(framePrefix, choice, delta, OPEN_SUFFIX));
            return;
        }
        ByteBuf buf = open(choice, delta.length);
        try {
            buf.writeBytes(delta);
        } catch (RuntimeException e) {
            undo(buf);
            throw e;
        }
        done(buf, OPEN_SUFFIX);
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
