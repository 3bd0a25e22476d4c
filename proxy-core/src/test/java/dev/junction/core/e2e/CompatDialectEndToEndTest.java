package dev.junction.core.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionAssistantMessageParam;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.completions.CompletionUsage;
import dev.junction.simulator.RecordedRequest;
import dev.junction.simulator.SimulatorOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The official openai-java SDK against Junction in front of the simulator acting as Groq and as
 * Mistral (wire-formats §6.1, §8 items 15 and 17), with the matching provider {@code dialect}.
 */
class CompatDialectEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static GatewayFixture fx;
    private static OpenAIClient sdk;

    @BeforeAll
    static void start() throws Exception {
        fx = GatewayFixture.start(SimulatorOptions.builder().build(), """
                junction {
                  server { host = "127.0.0.1", port = 0 }
                  providers {
                    groq        { type = openai-compatible, base-url = "SIM/groq/v1",    options { dialect = groq } }
                    mistral     { type = openai-compatible, base-url = "SIM/mistral/v1", options { dialect = mistral } }
                    mistral-raw { type = openai-compatible, base-url = "SIM/mistral/v1" }
                  }
                  models {
                    "groq-chat"    { deployments = [ { provider = groq,        model = "llama-3.3-70b-versatile" } ] }
                    "mistral-chat" { deployments = [ { provider = mistral,     model = "mistral-small-latest" } ] }
                    "mistral-raw"  { deployments = [ { provider = mistral-raw, model = "mistral-small-latest" } ] }
                  }
                }
                """);
        sdk = fx.sdk();
    }

    @AfterAll
    static void stop() {
        sdk.close();
        fx.close();
    }

    @BeforeEach
    void clear() {
        fx.sim.clearRequests();
    }

    private static List<ChatCompletionChunk> stream(ChatCompletionCreateParams p) {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = sdk.chat().completions().createStreaming(p)) {
            s.stream().forEach(chunks::add);
        }
        return chunks;
    }

    @Test
    void groqStreamGivesTheSdkItsUsageChunk() {
        List<ChatCompletionChunk> chunks = stream(ChatCompletionCreateParams.builder().model("groq-chat")
                .addUserMessage("Count [[sim tokens=7]]")
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build());
        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertTrue(last.choices().isEmpty(), "the usage chunk comes last");
        CompletionUsage u = last.usage().orElseThrow();
        assertEquals(7, u.completionTokens());
        assertEquals(u.promptTokens() + 7, u.totalTokens());
        assertEquals(chunks.get(0).id(), last.id());
        assertEquals(chunks.get(0).created(), last.created());
        assertEquals(chunks.get(0).model(), last.model());
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        chunks.forEach(acc::accumulate);
        assertEquals(7, acc.chatCompletion().choices().get(0).message().content().orElseThrow().trim().split("\\s+").length);
        // The simulator really answered as Groq: no top-level usage anywhere upstream.
        assertTrue(fx.sim.requests().get(0).path().startsWith("/groq/v1/"));

        List<ChatCompletionChunk> quiet = stream(ChatCompletionCreateParams.builder().model("groq-chat")
                .addUserMessage("Count [[sim tokens=3]]").build());
        assertTrue(quiet.stream().noneMatch(c -> c.usage().isPresent()), "no usage for a client that did not ask");
    }

    private static ChatCompletionFunctionTool tool(String name) {
        return ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name(name)
                .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of())).build()).build()).build();
    }

    private static ChatCompletionMessageToolCall openAiStyleCall(String id) {
        return ChatCompletionMessageToolCall.ofFunction(ChatCompletionMessageFunctionToolCall.builder().id(id)
                .function(ChatCompletionMessageFunctionToolCall.Function.builder().name("get_weather")
                        .arguments("{\"city\":\"Lyon\"}").build()).build());
    }

    @Test
    void mistralMultiTurnToolConversationWithOpenAiStyleIdsSucceeds() throws Exception {
        String openAiId = "call_9Xq2LmZpR4tW7yBnQ1cD";
        // Turn 1: an earlier exchange served elsewhere left an OpenAI-style id in the history.
        ChatCompletion first = sdk.chat().completions().create(ChatCompletionCreateParams.builder().model("mistral-chat")
                .addTool(tool("get_weather"))
                .addUserMessage("Weather in Lyon?")
                .addMessage(ChatCompletionAssistantMessageParam.builder().addToolCall(openAiStyleCall(openAiId)).build())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(openAiId).content("{\"temp_c\":9}").build())
                .addUserMessage("And in Paris? [[sim tool=get_weather args={\"city\":\"Paris\"}]]")
                .build());
        ChatCompletionMessageToolCall call = first.choices().get(0).message().toolCalls().orElseThrow().get(0);
        String mistralId = call.asFunction().id();
        assertTrue(mistralId.matches("[a-zA-Z0-9]{9}"), mistralId);
        String rewritten = ids(fx.sim.requests().get(0)).get(0);
        assertTrue(rewritten.matches("[a-zA-Z0-9]{9}"), rewritten);
        assertEquals(List.of(rewritten, rewritten), ids(fx.sim.requests().get(0)), "call and result keep matching");

        // Turn 2: the whole history, both ids, ending with the tool result.
        fx.sim.clearRequests();
        ChatCompletionCreateParams second = ChatCompletionCreateParams.builder().model("mistral-chat")
                .addTool(tool("get_weather"))
                .addUserMessage("Weather in Lyon?")
                .addMessage(ChatCompletionAssistantMessageParam.builder().addToolCall(openAiStyleCall(openAiId)).build())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(openAiId).content("{\"temp_c\":9}").build())
                .addUserMessage("And in Paris? [[sim tool=get_weather args={\"city\":\"Paris\"}]]")
                .addMessage(ChatCompletionAssistantMessageParam.builder().addToolCall(call).build())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(mistralId).content("{\"temp_c\":12}").build())
                .build();
        ChatCompletion answer = sdk.chat().completions().create(second);
        assertFalse(answer.choices().get(0).message().content().orElseThrow().isBlank());
        assertEquals(List.of(rewritten, rewritten, mistralId, mistralId), ids(fx.sim.requests().get(0)),
                "the same OpenAI id maps to the same Mistral id in every turn; Mistral's own ids pass unchanged");
        assertNotEquals(openAiId, rewritten);

        // Streaming works the same way.
        fx.sim.clearRequests();
        List<ChatCompletionChunk> chunks = stream(second.toBuilder()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build());
        assertTrue(chunks.get(chunks.size() - 1).usage().isPresent());

        // Without the dialect the server refuses the same conversation (the check is real).
        BadRequestException refused = assertThrows(BadRequestException.class,
                () -> sdk.chat().completions().create(second.toBuilder().model("mistral-raw").build()));
        assertTrue(refused.getMessage().contains("must be a-z, A-Z, 0-9, with a length of 9"), refused.getMessage());
    }

    /** The tool-call ids of an upstream body's history, in order. */
    private static List<String> ids(RecordedRequest up) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode m : JSON.readTree(up.body()).get("messages")) {
            m.path("tool_calls").forEach(c -> out.add(c.get("id").asText()));
            if (m.has("tool_call_id")) {
                out.add(m.get("tool_call_id").asText());
            }
        }
        return out;
    }
}
