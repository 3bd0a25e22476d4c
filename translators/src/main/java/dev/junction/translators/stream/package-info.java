/**
 * Stream glue beside the codecs: one {@link dev.junction.translators.stream.StreamProcessor} per
 * streamed attempt turns the vendor's body into the client's OpenAI SSE frames and judges it by the
 * SPEC §5 rules of {@link dev.junction.stream.StreamGuard}. Pure work over bytes: no channel, no
 * proxy type; the proxy feeds it what the upstream sent and writes what it returns.
 * <ul>
 *   <li>{@link dev.junction.translators.stream.PassThroughStreamProcessor}: an OpenAI-shaped vendor's
 *       chunks forwarded as its bytes (usage hidden or re-emitted as {@link dev.junction.translators.stream.UsageChunk},
 *       dialect finish reasons).</li>
 *   <li>{@link dev.junction.translators.stream.TranslatedStreamProcessor}: a vendor's events through its
 *       {@link dev.junction.translators.spi.StreamTranslator} and the OpenAI chunk writer.</li>
 *   <li>{@link dev.junction.translators.stream.FanOutStreamProcessor}: the {@code n} streams of a
 *       fanned-out request merged into one answer.</li>
 *   <li>{@link dev.junction.translators.stream.UsageScanner}: the usage of an OpenAI-shaped unary answer.</li>
 * </ul>
 */
package dev.junction.translators.stream;
