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
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hostile client on a raw socket: slowloris request lines, pipelining, a body over the limit
 * sent regardless, and crafted bodies (duplicate members, UTF-16, overlong UTF-8, long strings in
 * members the gateway does not read). Each gets a clean answer, and the gateway keeps serving.
 */
class HostileClientTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static GatewayFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = GatewayFixture.start(SimulatorOptions.builder().tokensPerSecond(0).build(), GatewayFixture.simpleConfig(
                ", max-request-bytes = 64k, max-string-length = 1000, request-read-timeout = 700ms"));
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    private Socket socket() throws IOException {
        Socket s = new Socket("127.0.0.1", fx.gateway.port());
        s.setSoTimeout(10_000);
        return s;
    }

    private static byte[] post(String path, byte[] body, String... headers) {
        StringBuilder h = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n");
        for (String header : headers) {
            h.append(header).append("\r\n");
        }
        h.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(body);
        return out.toByteArray();
    }

    private static byte[] chat(String body, String... headers) {
        return post("/v1/chat/completions", body.getBytes(StandardCharsets.UTF_8), headers);
    }

    /** One response with a Content-Length body: {status line, body, head}. */
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
        byte[] body = in.readNBytes(length);
        return new String[] {h.substring(0, h.indexOf("\r\n")), new String(body, StandardCharsets.UTF_8), h};
    }

    private static String header(String[] response, String name) {
        for (String line : response[2].split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    private static JsonNode error(String[] response, String status, String code) throws IOException {
        assertTrue(response[0].contains(" " + status + " "), response[0] + " " + response[1]);
        OpenAiSchema.assertValid("ErrorResponse", response[1]);
        JsonNode e = JSON.readTree(response[1]).get("error");
        assertEquals(code, e.get("code").asText(), response[1]);
        return e;
    }

    private String[] exchange(byte[] request) throws IOException {
        try (Socket s = socket()) {
            s.getOutputStream().write(request);
            return readResponse(s.getInputStream());
        }
    }

    // ---- slow clients ---------------------------------------------------------------------------

    @Test
    void aRequestLineTrickledByteByByteIsCutOffFromItsFirstByte() throws Exception {
        try (Socket s = socket()) {
            byte[] line = "GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.ISO_8859_1);
            AtomicReference<Throwable> writer = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    for (byte b : line) {
                        s.getOutputStream().write(b);
                        s.getOutputStream().flush();
                        Thread.sleep(150); // every byte well inside any idle timeout
                    }
                } catch (IOException | InterruptedException e) {
                    writer.set(e); // expected once the gateway closes
                }
            });
            long t0 = System.nanoTime();
            t.start();
            String[] r = readResponse(s.getInputStream());
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            error(r, "408", "request_timeout");
            assertEquals(-1, s.getInputStream().read(), "the connection is closed");
            assertTrue(ms < 3000, "cut off by the request-read-timeout (700 ms) from the first byte, took " + ms + " ms");
            t.interrupt();
            t.join();
        }
    }

    @Test
    void hundredsOfSlowlorisSocketsDoNotHoldTheGateway() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 300; i++) {
                Socket s = socket();
                s.getOutputStream().write("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-A: ".getBytes(StandardCharsets.ISO_8859_1));
                slow.add(s);
            }
            // A normal client is served while they hang.
            String[] ok = exchange(chat("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
            assertTrue(ok[0].contains(" 200 "), ok[0] + ok[1]);
            // Each keeps trickling (every 200 ms, which an idle timer would never catch) and is cut off.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            int closed = 0;
            while (System.nanoTime() < deadline && closed < slow.size()) {
                closed = 0;
                for (Socket s : slow) {
                    if (s.isClosed()) {
                        closed++;
                        continue;
                    }
                    try {
                        s.getOutputStream().write('a');
                        s.setSoTimeout(1);
                        InputStream in = s.getInputStream();
                        if (in.available() > 0 || in.read() < 0) {
                            s.close();
                            closed++;
                        }
                    } catch (SocketTimeoutException e) {
                        // still open
                    } catch (IOException e) {
                        s.close();
                        closed++;
                    }
                }
                Thread.sleep(200);
            }
            assertEquals(slow.size(), closed, "every slowloris socket is cut off within the read timeout");
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }

    // ---- pipelining -----------------------------------------------------------------------------

    @Test
    void pipelinedRequestsAreAnsweredInRequestOrder() throws Exception {
        try (Socket s = socket()) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(chat("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":"
                    + "\"[[sim latency=600ms text=\\\"slow\\\"]]\"}]}", "x-request-id: first-slow"));
            all.writeBytes("GET /v1/models HTTP/1.1\r\nHost: x\r\nx-request-id: second-models\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            all.writeBytes(chat("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":"
                    + "\"[[sim text=\\\"fast\\\"]]\"}]}", "x-request-id: third-fast"));
            s.getOutputStream().write(all.toByteArray());
            String[] first = readResponse(s.getInputStream());
            String[] second = readResponse(s.getInputStream());
            String[] third = readResponse(s.getInputStream());
            assertEquals("first-slow", header(first, "x-request-id"));
            assertEquals("slow", JSON.readTree(first[1]).at("/choices/0/message/content").asText(), first[1]);
            assertEquals("second-models", header(second, "x-request-id"));
            assertEquals("list", JSON.readTree(second[1]).path("object").asText(), second[1]);
            assertEquals("third-fast", header(third, "x-request-id"));
            assertEquals("fast", JSON.readTree(third[1]).at("/choices/0/message/content").asText(), third[1]);
            // The connection is still usable afterwards.
            s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertTrue(readResponse(s.getInputStream())[0].contains(" 200 "));
        }
    }

    @Test
    void morePipelinedRequestsThanAreHeldGetTheHeldOnesAnsweredAndThenAClose() throws Exception {
        try (Socket s = socket()) {
            OutputStream out = s.getOutputStream();
            out.write(chat("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":"
                    + "\"[[sim latency=400ms text=\\\"slow\\\"]]\"}]}", "x-request-id: in-flight"));
            out.flush();
            Thread.sleep(100); // the first is in flight (the connection keeps reading) when the rest arrive
            ByteArrayOutputStream more = new ByteArrayOutputStream();
            int sent = 2 * 32 + 8;
            for (int i = 0; i < sent; i++) {
                more.writeBytes(("GET /healthz HTTP/1.1\r\nHost: x\r\nx-request-id: p" + i + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
            }
            out.write(more.toByteArray());
            out.flush();
            InputStream in = s.getInputStream();
            String[] first = readResponse(in);
            assertEquals("in-flight", header(first, "x-request-id"));
            assertEquals("slow", JSON.readTree(first[1]).at("/choices/0/message/content").asText(), first[1]);
            int answered = 0;
            while (true) {
                String[] r;
                try {
                    r = readResponse(in);
                } catch (AssertionError | IOException e) {
                    break; // the connection was closed after the held ones
                }
                assertEquals("p" + answered, header(r, "x-request-id"), "answered in request order");
                answered++;
            }
            // 32 are held behind the one in flight and answered; the rest are not: the connection closes.
            assertTrue(answered >= 32 && answered < sent, "answered " + answered + " of " + sent);
        }
        // The gateway still serves.
        assertTrue(exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1))[0]
                .contains(" 200 "));
    }

    @Test
    void aPipelinedRequestStillArrivingIsNotTimedOutBeforeTheAnswerAheadOfIt() throws Exception {
        try (Socket s = socket()) {
            OutputStream out = s.getOutputStream();
            // Slower than request-read-timeout (700ms) to answer.
            out.write(chat("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":"
                    + "\"[[sim latency=1500ms text=\\\"slow\\\"]]\"}]}", "x-request-id: ahead"));
            out.flush();
            Thread.sleep(100);
            // The next request: its head and the first byte of a body that never comes whole.
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100\r\n\r\n{").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String[] first = readResponse(in);
            assertTrue(first[0].contains(" 200 "), "the answer ahead comes first and whole: " + first[0] + " " + first[1]);
            assertEquals("ahead", header(first, "x-request-id"));
            assertEquals("slow", JSON.readTree(first[1]).at("/choices/0/message/content").asText(), first[1]);
            // Then the unfinished one is cut off.
            error(readResponse(in), "408", "request_timeout");
        }
    }

    // ---- a body over the limit ------------------------------------------------------------------

    @Test
    void aClientStillSendingAnOversizedBodyReadsThe413NotAReset() throws Exception {
        int size = 4 * 1024 * 1024;
        try (Socket s = socket()) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "x-request-id: big\r\nContent-Length: " + size + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            // As Node's fetch does: the whole body is written before the response is read.
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) 'x');
            CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                try {
                    for (int written = 0; written < size; written += chunk.length) {
                        out.write(chunk);
                    }
                    out.flush();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            sent.get(10, TimeUnit.SECONDS); // no reset while sending
            String[] r = readResponse(s.getInputStream());
            error(r, "413", "request_too_large");
            assertEquals("big", header(r, "x-request-id"));
            assertEquals(-1, s.getInputStream().read(), "then the connection ends cleanly");
        }
        // The gateway still serves.
        String[] ok = exchange(chat("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
        assertTrue(ok[0].contains(" 200 "), ok[0]);
    }

    @Test
    void anOversizedBodyAnnouncedByExpectContinueIsRefusedBeforeItIsSent() throws Exception {
        try (Socket s = socket()) {
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                    + "Content-Length: 10000000\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            error(readResponse(s.getInputStream()), "413", "request_too_large");
        }
    }

    // ---- crafted bodies -------------------------------------------------------------------------

    @Test
    void aDuplicatedModelMemberIsRefused() throws Exception {
        // Routed and priced as the alias (the last copy) while a vendor keeping the first copy would run another model.
        JsonNode e = error(exchange(chat("{\"model\":\"sim-chat-1\",\"messages\":[{\"role\":\"user\",\"content\":\"dup-marker\"}],"
                + "\"model\":\"gpt-4o-mini\"}")), "400", "invalid_json");
        assertEquals("model", e.get("param").asText());
        assertEquals(0, fx.sim.requests().stream().filter(r -> r.body().contains("dup-marker")).count(),
                "nothing reached the vendor");
    }

    @Test
    void aUtf16BodyWithAByteOrderMarkOnAPassThroughAliasIs400() throws Exception {
        String json = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        byte[] utf16 = json.getBytes(StandardCharsets.UTF_16); // big-endian with a BOM
        error(exchange(post("/v1/chat/completions", utf16)), "400", "invalid_json");
        error(exchange(post("/v1/chat/completions", json.getBytes(StandardCharsets.UTF_16LE))), "400", "invalid_json");
    }

    @Test
    void overlongAndSurrogateUtf8IsRefused() throws Exception {
        for (String hex : List.of("c0af", "e080af", "eda080", "f4908080")) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.writeBytes("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"a".getBytes(StandardCharsets.UTF_8));
            body.writeBytes(HexFormat.of().parseHex(hex));
            body.writeBytes("\"}]}".getBytes(StandardCharsets.UTF_8));
            error(exchange(post("/v1/chat/completions", body.toByteArray())), "400", "invalid_json");
        }
    }

    @Test
    void maxStringLengthHoldsForMembersThePassThroughDoesNotRead() throws Exception {
        JsonNode e = error(exchange(chat("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"metadata\":{\"note\":\"" + "x".repeat(5000) + "\"}}")), "400", "invalid_json");
        assertTrue(e.get("message").asText().contains("max-string-length"), e.toString());
    }

    @Test
    void aChatWithoutMessagesIsMissingField() throws Exception {
        JsonNode e = error(exchange(chat("{\"model\":\"gpt-4o-mini\"}")), "400", "missing_field");
        assertEquals("messages", e.get("param").asText());
        JsonNode emb = error(exchange(post("/v1/embeddings", "{\"model\":\"emb\"}".getBytes(StandardCharsets.UTF_8))),
                "400", "missing_field");
        assertEquals("input", emb.get("param").asText());
    }

    // ---- request smuggling shapes (kept refused) --------------------------------------------------

    @Test
    void conflictingContentLengthsAreRefusedAndTheConnectionClosed() throws Exception {
        try (Socket s = socket()) {
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                    + "Content-Length: 40\r\n\r\n{\"a\":1}GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            String[] r = readResponse(s.getInputStream());
            assertTrue(r[0].contains(" 400 "), r[0]);
            assertEquals(-1, s.getInputStream().read(), "nothing after the refused request is served");
        }
    }

    @Test
    void transferEncodingWithContentLengthIsRefusedAndNothingSmuggledIsServed() throws Exception {
        try (Socket s = socket()) {
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                    + "Content-Length: 4\r\n\r\n0\r\n\r\nGET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            error(readResponse(s.getInputStream()), "400", "invalid_request");
            assertEquals(-1, s.getInputStream().read(), "the smuggled request is not answered");
        }
    }
}
