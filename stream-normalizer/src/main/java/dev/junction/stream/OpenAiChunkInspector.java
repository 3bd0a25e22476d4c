package dev.junction.stream;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.util.Arrays;

/**
 * A cheap look inside one OpenAI {@code chat.completion.chunk} that the proxy forwards unchanged
 * (pass-through path, DESIGN house rule 5): one pass over the bytes, skipping every subtree it does
 * not need, building no tree and no string of the chunk. The pass is a hand-written scan
 * ({@link ChunkScanner}) that validates the JSON as it goes; a chunk it cannot vouch for (broken
 * JSON, escapes in a member name, ...) is read again by a streaming Jackson parser, which decides.
 *
 * <p>It reports what the proxy needs for SPEC §5 and accounting: whether the chunk is an error
 * (top-level {@code error}, or the flat {@code object:"error"} of vLLM/Mistral, wire-formats §6.1),
 * whether it is the {@code [DONE]} sentinel, its usage (top-level {@code usage}, or Groq's
 * {@code x_groq.usage}, §6.1), whether {@code choices} is empty (Azure's first chunk has
 * {@code choices:[]} without usage, §6.2 — that is not a usage chunk), which choices finished and
 * why, and whether it carries content (non-empty {@code content}, {@code refusal},
 * {@code reasoning_content}/{@code reasoning}, any {@code tool_calls} or {@code function_call}).
 *
 * <p>{@link #inspect} returns the same {@link Result} object every time, overwritten by the next
 * call, and one parser is reused for every chunk, so inspecting costs no allocation per chunk
 * (except the {@link Usage} of a usage chunk and the finish-reason strings). Chunks of different
 * streams may be interleaved: use one inspector per event-loop thread, or per stream. Not
 * thread-safe.
 */
public final class OpenAiChunkInspector implements SseDecoder.LineScanner {

    /** What one chunk contains. Valid until the next {@link #inspect} call. */
    public static final class Result {
        // Package-private: the ChunkScanner fills them too.
        boolean done;
        boolean malformed;
        boolean error;
        Usage usage;
        boolean usageTopLevel;
        int choiceCount;
        boolean content;
        int finishCount;
        private int[] finishedChoices = new int[2];
        private String[] finishReasons = new String[2];

        /** The {@code [DONE]} sentinel (openai-python: data that starts with {@code [DONE]}, §0.1). */
        public boolean done() {
            return done;
        }

        /** Not a JSON object (or broken JSON); nothing else is reported. */
        public boolean malformed() {
            return malformed;
        }

        /** The chunk is an error object rather than a completion chunk. */
        public boolean error() {
            return error;
        }

        /** The usage the chunk carries, or null. */
        public Usage usage() {
            return usage;
        }

        public boolean hasUsage() {
            return usage != null;
        }

        /**
         * Whether the usage sits in OpenAI's top-level {@code usage} member, where clients read it,
         * rather than only in a vendor extension such as Groq's {@code x_groq.usage} (§6.1).
         */
        public boolean usageTopLevel() {
            return usageTopLevel;
        }

        /** Number of entries of {@code choices} (0 when absent or empty). */
        public int choiceCount() {
            return choiceCount;
        }

        public boolean choicesEmpty() {
            return choiceCount == 0;
        }

        /** Whether any choice's delta carries content (see the class comment). */
        public boolean content() {
            return content;
        }

        /** How many choices carry a non-null {@code finish_reason} in this chunk. */
        public int finishCount() {
            return finishCount;
        }

        /** The {@code index} of the i-th finished choice ({@code -1} when the choice had no index). */
        public int finishedChoice(int i) {
            checkFinish(i);
            return finishedChoices[i];
        }

        /** The raw {@code finish_reason} of the i-th finished choice, as the vendor wrote it. */
        public String finishReason(int i) {
            checkFinish(i);
            return finishReasons[i];
        }

        private void checkFinish(int i) {
            if (i < 0 || i >= finishCount) {
                throw new IndexOutOfBoundsException(i);
            }
        }

        void reset() {
            done = false;
            malformed = false;
            error = false;
            usage = null;
            usageTopLevel = false;
            choiceCount = 0;
            content = false;
            Arrays.fill(finishReasons, 0, finishCount, null);
            finishCount = 0;
        }

        void addFinish(int index, String reason) {
            if (finishCount == finishedChoices.length) {
                finishedChoices = Arrays.copyOf(finishedChoices, finishCount * 2);
                finishReasons = Arrays.copyOf(finishReasons, finishCount * 2);
            }
            finishedChoices[finishCount] = index;
            finishReasons[finishCount] = reason;
            finishCount++;
        }
    }

    private static final byte[] DONE = {'[', 'D', 'O', 'N', 'E', ']'};

    private final Result result = new Result();
    private final ChunkScanner scanner;
    /**
     * Where a direct buffer's chunk is copied for the scan: per thread, not per inspector (a stream
     * has one inspector; a thread runs the chunks of its streams one after the other).
     */
    private static final int SCRATCH_KEPT = 64 * 1024;
    private static final ThreadLocal<byte[][]> SCRATCH = ThreadLocal.withInitial(() -> new byte[][] {new byte[1024]});
    private JsonParser parser;

