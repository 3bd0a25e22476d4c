package dev.junction.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TestkitSelfTest {

    @Test
    void leakDetectorRecordsAnUnreleasedBuffer() throws Exception {
        leak();
        List<String> leaks = LeakCheckExtension.collect();
        assertFalse(leaks.isEmpty(), "a dropped, unreleased buffer must be reported");
        assertTrue(leaks.get(0).startsWith("LEAK"), leaks.get(0));
    }

    private static void leak() {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.buffer(64);
        buf.writeInt(42);
    }

    @Test
    void schemaAcceptsAValidChatCompletionAndRejectsABrokenOne() {
        String ok = """
            {"id":"chatcmpl-1","object":"chat.completion","created":1741569952,"model":"m",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hi.","refusal":null},
                         "logprobs":null,"finish_reason":"stop"}],
             "usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}""";
        OpenAiSchema.assertValid("CreateChatCompletionResponse", ok);
        String bad = ok.replace("\"finish_reason\":\"stop\"", "\"finish_reason\":\"done\"");
        assertFalse(OpenAiSchema.errors("CreateChatCompletionResponse",
                new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(parse(bad))).isEmpty());
        assertEquals(0, OpenAiSchema.errors("ErrorResponse", parse(
                "{\"error\":{\"message\":\"m\",\"type\":\"t\",\"param\":null,\"code\":null}}")).size());
    }

    private static com.fasterxml.jackson.databind.JsonNode parse(String s) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void responsesEventsAreValidatedByTheirType() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        OpenAiSchema.assertValidResponsesEvent(json.readTree("{\"type\":\"response.output_text.delta\",\"sequence_number\":3,"
                + "\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hi\",\"logprobs\":[]}"));
        OpenAiSchema.assertValidResponsesEvent(json.readTree("{\"type\":\"error\",\"sequence_number\":4,\"code\":\"x\","
                + "\"message\":\"m\",\"param\":null,\"error\":{\"type\":\"server_error\",\"code\":\"x\",\"message\":\"m\"}}"));
        AssertionError unknown = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> OpenAiSchema.assertValidResponsesEvent(json.readTree("{\"type\":\"response.made_up\"}")));
        assertTrue(unknown.getMessage().contains("response.made_up"));
        org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> OpenAiSchema.assertValidResponsesEvent(
                json.readTree("{\"type\":\"response.output_text.delta\",\"sequence_number\":3}")));
    }
}
