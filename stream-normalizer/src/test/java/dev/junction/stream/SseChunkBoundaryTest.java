package dev.junction.stream;

import dev.junction.stream.SseRecorder.Item;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.junction.stream.SseRecorder.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Chunk-boundary sweeps (DESIGN house rule 9): recorded-format streams of each vendor (wire-formats
 * §1.5, §2.4, §3.4), with each line ending, fed 1, 2, 3, 5, 7 and 99 bytes at a time and split in
 * two at every byte position, must decode to exactly the events they were built from.
 */
class SseChunkBoundaryTest {

    private record Fixture(String name, List<Item> items) {
        String render(String eol) {
            StringBuilder sb = new StringBuilder();
            for (Item it : items) {
                if (it.kind().equals("comment")) {
                    sb.append(':').append(it.data().isEmpty() ? "" : " " + it.data()).append(eol).append(eol);
                    continue;
                }
                if (it.event() != null) {
                    sb.append("event: ").append(it.event()).append(eol);
                }
                for (String line : it.data().split("\n", -1)) {
                    sb.append("data: ").append(line).append(eol);
                }
                sb.append(eol);
            }
            return sb.toString();
        }
    }

    static Fixture openAiToolCall() {
        String head = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1711357598,\"model\":\"m\",";
        return new Fixture("openai-tool-call", List.of(
                Item.event(null, head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,"
                        + "\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":"
                        + "{\"name\":\"get_weather\",\"arguments\":\"\"}}]},\"logprobs\":null,\"finish_reason\":null}]}"),
                Item.event(null, head + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
                        + "\"function\":{\"arguments\":\"{\\\"ci\"}}]},\"logprobs\":null,\"finish_reason\":null}]}"),
                Item.event(null, head + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
                        + "\"function\":{\"arguments\":\"ty\\\":\\\"Paris\\\"}\"}}]},\"logprobs\":null,\"finish_reason\":null}]}"),
                Item.event(null, head + "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}]}"),
                Item.event(null, head + "\"choices\":[],\"usage\":{\"prompt_tokens\":53,\"completion_tokens\":17,\"total_tokens\":70}}"),
                Item.event(null, "[DONE]")));
    }

    static Fixture anthropicText() {
        return new Fixture("anthropic-text", List.of(
                Item.event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
                        + "\"role\":\"assistant\",\"model\":\"claude\",\"content\":[],\"stop_reason\":null,"
                        + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}"),
                Item.event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
                        + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
                Item.event("ping", "{\"type\": \"ping\"}"),
                Item.event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
                        + "\"delta\":{\"type\":\"text_delta\",\"text\":\"héllo 👋\"}}"),
                Item.comment("keepalive"),
                Item.event("ping", "{\"type\": \"ping\"}"),
                Item.event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
                        + "\"delta\":{\"type\":\"text_delta\",\"text\":\" 日本\"}}"),
                Item.event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"),
                Item.event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                        + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":9}}"),
                Item.event("message_stop", "{\"type\":\"message_stop\"}")));
    }

    static Fixture geminiToolCall() {
        return new Fixture("gemini-tool-call", List.of(
                Item.event(null, "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Ça va — \"}],\"role\":\"model\"},"
                        + "\"index\":0}],\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"r1\"}"),
                Item.event(null, "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"weather\","
                        + "\"args\":{\"location\":\"San Francisco\"}},\"thoughtSignature\":\"EqUC\"}],\"role\":\"model\"},"
                        + "\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":10,\"candidatesTokenCount\":5,"
                        + "\"totalTokenCount\":15},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"r1\"}"),
                Item.event(null, "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"\"}],\"role\":\"model\"},"
                        + "\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":10,"
                        + "\"candidatesTokenCount\":7,\"totalTokenCount\":17},\"modelVersion\":\"gemini-2.5-flash\"}"),
                Item.event(null, "{\n  \"multi\": \"line\"\n}")));
    }

    static Stream<Arguments> fixtures() {
        List<Arguments> out = new ArrayList<>();
        for (Fixture f : List.of(openAiToolCall(), anthropicText(), geminiToolCall())) {
            for (String eol : List.of("\n", "\r\n", "\r")) {
                out.add(Arguments.of(f.name() + " " + eol.replace("\r", "CR").replace("\n", "LF"), f, eol));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void fixedStepSizes(String name, Fixture f, String eol) {
        byte[] stream = utf8(f.render(eol));
        for (int step : new int[] {1, 2, 3, 5, 7, 99, 1024, stream.length}) {
            assertEquals(f.items(), SseRecorder.decode(stream, step), name + " fed " + step + " bytes at a time");
        }
    }

    /** With a line scanner (the pass-through's chunk inspector) that finds data lines' ends itself. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void fixedStepSizesWithALineScanner(String name, Fixture f, String eol) {
        byte[] stream = utf8(f.render(eol));
        for (int step : new int[] {1, 2, 3, 5, 7, 99, 1024, stream.length}) {
            LineScanCheck check = new LineScanCheck();
            assertEquals(f.items(), SseRecorder.decode(stream, step, check), name + " fed " + step + " bytes at a time");
            if (step == stream.length && f.name().startsWith("openai")) {
                assertTrue(check.vouched >= f.items().size() - 2, name + ": the chunks' line ends were found by the scan");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void everySplitPositionWithALineScanner(String name, Fixture f, String eol) {
        byte[] stream = utf8(f.render(eol));
        for (int at = 0; at <= stream.length; at++) {
            assertEquals(f.items(), SseRecorder.decodeSplit(stream, at, new LineScanCheck()), name + " split at byte " + at);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void everySplitPosition(String name, Fixture f, String eol) {
        byte[] stream = utf8(f.render(eol));
        for (int at = 0; at <= stream.length; at++) {
            assertEquals(f.items(), SseRecorder.decodeSplit(stream, at), name + " split at byte " + at);
        }
    }
}
