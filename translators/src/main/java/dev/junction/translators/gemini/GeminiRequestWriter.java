package dev.junction.translators.gemini;

import dev.junction.translators.json.SlicedJsonBody;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.junction.stream.GatewayError;
import dev.junction.translators.model.ByteSpan;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ContentPart;
import dev.junction.translators.model.MediaSource;
import dev.junction.translators.model.Message;
import dev.junction.translators.model.Tool;
import dev.junction.translators.model.ToolCall;
import dev.junction.translators.model.ToolChoice;
import dev.junction.translators.spi.TranslationException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Canonical chat request → Gemini {@code GenerateContentRequest} JSON (wire-formats §3.2, §4.1,
 * §4.4, §4.5, §4.7). Conversion happens in two steps: messages become a list of Gemini contents
 * (validated, merged by role), then everything is streamed as JSON into a {@link SlicedJsonBody}, with
 * inline media spliced in as slices of the client's body.
 *
 * <p>Decisions:
 * <ul>
 *   <li>System/developer messages must all come before the first other message: they are hoisted
 *       into {@code systemInstruction} in order. A later one is {@code invalid_value}, because
 *       hoisting it would change its meaning and Gemini has no mid-conversation system turn
 *       (§4.4, as vercel does).</li>
 *   <li>A tool result is always sent as {@code {"output": "<content text>"}}, even when the text
 *       is JSON: the tool's text reaches the model unchanged, and an {@code error} key the tool
 *       happened to produce is not reinterpreted as Gemini's error channel (§3.2).</li>
 *   <li>Function names of tool results come from the assistant tool call with the same id
 *       (OpenAI tool messages have none: §1.3, §8 item 2); an unknown id is {@code invalid_value}.</li>
 *   <li>Each assistant turn's first function call carries its thought signature, decoded from
 *       the call id (§3.7), or the documented {@code skip_thought_signature_validator} sentinel when
 *       the id has none (history from another vendor, or built by the client). Later parallel calls
 *       carry a signature only if their id has one, as Gemini itself returns them.</li>
 *   <li>Image URLs: Gemini Files API and YouTube URLs become {@code fileData}; any other URL would
 *       need Junction to fetch and inline it, which this adapter does not do, so it is
 *       {@code unsupported_capability} with a hint to send a data URL.</li>
 *   <li>An assistant's returned {@code reasoning} cannot be replayed as Gemini thoughts (they need
 *       signatures); it is dropped with a warning. {@code image_url.detail} other than auto is
 *       dropped with a warning (no per-part equivalent).</li>
 * </ul>
 */
final class GeminiRequestWriter {

    private static final JsonFactory FACTORY = GeminiEvents.JSON.getFactory();
    private static final String FILES_PREFIX = "https://generativelanguage.googleapis.com/v1beta/files/";

    private GeminiRequestWriter() {
    }

    private sealed interface PartOut {
    }

    private record TextOut(String text) implements PartOut {
    }

    private record InlineOut(String mimeType, ByteSpan base64) implements PartOut {
    }

    private record FileOut(String uri) implements PartOut {
    }

    private record CallOut(String name, JsonNode args, String signature) implements PartOut {
    }

    /** {@code error}: the tool failed, so the text goes under Gemini's documented {@code error} key. */
    private record ResultOut(String name, String output, boolean error) implements PartOut {
    }

    private record ContentOut(String role, List<PartOut> parts) {
    }

