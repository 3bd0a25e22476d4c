package dev.junction.translators.passthrough;

/**
 * What the pass-through path learns from one scan of an OpenAI request body, without building a
 * tree: where the top-level {@code model} and {@code stream_options} values sit (byte offsets
 * relative to the body's reader index, end exclusive; -1 when absent), and the facts routing needs.
 *
 * @param model               the {@code model} string
 * @param stream              {@code stream: true}
 * @param includeUsage        {@code stream_options.include_usage: true}
 * @param streamOptionsStart  start of the {@code stream_options} value, or -1
 * @param imageParts          number of {@code image_url} parts in the messages
 * @param toolCount           number of entries in {@code tools}
 * @param jsonSchema          {@code response_format.type == "json_schema"}
 * @param maxTokens           {@code max_completion_tokens}, else {@code max_tokens}, else -1
 * @param n                   {@code n}, 1 when absent
 * @param textBytes           bytes of the messages array (an upper bound of the prompt size)
 * @param inlineMediaBytes    bytes of long strings inside the messages (base64 media), not prompt text
 */
public record OpenAiRequestFacts(String model, int modelStart, int modelEnd, boolean stream, boolean includeUsage,
                                 int streamOptionsStart, int streamOptionsEnd, int imageParts, int toolCount,
                                 boolean jsonSchema, long maxTokens, int n, long textBytes,
                                 long inlineMediaBytes) {
}
