package dev.junction.stream;

import dev.junction.stream.SseRecorder.Item;
import dev.junction.stream.StreamGuard.Outcome;
import dev.junction.stream.StreamGuard.Verdict;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPEC §5 end to end over this module's pieces: a vendor stream cut at every possible point must
 * end complete only when it was, be retried while nothing was committed, and otherwise end with the
 * in-band {@code stream_interrupted} error — never with {@code [DONE]}.
 */
class StreamFailureRulesTest {

    private static final String AZURE_FIRST = "{\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\","
            + "\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":{}}]}";
    private static final String HEAD = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",";
    private static final List<String> CHUNKS = List.of(
            AZURE_FIRST,
            HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}",
            HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"héllo 👋\"},\"finish_reason\":null}]}",
            HEAD + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}",
            HEAD + "\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3,\"total_tokens\":8}}",
            "[DONE]");
    private static final int FIRST_CONTENT = 2;
    private static final int FINISH = 3;

    /** The pass-through path: decoder → inspector → guard, with the upstream cut after {@code cut} bytes. */
    @Test
    void passThroughCutAtEveryByte() {
        StringBuilder sb = new StringBuilder();
        List<Integer> eventEnds = new ArrayList<>();
        for (String c : CHUNKS) {
            sb.append("data: ").append(c).append("\r\n\r\n");
            eventEnds.add(sb.toString().getBytes(StandardCharsets.UTF_8).length);
        }
        byte[] stream = sb.toString().getBytes(StandardCharsets.UTF_8);
        OpenAiChunkInspector inspector = new OpenAiChunkInspector();
        for (int cut = 0; cut <= stream.length; cut++) {
            StreamGuard guard = new StreamGuard(1);
            boolean[] done = {false};
            SseDecoder decoder = new SseDecoder(e -> {
                OpenAiChunkInspector.Result r = inspector.inspect(e.data());
                assertFalse(r.malformed() || r.error());
                if (r.done()) {
                    done[0] = true;
                    return;
                }
                guard.forwarded(r.content());
                for (int i = 0; i < r.finishCount(); i++) {
                    guard.finished(r.finishedChoice(i));
                }
            }, 1 << 16);
            for (int i = 0; i < cut; i += 5) {
                SseRecorder.feed(decoder, stream, i, Math.min(5, cut - i));
            }
            decoder.close();
            Verdict v = done[0] ? guard.upstreamEnded() : guard.upstreamCut("connection reset");
            Outcome expected = dispatched(eventEnds, FINISH, cut) ? Outcome.COMPLETE
                    : dispatched(eventEnds, FIRST_CONTENT, cut) ? Outcome.INTERRUPTED : Outcome.RETRY;
            assertEquals(expected, v.outcome(), "cut at byte " + cut);
            assertEquals(dispatched(eventEnds, FIRST_CONTENT, cut), guard.committed(), "cut at byte " + cut);
            if (v.outcome() != Outcome.COMPLETE) {
                // In-band after the commit point; before it, a vendor failure like any other (SPEC §4).
                assertEquals(v.outcome() == Outcome.RETRY ? "upstream_unavailable" : "stream_interrupted", v.error().code());
                assertEquals(v.outcome() == Outcome.RETRY, v.error().retryable());
            }
        }
    }

    /**
     * Whether event {@code j} was dispatched from the first {@code cut} bytes: the CR that starts
     * its blank line is enough, the final LF is not needed.
     */
    private static boolean dispatched(List<Integer> eventEnds, int j, int cut) {
        return cut >= eventEnds.get(j) - 1;
    }

    /** The translated path: canonical events → guard + chunk writer, the vendor stopping after each event. */
    @Test
    void translatedStreamStoppedAfterEveryEvent() {
        List<StreamEvent> events = List.of(new StreamEvent.Start("msg_1", "claude"),
                new StreamEvent.UsageReport(Usage.of(5, 1)),
                new StreamEvent.TextDelta(0, ""),
                new StreamEvent.TextDelta(0, "héllo"),
                new StreamEvent.ToolCallStart(0, 0, "toolu_1", "f"),
                new StreamEvent.ToolCallArguments(0, 0, "{}"),
                new StreamEvent.Finish(0, FinishReason.TOOL_CALLS),
                new StreamEvent.UsageReport(Usage.of(5, 9)));
        for (int stop = 0; stop <= events.size(); stop++) {
            StreamGuard guard = new StreamGuard(1);
            OpenAiChunkWriter writer = new OpenAiChunkWriter("chatcmpl-1", 1, "m", true);
            List<ByteBuf> frames = new ArrayList<>();
            try {
                for (StreamEvent e : events.subList(0, stop)) {
                    guard.observe(e);
                    writer.write(e, PooledByteBufAllocator.DEFAULT, frames);
                }
                Verdict v = guard.upstreamCut("no data for 30 s");
                switch (v.outcome()) {
                    case COMPLETE -> writer.finish(PooledByteBufAllocator.DEFAULT, frames);
                    case INTERRUPTED -> writer.fail(v.error(), PooledByteBufAllocator.DEFAULT, frames);
                    default -> {
                        assertEquals(Outcome.RETRY, v.outcome());
                        assertTrue(stop <= 3, "retry is only allowed before the first content, stop=" + stop);
                        continue;
                    }
                }
                List<Item> seen = decode(frames);
                String last = seen.get(seen.size() - 1).data();
                if (stop >= 7) {
                    assertEquals(Outcome.COMPLETE, v.outcome());
                    assertEquals("[DONE]", last);
                } else {
                    assertEquals(Outcome.INTERRUPTED, v.outcome(), "stop=" + stop);
                    assertTrue(last.startsWith("{\"error\":"), last);
                    assertTrue(seen.stream().noneMatch(i -> i.data().equals("[DONE]")));
                }
            } finally {
                frames.forEach(ByteBuf::release);
            }
        }
    }

    private static List<Item> decode(List<ByteBuf> frames) {
        SseRecorder r = new SseRecorder();
        SseDecoder d = new SseDecoder(r, 1 << 16);
        frames.forEach(d::feed);
        d.close();
        return r.items;
    }
}
