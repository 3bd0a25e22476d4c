package dev.junction.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenAiChunkInspectorTest {

    private static final String HEAD = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",";
    private final OpenAiChunkInspector inspector = new OpenAiChunkInspector();

    /** Inspects {@code json} from a heap buffer and from a pooled direct one; both must agree. */
    private void inspect(String json, Consumer<OpenAiChunkInspector.Result> check) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        check.accept(inspector.inspect(Unpooled.wrappedBuffer(bytes)));
        ByteBuf direct = PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length + 4);
        try {
            direct.writeBytes(new byte[] {'x', 'x'}).writeBytes(bytes).skipBytes(2);
            int reader = direct.readerIndex();
            check.accept(inspector.inspect(direct));
            assertEquals(reader, direct.readerIndex(), "inspect must not consume the data");
        } finally {
            direct.release();
        }
    }

    @Test
    void roleChunkWithEmptyContentIsNotContent() {
        inspect(HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},"
                + "\"logprobs\":null,\"finish_reason\":null}],\"obfuscation\":\"abc\"}", r -> {
            assertFalse(r.content());
            assertFalse(r.error());
            assertFalse(r.done());
            assertFalse(r.malformed());
            assertNull(r.usage());
            assertEquals(1, r.choiceCount());
            assertEquals(0, r.finishCount());
        });
    }

    @Test
    void textReasoningRefusalAndToolCallsAreContent() {
        for (String delta : new String[] {"{\"content\":\"Hi\"}", "{\"reasoning_content\":\"hm\"}", "{\"reasoning\":\"hm\"}",
                "{\"refusal\":\"no\"}", "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\"}}]}",
                "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
                        + "\"function\":{\"name\":\"f\",\"arguments\":\"\"}},{\"index\":1}]}"}) {
            inspect(HEAD + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":null}]}",
                    r -> assertTrue(r.content(), delta));
        }
        inspect(HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[]},\"finish_reason\":null}]}",
                r -> assertFalse(r.content()));
    }

    @Test
    void finishReasonsPerChoiceInAnyKeyOrder() {
        inspect(HEAD + "\"choices\":[{\"finish_reason\":\"length\",\"delta\":{},\"index\":1},"
                + "{\"index\":0,\"delta\":{\"content\":\"x\"},\"finish_reason\":null},"
                + "{\"index\":2,\"delta\":{},\"logprobs\":{\"content\":[]},\"finish_reason\":\"tool_calls\"}]}", r -> {
            assertEquals(3, r.choiceCount());
            assertTrue(r.content());
            assertEquals(2, r.finishCount());
            assertEquals(1, r.finishedChoice(0));
            assertEquals("length", r.finishReason(0));
            assertEquals(2, r.finishedChoice(1));
            assertEquals("tool_calls", r.finishReason(1));
            assertThrows(IndexOutOfBoundsException.class, () -> r.finishedChoice(2));
        });
    }

    @Test
    void usageChunkWithDetails() {
        inspect(HEAD + "\"choices\":[],\"usage\":{\"prompt_tokens\":53,\"completion_tokens\":17,\"total_tokens\":70,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":10,\"audio_tokens\":0},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":5,\"accepted_prediction_tokens\":0}}}", r -> {
            assertTrue(r.choicesEmpty());
            assertTrue(r.hasUsage());
            assertEquals(new Usage(53, 17, 10, 0, 5), r.usage());
        });
    }

    @Test
    void nullUsageOnNormalChunksIsNoUsage() {
        inspect(HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\"finish_reason\":null}],\"usage\":null}",
                r -> assertFalse(r.hasUsage()));
    }

    @Test
    void azureFirstChunkWithEmptyChoicesIsNotAUsageChunk() {
        // wire-formats §6.2
        inspect("{\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\",\"prompt_filter_results\":"
                + "[{\"prompt_index\":0,\"content_filter_results\":{\"hate\":{\"filtered\":false,\"severity\":\"safe\"}}}]}", r -> {
            assertTrue(r.choicesEmpty());
            assertFalse(r.hasUsage());
            assertFalse(r.content());
            assertFalse(r.error());
        });
    }

    @Test
    void groqUsageInXGroq() {
        // wire-formats §6.1
        inspect(HEAD + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
                + "\"x_groq\":{\"id\":\"req_1\",\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3,\"total_tokens\":10}}}", r -> {
            assertEquals(Usage.of(7, 3), r.usage());
            assertFalse(r.usageTopLevel(), "x_groq.usage is not where clients read usage");
            assertEquals(1, r.finishCount());
            assertEquals(0, r.finishedChoice(0));
        });
    }

    @Test
    void topLevelUsageIsReportedAsSuchAndWinsOverXGroq() {
        inspect(HEAD + "\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3},"
                + "\"x_groq\":{\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}}", r -> {
            assertEquals(Usage.of(7, 3), r.usage());
            assertTrue(r.usageTopLevel());
        });
        inspect(HEAD + "\"choices\":[],\"x_groq\":{\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}},"
                + "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3}}", r -> {
            assertEquals(Usage.of(7, 3), r.usage());
            assertTrue(r.usageTopLevel());
        });
        inspect(HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}", r -> assertFalse(r.usageTopLevel()));
    }

    @Test
    void deepSeekCacheHitTokensStandInForCachedTokens() {
        inspect(HEAD + "\"choices\":[],\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":1,\"total_tokens\":101,"
                + "\"prompt_cache_hit_tokens\":64,\"prompt_cache_miss_tokens\":36}}",
                r -> assertEquals(new Usage(100, 1, 64, 0, 0), r.usage()));
    }

    @Test
    void errorObjects() {
        inspect("{\"error\":{\"message\":\"Overloaded\",\"type\":\"server_error\",\"param\":null,\"code\":null}}",
                r -> assertTrue(r.error()));
        inspect("{\"object\":\"error\",\"message\":\"bad\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":400}",
                r -> assertTrue(r.error()));
        inspect(HEAD + "\"choices\":[],\"error\":null}", r -> assertFalse(r.error()));
    }

    @Test
    void doneSentinelAndMalformedData() {
        inspect("[DONE]", r -> assertTrue(r.done()));
        inspect("[1,2]", r -> assertTrue(r.malformed()));
        inspect("{\"choices\":[{\"index\":0,", r -> assertTrue(r.malformed()));
        inspect("", r -> assertTrue(r.malformed()));
    }

    @Test
    @Timeout(10)
    void truncatedOrTrailingChunksAreMalformedAndTheNextChunkStillParses() {
        String good = HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},\"finish_reason\":\"stop\"}]}";
        String[] bad = {"{\"id\":\"x\",\"system_fingerprint\":{\"a\":[1,", "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{",
            "{\"usage\":{\"prompt_tokens\":1", "{\"a\":\"unterminated", "   ", "{\"a\":1} {\"b\":2}", "{\"a\":1}}",
            "{\"choices\":[{\"index\":0}],\"error\":", "nul", "{\"a\":tru"};
        for (String b : bad) {
            inspect(b, r -> {
                assertTrue(r.malformed(), b);
                assertFalse(r.content());
                assertEquals(0, r.finishCount());
            });
            inspect(good, r -> {
                assertFalse(r.malformed(), "after " + b);
                assertTrue(r.content());
                assertEquals("stop", r.finishReason(0));
            });
        }
    }

    @Test
    void manyChunksThroughOneInspector() {
        for (int i = 0; i < 1000; i++) {
            int n = i;
            inspect(HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + "é".repeat(i % 7) + "\"},"
                    + "\"finish_reason\":null}],\"usage\":{\"prompt_tokens\":" + i + ",\"completion_tokens\":1}}\n", r -> {
                assertEquals(n % 7 != 0, r.content());
                assertEquals(Usage.of(n, 1), r.usage());
            });
        }
    }

    @Test
    void resultIsReusedAndResetBetweenChunks() {
        OpenAiChunkInspector.Result first = inspector.inspect(Unpooled.wrappedBuffer(
                (HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}").getBytes(StandardCharsets.UTF_8)));
        assertTrue(first.content());
        OpenAiChunkInspector.Result second = inspector.inspect(Unpooled.wrappedBuffer(
                (HEAD + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":null}]}").getBytes(StandardCharsets.UTF_8)));
        assertSame(first, second);
        assertFalse(second.content());
        assertEquals(0, second.finishCount());
        assertNull(second.usage());
    }
}
