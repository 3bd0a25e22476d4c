package dev.junction.core.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Recording and replaying Anthropic Messages answers: the id splice, the folded Message, a stream from a Message. */
class MessagesShapeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final UnpooledByteBufAllocator ALLOC = new UnpooledByteBufAllocator(false);

    private static final String[] EVENTS = {
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_v1\",\"type\":\"message\","
            + "\"role\":\"assistant\",\"model\":\"claude-haiku-4-5\",\"content\":[],\"stop_reason\":null,"
            + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}\n\n",
        "event: ping\ndata: {\"type\":\"ping\"}\n\n",
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
            + "\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
            + "\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Let me \\u00e9 think\"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
            + "\"delta\":{\"type\":\"signature_delta\",\"signature\":\"sig==\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,"
            + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,"
            + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hel\"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,"
            + "\"delta\":{\"type\":\"text_delta\",\"text\":\"lo\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n",
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":2,"
            + "\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"get_weather\",\"input\":{}}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":2,"
            + "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\":\"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":2,"
            + "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"Paris\\\"}\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":2}\n\n",
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\","
            + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":30}}\n\n",
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"};

    private static CacheEntry record() {
        List<CacheEntry.Piece> pieces = new ArrayList<>();
        for (String e : EVENTS) {
            pieces.add(MessagesShape.INSTANCE.event(e.getBytes(StandardCharsets.UTF_8)));
        }
        return new CacheEntry("messages", true, false, "claude", "claude-haiku-4-5",
                MessagesShape.INSTANCE.responseModel(pieces.get(0)), new long[] {12, 30, 0, 0, 0}, pieces);
    }

    private static final ReplayShape.Replay REPLAY = new ReplayShape.Replay("req_9-x", 1800000000L, false);

    private static List<String> stream(CacheEntry e) {
        List<ByteBuf> out = new ArrayList<>();
        MessagesShape.INSTANCE.stream(e, REPLAY, ALLOC, out);
        List<String> s = new ArrayList<>();
        for (ByteBuf b : out) {
            s.add(b.toString(StandardCharsets.UTF_8));
            b.release();
        }
        return s;
    }

    @Test
    void aStreamReplaysEveryEventWithAFreshMessageId() {
        CacheEntry e = CacheEntry.decode(record().encode());
        assertEquals("claude-haiku-4-5", e.responseModel());
        List<String> out = stream(e);
        assertEquals(EVENTS.length, out.size());
        assertEquals(EVENTS[0].replace("msg_v1", "msg_req9x"), out.get(0));
        for (int i = 1; i < EVENTS.length; i++) {
            assertEquals(EVENTS[i], out.get(i), "event " + i);
        }
    }

    @Test
    void aStreamAskedUnaryIsFoldedIntoOneMessage() throws Exception {
        ByteBuf b = MessagesShape.INSTANCE.unary(record(), REPLAY, ALLOC);
        JsonNode m = JSON.readTree(b.toString(StandardCharsets.UTF_8));
        b.release();
        assertEquals("msg_req9x", m.path("id").asText());
        assertEquals("message", m.path("type").asText());
        assertEquals("claude-haiku-4-5", m.path("model").asText());
        assertEquals("tool_use", m.path("stop_reason").asText());
        assertEquals("thinking", m.path("content").get(0).path("type").asText());
        assertEquals("Let me \u00e9 think", m.path("content").get(0).path("thinking").asText());
        assertEquals("sig==", m.path("content").get(0).path("signature").asText());
        assertEquals("Hello", m.path("content").get(1).path("text").asText());
        assertEquals("toolu_1", m.path("content").get(2).path("id").asText());
        assertEquals("Paris", m.path("content").get(2).path("input").path("city").asText());
        assertEquals(12, m.path("usage").path("input_tokens").asInt());
        assertEquals(30, m.path("usage").path("output_tokens").asInt(), "the last usage wins");
    }

    @Test
    void aUnaryMessageAskedAsAStreamBecomesAnthropicsEventSequence() throws Exception {
        ByteBuf folded = MessagesShape.INSTANCE.unary(record(), REPLAY, ALLOC);
        byte[] body = io.netty.buffer.ByteBufUtil.getBytes(folded);
        folded.release();
        CacheEntry unary = new CacheEntry("messages", false, false, "claude", "claude-haiku-4-5", "claude-haiku-4-5",
                new long[] {12, 30, 0, 0, 0}, List.of(MessagesShape.INSTANCE.body(body)));
        List<String> out = stream(CacheEntry.decode(unary.encode()));
        List<String> names = new ArrayList<>();
        for (String ev : out) {
            names.add(ev.substring("event: ".length(), ev.indexOf('\n')));
        }
        assertEquals(List.of("message_start", "content_block_start", "content_block_delta", "content_block_delta",
                "content_block_stop", "content_block_start", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"), names);
        // Folding the made-up stream again gives the same Message: nothing was lost either way.
        List<CacheEntry.Piece> pieces = new ArrayList<>();
        for (String ev : out) {
            pieces.add(MessagesShape.INSTANCE.event(ev.getBytes(StandardCharsets.UTF_8)));
        }
        CacheEntry again = new CacheEntry("messages", true, false, "", "", "claude-haiku-4-5", new long[] {-1, 0, 0, 0, 0},
                pieces);
        ByteBuf b = MessagesShape.INSTANCE.unary(again, REPLAY, ALLOC);
        assertEquals(JSON.readTree(body), JSON.readTree(b.toString(StandardCharsets.UTF_8)));
        b.release();
        ByteBuf same = MessagesShape.INSTANCE.unary(unary, REPLAY, ALLOC);
        assertEquals(new String(body, StandardCharsets.UTF_8), same.toString(StandardCharsets.UTF_8),
                "a unary answer replays byte for byte, id aside");
        same.release();
        assertTrue(out.get(out.size() - 1).startsWith("event: message_stop"));
    }
}
