/**
 * The Google Gemini API vendor ({@code type = gemini}, wire-formats §3, §4, §5): {@link
 * dev.junction.translators.gemini.GeminiAdapter} is the entry point.
 *
 * <p>Decisions taken where the reference leaves a choice (each is explained where it is made):
 * <ul>
 *   <li>Parameters: one declarative table ({@code GeminiParameters}); fields Gemini cannot honour
 *       are rejected with {@code unsupported_capability} unless the provider sets
 *       {@code unsupported = drop}; fields without effect on the answer ({@code user},
 *       {@code metadata}, {@code store}, ...) are dropped with a warning. {@code temperature: 0}
 *       is forwarded as is. {@code reasoning_effort} becomes {@code thinkingBudget} (default) or
 *       {@code thinkingLevel} ({@code thinking = level}), never both.</li>
 *   <li>Messages ({@code GeminiRequestWriter}): system/developer messages only at the start;
 *       tool results as {@code {"output": text}} with the function name recovered from the
 *       assistant call id; thought signatures carried in tool call ids as
 *       {@code <id>__thought__<base64url>} ({@link dev.junction.translators.gemini.ThoughtSignatures}),
 *       with the {@code skip_thought_signature_validator} sentinel for the first call of a turn
 *       that has none; data-URL media spliced into the body as slices; only Gemini Files API and
 *       YouTube URLs are accepted as remote media (no fetching).</li>
 *   <li>Answers ({@code GeminiResponses}): {@code STOP} with calls is {@code tool_calls};
 *       {@code RECITATION} and the safety family are {@code content_filter}; a blocked prompt is a
 *       400 {@code content_filter}; usage counts {@code toolUsePromptTokenCount} as prompt and
 *       thoughts as completion (and reasoning), so the total equals Gemini's.</li>
 *   <li>Errors ({@code GeminiErrors}): a rejected key (400 {@code API_KEY_INVALID}, 401, 403) is
 *       502 {@code upstream_authentication_failed}; 402, per-day quotas, "limit: 0" and
 *       {@code FAILED_PRECONDITION} are {@code upstream_quota_exhausted}; per-minute (or bare)
 *       429s are {@code upstream_rate_limited} with {@code RetryInfo.retryDelay}.</li>
 *   <li>Embeddings: {@code batchEmbedContents}, at most 100 inputs, usage estimated as one token
 *       per 4 UTF-8 bytes because Gemini reports none.</li>
 * </ul>
 */
package dev.junction.translators.gemini;
