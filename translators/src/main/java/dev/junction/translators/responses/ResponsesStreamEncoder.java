package dev.junction.translators.responses;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.junction.stream.FinishReason;
import dev.junction.stream.GatewayError;
import dev.junction.stream.SseFrames;
import dev.junction.stream.StreamEvent;
import dev.junction.stream.Usage;
import dev.junction.translators.messages.NamedEvents;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns the canonical {@link StreamEvent}s of one answer into the Responses API's typed event stream
 * (wire-formats §1.11.5), in the order the official SDKs' stream helpers accumulate: every event is
 * {@code event: <type>} plus its JSON with a {@code sequence_number} counting from 0;
 * {@code response.created} and {@code response.in_progress} first (snapshots with no output and no
 * usage); then one output item at a time, {@code output_index} 0, 1, 2, ... in the order added:
 * <ul>
 *   <li>reasoning → a {@code reasoning} item with one summary part:
 *       {@code reasoning_summary_part.added}, {@code reasoning_summary_text.delta}…, {@code .done}s;</li>
 *   <li>text and refusal → the {@code message} item: a content part per kind
 *       ({@code content_part.added}, {@code output_text.delta} / {@code refusal.delta}…,
 *       {@code output_text.done} / {@code refusal.done}, {@code content_part.done});</li>
 *   <li>each tool call → a {@code function_call} item, argument fragments as
 *       {@code function_call_arguments.delta} ({@code "{}"} for a call that got none), then
 *       {@code function_call_arguments.done} with the name. Calls stay open until something else
 *       starts or the end, so fragments of parallel calls reach their own item; a fragment for a call
 *       already done cannot be expressed and fails the stream.</li>
 * </ul>
 * Each item ends with {@code output_item.done}. At the end: {@code response.completed} (or
 * {@code response.incomplete} for a length or content-filter finish, with the open item marked
 * incomplete), holding every item in full and the usage, then {@code data: [DONE]}. A failure ends
 * with the {@code error} event — OpenAI's flat fields for its schema plus the nested {@code error}
 * object the live API sends and the SDKs raise on — then {@code response.failed} listing only the
 * finished items, then {@code [DONE]}; no {@code .done} is invented for an unfinished item. Ids
 * follow {@link ResponseObject#itemId}. One instance per stream, not thread-safe; frames appended to
 * {@code out} belong to the caller.
 */
public final class ResponsesStreamEncoder {

    private enum Kind { REASONING, MESSAGE, CALL }

    /** One output item as it grows. */
    private static final class ItemState {
        final Kind kind;
        final String id;
        final int index;
        final StringBuilder text = new StringBuilder();
        /** message: its content parts, in order. */
        final List<Part> parts = new ArrayList<>(1);
        String callId;
        String name;
        boolean done;
        String status = "in_progress";

        ItemState(Kind kind, String id, int index) {
            this.kind = kind;
            this.id = id;
            this.index = index;
        }
    }

    private static final class Part {
        final boolean refusal;
        final StringBuilder text = new StringBuilder();
        boolean done;

        Part(boolean refusal) {
            this.refusal = refusal;
        }
    }

    private final ResponsesRequest request;
    private final String id;
    private final long createdAt;
    private final List<ItemState> items = new ArrayList<>();
    /** The open reasoning or message item, or null. */
    private ItemState open;
    /** Tool-call items not yet done, and each call's item by tool ordinal. */
    private final List<ItemState> openCalls = new ArrayList<>(2);
    private final List<ItemState> callByOrdinal = new ArrayList<>(2);
    private int sequence;
    private int calls;
    private boolean started;
    private boolean ended;
    private FinishReason finish;
    private Usage usage;

    public ResponsesStreamEncoder(ResponsesRequest request, String id, long createdAt) {
        this.request = Objects.requireNonNull(request, "request");
        this.id = Objects.requireNonNull(id, "id");
        this.createdAt = createdAt;
    }

    /** Appends the frames (zero or more) that {@code event} yields to {@code out}. */
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
            firstChoice(t.choice());
            messageText(t.text(), false, alloc, out);
        } else if (event instanceof StreamEvent.RefusalDelta r) {
            firstChoice(r.choice());
            messageText(r.text(), true, alloc, out);
        } else if (event instanceof StreamEvent.ReasoningDelta r) {
            firstChoice(r.choice());
            reasoning(r.text(), alloc, out);
        } else if (event instanceof StreamEvent.ToolCallStart s) {
            firstChoice(s.choice());
            callStart(s, alloc, out);
        } else if (event instanceof StreamEvent.ToolCallArguments a) {
            firstChoice(a.choice());
            callArguments(a, alloc, out);
        } else if (event instanceof StreamEvent.Finish f) {
            firstChoice(f.choice());
            if (finish == null) {
                finish = f.reason();
            }
        } else if (!(event instanceof StreamEvent.Start) && !(event instanceof StreamEvent.ReasoningSignature)) {
            throw new IllegalArgumentException("unknown stream event " + event);
        }
    }

    /** Ends a complete answer: the open items done, the terminal event, {@code [DONE]}. */
    public void finish(ByteBufAllocator alloc, List<ByteBuf> out) {
        if (ended) {
            throw new IllegalStateException("stream already finished or failed");
        }
        start(alloc, out);
        ResponseObject.Outcome outcome = ResponseObject.Outcome.of(finish);
        boolean incomplete = !"completed".equals(outcome.status());
        ItemState last = items.isEmpty() ? null : items.get(items.size() - 1);
        if (incomplete && last != null && !last.done) {
            last.status = "incomplete";
        }
        closeAll(alloc, out);
        ended = true;
        Usage u = usage == null ? Usage.ZERO : usage;
        String type = incomplete ? "response.incomplete" : "response.completed";
        out.add(event(alloc, type, g -> {
            g.writeFieldName("response");
            ResponseObject.writeResponse(g, request, id, createdAt, outcome.status(), outcome.incompleteReason(),
                    snapshot(false), u, null);
        }));
        out.add(SseFrames.done());
    }

    /** Ends the stream after the commit point: {@code error}, {@code response.failed}, {@code [DONE]}. */
    public void fail(GatewayError error, ByteBufAllocator alloc, List<ByteBuf> out) {
        if (ended) {
            throw new IllegalStateException("stream already finished or failed");
        }
        start(alloc, out);
        ended = true;
        out.add(event(alloc, "error", g -> {
            g.writeStringField("code", error.code());
            g.writeStringField("message", error.message());
            g.writeStringField("param", error.param());
            g.writeObjectFieldStart("error");
            g.writeStringField("type", error.type());
            g.writeStringField("code", error.code());
            g.writeStringField("message", error.message());
            g.writeStringField("param", error.param());
            g.writeEndObject();
        }));
        out.add(event(alloc, "response.failed", g -> {
            g.writeFieldName("response");
            ResponseObject.writeResponse(g, request, id, createdAt, "failed", null, snapshot(true), null, error);
        }));
        out.add(SseFrames.done());
    }

    public boolean ended() {
        return ended;
    }

    /** The last usage reported so far, or null. */
    public Usage usage() {
        return usage;
    }

    // ---- items -------------------------------------------------------------------------------------

    private void start(ByteBufAllocator alloc, List<ByteBuf> out) {
        if (started) {
            return;
        }
        started = true;
        for (String type : new String[]{"response.created", "response.in_progress"}) {
            out.add(event(alloc, type, g -> {
                g.writeFieldName("response");
                ResponseObject.writeResponse(g, request, id, createdAt, "in_progress", null, List.of(), null, null);
            }));
        }
    }

    private void reasoning(String text, ByteBufAllocator alloc, List<ByteBuf> out) {
        if (text == null || text.isEmpty()) {
            return;
        }
        if (open == null || open.kind != Kind.REASONING) {
            closeAll(alloc, out);
            ItemState item = add(Kind.REASONING, ResponseObject.itemId(id, "rs") + suffix(Kind.REASONING), alloc, out);
            open = item;
            out.add(event(alloc, "response.reasoning_summary_part.added", g -> {
                itemFields(g, item);
                g.writeNumberField("summary_index", 0);
                g.writeFieldName("part");
                ResponseObject.writeSummaryPart(g, "");
            }));
        }
        ItemState item = open;
        item.text.append(text);
        out.add(event(alloc, "response.reasoning_summary_text.delta", g -> {
            itemFields(g, item);
            g.writeNumberField("summary_index", 0);
            g.writeStringField("delta", text);
        }));
    }

    private void messageText(String text, boolean refusal, ByteBufAllocator alloc, List<ByteBuf> out) {
        if (text == null || text.isEmpty()) {
            return;
        }
        if (open == null || open.kind != Kind.MESSAGE) {
            closeAll(alloc, out);
            open = add(Kind.MESSAGE, ResponseObject.itemId(id, "msg") + suffix(Kind.MESSAGE), alloc, out);
        }
        ItemState item = open;
        Part part = item.parts.isEmpty() ? null : item.parts.get(item.parts.size() - 1);
        if (part == null || part.refusal != refusal) {
            if (part != null) {
                closePart(item, part, alloc, out);
            }
            part = new Part(refusal);
            item.parts.add(part);
            int contentIndex = item.parts.size() - 1;
            out.add(event(alloc, "response.content_part.added", g -> {
                itemFields(g, item);
                g.writeNumberField("content_index", contentIndex);
                g.writeFieldName("part");
                if (refusal) {
                    ResponseObject.writeRefusalPart(g, "");
                } else {
                    ResponseObject.writeTextPart(g, "");
                }
            }));
        }
        part.text.append(text);
        int contentIndex = item.parts.size() - 1;
        out.add(event(alloc, refusal ? "response.refusal.delta" : "response.output_text.delta", g -> {
            itemFields(g, item);
            g.writeNumberField("content_index", contentIndex);
            g.writeStringField("delta", text);
            if (!refusal) {
                g.writeArrayFieldStart("logprobs");
                g.writeEndArray();
            }
        }));
    }

    private void callStart(StreamEvent.ToolCallStart s, ByteBufAllocator alloc, List<ByteBuf> out) {
        int ordinal = s.toolIndex();
        if (ordinal < 0) {
            throw new IllegalArgumentException("negative tool index " + ordinal);
        }
        if (ordinal < callByOrdinal.size() && callByOrdinal.get(ordinal) != null) {
            return; // a repeated start of the same call
        }
        if (open != null) {
            closeAll(alloc, out);
        }
        ItemState item = new ItemState(Kind.CALL, ResponseObject.itemId(id, "fc") + "_" + calls++, items.size());
        item.callId = s.id();
        item.name = s.name();
        items.add(item);
        openCalls.add(item);
        while (callByOrdinal.size() <= ordinal) {
            callByOrdinal.add(null);
        }
        callByOrdinal.set(ordinal, item);
        added(item, alloc, out);
    }

    private void callArguments(StreamEvent.ToolCallArguments a, ByteBufAllocator alloc, List<ByteBuf> out) {
        String fragment = a.fragment();
        if (fragment == null || fragment.isEmpty()) {
            return;
        }
        int ordinal = a.toolIndex();
        ItemState item = ordinal >= 0 && ordinal < callByOrdinal.size() ? callByOrdinal.get(ordinal) : null;
        if (item == null || item.done) {
            fail(GatewayError.internal("The model's stream sent arguments for tool call " + ordinal
                    + " after that call had ended; the Responses stream cannot express it."), alloc, out);
            return;
        }
        argumentsDelta(item, fragment, alloc, out);
    }

    private void argumentsDelta(ItemState item, String fragment, ByteBufAllocator alloc, List<ByteBuf> out) {
        item.text.append(fragment);
        out.add(event(alloc, "response.function_call_arguments.delta", g -> {
            itemFields(g, item);
            g.writeStringField("delta", fragment);
        }));
    }

    /** Ids are unique per kind: a second reasoning or message item gets a numeric suffix. */
    private String suffix(Kind kind) {
        long same = items.stream().filter(i -> i.kind == kind).count();
        return same == 0 ? "" : "_" + same;
    }

    private ItemState add(Kind kind, String itemId, ByteBufAllocator alloc, List<ByteBuf> out) {
        ItemState item = new ItemState(kind, itemId, items.size());
        items.add(item);
        added(item, alloc, out);
        return item;
    }

    private void added(ItemState item, ByteBufAllocator alloc, List<ByteBuf> out) {
        out.add(event(alloc, "response.output_item.added", g -> {
            g.writeNumberField("output_index", item.index);
            g.writeFieldName("item");
            ResponseObject.writeItem(g, toItem(item));
        }));
    }

    private void closeAll(ByteBufAllocator alloc, List<ByteBuf> out) {
        if (open != null) {
            ItemState item = open;
            open = null;
            if (item.kind == Kind.REASONING) {
                String text = item.text.toString();
                out.add(event(alloc, "response.reasoning_summary_text.done", g -> {
                    itemFields(g, item);
                    g.writeNumberField("summary_index", 0);
                    g.writeStringField("text", text);
                }));
                out.add(event(alloc, "response.reasoning_summary_part.done", g -> {
                    itemFields(g, item);
                    g.writeNumberField("summary_index", 0);
                    g.writeFieldName("part");
                    ResponseObject.writeSummaryPart(g, text);
                }));
            } else {
                for (Part part : item.parts) {
                    if (!part.done) {
                        closePart(item, part, alloc, out);
                    }
                }
            }
            done(item, alloc, out);
        }
        for (ItemState call : openCalls) {
            if (call.text.length() == 0) {
                argumentsDelta(call, "{}", alloc, out);
            }
            String args = call.text.toString();
            out.add(event(alloc, "response.function_call_arguments.done", g -> {
                itemFields(g, call);
                g.writeStringField("name", call.name);
                g.writeStringField("arguments", args);
            }));
            done(call, alloc, out);
        }
        openCalls.clear();
    }

    private void closePart(ItemState item, Part part, ByteBufAllocator alloc, List<ByteBuf> out) {
        part.done = true;
        int contentIndex = item.parts.indexOf(part);
        String text = part.text.toString();
        out.add(event(alloc, part.refusal ? "response.refusal.done" : "response.output_text.done", g -> {
            itemFields(g, item);
            g.writeNumberField("content_index", contentIndex);
            if (part.refusal) {
                g.writeStringField("refusal", text);
            } else {
                g.writeStringField("text", text);
                g.writeArrayFieldStart("logprobs");
                g.writeEndArray();
            }
        }));
        out.add(event(alloc, "response.content_part.done", g -> {
            itemFields(g, item);
            g.writeNumberField("content_index", contentIndex);
            g.writeFieldName("part");
            if (part.refusal) {
                ResponseObject.writeRefusalPart(g, text);
            } else {
                ResponseObject.writeTextPart(g, text);
            }
        }));
    }

    private void done(ItemState item, ByteBufAllocator alloc, List<ByteBuf> out) {
        item.done = true;
        if (item.status.equals("in_progress")) {
            item.status = "completed";
        }
        out.add(event(alloc, "response.output_item.done", g -> {
            g.writeNumberField("output_index", item.index);
            g.writeFieldName("item");
            ResponseObject.writeItem(g, toItem(item));
        }));
    }

    private static ResponseObject.Item toItem(ItemState i) {
        return switch (i.kind) {
            case REASONING -> new ResponseObject.Reasoning(i.id, i.text.toString(), i.status);
            case CALL -> new ResponseObject.FunctionCall(i.id, i.callId, i.name, i.text.toString(), i.status);
            case MESSAGE -> {
                List<ResponseObject.ContentPart> parts = new ArrayList<>(i.parts.size());
                for (Part p : i.parts) {
                    parts.add(new ResponseObject.ContentPart(p.refusal, p.text.toString()));
                }
                yield new ResponseObject.MessageItem(i.id, parts, i.status);
            }
        };
    }

    /** The output so far; {@code finishedOnly} leaves out items that never got their {@code .done}. */
    private List<ResponseObject.Item> snapshot(boolean finishedOnly) {
        List<ResponseObject.Item> out = new ArrayList<>(items.size());
        for (ItemState i : items) {
            if (!finishedOnly || i.done) {
                out.add(toItem(i));
            }
        }
        return out;
    }

    private static void itemFields(JsonGenerator g, ItemState item) throws IOException {
        g.writeStringField("item_id", item.id);
        g.writeNumberField("output_index", item.index);
    }

    private void firstChoice(int choice) {
        if (choice != 0) {
            throw new IllegalArgumentException("a Responses stream has one choice; got an event for choice " + choice);
        }
    }

    /** One typed event: {@code type} and {@code sequence_number} first, then {@code body}'s members. */
    private ByteBuf event(ByteBufAllocator alloc, String type, NamedEvents.Body body) {
        int seq = sequence++;
        return NamedEvents.event(alloc, type, g -> {
            g.writeStartObject();
            g.writeStringField("type", type);
            g.writeNumberField("sequence_number", seq);
            body.write(g);
            g.writeEndObject();
        });
    }
}
