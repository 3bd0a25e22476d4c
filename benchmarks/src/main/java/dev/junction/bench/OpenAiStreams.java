package dev.junction.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Realistic OpenAI {@code chat.completion.chunk} streams for the stream benchmarks (wire-formats §1.5). */
final class OpenAiStreams {

    private static final String HEAD =
            "{\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\","
            + "\"created\":1741569952,\"model\":\"gpt-4o-2024-08-06\",\"service_tier\":\"default\","
            + "\"system_fingerprint\":\"fp_eb9dce56a8\",\"choices\":[{\"index\":0,\"delta\":";
    private static final String TAIL = ",\"logprobs\":null,\"finish_reason\":null}],\"usage\":null,"
            + "\"obfuscation\":\"q9fZ\"}";

    /** Token-sized text pieces, some multi-byte, as a model streams them. */
    private static final String[] TOKENS = {"The", " quick", " brown", " fox", " jumps", " over", " the", " lazy",
        " dog", ".", " Ça", " va", "?", " 日本", "語", " 👋", "\\n", " \\\"quoted\\\"", ",", " and"};

    private OpenAiStreams() {
    }

    /** The data payloads (no SSE framing) of a text stream of {@code chunks} chunks, usage chunk included. */
    static List<String> textChunks(int chunks) {
        List<String> out = new ArrayList<>(chunks);
        out.add(HEAD + "{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}" + TAIL);
        for (int i = 1; i < chunks - 2; i++) {
            out.add(HEAD + "{\"content\":\"" + TOKENS[i % TOKENS.length] + "\"}" + TAIL);
        }
        out.add(HEAD + "{}" + ",\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":null}");
        out.add(HEAD.substring(0, HEAD.indexOf("\"choices\":")) + "\"choices\":[],\"usage\":{\"prompt_tokens\":1117,"
                + "\"completion_tokens\":197,\"total_tokens\":1314,\"prompt_tokens_details\":{\"cached_tokens\":1024,"
                + "\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
                + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}");
        return out;
    }

    /** One content chunk, one tool-call argument chunk, the finish chunk and the usage chunk. */
    static String chunk(String kind) {
        return switch (kind) {
            case "content" -> textChunks(4).get(1);
            case "toolCall" -> HEAD + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"ty\\\":\\\"Paris\\\"}\"}}]}"
                    + TAIL;
            case "finish" -> textChunks(4).get(2);
            case "usage" -> textChunks(4).get(3);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /** The whole stream as SSE bytes: {@code data: <chunk>\n\n} for each chunk, then {@code data: [DONE]}. */
    static byte[] sse(List<String> chunks) {
        StringBuilder sb = new StringBuilder();
        for (String c : chunks) {
            sb.append("data: ").append(c).append("\n\n");
        }
        sb.append("data: [DONE]\n\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
