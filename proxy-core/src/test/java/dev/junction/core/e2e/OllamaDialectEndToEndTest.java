package dev.junction.core.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The official openai-java SDK against Junction in front of the simulator standing in for Ollama's
 * {@code /v1}, with {@code dialect = ollama} (wire-formats §6.1): a {@code tool_choice} Ollama does
 * not support is dropped with a warning under {@code translation.unsupported = drop}, and refused
 * with a 400 naming it for a provider that overrides the policy with {@code reject}.
 */
class OllamaDialectEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static GatewayFixture fx;
    private static OpenAIClient sdk;

    @BeforeAll
    static void start() throws Exception {
        fx = GatewayFixture.start(SimulatorOptions.builder().build(), """
                junction {
                  server { host = "127.0.0.1", port = 0 }
                  translation { unsupported = drop }
                  providers {
                    ollama        { type = openai-compatible, base-url = "SIM/v1", options { dialect = ollama } }
                    ollama-strict { type = openai-compatible, base-url = "SIM/v1", options { dialect = ollama, unsupported = reject } }
                  }
                  models {
                    "local"        { deployments = [ { provider = ollama,        model = "llama3.2" } ] }
                    "local-strict" { deployments = [ { provider = ollama-strict, model = "llama3.2" } ] }
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

    private static ChatCompletionCreateParams forcedTool(String model) {
        return ChatCompletionCreateParams.builder().model(model)
                .addTool(ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("get_weather")
                        .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                                .putAdditionalProperty("properties", JsonValue.from(Map.of())).build()).build()).build())
                .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED)
                .addUserMessage("Weather in Lyon?")
                .build();
    }

    @Test
    void droppedToolChoiceArrivesWithoutItAndTheAnswerCarriesTheWarning() throws Exception {
        HttpResponseFor<ChatCompletion> raw = sdk.chat().completions().withRawResponse().create(forcedTool("local"));
        ChatCompletion c = raw.parse();
        assertFalse(c.choices().isEmpty());
        String warnings = raw.headers().values("x-junction-warnings").get(0);
        assertTrue(warnings.contains("dropped 'tool_choice'") && warnings.contains("dialect ollama"), warnings);

        assertEquals(1, fx.sim.requests().size());
        JsonNode up = JSON.readTree(fx.sim.requests().get(0).body());
        assertFalse(up.has("tool_choice"), up.toString());
        assertEquals("llama3.2", up.get("model").asText());
        assertEquals("get_weather", up.at("/tools/0/function/name").asText(), "the tools themselves are kept");
    }

    @Test
    void aRetriedRequestNamesEachWarningOnce() throws Exception {
        // The first attempt meets a 503 and is retried: the request is built twice, its warning once.
        fx.sim.enqueue(dev.junction.simulator.Behavior.builder().status(503).build());
        HttpResponseFor<ChatCompletion> raw = sdk.chat().completions().withRawResponse().create(forcedTool("local"));
        assertFalse(raw.parse().choices().isEmpty());
        assertEquals(2, fx.sim.requests().size(), "one failed attempt, one retry");
        assertEquals("2", raw.headers().values("x-junction-attempts").get(0));
        String warnings = raw.headers().values("x-junction-warnings").get(0);
        assertEquals(warnings.indexOf("dropped 'tool_choice'"), warnings.lastIndexOf("dropped 'tool_choice'"), warnings);
    }

    @Test
    void aStreamWithDroppedMembersCarriesTheWarningAndItsUsage() throws Exception {
        ChatCompletionCreateParams params = forcedTool("local").toBuilder().n(2L).user("u-42")
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        HttpResponseFor<StreamResponse<ChatCompletionChunk>> raw =
                sdk.chat().completions().withRawResponse().createStreaming(params);
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = raw.parse()) {
            s.stream().forEach(chunks::add);
        }
        assertTrue(chunks.get(chunks.size() - 1).usage().isPresent(), "the usage chunk the client asked for");
        String warnings = raw.headers().values("x-junction-warnings").get(0);
        for (String member : List.of("n", "tool_choice", "user")) {
            assertTrue(warnings.contains("dropped '" + member + "'"), warnings);
        }
        JsonNode up = JSON.readTree(fx.sim.requests().get(0).body());
        assertFalse(up.has("n") || up.has("tool_choice") || up.has("user"), up.toString());
        assertTrue(up.get("stream").asBoolean());
        assertTrue(up.at("/stream_options/include_usage").asBoolean());
    }

    @Test
    void rejectedToolChoiceIsABadRequestNamingTheParameter() {
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> sdk.chat().completions().create(forcedTool("local-strict")));
        assertEquals(400, e.statusCode());
        assertEquals("tool_choice", e.param().orElseThrow());
        assertEquals("unsupported_capability", e.code().orElseThrow());
        assertTrue(e.getMessage().contains("'tool_choice' is not supported by the Ollama provider"), e.getMessage());
        assertTrue(fx.sim.requests().isEmpty(), "nothing is sent upstream");
    }
}
