package dev.junction.translators.messages;

import dev.junction.stream.FinishReason;
import dev.junction.stream.GatewayError;
import dev.junction.stream.StreamEvent;
import dev.junction.stream.Usage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns the canonical {@link StreamEvent}s of one answer into Anthropic's event stream
 * (wire-formats §2.4), the sequence the Anthropic SDKs accumulate: {@code message_start},
 * {@code ping}, per content block {@code content_block_start} / {@code content_block_delta}… /
 * {@code content_block_stop}, then {@code message_delta} (stop reason, cumulative usage) and
 * {@code message_stop}. One instance per stream, not thread-safe; the counterpart of the OpenAI
 * chunk writer for the Messages door, with the same calls ({@link #write}, {@link #finish},
 * {@link #fail}).
 *
 * <p>Blocks follow the order the vendor produced them in:
 * <ul>
 *   <li>reasoning → a {@code thinking} block ({@code thinking_delta}); a vendor signature →
 *       {@code signature_delta} just before the block stops, as Anthropic sends it;</li>
 *   <li>text and refusal text → a {@code text} block ({@code text_delta});</li>
 *   <li>each tool call → a {@code tool_use} block with {@code input:{}}, its argument fragments as
 *       {@code input_json_delta} ({@code "{}"} for a call that got none); tool blocks stay open until the next text or thinking block or the
 *       end, so fragments of parallel calls go to their own block index. A fragment for a call
 *       whose block was already stopped cannot be expressed and ends the stream with an error.</li>
 * </ul>
 * A switch of kind stops the open block and starts the next index; empty fragments start nothing.
 * Vendors report usage at the end, so {@code message_start} carries zero counts and
 * {@code message_delta} the real ones (Anthropic's usage there is cumulative: input counts in it
 * replace the start's, as the SDKs apply them). Stop reasons map as in
 * {@link MessagesResponseEncoder#stopReason}. An error event or {@link #fail} ends the stream with
 * {@code event: error} and no {@code message_stop}: a cut answer never looks complete (SPEC §5).
 * Frames appended to {@code out} belong to the caller.
 */
public final class MessagesStreamEncoder implements dev.junction.stream.StreamEncoder {

    private enum Kind { NONE, TEXT, THINKING, TOOLS }

    private final String id;
    private final String model;
    private boolean started;
    private boolean ended;
    private Kind open = Kind.NONE;
    /** Index of the open text or thinking block. */
    private int openIndex = -1;
    private int nextIndex;
    /** Per tool ordinal: its block index, or -1 once stopped (grown as calls arrive). */
    private int[] toolBlock = new int[0];
    private final List<Integer> openTools = new ArrayList<>(2);
    /** Block indexes of tool calls that got a non-empty argument fragment. */
    private final java.util.BitSet argumentsSent = new java.util.BitSet();
    private String pendingSignature;
    private boolean calledTools;
    private FinishReason finish;
    private Usage usage;

    /** {@code id} is Junction's {@code msg_…} id, {@code model} the alias the client asked for. */
    public MessagesStreamEncoder(String id, String model) {
        this.id = Objects.requireNonNull(id, "id");
        this.model = Objects.requireNonNull(model, "model");
    }

    /** Appends the frames (zero or more) that {@code event} yields to {@code out}. */
    @Override
    public void write(StreamEvent event, ByteBufAllocator alloc, List<ByteBuf> out) {
        if (ended) {
            throw new IllegalStateException("stream already finished or failed");
        }
        if (event instanceof StreamEvent.Error e) {
            fail(e.error(), alloc, out);
            return;
        }
        if (event instanceof StreamEvent.UsageReport u) {
            usage = u.usage();
            return;
        }
        start(alloc, out);
        if (event instanceof StreamEvent.TextDelta t) {
            requireFirstChoice(t.choice());
            text(t.text(), alloc, out);
        } else if (event instanceof StreamEvent.RefusalDelta r) {
            requireFirstChoice(r.choice());
            text(r.text(), alloc, out);
        } else if (event instanceof StreamEvent.ReasoningDelta r) {
            requireFirstChoice(r.choice());
            thinking(r.text(), alloc, out);
        } else if (event instanceof StreamEvent.ReasoningSignature s) {
            requireFirstChoice(s.choice());
            pendingSignature = s.signature();
        } else if (event instanceof StreamEvent.ToolCallStart s) {
            requireFirstChoice(s.choice());
            toolStart(s, alloc, out);
        } else if (event instanceof StreamEvent.ToolCallArguments a) {
            requireFirstChoice(a.choice());
            toolArguments(a, alloc, out);
        } else if (event instanceof StreamEvent.Finish f) {
            requireFirstChoice(f.choice());
            if (finish == null) {
                finish = f.reason();
            }
        } else if (!(event instanceof StreamEvent.Start)) {
            throw new IllegalArgumentException("unknown stream event " + event);
        }
    }

    /** A {@code ping} event, Anthropic's keep-alive, e.g. while waiting for the first token. */
    public ByteBuf ping(ByteBufAllocator alloc) {
        return NamedEvents.event(alloc, "ping", g -> {
            g.writeStartObject();
            g.writeStringField("type", "ping");
            g.writeEndObject();
        });
    }

    /**
     * Ends a complete answer: stops the open blocks, then {@code message_delta} with the stop
     * reason and the last usage, and {@code message_stop}.
     */
    @Override
    public void finish(ByteBufAllocator alloc, List<ByteBuf> out) {
        if (ended) {
            throw new IllegalStateException("stream already finished or failed");
        }
        start(alloc, out);
        closeAll(alloc, out);
        ended = true;
        String stop = MessagesResponseEncoder.stopReason(finish, calledTools);
        Usage u = usage == null ? Usage.ZERO : usage;
        out.add(NamedEvents.event(alloc, "message_delta", g -> {
            g.writeStartObject();
            g.writeStringField("type", "message_delta");
            g.writeObjectFieldStart("delta");
            g.writeStringField("stop_reason", stop);
            g.writeNullField("stop_sequence");
            g.writeEndObject();
            g.writeObjectFieldStart("usage");
            g.writeNumberField("input_tokens", MessagesResponseEncoder.inputTokens(u));
            g.writeNumberField("cache_creation_input_tokens", u.cacheWriteTokens());
            g.writeNumberField("cache_read_input_tokens", u.cachedInputTokens());
            g.writeNumberField("output_tokens", u.completionTokens());
            g.writeNullField("server_tool_use");
            g.writeEndObject();
            g.writeEndObject();
        }));
        out.add(NamedEvents.event(alloc, "message_stop", g -> {
            g.writeStartObject();
            g.writeStringField("type", "message_stop");
            g.writeEndObject();
        }));
    }

    /** Ends the stream with Anthropic's in-band {@code event: error} (SPEC §3.2, §5). */
    @Override
    public void fail(GatewayError error, ByteBufAllocator alloc, List<ByteBuf> out) {
        if (ended) {
            throw new IllegalStateException("stream already finished or failed");
        }
        ended = true;
        out.add(MessagesErrors.event(error, alloc));
    }

    /** The last usage reported so far, or null. */
    public Usage usage() {
        return usage;
    }

    public boolean ended() {
        return ended;
    }

    private void start(ByteBufAllocator alloc, List<ByteBuf> out) {
        if (started) {
            return;
        }
        started = true;
        out.add(NamedEvents.event(alloc, "message_start", g -> {
            g.writeStartObject();
            g.writeStringField("type", "message_start");
            g.writeObjectFieldStart("message");
            g.writeStringField("id", id);
            g.writeStringField("type", "message");
            g.writeStringField("role", "assistant");
            g.writeStringField("model", model);
            g.writeArrayFieldStart("content");
            g.writeEndArray();
            g.writeNullField("stop_reason");
            g.writeNullField("stop_sequence");
            g.writeFieldName("usage");
            MessagesResponseEncoder.writeUsage(g, Usage.ZERO);
            g.writeEndObject();
            g.writeEndObject();
        }));
        out.add(ping(alloc));
    }

    private void text(String text, ByteBufAllocator alloc, List<ByteBuf> out) {
        if (text == null || text.isEmpty()) {
            return;
        }
        if (open != Kind.TEXT) {
            closeAll(alloc, out);
            openIndex = startBlock(alloc, out, g -> {
                g.writeStringField("type", "text");
                g.writeStringField("text", "");
            });
            open = Kind.TEXT;
        }
        delta(openIndex, alloc, out, g -> {
            g.writeStringField("type", "text_delta");
            g.writeStringField("text", text);
        });
    }

    private void thinking(String text, ByteBufAllocator alloc, List<ByteBuf> out) {
        if (text == null || text.isEmpty()) {
            return;
        }
        if (open != Kind.THINKING) {
            closeAll(alloc, out);
            openIndex = startBlock(alloc, out, g -> {
                g.writeStringField("type", "thinking");
                g.writeStringField("thinking", "");
                g.writeStringField("signature", "");
            });
            open = Kind.THINKING;
        }
        delta(openIndex, alloc, out, g -> {
            g.writeStringField("type", "thinking_delta");
            g.writeStringField("thinking", text);
        });
    }

    private void toolStart(StreamEvent.ToolCallStart s, ByteBufAllocator alloc, List<ByteBuf> out) {
        if (open != Kind.TOOLS) {
            closeAll(alloc, out);
            open = Kind.TOOLS;
        }
        int ordinal = s.toolIndex();
        if (ordinal < 0) {
            throw new IllegalArgumentException("negative tool index " + ordinal);
        }
        if (ordinal < toolBlock.length && toolBlock[ordinal] != 0) {
            return; // a repeated start of the same call (the chunk writer ignores it too)
        }
        calledTools = true;
        int index = startBlock(alloc, out, g -> {
            g.writeStringField("type", "tool_use");
            g.writeStringField("id", s.id());
            g.writeStringField("name", s.name());
            g.writeObjectFieldStart("input");
            g.writeEndObject();
        });
        if (ordinal >= toolBlock.length) {
            toolBlock = java.util.Arrays.copyOf(toolBlock, Math.max(ordinal + 1, toolBlock.length * 2));
        }
        toolBlock[ordinal] = index + 1; // 0 means "never started"
        openTools.add(index);
    }

    private void toolArguments(StreamEvent.ToolCallArguments a, ByteBufAllocator alloc, List<ByteBuf> out) {
        String fragment = a.fragment();
        if (fragment == null || fragment.isEmpty()) {
            return;
        }
        int ordinal = a.toolIndex();
        int slot = ordinal >= 0 && ordinal < toolBlock.length ? toolBlock[ordinal] : 0;
        if (slot == 0 || !openTools.contains(slot - 1)) {
            fail(GatewayError.internal("The model's stream sent arguments for tool call " + ordinal
                    + " after that call's block had ended; the Messages stream cannot express it."), alloc, out);
            return;
        }
        argumentsSent.set(slot - 1);
        inputJson(slot - 1, fragment, alloc, out);
    }

    private static void inputJson(int index, String fragment, ByteBufAllocator alloc, List<ByteBuf> out) {
        delta(index, alloc, out, g -> {
            g.writeStringField("type", "input_json_delta");
            g.writeStringField("partial_json", fragment);
        });
    }

    private void requireFirstChoice(int choice) {
        if (choice != 0) {
            throw new IllegalArgumentException("a Messages stream has one choice; got an event for choice " + choice);
        }
    }

    private int startBlock(ByteBufAllocator alloc, List<ByteBuf> out, NamedEvents.Body block) {
        int index = nextIndex++;
        out.add(NamedEvents.event(alloc, "content_block_start", g -> {
            g.writeStartObject();
            g.writeStringField("type", "content_block_start");
            g.writeNumberField("index", index);
            g.writeObjectFieldStart("content_block");
            block.write(g);
            g.writeEndObject();
            g.writeEndObject();
        }));
        return index;
    }

    private static void delta(int index, ByteBufAllocator alloc, List<ByteBuf> out, NamedEvents.Body delta) {
        out.add(NamedEvents.event(alloc, "content_block_delta", g -> {
            g.writeStartObject();
            g.writeStringField("type", "content_block_delta");
            g.writeNumberField("index", index);
            g.writeObjectFieldStart("delta");
            delta.write(g);
            g.writeEndObject();
            g.writeEndObject();
        }));
    }

    private void closeAll(ByteBufAllocator alloc, List<ByteBuf> out) {
        // No signature from the vendor (or an empty one): no signature_delta at all; the block keeps
        // content_block_start's "signature":"", which Anthropic's SDKs accumulate as the signature.
        if (open == Kind.THINKING && pendingSignature != null && !pendingSignature.isEmpty()) {
            String sig = pendingSignature;
            delta(openIndex, alloc, out, g -> {
                g.writeStringField("type", "signature_delta");
                g.writeStringField("signature", sig);
            });
        }
        pendingSignature = null;
        if (open == Kind.TEXT || open == Kind.THINKING) {
            stop(openIndex, alloc, out);
        } else if (open == Kind.TOOLS) {
            for (int index : openTools) {
                if (!argumentsSent.get(index)) {
                    // A call without arguments still has an input: Anthropic sends one input_json_delta
                    // for it, and the SDKs' accumulators require one (wire-formats §2.4).
                    inputJson(index, "{}", alloc, out);
                }
                stop(index, alloc, out);
            }
            openTools.clear();
        }
        open = Kind.NONE;
        openIndex = -1;
    }

    private static void stop(int index, ByteBufAllocator alloc, List<ByteBuf> out) {
        out.add(NamedEvents.event(alloc, "content_block_stop", g -> {
            g.writeStartObject();
            g.writeStringField("type", "content_block_stop");
            g.writeNumberField("index", index);
            g.writeEndObject();
        }));
    }

}
