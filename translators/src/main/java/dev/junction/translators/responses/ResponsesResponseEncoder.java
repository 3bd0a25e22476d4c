package dev.junction.translators.responses;

import dev.junction.translators.messages.NamedEvents;
import dev.junction.translators.model.ChatResponse;
import dev.junction.translators.model.ToolCall;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.ArrayList;
import java.util.List;

/**
 * Renders a canonical answer as a Responses {@code response} object (wire-formats §1.11.4, §1.11.6):
 * output items in the order reasoning ({@code rs_…}, the vendor's reasoning as a summary text),
 * message ({@code msg_…}: output text, then a refusal part), one {@code function_call} per tool call
 * ({@code fc_…_<n>}, {@code call_id} = the vendor's tool-call id). A stop or tool-call finish is
 * {@code completed}; length is {@code incomplete} with {@code max_output_tokens}, a content filter
 * {@code incomplete} with {@code content_filter}, and then the last item is {@code incomplete} too.
 * Only the first choice is rendered (the Responses API has no {@code n}).
 */
public final class ResponsesResponseEncoder {

    private ResponsesResponseEncoder() {
    }

    /** {@code id} is Junction's {@code resp_…} id; {@code createdAt} in Unix seconds. */
    public static ByteBuf encode(ChatResponse r, ResponsesRequest req, String id, long createdAt,
                                 ByteBufAllocator alloc) {
        ChatResponse.Choice c = r.choices().isEmpty() ? null : r.choices().get(0);
        ResponseObject.Outcome outcome = ResponseObject.Outcome.of(c == null ? null : c.finishReason());
        List<ResponseObject.Item> items = new ArrayList<>();
        if (c != null) {
            if (c.reasoning() != null && !c.reasoning().isEmpty()) {
                items.add(new ResponseObject.Reasoning(ResponseObject.itemId(id, "rs"), c.reasoning(), "completed"));
            }
            boolean text = c.content() != null && !c.content().isEmpty();
            if (text || c.refusal() != null) {
                List<ResponseObject.ContentPart> parts = new ArrayList<>(2);
                if (text) {
                    parts.add(new ResponseObject.ContentPart(false, c.content()));
                }
                if (c.refusal() != null) {
                    parts.add(new ResponseObject.ContentPart(true, c.refusal()));
                }
                items.add(new ResponseObject.MessageItem(ResponseObject.itemId(id, "msg"), parts, "completed"));
            }
            int n = 0;
            for (ToolCall call : c.toolCalls()) {
                String args = call.arguments() == null || call.arguments().isEmpty() ? "{}" : call.arguments();
                items.add(new ResponseObject.FunctionCall(ResponseObject.itemId(id, "fc") + "_" + n++, call.id(),
                        call.name(), args, "completed"));
            }
        }
        if (!"completed".equals(outcome.status()) && !items.isEmpty()) {
            items.set(items.size() - 1, incomplete(items.get(items.size() - 1)));
        }
        return NamedEvents.json(alloc, g -> ResponseObject.writeResponse(g, req, id, createdAt, outcome.status(),
                outcome.incompleteReason(), items, r.usage() == null ? dev.junction.stream.Usage.ZERO : r.usage(), null));
    }

    static ResponseObject.Item incomplete(ResponseObject.Item item) {
        if (item instanceof ResponseObject.Reasoning r) {
            return new ResponseObject.Reasoning(r.id(), r.text(), "incomplete");
        }
        if (item instanceof ResponseObject.MessageItem m) {
            return new ResponseObject.MessageItem(m.id(), m.parts(), "incomplete");
        }
        ResponseObject.FunctionCall f = (ResponseObject.FunctionCall) item;
        return new ResponseObject.FunctionCall(f.id(), f.callId(), f.name(), f.arguments(), "incomplete");
    }
}
