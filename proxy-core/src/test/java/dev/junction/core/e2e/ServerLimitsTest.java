package dev.junction.core.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.simulator.SimulatorOptions;
import dev.junction.testkit.OpenAiSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client-side limits of SPEC §9 on a raw socket: JSON depth and string length, header size,
 * slow requests and idle keep-alive connections, and keep-alive itself.
 */
class ServerLimitsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static GatewayFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = GatewayFixture.start(SimulatorOptions.defaults(), GatewayFixture.simpleConfig(
                ", max-header-bytes = 4k, max-json-depth = 16, max-string-length = 1000,"
                        + " request-read-timeout = 500ms, idle-timeout = 700ms"));
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    private static String request(String body) {
        return "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    /** Reads one HTTP response with a Content-Length body; returns status line + body. */
    private static String[] readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            String h = head.toString(StandardCharsets.ISO_8859_1);
            if (h.endsWith("\r\n\r\n")) {
                break;
            }
        }
        String h = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : h.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        return new String[] {h.substring(0, h.indexOf("\r\n")), new String(body, StandardCharsets.UTF_8), h};
    }

    private static JsonNode error(String[] response, String status, String code) throws IOException {
        assertTrue(response[0].contains(" " + status + " "), response[0]);
        OpenAiSchema.assertValid("ErrorResponse", response[1]);
        JsonNode e = JSON.readTree(response[1]).get("error");
        assertEquals(code, e.get("code").asText(), response[1]);
        return e;
    }

    @Test
    void deepJsonAndLongStringsAreRejected() throws Exception {
        try (Socket s = new Socket("127.0.0.1", fx.gateway.port())) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            String deep = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"metadata\":"
                    + "[".repeat(40) + "]".repeat(40) + "}";
            out.write(request(deep).getBytes(StandardCharsets.UTF_8));
            error(readResponse(in), "400", "invalid_json");
            String longString = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(5000) + "\"}]}";
            out.write(request(longString).getBytes(StandardCharsets.UTF_8));
            error(readResponse(in), "400", "invalid_json");
            // The connection is still usable (keep-alive) after a rejected request.
            out.write(request("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                    .getBytes(StandardCharsets.UTF_8));
            String[] ok = readResponse(in);
            assertTrue(ok[0].contains(" 200 "), ok[0] + ok[1]);
        }
    }

    @Test
    void oversizedHeadersAre431() throws Exception {
        try (Socket s = new Socket("127.0.0.1", fx.gateway.port())) {
            s.getOutputStream().write(("GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: " + "y".repeat(8000) + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            error(readResponse(s.getInputStream()), "431", "request_too_large");
        }
    }

    @Test
    void aClientThatSendsItsBodyTooSlowlyIsCutOffWith408() throws Exception {
        try (Socket s = new Socket("127.0.0.1", fx.gateway.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"mo"
                    .getBytes(StandardCharsets.ISO_8859_1));
            String[] r = readResponse(s.getInputStream());
            error(r, "408", "request_timeout");
            assertEquals(-1, s.getInputStream().read(), "the connection is closed");
        }
    }

    @Test
    void aConnectionWaitingForASlowAnswerIsNotIdle() throws Exception {
        try (Socket s = new Socket("127.0.0.1", fx.gateway.port())) {
            s.setSoTimeout(5000);
            // The answer takes 1.2 s, longer than the 700 ms idle timeout: the connection is busy, not idle.
            s.getOutputStream().write(request("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":"
                    + "\"[[sim latency=1200ms text=\\\"slow\\\"]]\"}]}").getBytes(StandardCharsets.UTF_8));
            String[] r = readResponse(s.getInputStream());
            assertTrue(r[0].contains(" 200 "), r[0] + r[1]);
            assertTrue(r[1].contains("slow"), r[1]);
            // Idle from the answer on: closed about 700 ms later, not at once.
            long t0 = System.nanoTime();
            assertEquals(-1, s.getInputStream().read(), "closed by the gateway when idle");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 400 && ms < 4_000, "closed " + ms + " ms after the answer (idle-timeout 700 ms)");
        }
    }

    @Test
    void anIdleKeepAliveConnectionIsClosed() throws Exception {
        try (Socket s = new Socket("127.0.0.1", fx.gateway.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertTrue(readResponse(s.getInputStream())[0].contains(" 200 "));
            long t0 = System.nanoTime();
            try {
                assertEquals(-1, s.getInputStream().read(), "closed by the gateway when idle");
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the idle connection was not closed", e);
            }
            assertTrue(System.nanoTime() - t0 < 4_000_000_000L);
        }
    }

    @Test
    void unknownPathAndWrongMethodSpeakTheVocabulary() throws Exception {
        try (Socket s = new Socket("127.0.0.1", fx.gateway.port())) {
            OutputStream out = s.getOutputStream();
            out.write("GET /v1/nothing HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            error(readResponse(s.getInputStream()), "404", "unknown_endpoint");
            out.write("GET /v1/chat/completions HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            error(readResponse(s.getInputStream()), "405", "method_not_allowed");
        }
    }
}
