package dev.junction.core.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.simulator.SimulatorOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The exact HTTP framing of streamed answers on a raw socket: the head, chunk size lines in
 * lower-case hex with nothing after them, each chunk's bytes followed by CRLF, no empty chunk
 * before the end, and the terminal {@code 0\r\n\r\n} with nothing after it — for a stream the
 * upstream sends in one burst and one it paces, on a kept-alive connection (the next answer follows
 * cleanly), pipelined, and over HTTP/1.0 (the connection closes after the terminal chunk).
 */
class StreamFramingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static GatewayFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = GatewayFixture.start(SimulatorOptions.builder().tokensPerSecond(0).build(), GatewayFixture.simpleConfig(""));
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    private static byte[] streamRequest(String version, String directive, String... headers) {
        String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story. "
                + directive + "\"}]}";
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder("POST /v1/chat/completions " + version + "\r\nHost: x\r\nContent-Type: application/json\r\n");
        for (String header : headers) {
            h.append(header).append("\r\n");
        }
        h.append("Content-Length: ").append(b.length).append("\r\n\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(b);
        return out.toByteArray();
    }

    private Socket socket() throws IOException {
        Socket s = new Socket("127.0.0.1", fx.gateway.port());
        s.setSoTimeout(10_000);
        return s;
    }

    @Test
    void aBurstStreamIsStrictlyFramedAndTheConnectionServesTheNextRequest() throws IOException {
        try (Socket s = socket()) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            for (int i = 0; i < 3; i++) {
                out.write(streamRequest("HTTP/1.1", "[[sim tokens=20]]"));
                out.flush();
                Streamed r = readStreamed(in);
                assertFalse(r.head.contains("connection: close"), r.head);
                assertStream(r, 20);
            }
        }
    }

    @Test
    void aPacedStreamComesInSeveralChunksEachStrictlyFramed() throws IOException {
        try (Socket s = socket()) {
            s.getOutputStream().write(streamRequest("HTTP/1.1", "[[sim tokens=12 tps=200]]"));
            Streamed r = readStreamed(s.getInputStream());
            assertStream(r, 12);
            assertTrue(r.chunks > 2, "paced tokens leave in chunks of their own: " + r.chunks);
        }
    }

    @Test
    void pipelinedStreamsAreAnsweredInOrder() throws IOException {
        try (Socket s = socket()) {
            ByteArrayOutputStream both = new ByteArrayOutputStream();
            both.writeBytes(streamRequest("HTTP/1.1", "[[sim tokens=5]]"));
            both.writeBytes(streamRequest("HTTP/1.1", "[[sim tokens=7]]"));
            s.getOutputStream().write(both.toByteArray());
            InputStream in = s.getInputStream();
            assertStream(readStreamed(in), 5);
            assertStream(readStreamed(in), 7);
        }
    }

    @Test
    void anHttp10StreamEndsWithTheTerminalChunkAndTheConnectionCloses() throws IOException {
        for (String[] variant : new String[][] {{"HTTP/1.0"}, {"HTTP/1.1", "Connection: close"}}) {
            try (Socket s = socket()) {
                String[] headers = java.util.Arrays.copyOfRange(variant, 1, variant.length);
                s.getOutputStream().write(streamRequest(variant[0], "[[sim tokens=6]]", headers));
                InputStream in = s.getInputStream();
                Streamed r = readStreamed(in);
                assertTrue(r.head.contains("\r\nconnection: close\r\n"), r.head);
                assertStream(r, 6);
                assertEquals(-1, in.read(), "closed right after the terminal chunk");
            }
        }
    }

    private record Streamed(String head, String body, int chunks) {
    }

    /** Checks the head and the events: {@code tokens} content chunks, complete, ending with [DONE]. */
    private static void assertStream(Streamed r, int tokens) throws IOException {
        assertTrue(r.head.startsWith("HTTP/1.1 200 OK\r\n"), r.head);
        assertTrue(r.head.contains("\r\ncontent-type: text/event-stream; charset=utf-8\r\n"), r.head);
        assertTrue(r.head.contains("\r\ntransfer-encoding: chunked\r\n"), r.head);
        assertFalse(r.head.toLowerCase(java.util.Locale.ROOT).contains("content-length"), r.head);
        assertTrue(r.body.endsWith("data: [DONE]\n\n"), r.body);
        List<String> events = new ArrayList<>(List.of(r.body.split("\n\n")));
        assertEquals("data: [DONE]", events.remove(events.size() - 1));
        StringBuilder text = new StringBuilder();
        String finish = null;
        for (String e : events) {
            assertTrue(e.startsWith("data: {"), e);
            JsonNode chunk = JSON.readTree(e.substring(6));
            assertEquals("chat.completion.chunk", chunk.get("object").asText());
            for (JsonNode c : chunk.get("choices")) {
                text.append(c.path("delta").path("content").asText(""));
                if (c.hasNonNull("finish_reason")) {
                    finish = c.get("finish_reason").asText();
                }
            }
        }
        assertEquals("stop", finish, r.body);
        assertTrue(text.length() > tokens, "the tokens' text arrived: " + text);
    }

    /** Reads one chunked answer strictly: every deviation from RFC 9112 §7.1 as Junction writes it fails. */
    private static Streamed readStreamed(InputStream in) throws IOException {
        String head = readUntil(in, "\r\n\r\n");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int chunks = 0;
        while (true) {
            String sizeLine = readUntil(in, "\r\n");
            String size = sizeLine.substring(0, sizeLine.length() - 2);
            assertTrue(size.matches("0|[1-9a-f][0-9a-f]*"), "size line: '" + size + "'");
            int n = Integer.parseInt(size, 16);
            if (n == 0) {
                assertEquals("\r\n", new String(in.readNBytes(2), StandardCharsets.ISO_8859_1), "no trailers after the last chunk");
                break;
            }
            byte[] data = in.readNBytes(n);
            assertEquals(n, data.length, "a chunk as long as its size line says");
            assertEquals("\r\n", new String(in.readNBytes(2), StandardCharsets.ISO_8859_1), "CRLF after the chunk's bytes");
            body.writeBytes(data);
            chunks++;
        }
        return new Streamed(head, body.toString(StandardCharsets.UTF_8), chunks);
    }

    private static String readUntil(InputStream in, String end) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            assertTrue(c >= 0, () -> "the connection ended early after: " + b.toString(StandardCharsets.ISO_8859_1));
            b.write(c);
            if (b.size() >= end.length() && b.toString(StandardCharsets.ISO_8859_1).endsWith(end)) {
                return b.toString(StandardCharsets.ISO_8859_1);
            }
        }
    }
}
