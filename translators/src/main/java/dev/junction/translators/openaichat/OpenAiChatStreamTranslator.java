package dev.junction.translators.openaichat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.junction.stream.GatewayError;
import dev.junction.stream.SseEvent;
import dev.junction.stream.StreamEvent;
import dev.junction.stream.Usage;
import dev.junction.translators.passthrough.CompatDialect;
import dev.junction.translators.spi.TranslationException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * OpenAI {@code chat.completion.chunk} stream (wire-formats §1.5) → canonical events. One instance
 * per stream.
 *
 * <ul>
 *   <li>The first chunk → {@link StreamEvent.Start} (Azure's opening {@code choices:[]} chunk
 *       included). {@code delta.content} → text, {@code delta.refusal} → refusal,
 *       {@code delta.reasoning_content} / {@code delta.reasoning} → reasoning.</li>
 *   <li>Tool-call fragments are keyed by choice and the vendor's {@code index}: the first fragment
 *       of a key (or one with a new {@code id} on a key already used, as some servers that send
 *       every call at index 0 do) starts a call with the next ordinal of its choice; later
 *       fragments are its arguments. A fragment arriving before the name is buffered until it.</li>
 *   <li>{@code finish_reason} → {@link StreamEvent.Finish} (through the server dialect as for a
 *       unary answer; a dialect failure becomes an in-band error). A top-level {@code usage}
 *       (or Groq's {@code x_groq.usage}) → {@link StreamEvent.UsageReport}.</li>
 *   <li>An error chunk → {@link StreamEvent.Error} mapped as the vendor's error answer.
 *       {@code [DONE]} ends the stream; an end without it is complete only when every choice
 *       finished (some OpenAI-compatible servers omit it), otherwise {@code stream_interrupted}.</li>
 * </ul>
 */
final class OpenAiChatStreamTranslator implements dev.junction.translators.spi.StreamTranslator {

    private final OpenAiChatAdapter adapter;
    private final CompatDialect dialect;
    private final int choices;
    private final Map<Long, Call> calls = new HashMap<>();
    private final Map<Integer, Integer> nextOrdinal = new HashMap<>();
    private final BitSet finished = new BitSet();
    private boolean started;
    private boolean done;

    /** One tool call being streamed: its ordinal in its choice, its vendor id, and arguments held back until its name. */
    private static final class Call {
        final int ordinal;
        String id;
        String name;
        boolean announced;
        StringBuilder pending;

        Call(int ordinal) {
            this.ordinal = ordinal;
        }
    }

    OpenAiChatStreamTranslator(OpenAiChatAdapter adapter, CompatDialect dialect, int choices) {
        this.adapter = adapter;
        this.dialect = dialect;
        this.choices = Math.max(1, choices);
    }

    @Override
    public void onEvent(SseEvent event, Consumer<StreamEvent> out) {
        if (done) {
            return;
        }
        ByteBuf data = event.data();
        if (isDone(data)) {
            done = true;
            return;
        }
        JsonNode n;
        try {
            n = OpenAiChatResponseReader.MAPPER.readTree((java.io.InputStream) new ByteBufInputStream(data.duplicate(), false));
        } catch (IOException e) {
            n = null;
        }
        if (n == null || !n.isObject()) {
            fail(out, GatewayError.upstreamUnavailable("The provider sent a stream chunk that is not valid JSON."));
            return;
        }
        if (n.has("error") && !n.get("error").isNull() || "error".equals(n.path("object").asText())) {
            fail(out, adapter.errorFromBody(500, data));
            return;
        }
        if (!started) {
            started = true;
            String id = OpenAiChatResponseReader.text(n, "id");
            String model = OpenAiChatResponseReader.text(n, "model");
            out.accept(new StreamEvent.Start(id == null || id.isEmpty() ? null : id,
                    model == null || model.isEmpty() ? null : model));
        }
        int position = 0;
        for (JsonNode c : n.path("choices")) {
            int choice = c.path("index").isInt() ? c.get("index").asInt() : position;
            position++;
            if (!choice(c, choice, out)) {
                return;
            }
        }
        Usage usage = OpenAiChatResponseReader.usage(n);
        if (usage != null) {
            out.accept(new StreamEvent.UsageReport(usage));
        }
    }

    /** One entry of {@code choices}; false when the stream failed. */
    private boolean choice(JsonNode c, int choice, Consumer<StreamEvent> out) {
        JsonNode delta = c.path("delta");
        String reasoning = OpenAiChatResponseReader.reasoning(delta);
        if (reasoning != null) {
            out.accept(new StreamEvent.ReasoningDelta(choice, reasoning));
        }
        String text = OpenAiChatResponseReader.text(delta, "content");
        if (text != null && !text.isEmpty()) {
            out.accept(new StreamEvent.TextDelta(choice, text));
        }
        String refusal = OpenAiChatResponseReader.text(delta, "refusal");
        if (refusal != null && !refusal.isEmpty()) {
            out.accept(new StreamEvent.RefusalDelta(choice, refusal));
        }
        boolean anyCall = false;
        int position = 0;
        for (JsonNode tc : delta.path("tool_calls")) {
            anyCall = true;
            int vendorIndex = tc.path("index").isInt() ? tc.get("index").asInt() : position;
            position++;
            toolFragment(choice, vendorIndex, tc, out);
        }
        String reason = OpenAiChatResponseReader.text(c, "finish_reason");
        if (reason != null) {
            try {
                boolean calledTools = anyCall || nextOrdinal.getOrDefault(choice, 0) > 0;
                announcePending(choice, out);
                out.accept(new StreamEvent.Finish(choice,
                        OpenAiChatResponseReader.finishReason(dialect, reason, calledTools)));
                finished.set(choice);
            } catch (TranslationException e) {
                fail(out, e.error());
                return false;
            }
        }
        return true;
    }

    private void toolFragment(int choice, int vendorIndex, JsonNode tc, Consumer<StreamEvent> out) {
        long key = ((long) choice << 32) | (vendorIndex & 0xffffffffL);
        String id = OpenAiChatResponseReader.text(tc, "id");
        JsonNode f = tc.path("function");
        String name = OpenAiChatResponseReader.text(f, "name");
        String args = OpenAiChatResponseReader.text(f, "arguments");
        Call call = calls.get(key);
        if (call == null || (id != null && !id.isEmpty() && call.id != null && !id.equals(call.id))) {
            int ordinal = nextOrdinal.merge(choice, 1, Integer::sum) - 1;
            call = new Call(ordinal);
            calls.put(key, call);
        }
        if (id != null && !id.isEmpty() && call.id == null) {
            call.id = id;
        }
        if (name != null && !name.isEmpty() && call.name == null) {
            call.name = name;
        }
        if (!call.announced && call.name != null) {
            announce(choice, call, out);
        }
        if (args != null && !args.isEmpty()) {
            if (call.announced) {
                out.accept(new StreamEvent.ToolCallArguments(choice, call.ordinal, args));
            } else {
                if (call.pending == null) {
                    call.pending = new StringBuilder();
                }
                call.pending.append(args);
            }
        }
    }

    private void announce(int choice, Call call, Consumer<StreamEvent> out) {
        call.announced = true;
        String id = call.id != null ? call.id : "call_" + choice + "_" + call.ordinal;
        out.accept(new StreamEvent.ToolCallStart(choice, call.ordinal, id, call.name));
        if (call.pending != null) {
            out.accept(new StreamEvent.ToolCallArguments(choice, call.ordinal, call.pending.toString()));
            call.pending = null;
        }
    }

    /** A call whose name never came is announced without one before its choice finishes, so nothing is lost. */
    private void announcePending(int choice, Consumer<StreamEvent> out) {
        for (Map.Entry<Long, Call> e : calls.entrySet()) {
            if ((int) (e.getKey() >> 32) == choice && !e.getValue().announced) {
                Call call = e.getValue();
                call.name = "";
                announce(choice, call, out);
            }
        }
    }

    private void fail(Consumer<StreamEvent> out, GatewayError error) {
        done = true;
        out.accept(new StreamEvent.Error(error));
    }

    @Override
    public void onEnd(Consumer<StreamEvent> out) {
        if (done) {
            return;
        }
        done = true;
        if (finished.cardinality() >= choices) {
            return;
        }
        out.accept(new StreamEvent.Error(GatewayError.streamInterrupted(
                "The provider's stream ended before [DONE] and before every choice finished; the answer is incomplete.")));
    }

    private static boolean isDone(ByteBuf data) {
        int i = data.readerIndex();
        int end = data.writerIndex();
        while (i < end && Character.isWhitespace(data.getByte(i))) {
            i++;
        }
        byte[] marker = "[DONE]".getBytes(StandardCharsets.US_ASCII);
        if (end - i < marker.length) {
            return false;
        }
        for (int j = 0; j < marker.length; j++) {
            if (data.getByte(i + j) != marker[j]) {
                return false;
            }
        }
        return true;
    }
}
