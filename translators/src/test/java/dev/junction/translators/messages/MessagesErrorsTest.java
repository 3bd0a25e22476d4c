package dev.junction.translators.messages;

import com.anthropic.core.ObjectMappers;
import com.anthropic.models.ErrorResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.GatewayError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** SPEC §3.2: each SPEC §4 situation in Anthropic's error shape, status and type. */
class MessagesErrorsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @CsvSource({
            "400, invalid_request_error, unsupported_capability, 400, invalid_request_error",
            "400, invalid_request_error, context_length_exceeded, 400, invalid_request_error",
            "401, authentication_error, invalid_api_key, 401, authentication_error",
            "403, permission_error, model_not_allowed, 403, permission_error",
            "404, invalid_request_error, model_not_found, 404, not_found_error",
            "413, invalid_request_error, request_too_large, 413, request_too_large",
            "429, rate_limit_error, rate_limit_exceeded, 429, rate_limit_error",
            "429, insufficient_quota, budget_exceeded, 429, rate_limit_error",
            "500, server_error, internal_error, 500, api_error",
            "502, upstream_error, upstream_authentication_failed, 502, api_error",
            "503, upstream_error, upstream_unavailable, 529, overloaded_error",
            "503, upstream_error, upstream_quota_exhausted, 503, api_error",
            "504, upstream_error, upstream_timeout, 504, timeout_error",
            "405, invalid_request_error, method_not_allowed, 405, invalid_request_error"})
    void mapsEverySituation(int status, String type, String code, int anthropicStatus, String anthropicType)
            throws IOException {
        GatewayError e = new GatewayError(status, type, code, null, "What went wrong and what to do.",
                false, false, false, null);
        assertEquals(anthropicStatus, MessagesErrors.status(e));
        ByteBuf body = MessagesErrors.body(e, "req_123", PooledByteBufAllocator.DEFAULT);
        String text;
        try {
            text = body.toString(StandardCharsets.UTF_8);
        } finally {
            body.release();
        }
        JsonNode n = JSON.readTree(text);
        assertEquals("error", n.get("type").asText());
        assertEquals(anthropicType, n.at("/error/type").asText());
        assertEquals("What went wrong and what to do.", n.at("/error/message").asText());
        assertEquals("req_123", n.get("request_id").asText());
        if (!anthropicType.equals("request_too_large")) {
            // request_too_large is what Anthropic's edge answers (wire-formats §2.5) and SPEC §3.2 names,
            // but the SDK's typed union lacks it; its clients pick the exception from the 413 status.
            ObjectMappers.jsonMapper().readValue(text, ErrorResponse.class).validate();
        }
    }
}
