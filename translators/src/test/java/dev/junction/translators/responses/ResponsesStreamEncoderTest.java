package dev.junction.translators.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.FinishReason;
import dev.junction.stream.StreamEvent;
import dev.junction.stream.Usage;
import dev.junction.testkit.OpenAiSchema;
import dev.junction.translators.openai.JsonLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Responses stream encoder's rules that the vendor golden streams do not reach. */
class ResponsesStreamEncoderTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ResponsesRequest request() {
        ByteBuf body = Unpooled.copiedBuffer("{\"model\":\"chat\",\"input\":\"hi\"}", StandardCharsets.UTF_8);
        try {
            return ResponsesRequestDecoder.decode(body, JsonLimits.DEFAULT);
        } finally {
            body.release();
        }
    }

    /** The events' JSON, {@code [DONE]} checked and left out. */
    private static List<JsonNode> run(List<StreamEvent> events) throws IOException {
        ResponsesStreamEncoder enc = new ResponsesStreamEncoder(request(), "resp_1", 1L);
        List<ByteBuf> frames = new ArrayList<>();
        List<JsonNode> out = new ArrayList<>();
        try {
            for (StreamEvent e : events) {
                if (!enc.ended()) {
                    enc.write(e, PooledByteBufAllocator.DEFAULT, frames);
                }
            }
            if (!enc.ended()) {
                enc.finish(PooledByteBufAllocator.DEFAULT, frames);
            }
            assertEquals("data: [DONE]\n\n", frames.get(frames.size() - 1).toString(StandardCharsets.UTF_8));
            for (ByteBuf f : frames.subList(0, frames.size() - 1)) {
                String[] lines = f.toString(StandardCharsets.UTF_8).split("\n");
                out.add(JSON.readTree(lines[1].substring(6)));
            }
        } finally {
            frames.forEach(ByteBuf::release);
        }
        for (int i = 0; i < out.size(); i++) {
            assertEquals(i, out.get(i).get("sequence_number").asInt());
        }
        return out;
    }

    private static List<String> types(List<JsonNode> events) {
        return events.stream().map(e -> e.get("type").asText()).toList();
    }

    @Test
    void refusalAfterTextIsASecondContentPartOfTheSameMessage() throws IOException {
        List<JsonNode> out = run(List.of(new StreamEvent.TextDelta(0, "Well"), new StreamEvent.RefusalDelta(0, "No."),
                new StreamEvent.Finish(0, FinishReason.STOP)));
        assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
                "response.content_part.added", "response.output_text.delta", "response.output_text.done",
                "response.content_part.done", "response.content_part.added", "response.refusal.delta",
                "response.refusal.done", "response.content_part.done", "response.output_item.done",
                "response.completed"), types(out));
        assertEquals(1, out.get(7).get("content_index").asInt());
        JsonNode content = out.get(12).at("/response/output/0/content");
        assertEquals("output_text", content.get(0).get("type").asText());
        assertEquals("No.", content.get(1).get("refusal").asText());
        OpenAiSchema.assertValid("ResponseCompletedEvent", out.get(12));
        OpenAiSchema.assertValid("ResponseRefusalDeltaEvent", out.get(8));
    }

    @Test
    void aContentFilterFinishIsIncompleteWithTheOpenItemIncomplete() throws IOException {
        List<JsonNode> out = run(List.of(new StreamEvent.TextDelta(0, "Par"),
                new StreamEvent.Finish(0, FinishReason.CONTENT_FILTER), new StreamEvent.UsageReport(Usage.of(3, 1))));
        JsonNode last = out.get(out.size() - 1);
        assertEquals("response.incomplete", last.get("type").asText());
        assertEquals("content_filter", last.at("/response/incomplete_details/reason").asText());
        assertEquals("incomplete", last.at("/response/output/0/status").asText());
        assertEquals(4, last.at("/response/usage/total_tokens").asInt());
        OpenAiSchema.assertValid("ResponseIncompleteEvent", last);
    }

    @Test
    void argumentsForAFinishedCallFailTheStreamWithErrorThenFailed() throws IOException {
        List<JsonNode> out = run(List.of(new StreamEvent.ToolCallStart(0, 0, "call_1", "f"),
                new StreamEvent.TextDelta(0, "x"), new StreamEvent.ToolCallArguments(0, 0, "{}")));
        List<String> t = types(out);
        assertEquals(List.of("error", "response.failed"), t.subList(t.size() - 2, t.size()));
        assertEquals("internal_error", out.get(out.size() - 2).get("code").asText());
        assertEquals("server_error", out.get(out.size() - 1).at("/response/error/code").asText());
        // the finished call is listed, the message that never finished is not
        assertEquals(1, out.get(out.size() - 1).at("/response/output").size());
        assertEquals("{}", out.get(out.size() - 1).at("/response/output/0/arguments").asText(),
                "a call with no arguments got {}");
        OpenAiSchema.assertValid("ResponseErrorEvent", out.get(out.size() - 2));
        OpenAiSchema.assertValid("ResponseFailedEvent", out.get(out.size() - 1));
    }

    @Test
    void anEmptyAnswerStillCompletes() throws IOException {
        List<JsonNode> out = run(List.of());
        assertEquals(List.of("response.created", "response.in_progress", "response.completed"), types(out));
        OpenAiSchema.assertValid("ResponseCreatedEvent", out.get(0));
    }
}
