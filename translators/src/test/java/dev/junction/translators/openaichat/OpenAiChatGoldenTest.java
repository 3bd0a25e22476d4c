package dev.junction.translators.openaichat;

import dev.junction.translators.VendorRegistry;
import dev.junction.translators.golden.GoldenRunner;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

/**
 * Every scenario under {@code golden/openai/}: the OpenAI chat completions adapter on the canonical
 * model (requests written for OpenAI, recorded OpenAI answers, chunk streams swept at several chunk
 * sizes, error bodies).
 */
class OpenAiChatGoldenTest {

    @TestFactory
    Stream<DynamicNode> golden() {
        return new GoldenRunner("openai", VendorRegistry.canonicalAdapter("openai")).scenarios();
    }
}
