package dev.junction.core.cli;

import com.typesafe.config.ConfigFactory;
import dev.junction.core.config.ConfigLoader;
import dev.junction.core.config.GatewayConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckCommandTest {

    private static final Map<String, String> ENV = Map.of("ANTHROPIC_API_KEY", "sk-ant-very-secret",
            "JUNCTION_KEY_APP1", "gw-secret-app-1");

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private static Function<Path, GatewayConfig> loader(Map<String, String> env) {
        return file -> ConfigLoader.load(file, ConfigFactory.empty(), env);
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void validConfigPrintsTheRoutingTableWithoutKeys(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("j.conf");
        Files.writeString(file, """
                junction {
                  auth.keys = [ { name = "app-1", key = ${?JUNCTION_KEY_APP1}, rpm = 60 } ]
                  providers {
                    openai    { type = openai,    base-url = "https://api.openai.com/v1", api-key = ${?OPENAI_API_KEY} }
                    anthropic { type = anthropic, base-url = "https://api.anthropic.com", api-key = ${?ANTHROPIC_API_KEY} }
                    local     { type = openai-compatible, base-url = "http://127.0.0.1:11434/v1" }
                  }
                  models {
                    chat {
                      strategy = latency
                      deployments = [ { provider = anthropic, model = "claude-haiku-4-5" }, { provider = openai, model = "gpt-4o-mini", weight = 2 } ]
                      hedge { after = 800ms, max-extra = 1 }
                    }
                  }
                }
                """);
        int status = CheckCommand.run(file, loader(ENV), out, err);
        assertEquals(CheckCommand.OK, status, err());
        assertEquals("", err());
        String text = out();
        assertTrue(text.contains("config: " + file.toAbsolutePath()), text);
        assertTrue(text.contains("listen: 127.0.0.1:8080  auth: 1 gateway key(s)"), text);
        assertTrue(text.contains("  key app-1  models=*  rpm=60"), text);
        assertTrue(text.contains("anthropic  anthropic          https://api.anthropic.com  key: set  enabled"), text);
        assertTrue(text.contains("openai     openai             https://api.openai.com/v1  key: missing  DISABLED "
                + "(no api-key (set OPENAI_API_KEY))"), text);
        assertTrue(text.contains("local      openai-compatible  http://127.0.0.1:11434/v1  key: none  enabled"), text);
        assertTrue(text.contains("  chat  strategy=latency  hedge: after 800ms, max-extra 1"), text);
        assertTrue(text.contains("    - anthropic/claude-haiku-4-5  weight=1\n"), text);
        assertTrue(text.contains("    - openai/gpt-4o-mini  weight=2  (provider disabled)"), text);
        assertTrue(text.contains("warnings:\n  - provider 'openai' has no api-key"), text);
        assertTrue(text.contains("OK: 3 provider(s), 2 enabled; 1 alias(es)"), text);
        assertFalse(text.contains("sk-ant-very-secret"), "a vendor key is never printed");
        assertFalse(text.contains("gw-secret-app-1"), "a gateway key is never printed");
    }

    @Test
    void invalidConfigPrintsEveryErrorAndReturnsTwo(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.conf");
        Files.writeString(file, """
                junction {
                  server.port = -1
                  providers.anthropic { type = anthropic, base-url = "ftp://x", api-key = ${?ANTHROPIC_API_KEY} }
                  models.chat.deployments = [ { provider = nope, model = m } ]
                }
                """);
        int status = CheckCommand.run(file, loader(ENV), out, err);
        assertEquals(CheckCommand.INVALID, status);
        assertEquals(2, status);
        assertEquals("", out());
        String text = err();
        assertTrue(text.contains("(3 errors)"), text);
        assertTrue(text.contains("  - junction.server.port: must be an integer from 0 to 65535, got -1 (bad.conf:2)"), text);
        assertTrue(text.contains("  - junction.providers.anthropic.base-url: must be an http(s) URL, got \"ftp://x\""), text);
        assertTrue(text.contains("  - junction.models.chat.deployments[0].provider: no provider named 'nope'"), text);
        assertFalse(text.contains("sk-ant-very-secret"));
    }

    @Test
    void missingFileReturnsTwo(@TempDir Path dir) {
        int status = CheckCommand.run(dir.resolve("absent.conf"), out, err);
        assertEquals(2, status);
        assertTrue(err().contains("config file not found: " + dir.resolve("absent.conf")), err());
    }

    @Test
    void shippedDemoConfigChecksClean() {
        Path demo = Path.of("..", "conf", "demo.conf");
        // Not the shipped catalog's business here: check it with the catalog switched off.
        int status = CheckCommand.run(demo, file -> ConfigLoader.load(file,
                ConfigFactory.parseString("junction.catalog = null"), Map.of()), out, err);
        assertEquals(0, status, err());
        assertTrue(out().contains("sim-anthropic"), out());
        assertTrue(out().contains("key: set"), out());
    }
}
