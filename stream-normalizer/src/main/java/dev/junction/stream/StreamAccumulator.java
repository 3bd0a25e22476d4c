package dev.junction.stream;

import java.util.ArrayList;
import java.util.List;

/**
 * Folds the canonical {@link StreamEvent}s of one stream into its final per-choice content — text,
 * reasoning, refusal, tool calls, finish reason — plus the last usage and any in-stream error. Used
 * to cache a streamed answer and to merge the streams of an {@code n > 1} fan-out. Not thread-safe.
 */
public final class StreamAccumulator {

    /**
     * One choice. {@code text}, {@code reasoning} and {@code refusal} are null when none arrived
     * (an OpenAI tool-call message has {@code content:null}); {@code finishReason} is null when the
     * choice never finished; {@code reasoningSignature} is the last signature the vendor gave, or null.
     */
    public record Choice(int index, String text, String reasoning, String refusal,
                         List<ToolCallAccumulator.ToolCall> toolCalls, FinishReason finishReason,
                         String reasoningSignature) {
        public Choice {
            toolCalls = List.copyOf(toolCalls);
        }
    }

    /** The whole stream so far. {@code usage} and {@code error} are null when none was reported. */
    public record Result(String vendorId, String vendorModel, List<Choice> choices, Usage usage,
                         GatewayError error) {
        public Result {
            choices = List.copyOf(choices);
        }

        /** Whether every choice got a finish reason and no error arrived. */
        public boolean complete() {
            return error == null && !choices.isEmpty()
                    && choices.stream().allMatch(c -> c.finishReason() != null);
        }
    }

    private static final class ChoiceBuilder {
        StringBuilder text;
        StringBuilder reasoning;
        StringBuilder refusal;
        final ToolCallAccumulator tools = new ToolCallAccumulator();
        FinishReason finish;
        String signature;
    }

    private final List<ChoiceBuilder> choices = new ArrayList<>(1);
    private String vendorId;
    private String vendorModel;
    private Usage usage;
    private GatewayError error;

    public void accept(StreamEvent event) {
        if (event instanceof StreamEvent.TextDelta t) {
            choice(t.choice()).text = append(choice(t.choice()).text, t.text());
        } else if (event instanceof StreamEvent.ToolCallArguments a) {
            choice(a.choice()).tools.append(a.toolIndex(), a.fragment());
        } else if (event instanceof StreamEvent.ToolCallStart s) {
            choice(s.choice()).tools.start(s.toolIndex(), s.id(), s.name());
        } else if (event instanceof StreamEvent.ReasoningDelta r) {
            choice(r.choice()).reasoning = append(choice(r.choice()).reasoning, r.text());
        } else if (event instanceof StreamEvent.ReasoningSignature sig) {
            choice(sig.choice()).signature = sig.signature();
        } else if (event instanceof StreamEvent.RefusalDelta r) {
            choice(r.choice()).refusal = append(choice(r.choice()).refusal, r.text());
        } else if (event instanceof StreamEvent.Finish f) {
            ChoiceBuilder c = choice(f.choice());
            if (c.finish == null) {
                c.finish = f.reason(); // one finish per choice, as the chunk writer sends it
            }
        } else if (event instanceof StreamEvent.UsageReport u) {
            usage = u.usage(); // usage reports are cumulative: the last one wins (wire-formats §4.3)
        } else if (event instanceof StreamEvent.Error e) {
            error = e.error();
        } else if (event instanceof StreamEvent.Start s) {
            vendorId = s.vendorId();
            vendorModel = s.vendorModel();
        }
    }

    public Result result() {
        List<Choice> out = new ArrayList<>(choices.size());
        for (int i = 0; i < choices.size(); i++) {
            ChoiceBuilder c = choices.get(i);
            if (c == null) {
                continue;
            }
            out.add(new Choice(i, str(c.text), str(c.reasoning), str(c.refusal), c.tools.build(), c.finish,
                    c.signature));
        }
        return new Result(vendorId, vendorModel, out, usage, error);
    }

    private ChoiceBuilder choice(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("negative choice index " + index);
        }
        while (choices.size() <= index) {
            choices.add(null);
        }
        ChoiceBuilder c = choices.get(index);
        if (c == null) {
            c = new ChoiceBuilder();
            choices.set(index, c);
        }
        return c;
    }

    private static StringBuilder append(StringBuilder sb, String s) {
        if (s == null || s.isEmpty()) {
            return sb; // the empty content of a role chunk is not text: a tool-only answer stays null
        }
        if (sb == null) {
            sb = new StringBuilder(Math.max(16, s.length()));
        }
        sb.append(s);
        return sb;
    }

    private static String str(StringBuilder sb) {
        return sb == null ? null : sb.toString();
    }
}
