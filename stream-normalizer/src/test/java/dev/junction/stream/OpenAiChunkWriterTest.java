package dev.junction.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.StreamEvent.Finish;
import dev.junction.stream.StreamEvent.ReasoningDelta;
import dev.junction.stream.StreamEvent.RefusalDelta;
import dev.junction.stream.StreamEvent.Start;
import dev.junction.stream.StreamEvent.TextDelta;
import dev.junction.stream.StreamEvent.ToolCallArguments;
import dev.junction.stream.StreamEvent.ToolCallStart;
import dev.junction.stream.StreamEvent.UsageReport;
import dev.junction.testkit.OpenAiSchema;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chunk writer's output is decoded as a client would (SSE frames, JSON per chunk), each chunk is
 * validated against OpenAI's {@code CreateChatCompletionStreamResponse}, and the deltas are folded
 * back into canonical events: the reassembled stream must equal the input stream.
 */
class OpenAiChunkWriterTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    private static final String ID = "chatcmpl-abc";
    private static final long CREATED = 1_711_357_598L;
    private static final String MODEL = "gpt-4o";

    /** What a client sees: the chunk objects in order, and whether [DONE] ended the stream. */
    private record Seen(List<JsonNode> chunks, boolean done, JsonNode error) {
    }

    private static Seen run(OpenAiChunkWriter w, List<StreamEvent> events, boolean fail) {
        List<ByteBuf> frames = new ArrayList<>();
        try {
            for (StreamEvent e : events) {
                w.write(e, ALLOC, frames);
            }
            if (fail) {
                w.fail(GatewayError.streamInterrupted("The vendor closed the stream.").terminal(), ALLOC, frames);
            } else {
                w.finish(ALLOC, frames);
            }
            return decode(frames);
        } finally {
            frames.forEach(ByteBuf::release);
        }
    }

    /** Decodes the frames with the SSE decoder, as a client would, and validates every chunk. */
    private static Seen decode(List<ByteBuf> frames) {
        List<JsonNode> chunks = new ArrayList<>();
        boolean[] done = {false};
        JsonNode[] error = {null};
        SseDecoder d = new SseDecoder(e -> {
            String data = e.data().toString(StandardCharsets.UTF_8);
            assertFalse(done[0], "nothing may follow [DONE]");
            assertNull(error[0], "nothing may follow the in-band error");
            if (data.equals("[DONE]")) {
                done[0] = true;
                return;
            }
            JsonNode node = parse(data);
            if (node.has("error")) {
                OpenAiSchema.assertValid("ErrorResponse", node);
                error[0] = node;
                return;
            }
            OpenAiSchema.assertValid("CreateChatCompletionStreamResponse", node);
            chunks.add(node);
        }, 1 << 20);
        for (ByteBuf f : frames) {
            d.feed(f);
        }
        d.close();
        return new Seen(chunks, done[0], error[0]);
    }

    private static JsonNode parse(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + s, e);
        }
    }

    /** The client-side fold of chunks back into canonical events (what an OpenAI SDK does). */
    private static List<StreamEvent> reassemble(List<JsonNode> chunks) {
        List<StreamEvent> out = new ArrayList<>();
        for (JsonNode c : chunks) {
            for (JsonNode choice : c.get("choices")) {
                int i = choice.get("index").asInt();
                JsonNode delta = choice.get("delta");
                if (delta.hasNonNull("content")) {
                    out.add(new TextDelta(i, delta.get("content").asText()));
                }
                if (delta.hasNonNull("reasoning_content")) {
                    out.add(new ReasoningDelta(i, delta.get("reasoning_content").asText()));
                }
                if (delta.hasNonNull("refusal")) {
                    out.add(new RefusalDelta(i, delta.get("refusal").asText()));
                }
                if (delta.has("tool_calls")) {
                    for (JsonNode tc : delta.get("tool_calls")) {
                        int t = tc.get("index").asInt();
                        if (tc.has("id")) {
                            out.add(new ToolCallStart(i, t, tc.get("id").asText(), tc.get("function").get("name").asText()));
                        }
                        out.add(new ToolCallArguments(i, t, tc.get("function").get("arguments").asText()));
                    }
                }
                if (!choice.get("finish_reason").isNull()) {
                    out.add(new Finish(i, FinishReason.valueOf(choice.get("finish_reason").asText().toUpperCase())));
                }
            }
            if (c.hasNonNull("usage")) {
                JsonNode u = c.get("usage");
                out.add(new UsageReport(new Usage(u.get("prompt_tokens").asLong(), u.get("completion_tokens").asLong(),
                        u.path("prompt_tokens_details").path("cached_tokens").asLong(),
                        u.path("prompt_tokens_details").path("cache_write_tokens").asLong(),
                        u.path("completion_tokens_details").path("reasoning_tokens").asLong())));
            }
        }
        return out;
    }

    private static StreamAccumulator.Result fold(List<StreamEvent> events) {
        StreamAccumulator acc = new StreamAccumulator();
        events.forEach(acc::accept);
        return acc.result();
    }

    /** Checks the invariants of wire-formats §1.5 on a whole stream. */
    private static void assertWellFormed(List<JsonNode> chunks) {
        Map<Integer, Integer> chunksPerChoice = new HashMap<>();
        Map<Integer, Integer> finishes = new HashMap<>();
        for (JsonNode c : chunks) {
            assertEquals(ID, c.get("id").asText());
            assertEquals(CREATED, c.get("created").asLong());
            assertEquals(MODEL, c.get("model").asText());
            assertEquals("chat.completion.chunk", c.get("object").asText());
            for (JsonNode choice : c.get("choices")) {
                int i = choice.get("index").asInt();
                int n = chunksPerChoice.merge(i, 1, Integer::sum);
                if (n == 1) {
                    assertEquals(parse("{\"role\":\"assistant\",\"content\":\"\"}"), choice.get("delta"),
                            "the first chunk of a choice carries the role");
                }
                assertTrue(choice.get("logprobs").isNull());
                assertFalse(finishes.containsKey(i), "a choice continued after its finish chunk");
                if (!choice.get("finish_reason").isNull()) {
                    finishes.put(i, 1);
                }
            }
            if (!c.get("choices").isEmpty()) {
                assertFalse(c.has("usage"), "only the usage chunk carries usage");
            }
        }
    }

    @Test
    void textStreamWithUsage() {
        Usage usage = new Usage(20, 9, 5, 3, 2);
        List<StreamEvent> in = List.of(new Start("msg_1", "claude"), new TextDelta(0, "héllo"),
                new TextDelta(0, ""), new TextDelta(0, " 👋 日本 \"quoted\"\n"), new UsageReport(Usage.of(20, 1)),
                new UsageReport(usage), new Finish(0, FinishReason.STOP));
        Seen seen = run(new OpenAiChunkWriter(ID, CREATED, MODEL, true), in, false);
        assertTrue(seen.done());
        assertWellFormed(seen.chunks());
        assertEquals(5, seen.chunks().size(), "role, two texts (the empty one is skipped), finish, usage");
        JsonNode last = seen.chunks().get(4);
        assertEquals(parse("""
                {"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1711357598,"model":"gpt-4o",
                 "choices":[],
                 "usage":{"prompt_tokens":20,"completion_tokens":9,"total_tokens":29,
                          "prompt_tokens_details":{"cached_tokens":5,"cache_write_tokens":3},
                          "completion_tokens_details":{"reasoning_tokens":2}}}"""), last);
        assertEquals(parse("""
                {"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1711357598,"model":"gpt-4o",
                 "choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}"""), seen.chunks().get(3));
        StreamAccumulator.Result expected = fold(in);
        StreamAccumulator.Result actual = fold(reassemble(seen.chunks()));
        assertEquals(expected.choices(), actual.choices());
        assertEquals(usage, actual.usage());
        assertEquals("héllo 👋 日本 \"quoted\"\n", actual.choices().get(0).text());
    }

    @Test
    void withoutIncludeUsageNoUsageChunkIsSent() {
        List<StreamEvent> in = List.of(new TextDelta(0, "x"), new UsageReport(Usage.of(1, 1)), new Finish(0, FinishReason.LENGTH));
        OpenAiChunkWriter w = new OpenAiChunkWriter(ID, CREATED, MODEL, false);
        Seen seen = run(w, in, false);
        assertTrue(seen.done());
        assertEquals(3, seen.chunks().size());
        seen.chunks().forEach(c -> assertFalse(c.has("usage")));
        assertEquals(Usage.of(1, 1), w.usage(), "usage is still known for accounting");
    }

    @Test
    void includeUsageWithoutAnyReportSendsNoInventedUsage() {
        Seen seen = run(new OpenAiChunkWriter(ID, CREATED, MODEL, true),
                List.of(new TextDelta(0, "x"), new Finish(0, FinishReason.STOP)), false);
        assertEquals(3, seen.chunks().size());
        assertTrue(seen.done());
    }

    @Test
    void toolCallsGetIndexedFragmentsAndEmptyArgumentsBecomeEmptyObject() {
        List<StreamEvent> in = List.of(new Start(null, null),
                new ToolCallStart(0, 0, "call_1", "get_weather"),
                new ToolCallArguments(0, 0, ""),
                new ToolCallArguments(0, 0, "{\"ci"),
                new ToolCallArguments(0, 0, "ty\":\"Paris\"}"),
                new ToolCallStart(0, 1, "call_2", "now"),
                new ToolCallArguments(0, 1, ""),
                new Finish(0, FinishReason.TOOL_CALLS));
        Seen seen = run(new OpenAiChunkWriter(ID, CREATED, MODEL, false), in, false);
        assertWellFormed(seen.chunks());
        List<JsonNode> c = seen.chunks();
        assertEquals(7, c.size(), "role, start, 2 fragments, start, {} fragment, finish");
        assertEquals(parse("""
                {"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}"""),
                c.get(1).get("choices").get(0).get("delta"));
        assertEquals(parse("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"ci\"}}]}"),
                c.get(2).get("choices").get(0).get("delta"));
        assertEquals(parse("{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"{}\"}}]}"),
                c.get(5).get("choices").get(0).get("delta"));
        assertEquals("tool_calls", c.get(6).get("choices").get(0).get("finish_reason").asText());
        StreamAccumulator.Result r = fold(reassemble(c));
        assertEquals(fold(in).choices(), r.choices());
        assertEquals(List.of(new ToolCallAccumulator.ToolCall(0, "call_1", "get_weather", "{\"city\":\"Paris\"}"),
                new ToolCallAccumulator.ToolCall(1, "call_2", "now", "{}")), r.choices().get(0).toolCalls());
        assertNull(r.choices().get(0).text());
    }

    @Test
    void severalChoicesReasoningAndRefusalEachFinishOnce() {
        List<StreamEvent> in = List.of(
                new ReasoningDelta(0, "thinking…"), new TextDelta(1, "B"), new TextDelta(0, "A"),
                new RefusalDelta(1, "I can't"), new Finish(1, FinishReason.CONTENT_FILTER),
                new Finish(1, FinishReason.STOP), new TextDelta(1, "late"),
                new Finish(0, FinishReason.STOP), new UsageReport(Usage.of(3, 4)));
        Seen seen = run(new OpenAiChunkWriter(ID, CREATED, MODEL, true), in, false);
        assertWellFormed(seen.chunks());
        StreamAccumulator.Result r = fold(reassemble(seen.chunks()));
        assertEquals(2, r.choices().size());
        assertEquals("A", r.choices().get(0).text());
        assertEquals("thinking…", r.choices().get(0).reasoning());
        assertEquals(FinishReason.STOP, r.choices().get(0).finishReason());
        assertEquals("B", r.choices().get(1).text());
        assertEquals("I can't", r.choices().get(1).refusal());
        assertEquals(FinishReason.CONTENT_FILTER, r.choices().get(1).finishReason(), "the first finish wins");
        assertTrue(r.complete());
    }

    @Test
    void finishWithoutContentStillStartsTheChoice() {
        Seen seen = run(new OpenAiChunkWriter(ID, CREATED, MODEL, false),
                List.of(new Start("msg", "m"), new Finish(0, FinishReason.CONTENT_FILTER)), false);
        assertWellFormed(seen.chunks());
        assertEquals(2, seen.chunks().size());
    }

    @Test
    void failEndsWithTheInBandErrorAndNoDone() {
        OpenAiChunkWriter w = new OpenAiChunkWriter(ID, CREATED, MODEL, true);
        Seen seen = run(w, List.of(new TextDelta(0, "partial")), true);
        assertFalse(seen.done());
        assertEquals(parse("""
                {"error":{"message":"The vendor closed the stream.","type":"upstream_error","param":null,
                          "code":"stream_interrupted"}}"""), seen.error());
        assertTrue(w.ended());
        List<ByteBuf> more = new ArrayList<>();
        assertThrows(IllegalStateException.class, () -> w.write(new TextDelta(0, "x"), ALLOC, more));
        assertThrows(IllegalStateException.class, () -> w.finish(ALLOC, more));
        assertTrue(more.isEmpty());
    }

    @Test
    void errorEventBecomesTheInBandError() {
        GatewayError overloaded = GatewayError.upstreamUnavailable("Anthropic is overloaded; retry later.");
        List<ByteBuf> frames = new ArrayList<>();
        OpenAiChunkWriter w = new OpenAiChunkWriter(ID, CREATED, MODEL, false);
        try {
            w.write(new TextDelta(0, "a"), ALLOC, frames);
            w.write(new StreamEvent.Error(overloaded), ALLOC, frames);
            Seen seen = decode(frames);
            assertEquals(2, seen.chunks().size());
            assertEquals("upstream_unavailable", seen.error().get("error").get("code").asText());
            assertTrue(w.ended());
        } finally {
            frames.forEach(ByteBuf::release);
        }
    }

    @Test
    void aFailedWriteReleasesItsBufferAndLaterChunksAreStillValid() {
        // An allocator whose buffers cannot grow makes the generator fail half-way through a chunk.
        ByteBufAllocator tight = new AbstractByteBufAllocator(false) {
            @Override
            protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
                return ALLOC.heapBuffer(initialCapacity, initialCapacity);
            }

            @Override
            protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
                return ALLOC.directBuffer(initialCapacity, initialCapacity);
            }

            @Override
            public boolean isDirectBufferPooled() {
                return true;
            }
        };
        List<ByteBuf> frames = new ArrayList<>();
        try {
            OpenAiChunkWriter w = new OpenAiChunkWriter(ID, CREATED, MODEL, false);
            // Escaped, the text is twice its length: more than the frame's buffer was sized for. (It
            // is long enough for the Jackson path, which writes into a buffer sized before escaping;
            // the hand-written path assembles the frame first and asks for its exact size.)
            assertThrows(IndexOutOfBoundsException.class,
                    () -> w.write(new TextDelta(0, "\n".repeat(ChunkText.MAX_CHARS + 5000)), tight, frames));
        } finally {
            frames.forEach(ByteBuf::release);
        }
        Seen seen = run(new OpenAiChunkWriter(ID, CREATED, MODEL, false),
                List.of(new TextDelta(0, "after"), new Finish(0, FinishReason.STOP)), false);
        assertWellFormed(seen.chunks());
        assertEquals("after", fold(reassemble(seen.chunks())).choices().get(0).text());
    }

    @Test
    void idAndModelAreJsonEscaped() {
        List<ByteBuf> frames = new ArrayList<>();
        OpenAiChunkWriter w = new OpenAiChunkWriter("id\"1\\", 7, "org/model\u2028", false);
        try {
            w.write(new TextDelta(0, "x"), ALLOC, frames);
            Seen seen = decode(frames);
            assertEquals("id\"1\\", seen.chunks().get(0).get("id").asText());
            assertEquals("org/model\u2028", seen.chunks().get(0).get("model").asText());
        } finally {
            frames.forEach(ByteBuf::release);
        }
    }
}
