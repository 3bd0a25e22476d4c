package dev.junction.translators.responses;

import com.fasterxml.jackson.databind.JsonNode;
import dev.junction.translators.model.ChatRequest;

import java.util.Map;

/**
 * A decoded {@code POST /v1/responses} body: the canonical request every vendor serves, plus the
 * settings the {@code response} object echoes back (OpenAI's Responses API returns the request's
 * settings with every answer, wire-formats §1.11.4) and the state fields the gateway, not a vendor,
 * acts on ({@code store}, {@code previous_response_id}).
 *
 * @param tools      the client's function tools as the response echoes them, an empty array when none
 * @param toolChoice as sent, {@code "auto"} when absent
 * @param text       as sent, {@code {"format":{"type":"text"}}} when absent
 * @param reasoning  as sent, or null
 * @param metadata   echoed only: a vendor never sees it
 */
public record ResponsesRequest(ChatRequest chat, String instructions, Integer maxOutputTokens,
                               boolean parallelToolCalls, String previousResponseId, boolean store,
                               double temperature, double topP, JsonNode tools, JsonNode toolChoice,
                               JsonNode text, JsonNode reasoning, Map<String, String> metadata, String user) {

    public ResponsesRequest {
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }
}
