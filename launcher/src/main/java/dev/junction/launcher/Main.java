package dev.junction.launcher;

import dev.junction.core.cli.CheckCommand;
import dev.junction.core.config.ConfigException;
import dev.junction.core.config.ConfigLoader;
import dev.junction.core.config.ConfigWatcher;
import dev.junction.core.config.GatewayConfig;
import dev.junction.core.server.GatewayServer;
import dev.junction.simulator.SimulatorOptions;
import dev.junction.simulator.VendorSimulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code ./junction} command line (SPEC §1): run the gateway, {@code check} a config, or run
 * the {@code demo} against the local vendor simulator.
 */
public final class Main {

    private static final Logger LOG = LoggerFactory.getLogger(Main.class);
    private static final String USAGE = """
            usage: ./junction [--config FILE]          run the gateway (default conf/junction.conf, or $JUNCTION_CONFIG)
                   ./junction check [--config FILE]    validate a config and print the routing table
                   ./junction demo                     run the gateway with the local vendor simulator""";

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        List<String> rest = new ArrayList<>(List.of(args));
        String command = !rest.isEmpty() && !rest.get(0).startsWith("-") ? rest.remove(0) : "run";
        Path config = null;
        for (int i = 0; i < rest.size(); i++) {
            String a = rest.get(i);
            if (a.equals("--config") && i + 1 < rest.size()) {
                config = Path.of(rest.get(++i));
            } else if (a.startsWith("--config=")) {
                config = Path.of(a.substring("--config=".length()));
            } else if (a.equals("-h") || a.equals("--help")) {
                out.println(USAGE);
                return 0;
            } else {
                err.println("unknown argument: " + a + "\n" + USAGE);
                return 2;
            }
        }
        if (config == null) {
            String env = System.getenv("JUNCTION_CONFIG");
            config = Path.of(env != null && !env.isBlank() ? env : "conf/junction.conf");
        }
        return switch (command) {
            case "run" -> serve(config, err);
            case "check" -> CheckCommand.run(config, out, err);
            case "demo" -> demo(out, err);
            default -> {
                err.println("unknown command: " + command + "\n" + USAGE);
                yield 2;
            }
        };
    }

    private static int serve(Path config, PrintStream err) throws InterruptedException {
        if (!Files.isRegularFile(config)) {
            err.println("junction: config file not found: " + config);
            return 2;
        }
        GatewayConfig cfg;
        try {
            cfg = ConfigLoader.load(config);
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return 2;
        }
        GatewayServer server = GatewayServer.start(cfg);
        ConfigWatcher watcher = new ConfigWatcher(config, server::reload).start(cfg);
        installSighup(watcher);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            watcher.close();
            server.close();
        }, "junction-shutdown"));
        server.awaitClose();
        return 0;
    }

    /** SIGHUP reloads the config (SPEC §2), where the JVM lets us handle it. */
    private static void installSighup(ConfigWatcher watcher) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> {
                LOG.info("SIGHUP: reloading configuration");
                watcher.reload();
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            LOG.debug("SIGHUP reload unavailable on this platform: {}", e.getMessage());
        }
    }

    /** {@code ./junction demo}: runs until the process is stopped. */
    private static int demo(PrintStream out, PrintStream err) throws Exception {
        Demo demo = Demo.start(Path.of("conf/demo.conf"), out, err);
        if (demo == null) {
            return 2;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(demo::close, "junction-shutdown"));
        demo.server.awaitClose();
        return 0;
    }

    /** A running demo: the vendor simulator, the gateway on {@code conf}, and the webhook receiver. */
    static final class Demo implements AutoCloseable {
        final VendorSimulator sim;
        final GatewayServer server;
        final DemoWebhookReceiver receiver;

        private Demo(VendorSimulator sim, GatewayServer server, DemoWebhookReceiver receiver) {
            this.sim = sim;
            this.server = server;
            this.receiver = receiver;
        }

        /**
         * Starts everything and prints what to try; null (after saying why on {@code err}) when the
         * config is invalid. The simulator's address is {@code junction.demo.simulator-url}; the
         * webhook receiver listens on a free port of 127.0.0.1.
         */
        static Demo start(Path conf, PrintStream out, PrintStream err) throws java.io.IOException, InterruptedException {
            String url = System.getProperty("junction.demo.simulator-url", "http://127.0.0.1:9901");
            int simPort = URI.create(url).getPort();
            VendorSimulator sim = VendorSimulator.start(SimulatorOptions.builder().port(simPort).build());
            System.setProperty("junction.demo.simulator-url", sim.baseUrl());
            com.typesafe.config.ConfigFactory.invalidateCaches(); // system properties are cached once read
            GatewayConfig cfg;
            try {
                cfg = ConfigLoader.load(conf);
            } catch (ConfigException e) {
                sim.close();
                err.println(e.getMessage());
                return null;
            }
            DemoWebhookReceiver receiver;
            try {
                // Any free port: the printed commands carry the receiver's URL.
                receiver = DemoWebhookReceiver.start(0, cfg.tasks().webhooks().secret(), out);
            } catch (java.io.IOException e) {
                sim.close();
                throw e;
            }
            GatewayServer server = GatewayServer.start(cfg);
            String base = "http://" + cfg.server().host() + ":" + server.port();
            String hook = receiver.url();
            out.println();
            out.println("Junction demo: gateway on " + base + ", vendor simulator on " + sim.baseUrl());
            out.println("Try it:");
            out.println("  curl -s " + base + "/v1/chat/completions -H 'content-type: application/json' \\");
            out.println("    -d '{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}'");
            out.println("  curl -sN " + base + "/v1/chat/completions -H 'content-type: application/json' \\");
            out.println("    -d '{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}'");
            out.println("  OpenAI Responses API, to any alias (gpt-4o-mini passes through, claude and gemini are translated):");
            out.println("  curl -s " + base + "/v1/responses -H 'content-type: application/json' \\");
            out.println("    -d '{\"model\":\"claude\",\"input\":\"Hello!\"}'");
            out.println("  curl -s " + base + "/v1/responses/<id>     (kept with store: true, the default; then previous_response_id)");
            out.println("  curl -s " + base + "/v1/images/generations -H 'content-type: application/json' \\");
            out.println("    -d '{\"model\":\"imagen\",\"prompt\":\"a lighthouse at dusk\",\"response_format\":\"url\"}'");
            out.println("  Video (also \"veo\" and \"runway\"): create, poll until \"completed\", fetch the file (Range works):");
            out.println("  curl -s " + base + "/v1/videos -H 'content-type: application/json' \\");
            out.println("    -d '{\"model\":\"sora\",\"prompt\":\"waves at dusk [[sim duration=3s]]\",\"seconds\":\"8\"}'");
            out.println("  curl -s " + base + "/v1/videos/<id>");
            out.println("  curl -s " + base + "/v1/videos/<id>/content -o video.mp4");
            out.println("  or any OpenAI SDK with base URL " + base + "/v1 and any API key, e.g. in Python:");
            out.println("    OpenAI(base_url=\"" + base + "/v1\", api_key=\"x\").chat.completions.create(model=\"gpt-4o-mini\", messages=[...])");
            out.println("    OpenAI(base_url=\"" + base + "/v1\", api_key=\"x\").responses.create(model=\"gemini\", input=\"Hello!\")");
            out.println("  Anthropic's Messages API, to every alias (the Anthropic SDKs and Claude Code need only the base URL):");
            out.println("  curl -s " + base + "/v1/messages -H 'content-type: application/json' -H 'x-api-key: x' \\");
            out.println("    -d '{\"model\":\"gemini\",\"max_tokens\":256,\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}'");
            out.println("    Anthropic(base_url=\"" + base + "\", api_key=\"x\").messages.create(model=\"claude\", max_tokens=256, messages=[...])");
            out.println("    ANTHROPIC_BASE_URL=" + base + " ANTHROPIC_API_KEY=x claude");
            out.println("  Asynchronous, with a signed webhook to the demo's receiver at " + hook + " (docs/tasks.md):");
            out.println("  curl -s " + base + "/v1/chat/completions -H 'content-type: application/json' \\");
            out.println("    -H 'Prefer: respond-async' -H 'x-junction-webhook-url: " + hook + "' \\");
            out.println("    -d '{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello later!\"}]}'");
            out.println("  curl -s " + base + "/v1/tasks/<id>     (202 at once; the receiver prints the delivery, verified)");
            out.println("Script the simulator from the prompt, e.g. \"[[sim status=429 retry-after=2]]\" (see simulator/README.md).");
            out.println("Aliases: " + String.join(", ", cfg.models().keySet()) + ". Ctrl-C to stop.");
            return new Demo(sim, server, receiver);
        }

        @Override
        public void close() {
            server.close();
            receiver.close();
            sim.close();
        }
    }
}
