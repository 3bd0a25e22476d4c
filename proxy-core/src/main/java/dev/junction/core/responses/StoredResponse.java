package dev.junction.core.responses;

/**
 * A response kept for {@code store: true} (SPEC §3.1): the {@code response} object as the client
 * received it, and the conversation's input items that led to it (the request's own input, with an
 * earlier response's history already expanded), so a later {@code previous_response_id} can carry
 * the whole conversation to any vendor.
 *
 * @param owner     the gateway key name that created it; no other key sees it
 * @param createdAt epoch milliseconds
 * @param expiresAt epoch milliseconds; gone after this ({@code tasks.task-retention} after creation)
 * @param response  the {@code response} object, JSON
 * @param input     the input items, a JSON array
 */
public record StoredResponse(String id, String owner, long createdAt, long expiresAt, byte[] response, byte[] input) {
}
