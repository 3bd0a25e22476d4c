package dev.junction.launcher;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The demo's webhook receiver: what a user's own endpoint does with Junction's task webhooks
 * (docs/tasks.md, "Webhooks"). It checks the Standard Webhooks signature ({@code webhook-id},
 * {@code webhook-timestamp}, {@code webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">}
 * keyed with the base64 part of the {@code whsec_} secret), prints one line per delivery, and
 * answers 204 (acknowledged) or 401 (bad signature, so Junction retries). The JDK's HTTP server is
 * enough for a demo; it never runs in the gateway.
 */
final class DemoWebhookReceiver implements AutoCloseable {

    static final String PATH = "/webhook";
    private static final Pattern TYPE = Pattern.compile("\"type\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern TASK_ID = Pattern.compile("\"id\"\\s*:\\s*\"(task_[^\"]+)\"");
    private static final Pattern STATUS = Pattern.compile("\"status\"\\s*:\\s*\"([a-z_]+)\"");

    private final HttpServer server;
    private final byte[] key;
    private final PrintStream out;

    private DemoWebhookReceiver(HttpServer server, String secret, PrintStream out) {
        this.server = server;
        this.key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
        this.out = out;
    }

    /** Listens on 127.0.0.1:{@code port} (0: any free port); {@code secret} is the {@code whsec_…} secret. */
    static DemoWebhookReceiver start(int port, String secret, PrintStream out) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        DemoWebhookReceiver r = new DemoWebhookReceiver(server, secret, out);
        server.createContext(PATH, r::handle);
        server.start();
        return r;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + PATH;
    }

    private void handle(HttpExchange x) throws IOException {
        try (x; InputStream in = x.getRequestBody()) {
            byte[] body = in.readAllBytes();
            String id = x.getRequestHeaders().getFirst("webhook-id");
            String timestamp = x.getRequestHeaders().getFirst("webhook-timestamp");
            String signatures = x.getRequestHeaders().getFirst("webhook-signature");
            boolean valid = "POST".equals(x.getRequestMethod()) && id != null && timestamp != null
                    && signatures != null && verify(id, timestamp, body, signatures);
            String text = new String(body, StandardCharsets.UTF_8);
            out.println("[demo webhook receiver] " + (valid ? "signature verified: " : "REJECTED (bad signature): ")
                    + find(TYPE, text) + " " + find(TASK_ID, text) + " status=" + find(STATUS, text));
            x.sendResponseHeaders(valid ? 204 : 401, -1);
        }
    }

    /** One of the space-separated {@code v1,<base64>} signatures matches (Standard Webhooks). */
    private boolean verify(String id, String timestamp, byte[] body, String signatures) {
        byte[] expected;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            expected = mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            return false;
        }
        for (String s : signatures.split(" ")) {
            if (s.startsWith("v1,")) {
                try {
                    if (MessageDigest.isEqual(expected, Base64.getDecoder().decode(s.substring(3)))) {
                        return true;
                    }
                } catch (IllegalArgumentException ignored) {
                    // not base64: not a match
                }
            }
        }
        return false;
    }

    private static String find(Pattern p, String text) {
        Matcher m = p.matcher(text);
        return m.find() ? m.group(1) : "?";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
