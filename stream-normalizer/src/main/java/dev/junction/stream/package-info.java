/**
 * The vendor-neutral streaming machinery (DESIGN "stream-normalizer", SPEC §5): the pieces every
 * stream is made of. The processors that assemble them per attempt live beside the codecs, in
 * {@code dev.junction.translators.stream}.
 *
 * <p>How a streamed answer flows through them (what runs for every streamed request):
 * <ul>
 *   <li>Upstream bytes → {@link dev.junction.stream.SseDecoder} → {@link dev.junction.stream.SseEvent}s
 *       (zero-copy slices where possible).</li>
 *   <li>OpenAI-shaped upstream (pass-through): each event's data → {@link dev.junction.stream.OpenAiChunkInspector}
 *       (content? finished choices? usage? error? {@code [DONE]}?) → {@link dev.junction.stream.StreamGuard#forwarded}
 *       and {@link dev.junction.stream.StreamGuard#finished}; the chunk is forwarded as the same bytes with
 *       {@link dev.junction.stream.SseFrames#data}.</li>
 *   <li>Other vendors: a vendor stream translator turns events into canonical
 *       {@link dev.junction.stream.StreamEvent}s → {@link dev.junction.stream.StreamGuard#observe} and
 *       {@link dev.junction.stream.OpenAiChunkWriter} (OpenAI {@code chat.completion.chunk} frames).</li>
 *   <li>{@link dev.junction.stream.StreamGuard} is the one copy of the SPEC §5 rules: its
 *       {@link dev.junction.stream.StreamGuard#committed()} is the commit point the exchange holds frames
 *       back for, and its {@link dev.junction.stream.StreamGuard.Verdict} says how a stream that ended or
 *       failed is answered: finish ({@code [DONE]}), retry/fail over (nothing committed), or fail in-band
 *       with the error that {@link dev.junction.stream.ErrorJson} renders — the one place for OpenAI error
 *       JSON.</li>
 * </ul>
 *
 * <p>{@link dev.junction.stream.StreamAccumulator} and {@link dev.junction.stream.ToolCallAccumulator}
 * fold a canonical stream into its final answer; no running path uses them yet (they are for caching a
 * streamed answer).
 *
 * <p>Buffer ownership: every method says whether it takes ownership of a {@code ByteBuf}; frames
 * returned to the caller are the caller's to write or release. Nothing here blocks or keeps a
 * reference to a caller's buffer past the call.
 */
package dev.junction.stream;
