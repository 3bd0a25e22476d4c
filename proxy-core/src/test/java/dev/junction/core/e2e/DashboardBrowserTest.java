package dev.junction.core.e2e;

import dev.junction.core.config.ConfigLoader;
import dev.junction.core.server.GatewayServer;
import dev.junction.simulator.SimulatorOptions;
import dev.junction.simulator.VendorSimulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The {@code /admin/} dashboard in a real headless Chromium driven by Selenium: the page loads with
 * no console error, shows the configured deployments, and its numbers (requests, latency, spend,
 * tasks by state) move after traffic.
 *
 * <p>Needs {@code chromium} and {@code chromedriver} on the PATH (Debian: {@code chromium},
 * {@code chromium-driver}; {@code .ci/run} installs them). Without them the test is skipped on a
 * developer machine, and FAILS when {@code CI=true}: in CI a missing browser is a broken setup,
 * not a reason to skip.
 */
class DashboardBrowserTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String OPS = "sk-ops-0123456789abcdef";
    private static final String TEAM = "sk-team-0123456789abcdef";

    @TempDir
    static Path dir;
    private static VendorSimulator sim;
    private static GatewayServer gw;
    private static ChromeDriver browser;

    @BeforeAll
    static void start() throws Exception {
        Path chromium = onPath("chromium", "chromium-browser", "google-chrome");
        Path driver = onPath("chromedriver");
        if (chromium == null || driver == null) {
            String why = "chromium and chromedriver must be on the PATH (Debian: apt-get install chromium chromium-driver)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("CI=true: " + why);
            }
            Assumptions.abort(why);
        }
        sim = VendorSimulator.start(SimulatorOptions.builder().openAiKey("sk-sim-secret-0123456789").build());
        Path catalog = dir.resolve("catalog.conf");
        Files.writeString(catalog, "\"sim-chat-1\" { context-window = 100000, max-output = 1000, capabilities = [streaming], "
                + "price { input = 2.0, output = 10.0 } }");
        gw = GatewayServer.start(ConfigLoader.loadString("""
            junction {
              server { host = "127.0.0.1", port = 0 }
              auth { keys = [ { name = "team", key = "%s", budget-usd-per-day = 1.5 }, { name = "ops", key = "%s", admin = true } ] }
              providers {
                sim { type = openai-compatible, base-url = "http://127.0.0.1:%d/v1", api-key = "sk-sim-secret-0123456789" }
                backup { type = openai-compatible, base-url = "http://127.0.0.1:%d/v1", api-key = "sk-sim-secret-0123456789" }
              }
              models {
                "chat-4.1" { deployments = [ { provider = sim, model = "sim-chat-1" }, { provider = backup, model = "sim-chat-1" } ] }
                "emb" { deployments = [ { provider = sim, model = "sim-embed-1" } ] }
              }
              catalog = "%s"
              tasks { path = "%s" }
              limits { path = "%s" }
            }""".formatted(TEAM, OPS, sim.port(), sim.port(), catalog, dir.resolve("tasks.db"), dir.resolve("limits.db"))));

        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + Files.createTempDirectory(dir, "chromium-profile"));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        // The admin key as HTTP Basic credentials on every request the page makes, as a browser
        // sends them after its login prompt.
        browser.executeCdpCommand("Network.enable", Map.of());
        browser.executeCdpCommand("Network.setExtraHTTPHeaders", Map.of("headers", Map.of("Authorization",
                "Basic " + Base64.getEncoder().encodeToString(("admin:" + OPS).getBytes(StandardCharsets.UTF_8)))));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (gw != null) {
            gw.close();
        }
        if (sim != null) {
            sim.close();
        }
    }

    private static Path onPath(String... names) {
        for (String dirName : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String n : names) {
                Path p = Path.of(dirName, n);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    private static String base() {
        return "http://127.0.0.1:" + gw.port();
    }

    private static int chat(String alias, String prompt) throws Exception {
        String body = "{\"model\":\"" + alias + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
        return HTTP.send(HttpRequest.newBuilder(URI.create(base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + TEAM).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /**
     * A cell's text, read in one script call: the page redraws its tables on every refresh, so an
     * element found in one call may be gone by the next.
     */
    private static String cell(String table, String attr, String value, String cls) {
        Object text = browser.executeScript("const td = document.querySelector(arguments[0]); return td ? td.textContent : null;",
                "#" + table + " tbody tr[data-" + attr + "='" + value + "'] td." + cls);
        return (String) text;
    }

    private static String tasksLine() {
        return (String) browser.executeScript("return document.getElementById('tasks').textContent;");
    }

    @SuppressWarnings("unchecked")
    private static Set<String> routeRows() {
        return Set.copyOf((List<String>) browser.executeScript("return [...document.querySelectorAll('#routes tbody tr')]"
                + ".map(r => r.dataset.alias + ' ' + r.dataset.deployment);"));
    }

    private static WebDriverWait await() {
        return new WebDriverWait(browser, Duration.ofSeconds(20), Duration.ofMillis(100));
    }

    @Test
    void showsTheConfiguredDeploymentsAndNumbersThatMoveAfterTraffic() throws Exception {
        browser.get(base() + "/admin/?refresh=250");
        await().until(d -> !routeRows().isEmpty());
        assertEquals(Set.of("chat-4.1 sim/sim-chat-1", "chat-4.1 backup/sim-chat-1", "emb sim/sim-embed-1"), routeRows());
        assertEquals("closed", cell("routes", "deployment", "sim/sim-chat-1", "circuit"));
        assertEquals("0", cell("routes", "deployment", "sim/sim-chat-1", "requests"));
        assertEquals("0.000000", cell("keys", "key", "team", "spend"));
        assertEquals("1.50", cell("keys", "key", "team", "budget"));
        await().until(d -> tasksLine().contains("queued: 0") && tasksLine().contains("succeeded: 0"));

        int n = 6;
        for (int i = 0; i < n; i++) {
            assertEquals(200, chat("chat-4.1", "hi [[sim prompt-tokens=11 tokens=7]]"));
        }
        await().until(d -> Integer.toString(n).equals(cell("aliases", "alias", "chat-4.1", "requests")));
        assertEquals("0", cell("aliases", "alias", "chat-4.1", "errors"));
        assertTrue(Double.parseDouble(cell("aliases", "alias", "chat-4.1", "p50")) > 0);
        assertTrue(Double.parseDouble(cell("aliases", "alias", "chat-4.1", "p95")) > 0);
        await().until(d -> {
            String a = cell("routes", "deployment", "sim/sim-chat-1", "requests");
            String b = cell("routes", "deployment", "backup/sim-chat-1", "requests");
            return a != null && b != null && Integer.parseInt(a) + Integer.parseInt(b) == n;
        });
        // 6 requests of 11 prompt and 7 completion tokens at 2 and 10 USD per million tokens.
        String spent = String.format(java.util.Locale.ROOT, "%.6f", n * 92e-6);
        await().until(d -> spent.equals(cell("keys", "key", "team", "spend")));
        await().until(d -> spent.equals(cell("keys", "key", "team", "spend-today")));
        assertEquals(spent, cell("keys", "key", "team", "spend-month"));

        // An asynchronous task (Prefer: respond-async) runs through the gateway and ends succeeded.
        HttpResponse<String> task = HTTP.send(HttpRequest.newBuilder(URI.create(base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + TEAM).header("Content-Type", "application/json")
                .header("Prefer", "respond-async")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"chat-4.1\",\"messages\":[{\"role\":\"user\",\"content\":\"later\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, task.statusCode(), task.body());
        await().until(d -> tasksLine().contains("succeeded: 1"));

        List<LogEntry> severe = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
        assertTrue(severe.isEmpty(), "console errors: " + severe);
    }

    @Test
    void thePageAndItsDataNeedTheAdminKey() throws Exception {
        for (String path : List.of("/admin/", "/admin/stats", "/admin/dashboard.js")) {
            HttpResponse<String> none = HTTP.send(HttpRequest.newBuilder(URI.create(base() + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, none.statusCode(), path);
            assertTrue(none.headers().firstValue("www-authenticate").orElse("").startsWith("Basic "), path);
            HttpResponse<String> team = HTTP.send(HttpRequest.newBuilder(URI.create(base() + path))
                    .header("Authorization", "Bearer " + TEAM).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(403, team.statusCode(), path);
            HttpResponse<String> ops = HTTP.send(HttpRequest.newBuilder(URI.create(base() + path))
                    .header("Authorization", "Bearer " + OPS).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ops.statusCode(), path);
        }
    }
}
