package dev.junction.core.e2e;

import dev.junction.core.config.ConfigLoader;
import dev.junction.core.server.GatewayServer;

import java.nio.file.Path;

/**
 * Runs one gateway in its own JVM for the tests that need several processes (the launcher module's
 * {@code ./junction} does the same, plus the command line): {@code GatewayProcessMain <config>};
 * stopped by SIGTERM, which closes it (the limit store and spend file included).
 */
public final class GatewayProcessMain {

    private GatewayProcessMain() {
    }

    public static void main(String[] args) throws Exception {
        GatewayServer server = GatewayServer.start(ConfigLoader.load(Path.of(args[0])));
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "gateway-shutdown"));
        server.awaitClose();
    }
}
