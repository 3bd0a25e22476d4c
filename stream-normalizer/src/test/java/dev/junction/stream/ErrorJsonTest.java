package dev.junction.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.testkit.OpenAiSchema;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ErrorJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void allFourKeysWithNullParamAndCode() throws Exception {
        GatewayError e = GatewayError.fatal(500, "server_error", null, null, "Something \"broke\"\n; 日本");
        JsonNode node = JSON.readTree(ErrorJson.render(e));
        OpenAiSchema.assertValid("ErrorResponse", node);
        assertEquals(JSON.readTree("""
                {"error":{"message":"Something \\"broke\\"\\n; 日本","type":"server_error","param":null,"code":null}}"""), node);
    }

    @Test
    void paramAndCodeWhenPresent() throws Exception {
        GatewayError e = GatewayError.invalidRequest("context_length_exceeded", "messages", "Too long.");
        ByteBuf buf = ErrorJson.render(e, PooledByteBufAllocator.DEFAULT);
        try {
            JsonNode node = JSON.readTree(buf.toString(StandardCharsets.UTF_8));
            OpenAiSchema.assertValid("ErrorResponse", node);
            assertEquals(JSON.readTree("""
                    {"error":{"message":"Too long.","type":"invalid_request_error","param":"messages",
                              "code":"context_length_exceeded"}}"""), node);
        } finally {
            buf.release();
        }
    }
}