    public OpenAiChunkInspector() {
        this(true);
    }

    /** @param fastScan false: every chunk goes through the Jackson pass (tests compare the two) */
    OpenAiChunkInspector(boolean fastScan) {
        this.scanner = fastScan ? new ChunkScanner() : null;
    }
    /** Inspects the readable bytes of {@code data} (one SSE event's data; not consumed nor released). */
    public Result inspect(ByteBuf data) {
        return inspect(data, data.readerIndex(), data.readableBytes());
    }

    /**
     * The chunk of a {@code data:} line, read while the decoder looks for the line's end
     * ({@link SseDecoder.LineScanner}): when the scan vouches for it, the line end it found is
     * returned and its result kept for the {@link #inspect} of exactly these bytes that follows
     * when the event is dispatched, so the line's bytes are searched and scanned once, not twice.
     */
    @Override
    public int lineEnd(byte[] bytes, int from, int to) {
        if (scanner == null) {
            scanned.forget();
            return -1;
        }
        Result r = result;
        r.reset();
        int eol = scanner.scanLine(bytes, from, to, r);
        scanned.remember(bytes, from, eol);
        return eol;
    }

    /** The bytes {@link #lineEnd} last vouched for (their result is {@link #result}). */
    private final ScannedLine scanned = new ScannedLine();

    /** Inspects {@code data[index, index + length)} (one SSE event's data, read in place; indexes not moved). */
    public Result inspect(ByteBuf data, int index, int length) {
        Result r = result;
        if (scanned.matches(data, index, length)) {
            return r; // read by lineEnd as the decoder found the line: the same bytes, the same answer
        }
        r.reset();
        if (startsWith(data, index, length, DONE)) {
            r.done = true;
            return r;
        }
        byte[] bytes;
        int offset;
        if (data.hasArray()) {
            bytes = data.array();
            offset = data.arrayOffset() + index;
        } else {
            // Direct or composite buffer: one copy into a reused array.
            byte[][] holder = SCRATCH.get();
            byte[] scratch = holder[0];
            if (scratch.length < length) {
                scratch = new byte[Math.max(length, scratch.length * 2)];
                if (scratch.length <= SCRATCH_KEPT) {
                    holder[0] = scratch; // a rare huge chunk's array is not kept by the thread
                }
            }
            data.getBytes(index, scratch, 0, length);
            bytes = scratch;
            offset = 0;
        }
        if (scanner != null && scanner.scan(bytes, offset, length, r)) {
            return r;
        }
        // Not a chunk the scanner vouches for (broken JSON, an escaped member name, ...): Jackson decides.
        r.reset();
        boolean reusable = false;
        try {
            JsonParser p = parser();
            ((ByteArrayFeeder) p.getNonBlockingInputFeeder()).feedInput(bytes, offset, offset + length);
            if (next(p) != JsonToken.START_OBJECT) {
                r.malformed = true;
            } else {
                topLevel(p, r);
                // The chunk is one whole JSON object: the parser must now want more input, ready for
                // the next chunk. A second value after it is not one chunk.
                reusable = p.nextToken() == JsonToken.NOT_AVAILABLE;
                if (!reusable) {
                    r.reset();
                    r.malformed = true;
                }
            }
        } catch (IOException e) {
            // Broken or truncated JSON: report it rather than throw, the proxy decides (it forwards bytes anyway).
            r.reset();
            r.malformed = true;
        } finally {
            if (!reusable) {
                discardParser();
            }
        }
        return r;
    }

    /**
     * One non-blocking parser serves every chunk: each chunk is a complete root-level JSON value, so
     * feeding the next chunk after the previous one was consumed parses it from a clean state, without
     * allocating a parser, its context and its buffers per chunk.
     */
    private JsonParser parser() throws IOException {
        if (parser == null) {
            parser = Json.FACTORY.createNonBlockingByteArrayParser();
        }
        return parser;
    }

    private void discardParser() {
        if (parser != null) {
            try {
                parser.close();
            } catch (IOException ignored) {
                // closing a byte-array parser does no I/O
            }
            parser = null;
        }
    }

    /** The next token; a chunk that ends inside its JSON value is truncated. */
    private static JsonToken next(JsonParser p) throws IOException {
        JsonToken t = p.nextToken();
        if (t == JsonToken.NOT_AVAILABLE || t == null) {
            throw new JsonParseException(p, "truncated chunk");
        }
        return t;
    }

