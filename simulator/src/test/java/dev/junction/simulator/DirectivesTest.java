package dev.junction.simulator;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DirectivesTest {

    @Test
    void parsesEveryKey() {
        Behavior b = Directives.parse("Question? [[sim status=429 retry-after=2 error=insufficient_quota latency=300ms"
                + " tps=50 tokens=20 finish=length cut=3 stall=4 error-event=5 block=safety prompt-tokens=11 cached=2"
                + " reasoning=7 azure echo]]");
        assertEquals(429, b.status());
        assertEquals(Map.of("retry-after", "2"), b.headers());
        assertEquals("insufficient_quota", b.errorCode());
        assertEquals(Duration.ofMillis(300), b.latency());
        assertEquals(50.0, b.tokensPerSecond());
        assertEquals(20, b.tokens());
        assertEquals(Finish.LENGTH, b.finish());
        assertEquals(3, b.cutAfterChunks());
        assertEquals(4, b.stallAfterChunks());
        assertEquals(5, b.errorEventAfterChunks());
        assertEquals("SAFETY", b.blockReason());
        assertEquals(11, b.promptTokens());
        assertEquals(2, b.cachedTokens());
        assertEquals(7, b.reasoningTokens());
        assertTrue(b.azureEmptyFirstChunk());
        assertTrue(b.echo());
    }

    @Test
    void toolsWithJsonArgumentsContainingBrackets() {
        Behavior b = Directives.parse("[[sim tool=search args={\"q\":\"a ]] b\",\"tags\":[\"x\",\"y\"]}]] and"
                + " [[sim tool=noop]] [[sim text=\"two words\"]]");
        assertEquals(List.of(new ToolCall("search", "{\"q\":\"a ]] b\",\"tags\":[\"x\",\"y\"]}"),
                new ToolCall("noop", "{}")), b.toolCalls());
        assertEquals("two words", b.text());
        assertEquals("and", Directives.strip("[[sim tool=search args={\"q\":\"a ]] b\"}]] and [[sim tool=noop]]"));
    }

    @Test
    void noDirectiveIsEmpty() {
        assertTrue(Directives.parse("plain text [[ not a directive ]]").isEmpty());
        assertNull(Directives.parse("").status());
    }

    @Test
    void rejectsMistakes() {
        assertThrows(IllegalArgumentException.class, () -> Directives.parse("[[sim statu=1]]"));
        assertThrows(IllegalArgumentException.class, () -> Directives.parse("[[sim status=abc]]"));
        assertThrows(IllegalArgumentException.class, () -> Directives.parse("[[sim args={}]]"));
        assertThrows(IllegalArgumentException.class, () -> Directives.parse("[[sim tool=f args=[1]]]"));
        assertThrows(IllegalArgumentException.class, () -> Directives.parse("[[sim finish=maybe]]"));
        assertThrows(IllegalArgumentException.class, () -> Directives.parse("[[sim status=429"));
        assertThrows(IllegalArgumentException.class, () -> Directives.parse("[[sim latency=soon]]"));
    }

    @Test
    void durations() {
        assertEquals(Duration.ofMillis(300), Directives.duration("300"));
        assertEquals(Duration.ofMillis(1500), Directives.duration("1.5s"));
    }

    @Test
    void behavioursLayer() {
        Behavior base = Behavior.builder().status(500).text("a").header("x", "1").build();
        Behavior top = Behavior.builder().text("b").header("y", "2").build();
        Behavior merged = base.overlay(top);
        assertEquals(500, merged.status());
        assertEquals("b", merged.text());
        assertEquals(Map.of("x", "1", "y", "2"), merged.headers());
        assertEquals(base, base.overlay(null));
    }
}
