package dev.junction.translators.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.FinishReason;
import dev.junction.stream.Usage;
import dev.junction.testkit.OpenAiSchema;
import dev.junction.translators.model.ChatResponse;
import dev.junction.translators.model.EmbeddingsResponse;
import dev.junction.translators.model.ToolCall;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenAiResponseEncoderTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode tree(ByteBuf buf) throws Exception {
        try {
            return JSON.readTree(buf.toString(StandardCharsets.UTF_8));
        } finally {
            buf.release();
        }
    }

    @Test
    void encodesAChatCompletionThatMatchesOpenAisSchema() throws Exception {
        ChatResponse r = new ChatResponse("msg_1", "claude-x", List.of(
                new ChatResponse.Choice(0, null, null, "thinking...",
                        List.of(new ToolCall("toolu_1", "get_weather", "{\"city\":\"Paris\"}"),
                                new ToolCall("toolu_2", "now", "")), FinishReason.TOOL_CALLS)),
                new Usage(30, 12, 10, 5, 4));
        JsonNode json = tree(OpenAiResponseEncoder.encodeChat(r, "chatcmpl-1", 1700000000L, "smart",
                PooledByteBufAllocator.DEFAULT));
        OpenAiSchema.assertValid("CreateChatCompletionResponse", json);
        JsonNode expected = JSON.readTree("""
                {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"smart",
                 "choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":null,
                   "reasoning_content":"thinking...",
                   "tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
                                 {"id":"toolu_2","type":"function","function":{"name":"now","arguments":"{}"}}]},
                   "logprobs":null,"finish_reason":"tool_calls"}],
                 "usage":{"prompt_tokens":30,"completion_tokens":12,"total_tokens":42,
                   "prompt_tokens_details":{"cached_tokens":10,"cache_write_tokens":5},
                   "completion_tokens_details":{"reasoning_tokens":4}}}
                """);
        assertEquals(expected, json);
    }

    @Test
    void plainTextWithoutUsage() throws Exception {
        ChatResponse r = new ChatResponse("id", "m", List.of(new ChatResponse.Choice(0, "Hi.", null, null, null,
                FinishReason.STOP)), null);
        JsonNode json = tree(OpenAiResponseEncoder.encodeChat(r, "chatcmpl-2", 1L, "m", PooledByteBufAllocator.DEFAULT));
        OpenAiSchema.assertValid("CreateChatCompletionResponse", json);
        assertEquals("Hi.", json.at("/choices/0/message/content").asText());
        assertTrue(json.at("/choices/0/message/refusal").isNull());
        assertTrue(json.path("usage").isMissingNode());
    }

    @Test
    void encodesEmbeddingsAsFloatsAndAsFloat32LittleEndianBase64() throws Exception {
        EmbeddingsResponse r = new EmbeddingsResponse("emb", List.of(new float[]{0.5f, -1.25f}, new float[]{3f}),
                Usage.of(7, 0));
        JsonNode floats = tree(OpenAiResponseEncoder.encodeEmbeddings(r, "emb", false, PooledByteBufAllocator.DEFAULT));
        OpenAiSchema.assertValid("CreateEmbeddingResponse", floats);
        assertEquals(-1.25, floats.at("/data/0/embedding/1").asDouble());
        assertEquals(7, floats.at("/usage/total_tokens").asInt());
        JsonNode b64 = tree(OpenAiResponseEncoder.encodeEmbeddings(r, "emb", true, PooledByteBufAllocator.DEFAULT));
        // OpenAI's schema types `embedding` as an array only, though the API returns a string for
        // base64 (wire-formats §1.7): validate the envelope with the decoded vectors put back.
        com.fasterxml.jackson.databind.node.ObjectNode decoded = b64.deepCopy();
        for (JsonNode item : decoded.withArray("data")) {
            ByteBuffer raw = ByteBuffer.wrap(Base64.getDecoder().decode(item.get("embedding").asText()))
                    .order(ByteOrder.LITTLE_ENDIAN);
            var arr = ((com.fasterxml.jackson.databind.node.ObjectNode) item).putArray("embedding");
            while (raw.hasRemaining()) {
                arr.add((double) raw.getFloat());
            }
        }
        OpenAiSchema.assertValid("CreateEmbeddingResponse", decoded);
        assertEquals(floats.get("data"), decoded.get("data"));
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(b64.at("/data/0/embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(8, bytes.remaining());
        assertEquals(0.5f, bytes.getFloat());
        assertEquals(-1.25f, bytes.getFloat());
        assertEquals(1, b64.at("/data/1/index").asInt());
    }
}
