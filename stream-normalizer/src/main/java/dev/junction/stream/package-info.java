/**
 * The vendor-neutral streaming machinery (DESIGN "stream-normalizer", SPEC §5).
 *
 * <p>How a streamed answer flows through it:
 * <ul>
 *   <li>Upstream bytes → {@link dev.junction.stream.SseDecoder} → {@link dev.junction.stream.SseEvent}s
 *       (zero-copy slices where possible).</li>
 *   <li>OpenAI-shaped upstream (pass-through): each event's data → {@link dev.junction.stream.OpenAiChunkInspector}
 *       (content? finished choices? usage? error?) → {@link dev.junction.stream.StreamGuard}; the chunk
 *       is forwarded as the same bytes with {@link dev.junction.stream.SseFrames#data}.</li>
 *   <li>Other vendors: a vendor stream translator turns events into canonical
 *       {@link dev.junction.stream.StreamEvent}s → {@link dev.junction.stream.StreamGuard#observe} and
 *       {@link dev.junction.stream.OpenAiChunkWriter} (OpenAI {@code chat.completion.chunk} frames), and
 *       optionally {@link dev.junction.stream.StreamAccumulator} (caching, {@code n > 1} merges).</li>
 *   <li>At the end the guard's {@link dev.junction.stream.StreamGuard.Verdict} says: finish
 *       ({@code [DONE]}), retry/fail over (nothing committed), or fail in-band with the error that
 *       {@link dev.junction.stream.ErrorJson} renders — the one place for OpenAI error JSON.</li>
 * </ul>
 *
 * <p>Buffer ownership: every method says whether it takes ownership of a {@code ByteBuf}; frames
 * returned to the caller are the caller's to write or release. Nothing here blocks or keeps a
 * reference to a caller's buffer past the call.
 */
package dev.junction.stream;
