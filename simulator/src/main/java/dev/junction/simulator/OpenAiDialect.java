package dev.junction.simulator;

import java.util.Locale;

/**
 * How the OpenAI-shaped endpoints deviate to imitate one OpenAI-compatible server
 * (wire-formats §6.1). Chosen by a path prefix, so one simulator serves several at once:
 * {@code /groq/v1/chat/completions}, {@code /mistral/v1/chat/completions}; without a prefix the
 * endpoints are OpenAI's.
 */
enum OpenAiDialect {
    /** OpenAI itself. */
    OPENAI,
    /**
     * Groq: a stream's usage is only in {@code x_groq.usage} on its final chunk; there is no
     * top-level usage chunk and no {@code "usage": null} members, whatever {@code stream_options} says.
     */
    GROQ,
    /**
     * Mistral: every tool-call id in the request history must be nine ASCII letters or digits,
     * otherwise a 400 with Mistral's flat error body; ids it issues are of that form.
     */
    MISTRAL;

    /** The dialect whose prefix starts {@code path}, or null when the path has none. */
    static OpenAiDialect ofPrefix(String path) {
        for (OpenAiDialect d : new OpenAiDialect[] {GROQ, MISTRAL}) {
            if (path.startsWith(d.prefix())) {
                return d;
            }
        }
        return null;
    }

    /** {@code /groq}, {@code /mistral}. */
    String prefix() {
        return "/" + name().toLowerCase(Locale.ROOT);
    }
}
