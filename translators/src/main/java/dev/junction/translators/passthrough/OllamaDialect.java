package dev.junction.translators.passthrough;

import com.fasterxml.jackson.core.JsonToken;
import dev.junction.stream.GatewayError;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBuf;

import java.util.ArrayList;
import java.util.List;

/**
 * Ollama's OpenAI-compatible {@code /v1} (wire-formats §6.1): it does not support
 * {@code tool_choice}, {@code logit_bias}, {@code user}, {@code n} or logprobs ({@code logprobs},
 * {@code top_logprobs}), takes images only as base64 data URLs, and embeds text only. Rather than
 * let the server silently ignore what the client asked for, each such member is made explicit, in
 * the same way as the translated adapters (DESIGN house rule 6):
 * <ul>
 *   <li>{@code tool_choice} other than {@code "auto"}, {@code logit_bias}, {@code logprobs: true},
 *       {@code top_logprobs} and {@code n > 1}: refused with {@code unsupported_capability} naming
 *       the member, or, with provider option {@code unsupported = drop} (or
 *       {@code translation.unsupported = drop}), cut out of the upstream body and reported as a
 *       warning. {@code n = 1} is passed as sent. {@code n > 1} is not fanned out: the proxy's
 *       fan-out merges canonical choices from a translating adapter, and a pass-through answer has
 *       no such adapter (wire-format merging of n streams would be a second stream engine).</li>
 *   <li>{@code user} and {@code tool_choice: "auto"}: always cut out with a warning, whatever the
 *       policy. An end-user id does not change the answer, and "auto" is what Ollama does anyway;
 *       refusing either would break clients (SDKs and frameworks send both by default) for
 *       nothing.</li>
 *   <li>Members whose value asks for nothing ({@code null}, {@code false}, {@code {}}, {@code []})
 *       are left as sent.</li>
 *   <li>An {@code image_url} part that is not a {@code data:} URL is refused (no policy can relax
 *       it: the server cannot fetch it). Junction's media fetcher works on the canonical request of
 *       translated vendors; pass-through bodies are not rebuilt, so the client is told to inline.</li>
 *   <li>Embeddings whose {@code input} is token ids (an array of integers, or of arrays) are
 *       refused.</li>
 * </ul>
 * A request with none of these costs one extra pass over the body (this dialect only) and is sent
 * byte for byte.
 */
final class OllamaDialect implements CompatDialect {

    static final OllamaDialect INSTANCE = new OllamaDialect();

    private OllamaDialect() {
    }

    @Override
    public String name() {
        return "ollama";
    }

    @Override
    public boolean usesUnsupportedPolicy() {
        return true;
    }

    @Override
    public List<BodyEdit> requestEdits(ByteBuf body, OpenAiRequestFacts facts, Target target, Warnings warnings) {
        OpenAiRequestScanner.BodyMembers scan = OpenAiRequestScanner.members(body, facts.imageParts() > 0);
        if (!scan.remoteImageParams().isEmpty()) {
            throw new TranslationException(GatewayError.invalidRequest("unsupported_capability",
                    scan.remoteImageParams().get(0), "The Ollama provider (type " + target.type()
                            + ", dialect ollama) takes images only as data URLs; it cannot fetch an image URL. Send"
                            + " the image inline as data:<mime>;base64,<data>."));
        }
        List<OpenAiRequestScanner.Member> members = scan.members();
        boolean drop = "drop".equals(target.option("unsupported"));
        boolean[] removed = null;
        for (int i = 0; i < members.size(); i++) {
            OpenAiRequestScanner.Member m = members.get(i);
            String why = unsupported(m);
            if (why == null) {
                continue;
            }
            if (why.isEmpty() && !drop) {
                throw new TranslationException(GatewayError.invalidRequest("unsupported_capability", m.name(),
                        refusal(m, target)));
            }
            warnings.add("dropped '" + m.name() + "': not supported by Ollama (" + target.type() + ", dialect ollama)"
                    + why);
            if (removed == null) {
                removed = new boolean[members.size()];
            }
            removed[i] = true;
        }
        return removed == null ? List.of() : removals(members, removed);
    }

    /**
     * Null when Ollama takes {@code m} as sent; otherwise why it goes: empty when the policy
     * decides, or the reason it is always dropped (appended to the warning).
     */
    private static String unsupported(OpenAiRequestScanner.Member m) {
        if (m.inert()) {
            return null;
        }
        return switch (m.name()) {
            case "user" -> "; it does not change the answer";
            case "tool_choice" -> m.kind() == JsonToken.VALUE_STRING && "auto".equals(m.text())
                    ? "; Ollama always chooses tools as 'auto'" : "";
            case "logit_bias", "logprobs", "top_logprobs" -> "";
            case "n" -> m.kind() == JsonToken.VALUE_NUMBER_INT && "1".equals(m.text()) ? null : "";
            default -> null;
        };
    }

    private static String refusal(OpenAiRequestScanner.Member m, Target target) {
        String provider = "the Ollama provider (type " + target.type() + ", dialect ollama)";
        String fix = "set the provider option unsupported = drop to have Junction drop it with a warning.";
        if ("n".equals(m.name())) {
            return "'n' = " + m.text() + " is not supported by " + provider + ", which returns one choice per"
                    + " request. Ask for one choice, or " + fix;
        }
        return "'" + m.name() + "' is not supported by " + provider + ". Remove it from the request, or " + fix;
    }

    /**
     * The splices that cut the removed members out while keeping the object valid JSON: a run of
     * removed members followed by a kept one goes up to that member's name (taking the separating
     * commas with it); a run at the end goes from the end of the kept member before it. Runs are
     * separated by kept members, so the splices never overlap each other, nor the model and
     * stream-options splices (those members are never removed).
     */
    static List<BodyEdit> removals(List<OpenAiRequestScanner.Member> members, boolean[] removed) {
        List<BodyEdit> edits = new ArrayList<>(2);
        byte[] nothing = new byte[0];
        int i = 0;
        while (i < members.size()) {
            if (!removed[i]) {
                i++;
                continue;
            }
            int j = i;
            while (j + 1 < members.size() && removed[j + 1]) {
                j++;
            }
            int start;
            int end;
            if (j + 1 < members.size()) {
                start = members.get(i).start();
                end = members.get(j + 1).start();
            } else if (i > 0) {
                start = members.get(i - 1).end();
                end = members.get(j).end();
            } else {
                start = members.get(i).start();
                end = members.get(j).end();
            }
            edits.add(new BodyEdit(start, end, nothing));
            i = j + 1;
        }
        return edits;
    }

    @Override
    public List<BodyEdit> embeddingsEdits(ByteBuf body, Target target, Warnings warnings) {
        for (OpenAiRequestScanner.Member m : OpenAiRequestScanner.members(body, false).members()) {
            if ("input".equals(m.name()) && m.kind() == JsonToken.START_ARRAY
                    && (m.first() == JsonToken.VALUE_NUMBER_INT || m.first() == JsonToken.START_ARRAY)) {
                throw new TranslationException(GatewayError.invalidRequest("unsupported_capability", "input",
                        "The Ollama provider (type " + target.type() + ", dialect ollama) embeds text only; send"
                                + " 'input' as a string or an array of strings, not as token ids."));
            }
        }
        return List.of();
    }
}
