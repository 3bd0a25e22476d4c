package dev.junction.translators.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.junction.stream.GatewayError;
import dev.junction.stream.StreamEvent;
import dev.junction.stream.Usage;
import dev.junction.translators.model.ChatResponse;
import dev.junction.translators.model.ToolCall;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Loads golden files of {@code golden/gemini/<scenario>/} and renders canonical values for comparison. */
final class Golden {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private Golden() {
    }

    static byte[] bytes(String scenario, String file) {
        String path = "/golden/gemini/" + scenario + "/" + file;
        try (InputStream in = Golden.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("missing golden file " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String scenario, String file) {
        return new String(bytes(scenario, file), StandardCharsets.UTF_8);
    }

    static JsonNode json(String scenario, String file) {
        return parse(bytes(scenario, file));
    }

    static JsonNode parse(byte[] b) {
        try {
            return JSON.readTree(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode parse(ByteBuf b) {
        try (ByteBufInputStream in = new ByteBufInputStream(b.duplicate())) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Structural JSON equality with a readable failure. */
    static void assertJson(JsonNode expected, JsonNode actual) {
        // Round-trip through text so built trees (long/int nodes) compare like parsed ones.
        JsonNode normalized = parse(actual.toString().getBytes(StandardCharsets.UTF_8));
        if (!expected.equals(normalized)) {
            assertEquals(expected.toPrettyString(), normalized.toPrettyString());
            assertEquals(expected, normalized);
        }
    }

    /** The OpenAI error body for an error (what the one renderer in the proxy writes). */
    static JsonNode errorBody(GatewayError e) {
        ObjectNode err = F.objectNode();
        err.put("message", e.message());
        err.put("type", e.type());
        err.put("param", e.param());
        err.put("code", e.code());
        ObjectNode root = F.objectNode();
        root.set("error", err);
        return root;
    }

    static JsonNode usage(Usage u) {
        ObjectNode n = F.objectNode();
        n.put("prompt_tokens", u.promptTokens());
        n.put("completion_tokens", u.completionTokens());
        n.put("total_tokens", u.totalTokens());
        n.putObject("prompt_tokens_details").put("cached_tokens", u.cachedInputTokens());
        n.putObject("completion_tokens_details").put("reasoning_tokens", u.reasoningTokens());
        return n;
    }

    /** A {@code chat.completion} body with fixed id/created/model, as the codec would render it. */
    static JsonNode completion(ChatResponse r) {
        ObjectNode root = F.objectNode();
        root.put("id", "chatcmpl-test");
        root.put("object", "chat.completion");
        root.put("created", 0);
        root.put("model", "chat");
        ArrayNode choices = root.putArray("choices");
        for (ChatResponse.Choice c : r.choices()) {
            ObjectNode choice = choices.addObject();
            choice.put("index", c.index());
            ObjectNode msg = choice.putObject("message");
            msg.put("role", "assistant");
            msg.put("content", c.content());
            if (c.reasoning() != null) {
                msg.put("reasoning_content", c.reasoning());
            }
            msg.put("refusal", c.refusal());
            if (!c.toolCalls().isEmpty()) {
                ArrayNode calls = msg.putArray("tool_calls");
                for (ToolCall t : c.toolCalls()) {
                    ObjectNode call = calls.addObject();
                    call.put("id", t.id());
                    call.put("type", "function");
                    call.putObject("function").put("name", t.name()).put("arguments", t.arguments());
                }
            }
            choice.putNull("logprobs");
            choice.put("finish_reason", c.finishReason().wire());
        }
        root.set("usage", usage(r.usage()));
        return root;
    }

    /** Canonical stream events as the JSON list used in {@code expected-events.json}. */
    static JsonNode events(List<StreamEvent> events) {
        ArrayNode out = F.arrayNode();
        for (StreamEvent e : events) {
            ObjectNode n = out.addObject();
            if (e instanceof StreamEvent.Start s) {
                n.put("type", "start").put("vendorId", s.vendorId()).put("vendorModel", s.vendorModel());
            } else if (e instanceof StreamEvent.TextDelta t) {
                n.put("type", "text").put("choice", t.choice()).put("text", t.text());
            } else if (e instanceof StreamEvent.ReasoningDelta t) {
                n.put("type", "reasoning").put("choice", t.choice()).put("text", t.text());
            } else if (e instanceof StreamEvent.RefusalDelta t) {
                n.put("type", "refusal").put("choice", t.choice()).put("text", t.text());
            } else if (e instanceof StreamEvent.ToolCallStart t) {
                n.put("type", "toolStart").put("choice", t.choice()).put("toolIndex", t.toolIndex())
                        .put("id", t.id()).put("name", t.name());
            } else if (e instanceof StreamEvent.ToolCallArguments t) {
                n.put("type", "toolArgs").put("choice", t.choice()).put("toolIndex", t.toolIndex())
                        .put("fragment", t.fragment());
            } else if (e instanceof StreamEvent.Finish f) {
                n.put("type", "finish").put("choice", f.choice()).put("reason", f.reason().wire());
            } else if (e instanceof StreamEvent.UsageReport u) {
                n.put("type", "usage").put("prompt", u.usage().promptTokens())
                        .put("completion", u.usage().completionTokens())
                        .put("cached", u.usage().cachedInputTokens())
                        .put("reasoning", u.usage().reasoningTokens());
            } else if (e instanceof StreamEvent.Error er) {
                n.put("type", "error");
                n.set("error", errorBody(er.error()).get("error"));
                n.put("status", er.error().status());
            }
        }
        return out;
    }
}
