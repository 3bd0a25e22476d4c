package dev.junction.simulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A scripted answer for one request. Every field is optional (null = not scripted): unset fields
 * fall back to the in-prompt directives, then to the {@link SimulatorOptions} defaults, so a
 * behaviour only states what a test cares about. Build with {@link #builder()}.
 *
 * @param status                HTTP status; non-2xx answers with the vendor's error shape (wire-formats §1.6, §2.5, §3.5)
 * @param errorBody             raw error body replacing the vendor-shaped default (sent with {@code status})
 * @param errorCode             a named error variant, see {@link VendorSimulator} for the list
 *                              (e.g. {@code insufficient_quota}, {@code context_length_exceeded}, {@code per_day})
 * @param headers               extra response headers (e.g. {@code retry-after})
 * @param latency               delay before the first byte of the response
 * @param tokensPerSecond       stream pacing; 0 sends every chunk at once
 * @param text                  reply text (tokens = whitespace-separated words)
 * @param tokens                reply length in tokens when no text is given
 * @param echo                  reply with the last user message text (directives removed)
 * @param toolCalls             function calls to emit; several are parallel calls
 * @param finish                finish kind; derived (tool calls, length limit, stop) when null
 * @param promptTokens          prompt token count to report (estimated from the request size when null)
 * @param cachedTokens          cached prompt tokens to report
 * @param reasoningTokens       reasoning tokens: reported in usage, and emitted as an Anthropic
 *                              thinking block / Gemini thought part of that many words
 * @param cutAfterChunks        close the connection after this many stream chunks, without terminator
 *                              (non-stream requests: close without answering)
 * @param stallAfterChunks      stop sending after this many chunks but keep the connection open
 *                              (non-stream requests: never answer)
 * @param errorEventAfterChunks send the vendor's mid-stream error event after this many chunks
 * @param blockReason           Gemini only: answer {@code promptFeedback.blockReason} with no candidates
 * @param azureEmptyFirstChunk  OpenAI streams only: lead with Azure's empty {@code choices:[]} chunk (§6.2)
 */
public record Behavior(
        Integer status,
        String errorBody,
        String errorCode,
        Map<String, String> headers,
        Duration latency,
        Double tokensPerSecond,
        String text,
        Integer tokens,
        Boolean echo,
        List<ToolCall> toolCalls,
        Finish finish,
        Integer promptTokens,
        Integer cachedTokens,
        Integer reasoningTokens,
        Integer cutAfterChunks,
        Integer stallAfterChunks,
        Integer errorEventAfterChunks,
        String blockReason,
        Boolean azureEmptyFirstChunk) {

    /** A behaviour that scripts nothing. */
    public static final Behavior NONE = builder().build();

    public Behavior {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        toolCalls = toolCalls == null ? null : List.copyOf(toolCalls);
        if (status != null && (status < 100 || status > 599)) {
            throw new IllegalArgumentException("status out of range: " + status);
        }
        if (tokensPerSecond != null && tokensPerSecond < 0) {
            throw new IllegalArgumentException("tokensPerSecond must be >= 0");
        }
        if (latency != null && latency.isNegative()) {
            throw new IllegalArgumentException("latency must be >= 0");
        }
        nonNegative("tokens", tokens);
        nonNegative("promptTokens", promptTokens);
        nonNegative("cachedTokens", cachedTokens);
        nonNegative("reasoningTokens", reasoningTokens);
        nonNegative("cutAfterChunks", cutAfterChunks);
        nonNegative("stallAfterChunks", stallAfterChunks);
        nonNegative("errorEventAfterChunks", errorEventAfterChunks);
    }

    private static void nonNegative(String name, Integer value) {
        if (value != null && value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Shorthand for an error answer with the vendor's default body for that status. */
    public static Behavior status(int status) {
        return builder().status(status).build();
    }

    /** This behaviour with every field that {@code top} sets replaced by {@code top}'s (headers merged). */
    public Behavior overlay(Behavior top) {
        if (top == null || top == NONE) {
            return this;
        }
        Map<String, String> mergedHeaders = new LinkedHashMap<>(headers);
        mergedHeaders.putAll(top.headers);
        return new Behavior(
                pick(top.status, status), pick(top.errorBody, errorBody), pick(top.errorCode, errorCode),
                mergedHeaders, pick(top.latency, latency), pick(top.tokensPerSecond, tokensPerSecond),
                pick(top.text, text), pick(top.tokens, tokens), pick(top.echo, echo),
                pick(top.toolCalls, toolCalls), pick(top.finish, finish), pick(top.promptTokens, promptTokens),
                pick(top.cachedTokens, cachedTokens), pick(top.reasoningTokens, reasoningTokens),
                pick(top.cutAfterChunks, cutAfterChunks), pick(top.stallAfterChunks, stallAfterChunks),
                pick(top.errorEventAfterChunks, errorEventAfterChunks), pick(top.blockReason, blockReason),
                pick(top.azureEmptyFirstChunk, azureEmptyFirstChunk));
    }

    private static <T> T pick(T top, T base) {
        return top != null ? top : base;
    }

    /** Whether this behaviour scripts anything at all. */
    public boolean isEmpty() {
        return equals(NONE);
    }

    public static final class Builder {
        private Integer status;
        private String errorBody;
        private String errorCode;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private Duration latency;
        private Double tokensPerSecond;
        private String text;
        private Integer tokens;
        private Boolean echo;
        private List<ToolCall> toolCalls;
        private Finish finish;
        private Integer promptTokens;
        private Integer cachedTokens;
        private Integer reasoningTokens;
        private Integer cutAfterChunks;
        private Integer stallAfterChunks;
        private Integer errorEventAfterChunks;
        private String blockReason;
        private Boolean azureEmptyFirstChunk;

        private Builder() {
        }

        public Builder status(int status) { this.status = status; return this; }
        public Builder errorBody(String errorBody) { this.errorBody = errorBody; return this; }
        public Builder errorCode(String errorCode) { this.errorCode = errorCode; return this; }
        public Builder header(String name, String value) { headers.put(name.toLowerCase(java.util.Locale.ROOT), value); return this; }
        public Builder retryAfterSeconds(long seconds) { return header("retry-after", Long.toString(seconds)); }
        public Builder latency(Duration latency) { this.latency = latency; return this; }
        public Builder tokensPerSecond(double tokensPerSecond) { this.tokensPerSecond = tokensPerSecond; return this; }
        public Builder text(String text) { this.text = text; return this; }
        public Builder tokens(int tokens) { this.tokens = tokens; return this; }
        public Builder echo(boolean echo) { this.echo = echo; return this; }
        public Builder finish(Finish finish) { this.finish = finish; return this; }
        public Builder promptTokens(int promptTokens) { this.promptTokens = promptTokens; return this; }
        public Builder cachedTokens(int cachedTokens) { this.cachedTokens = cachedTokens; return this; }
        public Builder reasoningTokens(int reasoningTokens) { this.reasoningTokens = reasoningTokens; return this; }
        public Builder cutAfterChunks(int chunks) { this.cutAfterChunks = chunks; return this; }
        public Builder stallAfterChunks(int chunks) { this.stallAfterChunks = chunks; return this; }
        public Builder errorEventAfterChunks(int chunks) { this.errorEventAfterChunks = chunks; return this; }
        public Builder blockReason(String blockReason) { this.blockReason = blockReason; return this; }
        public Builder azureEmptyFirstChunk(boolean azure) { this.azureEmptyFirstChunk = azure; return this; }

        /** Adds one function call; call repeatedly for parallel calls. */
        public Builder toolCall(String name, String argumentsJson) {
            if (toolCalls == null) {
                toolCalls = new ArrayList<>();
            }
            toolCalls.add(new ToolCall(name, argumentsJson));
            return this;
        }

        public Builder toolCalls(List<ToolCall> calls) {
            this.toolCalls = new ArrayList<>(calls);
            return this;
        }

        public Behavior build() {
            return new Behavior(status, errorBody, errorCode, headers, latency, tokensPerSecond, text, tokens, echo,
                    toolCalls, finish, promptTokens, cachedTokens, reasoningTokens, cutAfterChunks, stallAfterChunks,
                    errorEventAfterChunks, blockReason, azureEmptyFirstChunk);
        }
    }
}
