package dev.junction.translators.gemini;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * The closed set of things Gemini sends back on {@code generateContent} and on each SSE event of
 * {@code streamGenerateContent?alt=sse} (wire-formats §3.3, §3.4): a {@code GenerateContentResponse}
 * (unary answers and stream chunks share one shape; a chunk only holds the new parts) or a
 * {@code google.rpc.Status} error object. Only the fields Junction translates are modelled.
 */
public sealed interface GeminiEvent {

    /**
     * One {@code GenerateContentResponse}. {@code blockReason} is {@code promptFeedback.blockReason}
     * (null when the prompt was not blocked); {@code usage} is null when the chunk carried none.
     */
    record Chunk(String responseId, String modelVersion, List<Candidate> candidates, String blockReason,
                 UsageMetadata usage) implements GeminiEvent {
        public Chunk {
            candidates = List.copyOf(candidates);
        }
    }

    /** {@code {"error":{code,message,status,details}}}; {@code error} is the inner object. */
    record Failure(int code, String status, String message, JsonNode error) implements GeminiEvent {
    }

    /** {@code finishReason} is null until the candidate's last chunk. */
    record Candidate(int index, List<Part> parts, String finishReason) {
        public Candidate {
            parts = List.copyOf(parts);
        }
    }

    /** A content part (wire-formats §3.2 "Part"). */
    sealed interface Part {
    }

    /** A text part; {@code thought} parts are reasoning summaries, never content (§3.3). */
    record Text(String text, boolean thought, String thoughtSignature) implements Part {
    }

    /**
     * A whole function call: Gemini never splits arguments (§3.4). {@code argsJson} is the
     * compact JSON of {@code args}, or {@code "{}"} when the call has none (§8 item 12).
     */
    record FunctionCall(String name, String argsJson, String thoughtSignature) implements Part {
    }

    /** A part kind Junction does not translate (inline output media, executable code, ...). */
    record Other(String kind) implements Part {
    }

    /** {@code usageMetadata}, cumulative on stream chunks (§3.4); absent counts are 0. */
    record UsageMetadata(long promptTokenCount, long candidatesTokenCount, long toolUsePromptTokenCount,
                         long thoughtsTokenCount, long cachedContentTokenCount, long totalTokenCount) {
    }
}
