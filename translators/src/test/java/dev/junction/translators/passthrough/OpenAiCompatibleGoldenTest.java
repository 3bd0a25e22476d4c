package dev.junction.translators.passthrough;

import dev.junction.translators.golden.PassThroughGoldenRunner;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

/** golden/openai-compatible: per-dialect quirks of OpenAI-compatible servers (wire-formats §6.1). */
class OpenAiCompatibleGoldenTest {

    @TestFactory
    Stream<DynamicNode> golden() {
        return new PassThroughGoldenRunner("openai-compatible").scenarios();
    }
}
