package dev.junction.core.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.Usage;
import dev.junction.testkit.OpenAiSchema;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Recording and replaying chat answers: splices, usage either way, and the other form. */
class ChatShapeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final UnpooledByteBufAllocator ALLOC = new UnpooledByteBufAllocator(false);

    /** A stream as an OpenAI vendor sends it to a client that asked for usage: reasoning, text, a tool call. */
    private static final String[] WITH_USAGE = {
        "data: {\"id\":\"chatcmpl-v1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m-1\","
            + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\n\n",
        "data: {\"id\":\"chatcmpl-v1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m-1\","
            + "\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"think \\u00e9\"},\"finish_reason\":null}],\"usage\":null}\n\n",
        "data: {\"id\":\"chatcmpl-v1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m-1\","
            + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}],\"usage\":null}\n\n",
        "data: {\"id\":\"chatcmpl-v1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m-1\","
            + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":null}],\"usage\":null}\n\n",
        "data: {\"id\":\"chatcmpl-v1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m-1\","
            + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
            + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]},\"finish_reason\":null}],\"usage\":null}\n\n",
        "data: {\"id\":\"chatcmpl-v1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m-1\","
            + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]},"
            + "\"finish_reason\":null}],\"usage\":null}\n\n",
        "data: {\"id\":\"chatcmpl-v1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m-1\","
            + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]},"
            + "\"finish_reason\":null}],\"usage\":null}\n\n",
        "data: {\"id\":\"chatcmpl-v1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m-1\","
            + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}],\"usage\":null}\n\n",
        "data: {\"id\":\"chatcmpl-v1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m-1\","
            + "\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7,\"total_tokens\":18,"
            + "\"prompt_tokens_details\":{\"cached_tokens\":3},\"completion_tokens_details\":{\"reasoning_tokens\":2}}}\n\n",
        "data: [DONE]\n\n"};

    private static CacheEntry record(String[] events, boolean includeUsage) {
        List<CacheEntry.Piece> pieces = new ArrayList<>();
        for (String e : events) {
            pieces.add(ChatShape.INSTANCE.event(e.getBytes(StandardCharsets.UTF_8)));
        }
        return new CacheEntry("chat", true, includeUsage, "sim", "m-1", ChatShape.INSTANCE.responseModel(pieces.get(0)),
                new long[] {11, 7, 3, 0, 2}, pieces);
    }

    private static List<String> replay(CacheEntry e, boolean includeUsage) {
        List<ByteBuf> out = new ArrayList<>();
        ChatShape.INSTANCE.stream(e, new ReplayShape.Replay("req9", 1800000000L, includeUsage), ALLOC, out);
        List<String> s = new ArrayList<>();
        for (ByteBuf b : out) {
            s.add(b.toString(StandardCharsets.UTF_8));
            b.release();
        }
        return s;
    }

    private static String fresh(String event) {
        return event.replace("\"chatcmpl-v1\"", "\"chatcmpl-req9\"").replace("1700000000", "1800000000");
    }

    @Test
    void streamReplaysEveryEventAsSentWithAFreshIdAndTime() {
        CacheEntry e = CacheEntry.decode(record(WITH_USAGE, true).encode());
        assertNotNull(e);
        assertEquals("m-1", e.responseModel());
        List<String> out = replay(e, true);
        assertEquals(WITH_USAGE.length, out.size());
        for (int i = 0; i < WITH_USAGE.length; i++) {
            assertEquals(fresh(WITH_USAGE[i]), out.get(i), "event " + i);
        }
    }

    @Test
    void aClientThatDidNotAskForUsageGetsNoUsage() {
        List<String> out = replay(record(WITH_USAGE, true), false);
        assertEquals(WITH_USAGE.length - 1, out.size(), "the usage chunk is not sent");
        for (int i = 0; i < out.size() - 1; i++) {
            assertEquals(fresh(WITH_USAGE[i]).replace(",\"usage\":null", ""), out.get(i));
            OpenAiSchema.assertValid("CreateChatCompletionStreamResponse", out.get(i).substring(6).trim());
        }
        assertEquals("data: [DONE]\n\n", out.get(out.size() - 1));
    }

    @Test
    void aClientThatAsksForUsageGetsItFromTheRecordedFigures() throws Exception {
        String[] without = new String[WITH_USAGE.length - 1];
        for (int i = 0, j = 0; i < WITH_USAGE.length; i++) {
            if (i != WITH_USAGE.length - 2) {
                without[j++] = WITH_USAGE[i].replace(",\"usage\":null", "");
            }
        }
        List<String> out = replay(record(without, false), true);
        assertEquals(WITH_USAGE.length, out.size());
        JsonNode usageChunk = JSON.readTree(out.get(out.size() - 2).substring(6));
        assertEquals(0, usageChunk.path("choices").size());
        assertEquals(11, usageChunk.path("usage").path("prompt_tokens").asInt());
        assertEquals(3, usageChunk.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt());
        assertEquals("chatcmpl-req9", usageChunk.path("id").asText());
        OpenAiSchema.assertValid("CreateChatCompletionStreamResponse", usageChunk);
    }

    @Test
    void aStreamAskedUnaryIsFoldedIntoOneCompletion() throws Exception {
        ByteBuf b = ChatShape.INSTANCE.unary(record(WITH_USAGE, true), new ReplayShape.Replay("req9", 1800000000L, false),
                ALLOC);
        JsonNode c = JSON.readTree(b.toString(StandardCharsets.UTF_8));
        b.release();
        OpenAiSchema.assertValid("CreateChatCompletionResponse", c);
        assertEquals("chatcmpl-req9", c.path("id").asText());
        assertEquals(1800000000L, c.path("created").asLong());
        assertEquals("m-1", c.path("model").asText());
        JsonNode m = c.path("choices").get(0).path("message");
        assertEquals("Hello", m.path("content").asText());
        assertEquals("think \u00e9", m.path("reasoning_content").asText());
        assertEquals("call_1", m.path("tool_calls").get(0).path("id").asText());
        assertEquals("get_weather", m.path("tool_calls").get(0).path("function").path("name").asText());
        assertEquals("{\"city\":\"Paris\"}", m.path("tool_calls").get(0).path("function").path("arguments").asText());
        assertEquals("tool_calls", c.path("choices").get(0).path("finish_reason").asText());
        assertEquals(18, c.path("usage").path("total_tokens").asInt());
        assertEquals(2, c.path("usage").path("completion_tokens_details").path("reasoning_tokens").asInt());
    }

    @Test
    void aUnaryAnswerAskedAsAStreamBecomesAWellFormedStream() throws Exception {
        String body = "{\"id\":\"chatcmpl-u\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"m-1\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi\",\"refusal\":null,"
                + "\"reasoning_content\":\"hmm\",\"tool_calls\":[{\"id\":\"call_2\",\"type\":\"function\","
                + "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],"
                + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}}";
        CacheEntry.Piece p = ChatShape.INSTANCE.body(body.getBytes(StandardCharsets.UTF_8));
        CacheEntry e = new CacheEntry("chat", false, false, "sim", "m-1", "m-1", new long[] {5, 2, 0, 0, 0}, List.of(p));
        List<String> out = replay(CacheEntry.decode(e.encode()), true);
        StringBuilder text = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        String finish = null;
        JsonNode call = null;
        JsonNode usage = null;
        for (String ev : out.subList(0, out.size() - 1)) {
            JsonNode c = JSON.readTree(ev.substring(6));
            OpenAiSchema.assertValid("CreateChatCompletionStreamResponse", c);
            assertEquals("chatcmpl-req9", c.path("id").asText());
            if (c.path("usage").isObject()) {
                usage = c.path("usage");
                continue;
            }
            JsonNode d = c.path("choices").get(0).path("delta");
            text.append(d.path("content").asText(""));
            reasoning.append(d.path("reasoning_content").asText(""));
            if (d.has("tool_calls")) {
                call = d.path("tool_calls").get(0);
            }
            if (c.path("choices").get(0).path("finish_reason").isTextual()) {
                finish = c.path("choices").get(0).path("finish_reason").asText();
            }
        }
        assertEquals("Hi", text.toString());
        assertEquals("hmm", reasoning.toString());
        assertEquals("call_2", call.path("id").asText());
        assertEquals("tool_calls", finish);
        assertEquals(7, usage.path("total_tokens").asInt());
        assertEquals("data: [DONE]\n\n", out.get(out.size() - 1));

        ByteBuf u = ChatShape.INSTANCE.unary(e, new ReplayShape.Replay("req9", 1800000000L, false), ALLOC);
        assertEquals(body.replace("chatcmpl-u", "chatcmpl-req9").replace("1700000000", "1800000000"),
                u.toString(StandardCharsets.UTF_8), "a unary answer replays byte for byte, id and time aside");
        u.release();
    }

    @Test
    void piecesAreClassified() {
        assertEquals(CacheEntry.DONE, ChatShape.INSTANCE.event("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8)).kind());
        assertEquals(CacheEntry.USAGE, ChatShape.INSTANCE.event(WITH_USAGE[8].getBytes(StandardCharsets.UTF_8)).kind());
        assertEquals(CacheEntry.CHUNK, ChatShape.INSTANCE.event(WITH_USAGE[2].getBytes(StandardCharsets.UTF_8)).kind());
        assertNull(CacheEntry.decode(new byte[] {1, 2, 3}));
        Usage u = record(WITH_USAGE, true).usageOrNull();
        assertEquals(Usage.of(11, 7).promptTokens(), u.promptTokens());
        assertFalse(record(WITH_USAGE, false).includeUsage());
        assertTrue(record(WITH_USAGE, true).stream());
    }
}
