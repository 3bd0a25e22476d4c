package dev.junction.simulator;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** What the simulator sends back for one request: a whole body, or a paced stream of frames. */
sealed interface Answer {

    /** Delay before the first byte. */
    long latencyNanos();

    Map<String, String> headers();

    /** A complete response with a {@code content-length}. */
    record Unary(int status, String contentType, Map<String, String> headers, byte[] body, long latencyNanos)
            implements Answer {

        static Unary json(int status, Map<String, String> headers, byte[] body, long latencyNanos) {
            return new Unary(status, "application/json", headers, body, latencyNanos);
        }
    }

    /**
     * A chunked {@code 200} stream. Frames are written in order; a paced frame waits
     * {@code intervalNanos} after the previous paced one. The {@code *After} counts are numbers of
     * frames written before the fault fires (-1 = no fault).
     *
     * @param terminator bytes sent after the last frame (OpenAI {@code data: [DONE]}), or null
     *                   (Anthropic ends with its {@code message_stop} frame, Gemini with nothing, §0.2)
     * @param errorFrame the vendor's mid-stream error event, used by {@code errorAfter}
     */
    record Streamed(Map<String, String> headers, List<Frame> frames, byte[] terminator, byte[] errorFrame,
                    int cutAfter, int stallAfter, int errorAfter, long intervalNanos, long latencyNanos)
            implements Answer {

        public Streamed {
            frames = List.copyOf(frames);
        }
    }

    /**
     * No answer at all, for faults on non-stream requests ({@code cut}/{@code stall} directives):
     * after the latency the connection is closed without a byte ({@code close}), or kept open
     * with the request unanswered until the client gives up.
     */
    record Silence(boolean close, long latencyNanos) implements Answer {
        @Override
        public Map<String, String> headers() {
            return Map.of();
        }

        /** The fault a non-stream request asked for, or null. */
        static Silence of(Behavior b, long latencyNanos) {
            if (b.cutAfterChunks() != null) {
                return new Silence(true, latencyNanos);
            }
            if (b.stallAfterChunks() != null) {
                return new Silence(false, latencyNanos);
            }
            return null;
        }
    }

    /** One SSE event, already framed ({@code data: ...\n\n}). */
    record Frame(byte[] bytes, boolean paced) {

        static Frame data(String json, boolean paced) {
            return new Frame(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8), paced);
        }

        static Frame event(String event, String json, boolean paced) {
            return new Frame(("event: " + event + "\ndata: " + json + "\n\n").getBytes(StandardCharsets.UTF_8), paced);
        }
    }
}
