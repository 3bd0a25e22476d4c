package dev.junction.translators.stream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.junction.stream.AnswerUsage;
import dev.junction.stream.JsonInput;
import dev.junction.stream.Usage;
import io.netty.buffer.ByteBuf;

import java.io.IOException;

/**
 * Reads the top-level {@code usage} object of an OpenAI-shaped answer (chat completion or
 * embeddings) with a streaming scan that skips everything else, so a pass-through answer is
 * accounted without building a tree or copying it.
 */
public final class UsageScanner {

    private static final JsonFactory JSON = new JsonFactory();

    private UsageScanner() {
    }

    /**
     * The usage, or null when the answer has none or is not a JSON object. A hand-written scan
     * answers for the answers it can vouch for ({@link AnswerUsage}); the Jackson reader below for
     * the rest.
     */
    public static Usage topLevelUsage(ByteBuf body) {
        return AnswerUsage.topLevelUsage(body, UsageScanner::withJackson);
    }

    /** The same answer by a Jackson parser: every answer the scan does not vouch for. */
    static Usage withJackson(ByteBuf body) {
        try (JsonParser p = JsonInput.parser(JSON, body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if ("usage".equals(name) && t == JsonToken.START_OBJECT) {
                    return readUsage(p);
                }
                p.skipChildren();
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Reads a {@code CompletionUsage} object; the parser is on its START_OBJECT. */
    static Usage readUsage(JsonParser p) throws IOException {
        long prompt = 0;
        long completion = 0;
        long cached = 0;
        long cacheWrite = 0;
        long reasoning = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken t = p.nextToken();
            switch (f) {
                case "prompt_tokens" -> prompt = longValue(p, t);
                case "completion_tokens" -> completion = longValue(p, t);
                case "prompt_tokens_details", "completion_tokens_details" -> {
                    if (t != JsonToken.START_OBJECT) {
                        p.skipChildren();
                        continue;
                    }
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String d = p.currentName();
                        JsonToken v = p.nextToken();
                        switch (d) {
                            case "cached_tokens" -> cached = longValue(p, v);
                            case "cache_write_tokens" -> cacheWrite = longValue(p, v);
                            case "reasoning_tokens" -> reasoning = longValue(p, v);
                            default -> p.skipChildren();
                        }
                    }
                }
                default -> p.skipChildren();
            }
        }
        return new Usage(prompt, completion, cached, cacheWrite, reasoning);
    }

    private static long longValue(JsonParser p, JsonToken t) throws IOException {
        return t == JsonToken.VALUE_NUMBER_INT ? Math.max(0, p.getLongValue()) : 0;
    }
}
