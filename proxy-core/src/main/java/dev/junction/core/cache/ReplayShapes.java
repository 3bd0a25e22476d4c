package dev.junction.core.cache;

/**
 * The doors the response cache can record and replay, by the door's name (the ingress request's
 * {@code door()}). A door without a shape here is never cached: its requests pass the cache by
 * (no lookup, no {@code x-junction-cache}). A new door joins with one line and its
 * {@link ReplayShape}; the key already includes the door, so its entries never mix with another's.
 */
public final class ReplayShapes {

    private ReplayShapes() {
    }

    /** The shape of {@code door}, or null when that door is not cached. */
    public static ReplayShape of(String door) {
        if (door == null) {
            return null;
        }
        return switch (door) {
            case "chat" -> ChatShape.INSTANCE;
            case "embeddings" -> EmbeddingsShape.INSTANCE;
            case "messages" -> MessagesShape.INSTANCE;
            case "responses" -> ResponsesShape.INSTANCE;
            default -> null;
        };
    }
}
