/**
 * The OpenAI Responses door: the ingress codec that lets Responses clients (the OpenAI SDKs'
 * {@code responses} API, agents built on it) reach translated vendors through the canonical model
 * (wire-formats §1.11, SPEC §3.1), beside the chat codec and the Anthropic Messages codec.
 *
 * <ul>
 *   <li>{@link dev.junction.translators.responses.ResponsesRequestDecoder}: a Responses body →
 *       {@link dev.junction.translators.responses.ResponsesRequest}: the canonical request plus the
 *       settings the response echoes and the state fields ({@code store},
 *       {@code previous_response_id}) the gateway acts on.</li>
 *   <li>{@link dev.junction.translators.responses.ResponsesResponseEncoder}: canonical answer → the
 *       {@code response} object.</li>
 *   <li>{@link dev.junction.translators.responses.ResponsesStreamEncoder}: canonical stream events →
 *       the typed event stream with {@code sequence_number}, one instance per answer.</li>
 * </ul>
 * Errors before the commit point are SPEC §4 JSON (the chat door's), after it the stream encoder's
 * {@code error} + {@code response.failed}. Storing responses for {@code previous_response_id} is not
 * the codec's job: it decodes what a request says and renders what an answer is.
 */
package dev.junction.translators.responses;
