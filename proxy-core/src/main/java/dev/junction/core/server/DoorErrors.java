package dev.junction.core.server;

import dev.junction.translators.ingress.ErrorShape;
import dev.junction.translators.messages.MessagesErrors;

/**
 * The error shape of the door a request came to, known from its path alone: what the handlers
 * that refuse a request before {@link Endpoints} reads it (a body over the limit, an
 * {@code Expect: 100-continue} announcing one, a request not received in time, an unparseable
 * head) answer in. The Messages door answers in Anthropic's shape (SPEC §3.2), every other path
 * in OpenAI's (the Responses door included: its errors are OpenAI's, SPEC §3.1).
 */
final class DoorErrors {

    static final String MESSAGES = "/v1/messages";
    static final String COUNT_TOKENS = "/v1/messages/count_tokens";

    private DoorErrors() {
    }

    /** Whether {@code path} (no query) is one of the Messages door's endpoints. */
    static boolean isMessages(String path) {
        return path.equals(MESSAGES) || path.equals(COUNT_TOKENS);
    }

    /** The shape for a request to {@code uri} (query allowed); OpenAI's when {@code uri} is null. */
    static ErrorShape forUri(String uri) {
        if (uri == null || !uri.startsWith(MESSAGES)) {
            return ErrorShape.OPENAI;
        }
        int q = uri.indexOf('?');
        return isMessages(q >= 0 ? uri.substring(0, q) : uri) ? MessagesErrors.SHAPE : ErrorShape.OPENAI;
    }
}
