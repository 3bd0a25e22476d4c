package dev.junction.translators.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.GatewayError;
import dev.junction.stream.Usage;
import dev.junction.testkit.OpenAiSchema;
import dev.junction.translators.VendorRegistry;
import dev.junction.translators.spi.Target;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pass-through stream with OpenAI-compatible quirks (wire-formats §6.1, §8 item 17): usage that
 * only came in {@code x_groq.usage} reaches a client that asked for it as the standard usage chunk,
 * and finish reasons outside OpenAI's set are renamed or turned into errors by the dialect.
 */
class PassThroughDialectStreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    private static final String HEAD = "{\"id\":\"chatcmpl-g1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
            + "\"model\":\"llama-3.3-70b\",\"system_fingerprint\":\"fp_1\",";

    private static PassThroughStreamProcessor processor(boolean clientWantsUsage, String dialect) {
        Target t = new Target("p", "openai-compatible", "http://h", "m", null, Map.of(),
                dialect == null ? Map.of() : Map.of("dialect", dialect));
        return new PassThroughStreamProcessor(clientWantsUsage, 1, VendorRegistry.passThrough("openai-compatible"), t);
    }

    private static String chunk(String choices, String extra) {
        return "data: " + HEAD + "\"choices\":" + choices + extra + "}\n\n";
    }

    private static final String ROLE = chunk("[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]", "");
    private static final String TEXT = chunk("[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]", "");

    private static String finish(String reason, String extra) {
        return chunk("[{\"index\":0,\"delta\":{},\"finish_reason\":\"" + reason + "\"}]", extra);
    }

    private static final String X_GROQ = ",\"x_groq\":{\"id\":\"req_01\",\"usage\":{\"queue_time\":0.01,\"prompt_tokens\":12,"
            + "\"completion_tokens\":5,\"total_tokens\":17}}";

    /** Feeds the whole SSE text, ends the stream, returns the JSON of every data frame ("[DONE]" as text). */
    private static List<JsonNode> run(PassThroughStreamProcessor p, String sse, GatewayError[] error) throws Exception {
        return run(p, sse, error, Integer.MAX_VALUE, null);
    }

    /** As above, feeding {@code piece} bytes at a time; the raw data payloads go to {@code raw} when given. */
    private static List<JsonNode> run(PassThroughStreamProcessor p, String sse, GatewayError[] error, int piece,
                                      List<String> raw) throws Exception {
        List<ByteBuf> out = new ArrayList<>();
        ByteBuf in = Unpooled.copiedBuffer(sse, StandardCharsets.UTF_8);
        try {
            for (int at = 0; at < in.readableBytes() && p.vendorError() == null; at += piece) {
                ByteBuf part = in.retainedSlice(at, Math.min(piece, in.readableBytes() - at));
                try {
                    p.feed(part, ALLOC, out);
                } finally {
                    part.release();
                }
            }
            error[0] = p.vendorError();
            if (error[0] == null) {
                error[0] = p.end(ALLOC, out);
            }
            List<JsonNode> frames = new ArrayList<>();
            List<String> sent = new ArrayList<>();
            for (ByteBuf b : out) {
                // A buffer holds whole frames: one, or those of one read written together.
                String whole = b.toString(StandardCharsets.UTF_8);
                assertTrue(whole.endsWith("\n\n"), whole);
                for (String frame : whole.substring(0, whole.length() - 2).split("\n\n", -1)) {
                    sent.add(frame + "\n\n");
                }
            }
            for (String s : sent) {
                assertTrue(s.startsWith("data: ") && s.endsWith("\n\n"), s);
                String data = s.substring(6, s.length() - 2);
                if (raw != null) {
                    raw.add(data);
                }
                frames.add(data.equals("[DONE]") ? JSON.getNodeFactory().textNode(data) : JSON.readTree(data));
            }
            return frames;
        } finally {
            in.release();
            out.forEach(ByteBuf::release);
            p.close();
        }
    }

    @Test
    void usageOnlyInXGroqBecomesTheStandardUsageChunkForAClientThatAskedForIt() throws Exception {
        GatewayError[] error = new GatewayError[1];
        PassThroughStreamProcessor p = processor(true, "groq");
        List<JsonNode> frames = run(p, ROLE + TEXT + finish("stop", X_GROQ) + "data: [DONE]\n\n", error);
        assertNull(error[0]);
        assertEquals(5, frames.size(), frames::toString);
        JsonNode usageChunk = frames.get(3);
        assertEquals(JSON.readTree("{\"id\":\"chatcmpl-g1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                + "\"model\":\"llama-3.3-70b\",\"system_fingerprint\":\"fp_1\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,"
                + "\"completion_tokens\":5,\"total_tokens\":17,\"prompt_tokens_details\":{\"cached_tokens\":0},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":0}}}"), usageChunk);
        OpenAiSchema.assertValid("CreateChatCompletionStreamResponse", usageChunk);
        assertEquals("[DONE]", frames.get(4).asText());
        assertEquals(Usage.of(12, 5), p.usage());
    }

    @Test
    void theUsageChunkDoesNotDependOnHowTheStreamIsFramed() throws Exception {
        String sse = ROLE + TEXT + finish("stop", X_GROQ) + "data: [DONE]\n\n";
        GatewayError[] error = new GatewayError[1];
        List<JsonNode> whole = run(processor(true, "groq"), sse, error);
        for (int piece : new int[] {1, 2, 3, 5, 7, 13, 64}) {
            assertEquals(whole, run(processor(true, "groq"), sse, error, piece, null), "pieces of " + piece);
        }
    }

    @Test
    void openAiReasonsAndOrdinaryChunksAreForwardedAsTheVendorsBytes() throws Exception {
        String finishing = finish("stop", X_GROQ);
        String sse = ROLE + TEXT + finishing + "data: [DONE]\n\n";
        for (String dialect : new String[] {null, "mistral", "together", "deepseek"}) {
            List<String> raw = new ArrayList<>();
            run(processor(true, dialect), sse, new GatewayError[1], Integer.MAX_VALUE, raw);
            // Byte identity is the property under test here (zero-copy forwarding), so text is compared.
            assertEquals(List.of(ROLE, TEXT, finishing), raw.subList(0, 3).stream().map(d -> "data: " + d + "\n\n").toList());
        }
    }

    @Test
    void aUsageOnlyChunkInXGroqIsReplacedNotForwarded() throws Exception {
        GatewayError[] error = new GatewayError[1];
        List<JsonNode> frames = run(processor(true, null), ROLE + TEXT + finish("stop", "")
                + chunk("[]", X_GROQ) + "data: [DONE]\n\n", error);
        assertEquals(5, frames.size(), frames::toString);
        assertEquals(17, frames.get(3).path("usage").path("total_tokens").asInt());
        assertFalse(frames.get(3).has("x_groq"));
    }

    @Test
    void noSecondUsageChunkWhenTheVendorSentTheStandardOne() throws Exception {
        GatewayError[] error = new GatewayError[1];
        List<JsonNode> frames = run(processor(true, "groq"), ROLE + TEXT + finish("stop", "")
                + chunk("[]", ",\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":5,\"total_tokens\":17}") + "data: [DONE]\n\n", error);
        assertEquals(5, frames.size(), frames::toString);
        assertEquals(12, frames.get(3).path("usage").path("prompt_tokens").asInt());
    }

    @Test
    void noUsageChunkForAClientThatDidNotAsk() throws Exception {
        GatewayError[] error = new GatewayError[1];
        PassThroughStreamProcessor p = processor(false, "groq");
        List<JsonNode> frames = run(p, ROLE + TEXT + finish("stop", X_GROQ) + "data: [DONE]\n\n", error);
        assertEquals(4, frames.size(), frames::toString);
        assertEquals(Usage.of(12, 5), p.usage(), "still accounted");
    }

    @Test
    void dialectRenamesAFinishReasonOutsideOpenAisSet() throws Exception {
        GatewayError[] error = new GatewayError[1];
        List<JsonNode> frames = run(processor(false, "mistral"), ROLE + TEXT + finish("model_length", ",\"usage\":null")
                + "data: [DONE]\n\n", error);
        assertNull(error[0]);
        JsonNode last = frames.get(2);
        assertEquals("length", last.path("choices").path(0).path("finish_reason").asText());
        assertFalse(last.has("usage"), "a client that did not ask for usage sees no usage:null");
        OpenAiSchema.assertValid("CreateChatCompletionStreamResponse", last);

        frames = run(processor(true, "together"), ROLE + TEXT + finish("eos", "") + "data: [DONE]\n\n", error);
        assertEquals("stop", frames.get(2).path("choices").path(0).path("finish_reason").asText());
        // Without the dialect the vendor's reason passes as sent.
        frames = run(processor(true, null), ROLE + TEXT + finish("eos", "") + "data: [DONE]\n\n", error);
        assertEquals("eos", frames.get(2).path("choices").path(0).path("finish_reason").asText());
    }

    @Test
    void dialectTurnsAFailureReasonIntoARetryableUpstreamError() throws Exception {
        GatewayError[] error = new GatewayError[1];
        PassThroughStreamProcessor p = processor(true, "deepseek");
        List<JsonNode> frames = run(p, ROLE + TEXT + finish("insufficient_system_resource", "") + "data: [DONE]\n\n", error);
        assertNotNull(error[0]);
        // Text had been forwarded: the failure is the in-band error of SPEC §5, naming the cause.
        assertEquals("stream_interrupted", error[0].code());
        assertFalse(error[0].retryable());
        assertTrue(error[0].message().contains("insufficient_system_resource"), error[0].message());
        assertEquals(2, frames.size(), "the failing chunk is not forwarded: " + frames);

        // Nothing forwarded yet: the dialect's retryable upstream error, for the exchange to fail over.
        run(processor(true, "mistral"), ROLE + finish("error", ""), error);
        assertEquals("upstream_unavailable", error[0].code());
        assertTrue(error[0].retryable());
    }
}
