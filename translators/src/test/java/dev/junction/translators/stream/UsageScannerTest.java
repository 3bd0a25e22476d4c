package dev.junction.translators.stream;

import dev.junction.stream.Usage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The usage of a pass-through answer: the hand-written scan must agree with the Jackson reader on every answer. */
class UsageScannerTest {

    private static final List<String> ANSWERS = List.of(
            "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
                    + "\"message\":{\"role\":\"assistant\",\"content\":\"Hello \\\"wörld\\\" \\u00e9 🙂\",\"refusal\":null},"
                    + "\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":19,\"completion_tokens\":10,"
                    + "\"total_tokens\":29,\"prompt_tokens_details\":{\"cached_tokens\":3,\"audio_tokens\":0},"
                    + "\"completion_tokens_details\":{\"reasoning_tokens\":4,\"cache_write_tokens\":2}},\"system_fingerprint\":\"fp\"}",
            "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[0.1,-2.5e-3,3]}],"
                    + "\"model\":\"e\",\"usage\":{\"prompt_tokens\":5,\"total_tokens\":5}}",
            "{\"id\":\"x\",\"choices\":[]}",
            " {\"usage\":null,\"usage\":{\"prompt_tokens\":-1,\"completion_tokens\":2.0,\"prompt_tokens_details\":null}} ",
            "{\"usage\":{\"prompt_tokens\":{\"a\":1}}}",
            "{\"usage\":{\"prompt_tokens\":99999999999999999999}}",
            "{\"\\u0075sage\":{\"prompt_tokens\":1}}",
            "{\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}} trailing",
            "[1]",
            "");

    @Test
    void agreesWithJacksonOnEveryAnswer() {
        for (String a : ANSWERS) {
            compare(a.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void agreesWithJacksonOnCorruptedAnswers() {
        Random random = new Random(7);
        byte[] alphabet = "{}[]\":,\\ .-e0123456789nul".getBytes(StandardCharsets.US_ASCII);
        for (int round = 0; round < 20_000; round++) {
            byte[] bytes = ANSWERS.get(random.nextInt(3)).getBytes(StandardCharsets.UTF_8);
            for (int e = 0, edits = 1 + random.nextInt(2); e < edits && bytes.length > 0; e++) {
                int at = random.nextInt(bytes.length);
                switch (random.nextInt(3)) {
                    case 0 -> bytes[at] = alphabet[random.nextInt(alphabet.length)];
                    case 1 -> bytes[at] = (byte) random.nextInt(256);
                    default -> bytes = Arrays.copyOf(bytes, at);
                }
            }
            compare(bytes);
        }
    }

    @Test
    void readsUsageFromADirectBuffer() {
        byte[] bytes = ANSWERS.get(0).getBytes(StandardCharsets.UTF_8);
        ByteBuf direct = PooledByteBufAllocator.DEFAULT.directBuffer().writeBytes(bytes);
        try {
            assertEquals(new Usage(19, 10, 3, 2, 4), UsageScanner.topLevelUsage(direct));
            assertEquals(0, direct.readerIndex());
        } finally {
            direct.release();
        }
        assertNull(UsageScanner.topLevelUsage(Unpooled.wrappedBuffer(ANSWERS.get(2).getBytes(StandardCharsets.UTF_8))));
    }

    private static void compare(byte[] bytes) {
        Usage jackson = UsageScanner.withJackson(Unpooled.wrappedBuffer(bytes));
        Usage fast = UsageScanner.topLevelUsage(Unpooled.wrappedBuffer(bytes));
        assertEquals(jackson, fast, () -> new String(bytes, StandardCharsets.UTF_8));
    }
}
