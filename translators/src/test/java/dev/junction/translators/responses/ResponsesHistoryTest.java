package dev.junction.translators.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.translators.openai.JsonLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResponsesHistoryTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ByteBuf buf(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    @Test
    void factsReadOnlyTheTopLevel() {
        ByteBuf b = buf("{\"input\":[{\"previous_response_id\":\"x\",\"store\":false}],\"stream\":true,"
                + "\"previous_response_id\":\"resp_9\",\"model\":\"m\"}");
        try {
            ResponsesHistory.Facts f = ResponsesHistory.facts(b);
            assertEquals("resp_9", f.previousResponseId());
            assertTrue(f.store(), "store defaults to true");
            assertTrue(f.stream());
        } finally {
            b.release();
        }
        ByteBuf off = buf("{\"store\":false,\"previous_response_id\":null,\"input\":\"x\"}");
        try {
            assertFalse(ResponsesHistory.facts(off).store());
            assertNull(ResponsesHistory.facts(off).previousResponseId());
        } finally {
            off.release();
        }
    }

    @Test
    void expandPutsStoredInputAndOutputBeforeTheNewInput() throws Exception {
        byte[] storedInput = "[{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Weather?\"}]}]"
                .getBytes(StandardCharsets.UTF_8);
        byte[] storedResponse = ("{\"id\":\"resp_1\",\"object\":\"response\",\"output\":["
                + "{\"id\":\"rs_1\",\"type\":\"reasoning\",\"summary\":[{\"type\":\"summary_text\",\"text\":\"hm\"}]},"
                + "{\"id\":\"msg_1\",\"type\":\"message\",\"status\":\"completed\",\"role\":\"assistant\",\"content\":"
                + "[{\"type\":\"output_text\",\"text\":\"Checking.\",\"annotations\":[],\"logprobs\":[]}]},"
                + "{\"id\":\"fc_1\",\"type\":\"function_call\",\"status\":\"completed\",\"call_id\":\"call_1\","
                + "\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}]}").getBytes(StandardCharsets.UTF_8);
        ByteBuf body = buf("{\"model\":\"m\",\"previous_response_id\":\"resp_1\",\"input\":[{\"type\":\"function_call_output\","
                + "\"call_id\":\"call_1\",\"output\":\"18C\"}],\"store\":true}");
        ByteBuf out = ResponsesHistory.expand(body, storedInput, storedResponse, PooledByteBufAllocator.DEFAULT);
        try {
            JsonNode n = JSON.readTree(out.toString(StandardCharsets.UTF_8));
            assertFalse(n.has("previous_response_id"));
            JsonNode input = n.get("input");
            assertEquals(4, input.size(), input.toString());
            assertEquals("user", input.get(0).get("role").asText());
            assertEquals("{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"Checking.\"}]}",
                    input.get(1).toString());
            assertEquals("{\"type\":\"function_call\",\"call_id\":\"call_1\",\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}",
                    input.get(2).toString());
            assertEquals("function_call_output", input.get(3).get("type").asText());
            // The expanded body is a valid Responses request for the canonical path too.
            ResponsesRequest decoded = ResponsesRequestDecoder.decode(out, JsonLimits.DEFAULT);
            assertEquals(3, decoded.chat().messages().size(), decoded.chat().messages().toString());
            byte[] keep = ResponsesHistory.inputToKeep(out);
            assertEquals(input, JSON.readTree(keep));
        } finally {
            out.release();
            body.release();
        }
        ByteBuf text = buf("{\"model\":\"m\",\"input\":\"Next\"}");
        try {
            assertEquals("[{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Next\"}]}]",
                    new String(ResponsesHistory.inputToKeep(text), StandardCharsets.UTF_8));
        } finally {
            text.release();
        }
    }
}
