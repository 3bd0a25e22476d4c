package dev.junction.simulator;

import java.util.ArrayList;
import java.util.List;

/**
 * The vendor-neutral content of one simulated generation, resolved from the merged behaviour and
 * the request: reply tokens, tool calls, finish kind and consistent usage numbers. Each vendor
 * renders it in its own wire format.
 */
final class Script {

    /** Reply words; joined with single spaces they form {@link #text}. */
    final List<String> words;
    final String text;
    final List<ToolCall> tools;
    final Finish finish;
    final List<String> reasoningWords;
    final int promptTokens;
    final int cachedTokens;
    final int reasoningTokens;
    /** Visible output tokens: reply words plus tool-call tokens (reasoning excluded). */
    final int outputTokens;

    private Script(List<String> words, List<ToolCall> tools, Finish finish, List<String> reasoningWords,
                   int promptTokens, int cachedTokens) {
        this.words = List.copyOf(words);
        this.text = String.join(" ", words);
        this.tools = List.copyOf(tools);
        this.finish = finish;
        this.reasoningWords = List.copyOf(reasoningWords);
        this.promptTokens = promptTokens;
        this.cachedTokens = cachedTokens;
        this.reasoningTokens = reasoningWords.size();
        int toolTokens = 0;
        for (ToolCall t : tools) {
            toolTokens += toolTokens(t);
        }
        this.outputTokens = this.words.size() + toolTokens;
    }

    /** Output tokens including reasoning (OpenAI {@code completion_tokens}, Anthropic {@code output_tokens}). */
    int completionTokens() {
        return outputTokens + reasoningTokens;
    }

    /** Token pieces of the text as streamed: every word but the last carries its trailing space. */
    List<String> pieces() {
        return pieces(words);
    }

    List<String> reasoningPieces() {
        return pieces(reasoningWords);
    }

    private static List<String> pieces(List<String> words) {
        List<String> out = new ArrayList<>(words.size());
        for (int i = 0; i < words.size(); i++) {
            out.add(i + 1 < words.size() ? words.get(i) + " " : words.get(i));
        }
        return out;
    }

    static int toolTokens(ToolCall t) {
        return (t.name().length() + t.argumentsJson().length() + 3) / 4;
    }

    /**
     * @param b             the merged behaviour (enqueued over directives over defaults)
     * @param userText      the last user message text with directives removed
     * @param requestBytes  request body size, for the prompt token estimate (~4 bytes a token)
     * @param maxTokens     the request's output limit, or null
     */
    static Script resolve(Behavior b, SimulatorOptions opts, String userText, int requestBytes, Integer maxTokens) {
        List<ToolCall> tools = b.toolCalls() == null ? List.of() : b.toolCalls();
        List<String> words;
        if (b.text() != null) {
            words = split(b.text());
        } else if (Boolean.TRUE.equals(b.echo()) && !userText.isBlank()) {
            words = split(userText);
        } else if (!tools.isEmpty() && b.tokens() == null) {
            words = List.of();
        } else {
            words = defaultWords(b.tokens() != null ? b.tokens() : opts.replyTokens());
        }
        boolean truncated = false;
        if (maxTokens != null && maxTokens >= 0 && words.size() > maxTokens) {
            words = words.subList(0, maxTokens);
            truncated = true;
        }
        Finish finish = b.finish();
        if (finish == null) {
            finish = truncated ? Finish.LENGTH : tools.isEmpty() ? Finish.STOP : Finish.TOOL_CALLS;
        }
        if (finish == Finish.LENGTH || finish == Finish.REFUSAL || finish == Finish.CONTENT_FILTER) {
            // A length stop ends inside the text, and a refused answer carries no call.
            tools = List.of();
        }
        int reasoning = b.reasoningTokens() == null ? 0 : b.reasoningTokens();
        int prompt = b.promptTokens() != null ? b.promptTokens() : Math.max(1, requestBytes / 4);
        int cached = Math.min(prompt, b.cachedTokens() == null ? 0 : b.cachedTokens());
        return new Script(words, tools, finish, reasoningWordsOf(reasoning), prompt, cached);
    }

    private static List<String> split(String text) {
        String t = text.trim();
        return t.isEmpty() ? List.of() : List.of(t.split("\\s+"));
    }

    private static final String[] VOCABULARY = (
            "Lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et"
                    + " dolore magna aliqua").split(" ");

    private static final String[] THOUGHTS = "Let me think about this step by step".split(" ");

    static List<String> defaultWords(int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(VOCABULARY[i % VOCABULARY.length]);
        }
        return out;
    }

    private static List<String> reasoningWordsOf(int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(THOUGHTS[i % THOUGHTS.length]);
        }
        return out;
    }
}
