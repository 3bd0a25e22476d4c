package dev.junction.simulator;

import java.time.Duration;

/**
 * Server-wide settings of a {@link VendorSimulator}. Build with {@link #builder()}.
 *
 * @param port                 TCP port on 127.0.0.1; 0 picks an ephemeral port
 * @param openAiKey            expected OpenAI key ({@code Authorization: Bearer}); null accepts any or none
 * @param anthropicKey         expected Anthropic key ({@code x-api-key} or Bearer); null accepts any or none
 * @param geminiKey            expected Gemini key ({@code x-goog-api-key} or {@code ?key=}); null accepts any or none
 * @param latency              default delay before the first byte
 * @param tokensPerSecond      default stream pacing; 0 sends every chunk at once
 * @param replyTokens          default reply length in tokens (words)
 * @param faults               probabilistic faults applied to unscripted requests
 * @param maxRecordedRequests  how many recent requests {@link VendorSimulator#requests()} keeps (0 = none)
 * @param ioThreads            event-loop threads (0 = Netty's default)
 */
public record SimulatorOptions(int port, String openAiKey, String anthropicKey, String geminiKey, Duration latency,
                               double tokensPerSecond, int replyTokens, FaultProfile faults, int maxRecordedRequests,
                               int ioThreads) {

    public SimulatorOptions {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        latency = latency == null ? Duration.ZERO : latency;
        if (latency.isNegative()) {
            throw new IllegalArgumentException("latency must be >= 0");
        }
        if (tokensPerSecond < 0) {
            throw new IllegalArgumentException("tokensPerSecond must be >= 0");
        }
        if (replyTokens < 0) {
            throw new IllegalArgumentException("replyTokens must be >= 0");
        }
        faults = faults == null ? FaultProfile.NONE : faults;
        if (maxRecordedRequests < 0 || ioThreads < 0) {
            throw new IllegalArgumentException("maxRecordedRequests and ioThreads must be >= 0");
        }
    }

    public static SimulatorOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private int port;
        private String openAiKey;
        private String anthropicKey;
        private String geminiKey;
        private Duration latency = Duration.ZERO;
        private double tokensPerSecond;
        private int replyTokens = 12;
        private FaultProfile faults = FaultProfile.NONE;
        private int maxRecordedRequests = 10_000;
        private int ioThreads;

        private Builder() {
        }

        public Builder port(int port) { this.port = port; return this; }
        public Builder openAiKey(String key) { this.openAiKey = key; return this; }
        public Builder anthropicKey(String key) { this.anthropicKey = key; return this; }
        public Builder geminiKey(String key) { this.geminiKey = key; return this; }
        public Builder latency(Duration latency) { this.latency = latency; return this; }
        public Builder tokensPerSecond(double tps) { this.tokensPerSecond = tps; return this; }
        public Builder replyTokens(int tokens) { this.replyTokens = tokens; return this; }
        public Builder faults(FaultProfile faults) { this.faults = faults; return this; }
        public Builder maxRecordedRequests(int max) { this.maxRecordedRequests = max; return this; }
        public Builder ioThreads(int threads) { this.ioThreads = threads; return this; }

        public SimulatorOptions build() {
            return new SimulatorOptions(port, openAiKey, anthropicKey, geminiKey, latency, tokensPerSecond,
                    replyTokens, faults, maxRecordedRequests, ioThreads);
        }
    }
}
