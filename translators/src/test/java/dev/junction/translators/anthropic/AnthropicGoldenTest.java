package dev.junction.translators.anthropic;

import dev.junction.translators.golden.GoldenRunner;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.stream.Stream;

/** Every scenario under {@code golden/anthropic/}; streams are swept at several chunk sizes. */
class AnthropicGoldenTest {

    @TestFactory
    Stream<DynamicNode> golden() {
        AnthropicAdapter adapter = new AnthropicAdapter(Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));
        return new GoldenRunner("anthropic", adapter).scenarios();
    }
}
