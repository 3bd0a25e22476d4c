/**
 * The Anthropic Messages door: the ingress codec that lets Anthropic SDKs and tools built on them
 * (wire-formats §2, SPEC §3.2) reach any vendor through the canonical model, beside the OpenAI chat
 * codec of {@code dev.junction.translators.openai}. Vendor adapters serve it unchanged: they see a
 * canonical request and produce canonical answers and stream events, whichever door they came by.
 *
 * <ul>
 *   <li>{@link dev.junction.translators.messages.MessagesRequestDecoder}: a Messages body (and a
 *       {@code count_tokens} body) → canonical request, with the chat codec's parser, limits and
 *       error vocabulary; what has no canonical form is refused with {@code unsupported_capability}.</li>
 *   <li>{@link dev.junction.translators.messages.MessagesResponseEncoder}: canonical answer →
 *       Anthropic {@code Message}; the {@code count_tokens} answer.</li>
 *   <li>{@link dev.junction.translators.messages.MessagesStreamEncoder}: canonical stream events →
 *       Anthropic's event stream, one instance per answer.</li>
 *   <li>{@link dev.junction.translators.messages.MessagesErrors}: SPEC §4 failures in Anthropic's
 *       error shape and statuses, as an HTTP body or an in-band {@code event: error}.</li>
 *   <li>{@link dev.junction.translators.messages.NamedEvents}: named SSE events and JSON bodies into
 *       pooled buffers (shared with the Responses door).</li>
 * </ul>
 *
 * <p>A Messages request for an Anthropic deployment does not need this codec: its bytes can be
 * carried with only {@code model} replaced, as chat requests are for OpenAI-shaped vendors.
 */
package dev.junction.translators.messages;
