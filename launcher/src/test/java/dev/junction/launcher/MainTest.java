package dev.junction.launcher;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line's argument handling and exit codes (SPEC §1), and what the demo shows and runs. */
class MainTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) throws Exception {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void helpPrintsTheUsageOfEveryCommand() throws Exception {
        assertEquals(0, run("--help"));
        String usage = out.toString(StandardCharsets.UTF_8);
        assertTrue(usage.contains("./junction check") && usage.contains("./junction demo"), usage);
    }

    @Test
    void unknownCommandsAndArgumentsExitWithTwo() throws Exception {
        assertEquals(2, run("serve-please"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown command: serve-please"));
        assertEquals(2, run("--verbose"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown argument: --verbose"));
    }

    @Test
    void runningWithAMissingConfigSaysWhichFile() throws Exception {
        assertEquals(2, run("--config", "no/such/junction.conf"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("config file not found: no/such/junction.conf"));
    }

    @Test
    void theDemoShowsEveryDoorAndDeliversASignedWebhookToItsReceiver() throws Exception {
        // Free ports for the simulator, the gateway and the receiver; the demo's config otherwise.
        System.setProperty("junction.demo.simulator-url", "http://127.0.0.1:0");
        System.setProperty("junction.server.port", "0");
        com.typesafe.config.ConfigFactory.invalidateCaches();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        try (Main.Demo demo = Main.Demo.start(Path.of("../conf/demo.conf"), print, print)) {
            assertNotNull(demo, out.toString(StandardCharsets.UTF_8));
            String shown = out.toString(StandardCharsets.UTF_8);
            String base = "http://127.0.0.1:" + demo.server.port();
            // The Anthropic SDK and a Responses client, pointed at the gateway.
            assertTrue(shown.contains("Anthropic(base_url=\"" + base + "\""), shown);
            assertTrue(shown.contains("ANTHROPIC_BASE_URL=" + base), shown);
            assertTrue(shown.contains(".responses.create(") && shown.contains(base + "/v1/responses"), shown);
            // An asynchronous chat request with a webhook to the demo's receiver, as printed.
            String hook = demo.receiver.url();
            assertTrue(shown.contains("-H 'Prefer: respond-async' -H 'x-junction-webhook-url: " + hook + "'"), shown);
            java.net.http.HttpResponse<String> accepted = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/v1/chat/completions"))
                            .header("content-type", "application/json").header("Prefer", "respond-async")
                            .header("x-junction-webhook-url", hook)
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                                    "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello later!\"}]}"))
                            .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(202, accepted.statusCode(), accepted.body());
            String task = accepted.body().replaceAll("(?s).*\"id\"\\s*:\\s*\"(task_[^\"]+)\".*", "$1");
            long deadline = System.nanoTime() + 20_000_000_000L;
            String delivered = "[demo webhook receiver] signature verified: task.succeeded " + task + " status=succeeded";
            while (!out.toString(StandardCharsets.UTF_8).contains(delivered) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(out.toString(StandardCharsets.UTF_8).contains(delivered), out.toString(StandardCharsets.UTF_8));
        } finally {
            System.clearProperty("junction.demo.simulator-url");
            System.clearProperty("junction.server.port");
            com.typesafe.config.ConfigFactory.invalidateCaches();
        }
    }

    @Test
    void checkValidatesTheDemoConfig() throws Exception {
        Path demo = Path.of("../conf/demo.conf");
        assertTrue(Files.isRegularFile(demo), "the demo config ships with the repository");
        System.setProperty("junction.demo.simulator-url", "http://127.0.0.1:9901");
        try {
            assertEquals(0, run("check", "--config", demo.toString()), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.clearProperty("junction.demo.simulator-url");
        }
    }
}
