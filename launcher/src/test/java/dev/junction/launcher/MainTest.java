package dev.junction.launcher;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line's argument handling and exit codes (SPEC §1); the demo itself is tried by hand with curl. */
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