    /** Builds the body; the caller owns the returned buffer. */
    static ByteBuf write(GeminiParameters.Context ctx, ByteBufAllocator alloc) {
        ChatRequest req = ctx.request();
        GeminiParameters.checkUnsupported(ctx);
        List<String> system = new ArrayList<>(1);
        List<ContentOut> contents = contents(req, ctx, system);
        SlicedJsonBody body = new SlicedJsonBody(alloc);
        try (JsonGenerator g = FACTORY.createGenerator(body)) {
            g.writeStartObject();
            if (!system.isEmpty()) {
                g.writeObjectFieldStart("systemInstruction");
                g.writeArrayFieldStart("parts");
                for (String s : system) {
                    g.writeStartObject();
                    g.writeStringField("text", s);
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeArrayFieldStart("contents");
            for (ContentOut c : contents) {
                writeContent(c, g, body);
            }
            g.writeEndArray();
            writeTools(req, g);
            if (GeminiParameters.hasGenerationConfig(req)) {
                g.writeObjectFieldStart("generationConfig");
                GeminiParameters.writeGenerationConfig(ctx, g);
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            body.discard();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            body.discard();
            throw e;
        }
        return body.finish();
    }

    private static List<ContentOut> contents(ChatRequest req, GeminiParameters.Context ctx, List<String> system) {
        Map<String, String> callNames = new HashMap<>();
        List<ContentOut> out = new ArrayList<>(req.messages().size());
        boolean conversationStarted = false;
        List<Message> messages = req.messages();
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            String at = "messages[" + i + "]";
            if (m instanceof Message.System s) {
                if (conversationStarted) {
                    throw invalid(at + ".role", "Gemini only accepts system and developer messages before "
                            + "the conversation starts; move this one to the beginning or make it a user message.");
                }
                String text = textOnly(s.content(), at);
                if (!text.isEmpty()) {
                    system.add(text);
                }
                continue;
            }
            conversationStarted = true;
            if (m instanceof Message.User u) {
                List<PartOut> parts = new ArrayList<>(u.content().size());
                for (int j = 0; j < u.content().size(); j++) {
                    userPart(u.content().get(j), at + ".content[" + j + "]", parts, ctx);
                }
                append(out, "user", parts);
            } else if (m instanceof Message.Assistant a) {
                List<PartOut> parts = new ArrayList<>(a.content().size() + a.toolCalls().size());
                for (ContentPart p : a.content()) {
                    String text = p instanceof ContentPart.Text t ? t.text()
                            : p instanceof ContentPart.Refusal r ? r.refusal() : null;
                    if (text == null) {
                        throw invalid(at + ".content", "Assistant messages may only contain text and refusal parts.");
                    }
                    if (!text.isEmpty()) {
                        parts.add(new TextOut(text));
                    }
                }
                if (a.reasoning() != null && !a.reasoning().isEmpty()) {
                    ctx.warnings().add("gemini: dropped " + at + ".reasoning_content (Gemini thoughts cannot be replayed)");
                }
                for (int j = 0; j < a.toolCalls().size(); j++) {
                    ToolCall call = a.toolCalls().get(j);
                    callNames.put(call.id(), call.name());
                    ThoughtSignatures.Decoded d = ThoughtSignatures.decode(call.id());
                    String sig = d.signature() != null ? d.signature() : j == 0 ? ThoughtSignatures.SKIP_VALIDATOR : null;
                    parts.add(new CallOut(call.name(), arguments(call, at + ".tool_calls[" + j + "].function.arguments"), sig));
                }
                append(out, "model", parts);
            } else if (m instanceof Message.Tool t) {
                String name = callNames.get(t.toolCallId());
                if (name == null) {
                    throw invalid(at + ".tool_call_id", "No earlier assistant tool call has id '" + t.toolCallId()
                            + "'; Gemini needs the function name, which Junction takes from that call.");
                }
                append(out, "user", List.of(new ResultOut(name, textOnly(t.content(), at), t.error())));
            }
        }
        return out;
    }

    /** Appends, merging consecutive same-role contents (§4.5 item 3); empty turns are left out. */
    private static void append(List<ContentOut> out, String role, List<PartOut> parts) {
        if (parts.isEmpty()) {
            return;
        }
        if (!out.isEmpty() && out.get(out.size() - 1).role().equals(role)) {
            out.get(out.size() - 1).parts().addAll(parts);
        } else {
            out.add(new ContentOut(role, new ArrayList<>(parts)));
        }
    }

    private static void userPart(ContentPart p, String at, List<PartOut> parts, GeminiParameters.Context ctx) {
        if (p instanceof ContentPart.Text t) {
            if (!t.text().isEmpty()) {
                parts.add(new TextOut(t.text()));
            }
        } else if (p instanceof ContentPart.Image img) {
            if (img.detail() != null && !"auto".equals(img.detail())) {
                ctx.warnings().add("gemini: dropped " + at + ".image_url.detail");
            }
            parts.add(media(img.source(), null, at + ".image_url.url"));
        } else if (p instanceof ContentPart.Audio au) {
            String mime = switch (au.format() == null ? "" : au.format()) {
                case "wav" -> "audio/wav";
                case "mp3" -> "audio/mp3";
                default -> throw invalid(at + ".input_audio.format", "Audio format must be wav or mp3.");
            };
            parts.add(media(au.source(), mime, at + ".input_audio.data"));
        } else if (p instanceof ContentPart.File f) {
            parts.add(media(f.source(), null, at + ".file"));
        } else {
            throw invalid(at, "User messages may not contain refusal parts.");
        }
    }

    private static PartOut media(MediaSource source, String mimeOverride, String at) {
        if (source instanceof MediaSource.Inline in) {
            String mime = mimeOverride != null ? mimeOverride : in.mimeType();
            if (mime == null || mime.isEmpty()) {
                throw invalid(at, "The data URL has no media type; use data:<mime>;base64,<data>.");
            }
            return new InlineOut(mime, in.base64());
        }
        if (source instanceof MediaSource.Url u) {
            String url = u.url();
            if (takesUrl(url)) {
                return new FileOut(url);
            }
            throw new TranslationException(GatewayError.invalidRequest("unsupported_capability", at,
                    "Gemini deployments cannot take this URL (it was not fetched for them). "
                            + "Send the content inline as a data URL (data:<mime>;base64,...), or use a Gemini "
                            + "Files API or YouTube URL."));
        }
        throw new TranslationException(GatewayError.invalidRequest("unsupported_capability", at,
                "Gemini cannot read OpenAI file ids; send the file inline as a data URL."));
    }

    /** Gemini reads its own Files API URLs and YouTube links; any other URL must come inline. */
    static boolean takesUrl(String url) {
        return url.startsWith(FILES_PREFIX) || isYouTube(url);
    }

    private static boolean isYouTube(String url) {
        return url.startsWith("https://www.youtube.com/watch?") || url.startsWith("https://youtube.com/watch?")
                || url.startsWith("https://youtu.be/") || url.startsWith("https://m.youtube.com/watch?");
    }

    private static String textOnly(List<ContentPart> content, String at) {
        if (content.size() == 1 && content.get(0) instanceof ContentPart.Text t) {
            return t.text();
        }
        StringBuilder sb = new StringBuilder();
        for (ContentPart p : content) {
            if (!(p instanceof ContentPart.Text t)) {
                throw invalid(at + ".content", "Only text parts are allowed in this message.");
            }
            sb.append(t.text());
        }
        return sb.toString();
    }

    /** OpenAI {@code arguments} text → Gemini {@code args} object (§4.5 item 5: invalid is a 400). */
    private static JsonNode arguments(ToolCall call, String at) {
        String text = call.arguments() == null || call.arguments().isBlank() ? "{}" : call.arguments();
        JsonNode node;
        try {
            node = GeminiEvents.JSON.readTree(text);
        } catch (IOException e) {
            throw invalid(at, "Tool call arguments must be a JSON object; this is not valid JSON.");
        }
        if (node == null || !node.isObject()) {
            throw invalid(at, "Tool call arguments must be a JSON object.");
        }
        return node;
    }

    private static void writeContent(ContentOut c, JsonGenerator g, SlicedJsonBody body) throws IOException {
        g.writeStartObject();
        g.writeStringField("role", c.role());
        g.writeArrayFieldStart("parts");
        for (PartOut p : c.parts()) {
            g.writeStartObject();
            if (p instanceof TextOut t) {
                g.writeStringField("text", t.text());
            } else if (p instanceof InlineOut in) {
                g.writeObjectFieldStart("inlineData");
                g.writeStringField("mimeType", in.mimeType());
                g.writeFieldName("data");
                // Open the string as a raw value so the generator's comma state stays right, then
                // splice the client's base64 bytes (valid JSON string content as they came from a
                // JSON string) and close the quote.
                g.writeRawValue("\"");
                g.flush();
                ByteSpan span = in.base64();
                body.appendSlice(span.buffer().retainedSlice(span.offset(), span.length()));
                g.writeRaw('"');
                g.writeEndObject();
            } else if (p instanceof FileOut f) {
                g.writeObjectFieldStart("fileData");
                g.writeStringField("fileUri", f.uri());
                g.writeEndObject();
            } else if (p instanceof CallOut call) {
                g.writeObjectFieldStart("functionCall");
                g.writeStringField("name", call.name());
                g.writeFieldName("args");
                g.writeTree(call.args());
                g.writeEndObject();
                if (call.signature() != null) {
                    g.writeStringField("thoughtSignature", call.signature());
                }
            } else if (p instanceof ResultOut r) {
                g.writeObjectFieldStart("functionResponse");
                g.writeStringField("name", r.name());
                g.writeObjectFieldStart("response");
                g.writeStringField(r.error() ? "error" : "output", r.output());
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void writeTools(ChatRequest req, JsonGenerator g) throws IOException {
        List<Tool> tools = req.tools();
        ToolChoice choice = req.toolChoice();
        boolean hasTools = tools != null && !tools.isEmpty();
        if (hasTools) {
            g.writeArrayFieldStart("tools");
            g.writeStartObject();
            g.writeArrayFieldStart("functionDeclarations");
            for (Tool t : tools) {
                g.writeStartObject();
                g.writeStringField("name", t.name());
                if (t.description() != null) {
                    g.writeStringField("description", t.description());
                }
                if (t.parameters() != null && !t.parameters().isNull()) {
                    // JSON Schema forwarded as is; parametersJsonSchema takes real JSON Schema (§3.2).
                    g.writeFieldName("parametersJsonSchema");
                    g.writeTree(t.parameters());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndArray();
        }
        if (choice == null) {
            return;
        }
        if (!hasTools) {
            if (choice instanceof ToolChoice.Auto || choice instanceof ToolChoice.None) {
                return;
            }
            throw invalid("tool_choice", "tool_choice requires a function but the request has no tools.");
        }
        g.writeObjectFieldStart("toolConfig");
        g.writeObjectFieldStart("functionCallingConfig");
        if (choice instanceof ToolChoice.Auto) {
            g.writeStringField("mode", "AUTO");
        } else if (choice instanceof ToolChoice.None) {
            g.writeStringField("mode", "NONE");
        } else if (choice instanceof ToolChoice.Required) {
            g.writeStringField("mode", "ANY");
        } else if (choice instanceof ToolChoice.Named n) {
            if (tools.stream().noneMatch(t -> t.name().equals(n.name()))) {
                throw invalid("tool_choice", "tool_choice names '" + n.name() + "', which is not in tools.");
            }
            g.writeStringField("mode", "ANY");
            g.writeArrayFieldStart("allowedFunctionNames");
            g.writeString(n.name());
            g.writeEndArray();
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    private static TranslationException invalid(String param, String message) {
        return GeminiParameters.invalid(param, message);
    }
}
