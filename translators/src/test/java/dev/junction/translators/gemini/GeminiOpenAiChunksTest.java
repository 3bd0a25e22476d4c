package dev.junction.translators.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import dev.junction.stream.OpenAiChunkWriter;
import dev.junction.stream.SseEvent;
import dev.junction.stream.StreamEvent;
import dev.junction.testkit.OpenAiSchema;
import dev.junction.translators.golden.SseFraming;
import dev.junction.translators.spi.StreamTranslator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gemini streams all the way to the bytes an OpenAI client reads: vendor SSE → the Gemini stream
 * translator → the OpenAI chunk writer. Every chunk is validated against OpenAI's own schema, and
 * the tool calls a client would assemble are checked.
 */
class GeminiOpenAiChunksTest {

    /** The SSE data payloads the client would receive, in order. */
    static List<String> clientFrames(String scenario) {
        byte[] sse = Golden.bytes(scenario, "vendor-stream.txt");
        List<SseEvent> events = SseFraming.sweep().get("whole").frame(sse);
        StreamTranslator translator = new GeminiAdapter(GeminiGoldenTest.ids())
                .streamTranslator(Req.of().user("x").build());
        List<StreamEvent> canonical = new ArrayList<>();
        try {
            for (SseEvent e : events) {
                translator.onEvent(e, canonical::add);
            }
        } finally {
            events.forEach(e -> e.data().release());
        }
        translator.onEnd(canonical::add);
        OpenAiChunkWriter writer = new OpenAiChunkWriter("chatcmpl-1", 1700000000L, "chat", true);
        List<ByteBuf> out = new ArrayList<>();
        for (StreamEvent e : canonical) {
            if (!writer.ended()) {
                writer.write(e, ByteBufAllocator.DEFAULT, out);
            }
        }
        if (!writer.ended()) {
            writer.finish(ByteBufAllocator.DEFAULT, out);
        }
        List<String> frames = new ArrayList<>();
        for (ByteBuf b : out) {
            try {
                String frame = b.toString(StandardCharsets.UTF_8);
                assertTrue(frame.startsWith("data: ") && frame.endsWith("\n\n"), frame);
                frames.add(frame.substring(6, frame.length() - 2));
            } finally {
                b.release();
            }
        }
        return frames;
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain-text", "parallel-tool-calls-stream", "no-argument-tool", "safety-stop", "thinking",
            "stream-interrupted", "stream-error", "prompt-blocked"})
    void everyChunkIsValidOpenAi(String scenario) {
        List<String> frames = clientFrames(scenario);
        for (String f : frames) {
            if (f.equals("[DONE]")) {
                continue;
            }
            JsonNode chunk = Golden.parse(f.getBytes(StandardCharsets.UTF_8));
            if (chunk.has("error")) {
                OpenAiSchema.assertValid("ErrorResponse", chunk);
            } else {
                OpenAiSchema.assertValid("CreateChatCompletionStreamResponse", chunk);
            }
        }
    }

    @Test
    void parallelCallsAssembleByIndex() {
        List<String> ids = new ArrayList<>(List.of("", ""));
        List<StringBuilder> args = List.of(new StringBuilder(), new StringBuilder());
        String finish = null;
        JsonNode usage = null;
        for (String f : clientFrames("parallel-tool-calls-stream")) {
            if (f.equals("[DONE]")) {
                continue;
            }
            JsonNode chunk = Golden.parse(f.getBytes(StandardCharsets.UTF_8));
            if (chunk.has("usage")) {
                usage = chunk.get("usage");
            }
            for (JsonNode choice : chunk.path("choices")) {
                for (JsonNode call : choice.path("delta").path("tool_calls")) {
                    int i = call.get("index").asInt();
                    if (call.has("id")) {
                        ids.set(i, call.get("id").asText());
                    }
                    args.get(i).append(call.path("function").path("arguments").asText(""));
                }
                if (!choice.path("finish_reason").isNull()) {
                    finish = choice.get("finish_reason").asText();
                }
            }
        }
        assertEquals(List.of("call_1", "call_2"), ids);
        assertEquals("{\"city\":\"Paris\"}", args.get(0).toString());
        assertEquals("{\"city\":\"Rome\"}", args.get(1).toString());
        assertEquals("tool_calls", finish);
        assertEquals(60, usage.get("total_tokens").asInt());
    }
}
