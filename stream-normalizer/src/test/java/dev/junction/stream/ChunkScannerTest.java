package dev.junction.stream;

import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hand-written scan must give the Jackson pass's answer for every chunk: realistic chunks of
 * every vendor shape, and thousands of corrupted, truncated and spliced variants of them.
 */
class ChunkScannerTest {

    private static final String HEAD = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",";

    private static final List<String> CHUNKS = List.of(
            HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},"
                    + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}",
            HEAD + "\"system_fingerprint\":\"fp_1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello, \\\"wörld\\\" 🙂 \\u00e9\\n\"},"
                    + "\"logprobs\":null,\"finish_reason\":null}]}",
            HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
                    + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},\"finish_reason\":null}]}",
            HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[]},\"finish_reason\":null}]}",
            HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"function_call\":{\"name\":\"f\",\"arguments\":\"\"}},\"finish_reason\":null}]}",
            HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"think\"},\"finish_reason\":null}]}",
            HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"reasoning\":\"\",\"refusal\":\"no\"},\"finish_reason\":null}]}",
            HEAD + "\"choices\":[{\"finish_reason\":\"length\",\"delta\":{},\"index\":1},"
                    + "{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"},{\"index\":2,\"delta\":{},\"finish_reason\":\"eos_token\"}]}",
            HEAD + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}],\"usage\":null}",
            HEAD + "\"choices\":[],\"usage\":{\"prompt_tokens\":53,\"completion_tokens\":17,\"total_tokens\":70,"
                    + "\"prompt_tokens_details\":{\"cached_tokens\":12,\"audio_tokens\":0,\"cache_write_tokens\":3},"
                    + "\"completion_tokens_details\":{\"reasoning_tokens\":5,\"accepted_prediction_tokens\":null}}}",
            HEAD + "\"choices\":[],\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":1,\"total_tokens\":101,"
                    + "\"prompt_cache_hit_tokens\":64,\"prompt_cache_miss_tokens\":36,\"prompt_tokens_details\":null}}",
            HEAD + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
                    + "\"x_groq\":{\"id\":\"req_1\",\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4,\"total_tokens\":13,"
                    + "\"queue_time\":0.01,\"prompt_time\":1.5e-3}}}",
            HEAD + "\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3},"
                    + "\"x_groq\":{\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}}",
            "{\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\",\"prompt_filter_results\":"
                    + "[{\"prompt_index\":0,\"content_filter_results\":{\"hate\":{\"filtered\":false,\"severity\":\"safe\"}}}]}",
            "{\"error\":{\"message\":\"Overloaded\",\"type\":\"server_error\",\"param\":null,\"code\":null}}",
            "{\"object\":\"error\",\"message\":\"bad\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":400}",
            HEAD + "\"choices\":[],\"error\":null}",
            " \t{ \"choices\" : [ { \"index\" : -0 , \"delta\" : { \"content\" : \"x\" } , \"finish_reason\" : \"stop\" } ] , "
                    + "\"usage\" : { \"prompt_tokens\" : 1.0 , \"completion_tokens\" : -3 , \"x\" : [ true , false , null , 1E+2 ] } }\r\n",
            HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}],\"choices\":[{\"index\":1,\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":1},\"usage\":{\"completion_tokens\":2}}",
            HEAD + "\"choices\":[1,\"x\",null,[],{}],\"object\":\"\\u0065rror\"}",
            HEAD + "\"choices\":[{\"index\":0,\"finish_reason\":\"st\\u006fp\"}]}",
            HEAD + "\"choices\":[{\"index\":2147483648,\"finish_reason\":\"stop\"}]}",
            HEAD + "\"choices\":[{\"index\":7,\"finish_reason\":null,\"delta\":{\"content\":null,\"tool_calls\":null}}]}",
            HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"content\":{\"a\":1}}}]}",
            HEAD + "\"object\":{\"a\":1}}",
            HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":{\"a\":1}}}]}",
            HEAD + "\"usage\":{\"prompt_tokens\":99999999999999999999}}",
            "{\"\\u0063hoices\":[{\"index\":0,\"finish_reason\":\"stop\"}]}",
            "{}",
            "[DONE]",
            "[1,2]",
            "");

    @Test
    void givesTheJacksonAnswerForEveryRealisticChunk() {
        for (String chunk : CHUNKS) {
            compare(chunk.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void givesTheJacksonAnswerForCorruptedTruncatedAndSplicedChunks() {
        Random random = new Random(42);
        byte[] alphabet = "{}[]\":,\\ .-+eE0123456789abfnrtuxlsNaIT\u0000\n\t".getBytes(StandardCharsets.UTF_8);
        for (int round = 0; round < 20_000; round++) {
            byte[] bytes = CHUNKS.get(random.nextInt(CHUNKS.size())).getBytes(StandardCharsets.UTF_8);
            int edits = 1 + random.nextInt(3);
            for (int e = 0; e < edits && bytes.length > 0; e++) {
                int at = random.nextInt(bytes.length);
                switch (random.nextInt(5)) {
                    case 0 -> bytes[at] = alphabet[random.nextInt(alphabet.length)];
                    case 1 -> bytes[at] = (byte) random.nextInt(256);
                    case 2 -> bytes = java.util.Arrays.copyOf(bytes, at); // truncate
                    case 3 -> { // delete one byte
                        byte[] shorter = new byte[bytes.length - 1];
                        System.arraycopy(bytes, 0, shorter, 0, at);
                        System.arraycopy(bytes, at + 1, shorter, at, bytes.length - at - 1);
                        bytes = shorter;
                    }
                    default -> { // append a piece of another chunk
                        byte[] other = CHUNKS.get(random.nextInt(CHUNKS.size())).getBytes(StandardCharsets.UTF_8);
                        int from = other.length == 0 ? 0 : random.nextInt(other.length);
                        byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + other.length - from);
                        System.arraycopy(other, from, longer, bytes.length, other.length - from);
                        bytes = longer;
                    }
                }
            }
            compare(bytes);
        }
    }

    @Test
    void bytesAfterTheChunkInTheSameArrayAreNotRead() {
        // A heap buffer's array may hold the next event: the scan must stop at the chunk's end.
        byte[] whole = (HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ab\"}}]}").getBytes(StandardCharsets.UTF_8);
        for (int cut = 1; cut < whole.length; cut++) {
            OpenAiChunkInspector.Result r = new OpenAiChunkInspector().inspect(Unpooled.wrappedBuffer(whole, 0, cut));
            assertTrue(r.malformed(), "a chunk cut at " + cut + " is malformed");
        }
        assertFalse(new OpenAiChunkInspector().inspect(Unpooled.wrappedBuffer(whole)).malformed());
    }

    @Test
    void deepNestingIsLeftToJackson() {
        String deep = "[".repeat(600) + "]".repeat(600);
        compare((HEAD + "\"x\":" + deep + ",\"choices\":[{\"index\":0,\"finish_reason\":\"stop\"}]}").getBytes(StandardCharsets.UTF_8));
    }

    private static void compare(byte[] bytes) {
        String fast = describe(new OpenAiChunkInspector(true).inspect(Unpooled.wrappedBuffer(bytes)));
        String jackson = describe(new OpenAiChunkInspector(false).inspect(Unpooled.wrappedBuffer(bytes)));
        assertEquals(jackson, fast, () -> "chunk: " + new String(bytes, StandardCharsets.UTF_8));
    }

    private static String describe(OpenAiChunkInspector.Result r) {
        List<String> finishes = new ArrayList<>();
        for (int i = 0; i < r.finishCount(); i++) {
            finishes.add(r.finishedChoice(i) + "=" + r.finishReason(i));
        }
        return "done=" + r.done() + " malformed=" + r.malformed() + " error=" + r.error() + " usage=" + r.usage()
                + " top=" + r.usageTopLevel() + " choices=" + r.choiceCount() + " content=" + r.content()
                + " finishes=" + finishes;
    }
}
