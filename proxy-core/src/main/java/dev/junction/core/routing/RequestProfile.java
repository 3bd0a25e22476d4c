package dev.junction.core.routing;

import dev.junction.core.catalog.Capability;
import dev.junction.translators.VendorRegistry;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ContentPart;
import dev.junction.translators.model.EmbeddingsRequest;
import dev.junction.translators.model.MediaSource;
import dev.junction.translators.model.Message;
import dev.junction.translators.model.ResponseFormat;
import dev.junction.translators.model.Tool;
import dev.junction.translators.model.ToolCall;

import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What a request needs from a deployment (SPEC §7 candidates): capabilities, an estimate of its
 * input tokens and the output it asked for.
 *
 * <p><b>Token estimate.</b> Cheap (no tokenizer; one pass over the text) and conservative, because
 * under-estimating sends a prompt to a deployment that will reject it: every UTF-8 byte of text
 * (messages, tool definitions, tool-call arguments, JSON schema) counts as 1/3 token (English
 * averages ~4 bytes per token, CJK ~3, so this over-estimates by up to ~35% on English), plus
 * {@value #TOKENS_PER_MESSAGE} tokens of framing per message and {@value #TOKENS_PER_IMAGE} per
 * image, audio clip or file given by URL (Anthropic's largest image costs ~1,600 tokens; OpenAI and
 * Gemini charge less). Inline files and audio count one token per {@value #MEDIA_BYTES_PER_TOKEN}
 * decoded bytes (a PDF page is ~1,500-3,000 tokens in 20-100 KB; audio far fewer). Vendors that bill
 * images at a multiple (gpt-4o-mini) are not modelled: the estimate sizes context, not the bill.
 *
 * @param needs                capabilities every candidate must have (unmodifiable enum set)
 * @param estimatedInputTokens conservative estimate of the prompt size in tokens
 * @param requestedMaxOutput   {@code max_completion_tokens} / {@code max_tokens}, or null when not set
 */
public record RequestProfile(Set<Capability> needs, long estimatedInputTokens, Integer requestedMaxOutput) {

    public static final int BYTES_PER_TOKEN = 3;
    public static final int TOKENS_PER_MESSAGE = 8;
    public static final int TOKENS_PER_IMAGE = 1600;
    public static final int MEDIA_BYTES_PER_TOKEN = 16;

    public RequestProfile {
        needs = Collections.unmodifiableSet(needs.isEmpty() ? EnumSet.noneOf(Capability.class) : EnumSet.copyOf(needs));
        if (estimatedInputTokens < 0) {
            throw new IllegalArgumentException("estimatedInputTokens < 0");
        }
    }

    /** From a decoded chat-completions request. */
    public static RequestProfile of(ChatRequest r) {
        EnumSet<Capability> needs = EnumSet.noneOf(Capability.class);
        long bytes = 0;
        long tokens = 0;
        if (r.stream()) {
            needs.add(Capability.STREAMING);
        }
        if (r.tools() != null && !r.tools().isEmpty()) {
            needs.add(Capability.TOOLS);
            for (Tool t : r.tools()) {
                bytes += utf8(t.name()) + utf8(t.description())
                        + (t.parameters() == null ? 0 : utf8(t.parameters().toString()));
            }
        }
        if (r.responseFormat() instanceof ResponseFormat.JsonSchema js) {
            needs.add(Capability.JSON_SCHEMA);
            bytes += utf8(js.name()) + utf8(js.description()) + (js.schema() == null ? 0 : utf8(js.schema().toString()));
        }
        if (r.reasoningEffort() != null || r.reasoningBudget() != null) {
            needs.add(Capability.REASONING);
        }
        for (Message m : r.messages()) {
            tokens += TOKENS_PER_MESSAGE;
            List<ContentPart> content;
            if (m instanceof Message.System s) {
                content = s.content();
            } else if (m instanceof Message.User u) {
                content = u.content();
            } else if (m instanceof Message.Assistant a) {
                content = a.content();
                bytes += utf8(a.reasoning());
                if (a.toolCalls() != null && !a.toolCalls().isEmpty()) {
                    needs.add(Capability.TOOLS);
                    for (ToolCall c : a.toolCalls()) {
                        bytes += utf8(c.name()) + utf8(c.arguments());
                    }
                }
            } else if (m instanceof Message.Tool t) {
                needs.add(Capability.TOOLS);
                content = t.content();
            } else {
                content = List.of();
            }
            if (content == null) {
                continue;
            }
            for (ContentPart p : content) {
                if (p instanceof ContentPart.Text t) {
                    bytes += utf8(t.text());
                } else if (p instanceof ContentPart.Refusal rf) {
                    bytes += utf8(rf.refusal());
                } else if (p instanceof ContentPart.Image) {
                    needs.add(Capability.VISION);
                    tokens += TOKENS_PER_IMAGE;
                } else if (p instanceof ContentPart.Audio a) {
                    tokens += media(a.source());
                } else if (p instanceof ContentPart.File f) {
                    tokens += media(f.source());
                }
            }
        }
        return new RequestProfile(needs, tokens + ceilDiv(bytes, BYTES_PER_TOKEN), r.maxTokens());
    }

    /**
     * For the pass-through path, where the proxy only scanned the body for a few facts.
     *
     * @param bodyBytes        size of the request body
     * @param inlineMediaBytes bytes of base64 media inside the body (0 when unknown); not counted as text
     * @param images           images in the request (each counted at {@value #TOKENS_PER_IMAGE})
     */
    public static RequestProfile passThrough(boolean tools, int images, boolean jsonSchema, boolean stream,
                                             boolean reasoning, long bodyBytes, long inlineMediaBytes,
                                             Integer maxTokens) {
        EnumSet<Capability> needs = EnumSet.noneOf(Capability.class);
        if (tools) {
            needs.add(Capability.TOOLS);
        }
        if (images > 0) {
            needs.add(Capability.VISION);
        }
        if (jsonSchema) {
            needs.add(Capability.JSON_SCHEMA);
        }
        if (stream) {
            needs.add(Capability.STREAMING);
        }
        if (reasoning) {
            needs.add(Capability.REASONING);
        }
        long text = Math.max(0, bodyBytes - Math.max(0, inlineMediaBytes));
        return new RequestProfile(needs, ceilDiv(text, BYTES_PER_TOKEN) + (long) Math.max(0, images) * TOKENS_PER_IMAGE,
                maxTokens);
    }

    /** From an embeddings request: needs {@code embeddings}; each input must fit the context window. */
    public static RequestProfile of(EmbeddingsRequest r) {
        long largest = 0;
        if (r.inputs() != null) {
            for (String s : r.inputs()) {
                largest = Math.max(largest, ceilDiv(utf8(s), BYTES_PER_TOKEN));
            }
        }
        if (r.tokenInputs() != null) {
            for (int[] t : r.tokenInputs()) {
                largest = Math.max(largest, t.length);
            }
        }
        // The context limit of an embeddings model applies per input, so the largest one is what must fit.
        return new RequestProfile(EnumSet.of(Capability.EMBEDDINGS), largest, null);
    }

    public boolean needs(Capability c) {
        return needs.contains(c);
    }

    /**
     * The kind of request, which decides the provider types that can serve it: read from the
     * capability that only that kind of request needs ({@code video}, {@code images},
     * {@code embeddings}); anything else is a chat request.
     */
    public VendorRegistry.Operation operation() {
        return needs.contains(Capability.VIDEO) ? VendorRegistry.Operation.VIDEO
                : needs.contains(Capability.IMAGES) ? VendorRegistry.Operation.IMAGES
                : needs.contains(Capability.EMBEDDINGS) ? VendorRegistry.Operation.EMBEDDINGS
                : VendorRegistry.Operation.CHAT;
    }

    private static long media(MediaSource source) {
        if (source instanceof MediaSource.Inline in) {
            long decoded = (long) in.base64().length() * 3 / 4;
            return ceilDiv(decoded, MEDIA_BYTES_PER_TOKEN);
        }
        return TOKENS_PER_IMAGE;
    }

    /** UTF-8 length without encoding (surrogate pairs count 4 bytes: 2 chars × 2). */
    static long utf8(String s) {
        if (s == null) {
            return 0;
        }
        long n = 0;
        for (int i = 0, len = s.length(); i < len; i++) {
            char c = s.charAt(i);
            n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
        }
        return n;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