    private static void topLevel(JsonParser p, Result r) throws IOException {
        while (next(p) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = next(p);
            switch (name) {
                case "choices" -> {
                    if (value == JsonToken.START_ARRAY) {
                        choices(p, r);
                    } else {
                        p.skipChildren();
                    }
                }
                case "usage" -> {
                    if (value == JsonToken.START_OBJECT) {
                        r.usage = usage(p);
                        r.usageTopLevel = true;
                    } else {
                        p.skipChildren();
                    }
                }
                case "x_groq" -> {
                    if (value == JsonToken.START_OBJECT) {
                        groq(p, r);
                    } else {
                        p.skipChildren();
                    }
                }
                case "error" -> {
                    if (value != JsonToken.VALUE_NULL) {
                        r.error = true;
                    }
                    p.skipChildren();
                }
                case "object" -> {
                    if (value == JsonToken.VALUE_STRING && "error".equals(p.getText())) {
                        r.error = true;
                    }
                }
                default -> p.skipChildren();
            }
        }
    }

    private static void groq(JsonParser p, Result r) throws IOException {
        while (next(p) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = next(p);
            if (name.equals("usage") && value == JsonToken.START_OBJECT) {
                Usage groq = usage(p);
                if (!r.usageTopLevel) {
                    // A server that sends both: the standard member is what the client sees, keep it.
                    r.usage = groq;
                }
            } else {
                p.skipChildren();
            }
        }
    }

    private static void choices(JsonParser p, Result r) throws IOException {
        JsonToken t;
        while ((t = next(p)) != JsonToken.END_ARRAY) {
            r.choiceCount++;
            if (t != JsonToken.START_OBJECT) {
                p.skipChildren();
                continue;
            }
            int index = -1;
            String finish = null;
            while (next(p) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = next(p);
                switch (name) {
                    case "index" -> {
                        if (value == JsonToken.VALUE_NUMBER_INT) {
                            index = p.getIntValue();
                        }
                    }
                    case "finish_reason" -> {
                        if (value == JsonToken.VALUE_STRING) {
                            finish = p.getText();
                        }
                    }
                    case "delta" -> {
                        if (value == JsonToken.START_OBJECT) {
                            delta(p, r);
                        } else {
                            p.skipChildren();
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (finish != null) {
                r.addFinish(index, finish);
            }
        }
    }

    private static void delta(JsonParser p, Result r) throws IOException {
        while (next(p) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = next(p);
            switch (name) {
                case "content", "refusal", "reasoning_content", "reasoning" -> {
                    if (value == JsonToken.VALUE_STRING && p.getTextLength() > 0) {
                        r.content = true;
                    }
                }
                case "tool_calls" -> {
                    if (value == JsonToken.START_ARRAY) {
                        if (next(p) != JsonToken.END_ARRAY) {
                            r.content = true;
                            p.skipChildren();
                            skipRestOfArray(p);
                        }
                    }
                }
                case "function_call" -> {
                    if (value == JsonToken.START_OBJECT) {
                        r.content = true;
                    }
                    p.skipChildren();
                }
                default -> p.skipChildren();
            }
        }
    }

    private static void skipRestOfArray(JsonParser p) throws IOException {
        JsonToken t;
        while ((t = next(p)) != JsonToken.END_ARRAY) {
            p.skipChildren();
        }
    }

    /**
     * OpenAI usage (wire-formats §4.3); DeepSeek's {@code prompt_cache_hit_tokens} stands in for
     * {@code cached_tokens} when the latter is absent (§6.1).
     */
    private static Usage usage(JsonParser p) throws IOException {
        long prompt = 0;
        long completion = 0;
        long cached = -1;
        long cacheHit = 0;
        long cacheWrite = 0;
        long reasoning = 0;
        while (next(p) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = next(p);
            switch (name) {
                case "prompt_tokens" -> prompt = count(p, value);
                case "completion_tokens" -> completion = count(p, value);
                case "prompt_cache_hit_tokens" -> cacheHit = count(p, value);
                case "prompt_tokens_details" -> {
                    if (value == JsonToken.START_OBJECT) {
                        while (next(p) == JsonToken.FIELD_NAME) {
                            String n = p.currentName();
                            JsonToken v = next(p);
                            if (n.equals("cached_tokens")) {
                                cached = count(p, v);
                            } else if (n.equals("cache_write_tokens")) {
                                cacheWrite = count(p, v);
                            } else {
                                p.skipChildren();
                            }
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                case "completion_tokens_details" -> {
                    if (value == JsonToken.START_OBJECT) {
                        while (next(p) == JsonToken.FIELD_NAME) {
                            String n = p.currentName();
                            JsonToken v = next(p);
                            if (n.equals("reasoning_tokens")) {
                                reasoning = count(p, v);
                            } else {
                                p.skipChildren();
                            }
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                default -> p.skipChildren();
            }
        }
        return new Usage(prompt, completion, cached >= 0 ? cached : cacheHit, cacheWrite, reasoning);
    }

    /** A token count; null, missing or negative counts as 0 (some servers send null details). */
    private static long count(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NUMBER_INT) {
            return Math.max(0, p.getLongValue());
        }
        p.skipChildren();
        return 0;
    }

    private static boolean startsWith(ByteBuf data, int base, int length, byte[] prefix) {
        if (length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (data.getByte(base + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
