package dev.junction.core.e2e;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.models.ErrorType;
import com.anthropic.models.messages.MessageCreateParams;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.responses.ResponseCreateParams;
import dev.junction.simulator.SimulatorOptions;
import dev.junction.testkit.OpenAiSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every way a request is refused before the gateway reads it — a body over the limit (sent, or
 * announced by {@code Expect: 100-continue}), a request not received in time, a wrong key, a wrong
 * method, a body that is not JSON — answered in the door's own error shape: Anthropic's
 * {@code {"type":"error","error":{type,message}}} on {@code /v1/messages} (SPEC §3.2), OpenAI's
 * {@code {"error":{message,type,param,code}}} on {@code /v1/responses} (SPEC §3.1, §4). Where a
 * client SDK can provoke the error, the official SDK of that door parses it.
 */
class DoorEarlyErrorsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "jk-doors-0123456789";
    private static GatewayFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = GatewayFixture.start(SimulatorOptions.builder().tokensPerSecond(0).build(), """
                junction {
                  server { host = "127.0.0.1", port = 0, max-request-bytes = 64k, request-read-timeout = 700ms }
                  auth { keys = [ { name = "app", key = "%s", models = ["*"] } ] }
                  providers { sim { type = openai-compatible, base-url = "SIM/v1", api-key = "sk-sim-0123456789" } }
                  models { "gpt-4o-mini" { deployments = [ { provider = sim, model = "sim-chat-1" } ] } }
                }""".formatted(KEY));
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    // ---- what each door's error looks like -------------------------------------------------------

    /** Anthropic's error body (wire-formats §2.5) with the given {@code error.type}. */
    private static void anthropicError(String[] r, String status, String type) throws IOException {
        assertTrue(r[0].contains(" " + status + " "), r[0] + " " + r[1]);
        JsonNode body = JSON.readTree(r[1]);
        assertEquals("error", body.path("type").asText(), r[1]);
        assertEquals(type, body.path("error").path("type").asText(), r[1]);
        assertFalse(body.path("error").path("message").asText().isEmpty(), r[1]);
        assertFalse(body.path("error").has("code"), "OpenAI's members are not part of Anthropic's shape: " + r[1]);
    }

    /** OpenAI's error body, validated against OpenAI's schema, with the given code. */
    private static void openAiError(String[] r, String status, String code) throws IOException {
        assertTrue(r[0].contains(" " + status + " "), r[0] + " " + r[1]);
        OpenAiSchema.assertValid("ErrorResponse", r[1]);
        assertEquals(code, JSON.readTree(r[1]).path("error").path("code").asText(), r[1]);
    }

    private static boolean messages(String path) {
        return path.startsWith("/v1/messages");
    }

    private static void doorError(String path, String[] r, String status, String anthropicType, String openAiCode)
            throws IOException {
        if (messages(path)) {
            anthropicError(r, status, anthropicType);
        } else {
            openAiError(r, status, openAiCode);
        }
    }

    // ---- raw HTTP -------------------------------------------------------------------------------

    private static String[] exchange(String head, byte[] body) throws IOException {
        try (Socket s = new Socket("127.0.0.1", fx.gateway.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                s.getOutputStream().write(body);
            }
            return readResponse(s.getInputStream());
        }
    }

    private static String post(String path, int contentLength, String... headers) {
        StringBuilder h = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "x-api-key: " + KEY + "\r\nAuthorization: Bearer " + KEY + "\r\n");
        for (String header : headers) {
            h.append(header).append("\r\n");
        }
        return h.append("Content-Length: ").append(contentLength).append("\r\n\r\n").toString();
    }

    /** One response with a Content-Length body: {status line, body}. */
    private static String[] readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            if (head.size() >= 4 && head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                break;
            }
        }
        String h = head.toString(StandardCharsets.ISO_8859_1);
        assertTrue(h.endsWith("\r\n\r\n"), "a complete response head, got: " + h);
        int length = 0;
        for (String line : h.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return new String[] {h.substring(0, h.indexOf("\r\n")), new String(in.readNBytes(length), StandardCharsets.UTF_8)};
    }

    // ---- each early refusal, on both doors ------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"/v1/messages", "/v1/messages/count_tokens", "/v1/responses"})
    void anOversizedBodyAnnouncedByExpectContinue(String path) throws Exception {
        doorError(path, exchange(post(path, 10_000_000, "Expect: 100-continue"), null), "413", "request_too_large",
                "request_too_large");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/messages", "/v1/responses"})
    void anOversizedBodySentWhole(String path) throws Exception {
        byte[] body = ("{\"model\":\"gpt-4o-mini\",\"max_tokens\":8,\"input\":\"" + "x".repeat(100_000) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        doorError(path, exchange(post(path, body.length), body), "413", "request_too_large", "request_too_large");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/messages", "/v1/responses"})
    void aBodyNotReceivedInTime(String path) throws Exception {
        // The head and half the body, then nothing: cut off 700 ms after the first byte.
        doorError(path, exchange(post(path, 100), "{\"model\":\"gpt-4o-mini\",".getBytes(StandardCharsets.UTF_8)),
                "408", "invalid_request_error", "request_timeout");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/messages", "/v1/responses"})
    void aWrongKey(String path) throws Exception {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        String head = "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + (messages(path) ? "x-api-key: wrong" : "Authorization: Bearer wrong") + "\r\nContent-Length: 2\r\n\r\n";
        doorError(path, exchange(head, body), "401", "authentication_error", "invalid_api_key");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/messages", "/v1/responses"})
    void aWrongMethod(String path) throws Exception {
        String head = "PUT " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY + "\r\nContent-Length: 0\r\n\r\n";
        doorError(path, exchange(head, null), "405", "invalid_request_error", "method_not_allowed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/messages", "/v1/messages/count_tokens", "/v1/responses"})
    void aBodyThatIsNotJson(String path) throws Exception {
        byte[] body = "{\"model\":\"gpt-4o-mini\",".getBytes(StandardCharsets.UTF_8);
        doorError(path, exchange(post(path, body.length), body), "400", "invalid_request_error", "invalid_json");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/messages", "/v1/responses"})
    void anUnparseableRequestHead(String path) throws Exception {
        // Two different Content-Lengths: the codec refuses the request (no smuggling) in the door's shape.
        String head = "POST " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY
                + "\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n";
        doorError(path, exchange(head, "{}".getBytes(StandardCharsets.UTF_8)), "400", "invalid_request_error",
                "invalid_request");
    }

    // ---- the same, as each door's SDK sees it ---------------------------------------------------

    @Test
    void theAnthropicSdkReadsItsOwnErrorTypes() {
        AnthropicClient sdk = anthropic(KEY);
        AnthropicClient wrong = anthropic("wrong");
        try {
            AnthropicServiceException big = assertThrows(AnthropicServiceException.class, () -> sdk.messages().create(
                    MessageCreateParams.builder().model("gpt-4o-mini").maxTokens(8).addUserMessage("x".repeat(100_000)).build()));
            assertEquals(413, big.statusCode());
            assertEquals(ErrorType.of("request_too_large"), big.errorType().orElseThrow());
            UnauthorizedException u = assertThrows(UnauthorizedException.class, () -> wrong.messages().create(
                    MessageCreateParams.builder().model("gpt-4o-mini").maxTokens(8).addUserMessage("hi").build()));
            assertEquals(ErrorType.AUTHENTICATION_ERROR, u.errorType().orElseThrow());
        } finally {
            sdk.close();
            wrong.close();
        }
    }

    @Test
    void openAiJavaReadsTheResponsesDoorsErrors() {
        OpenAIClient sdk = openAi(KEY);
        OpenAIClient wrong = openAi("wrong");
        try {
            OpenAIServiceException big = assertThrows(OpenAIServiceException.class, () -> sdk.responses().create(
                    ResponseCreateParams.builder().model("gpt-4o-mini").input("x".repeat(100_000)).build()));
            assertEquals(413, big.statusCode());
            assertEquals("request_too_large", big.code().orElseThrow());
            OpenAIServiceException u = assertThrows(com.openai.errors.UnauthorizedException.class, () -> wrong.responses()
                    .create(ResponseCreateParams.builder().model("gpt-4o-mini").input("hi").build()));
            assertEquals("invalid_api_key", u.code().orElseThrow());
        } finally {
            sdk.close();
            wrong.close();
        }
    }

    private static AnthropicClient anthropic(String key) {
        return AnthropicOkHttpClient.builder().baseUrl(fx.root()).apiKey(key).maxRetries(0)
                .timeout(Duration.ofSeconds(20)).build();
    }

    private static OpenAIClient openAi(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(fx.baseUrl()).apiKey(key).maxRetries(0)
                .timeout(Duration.ofSeconds(20)).build();
    }
}
