package dev.junction.core.tasks;

import dev.junction.core.config.ConfigLoader;
import dev.junction.core.server.GatewayServer;

import java.nio.file.Path;

/**
 * The gateway process of the crash tests: what {@code ./junction} runs (load the config, start
 * the server, close it on SIGTERM), plus the test's job vendor registered on the task engine.
 * Arguments: the config file and the job vendor's base URL.
 */
public final class CrashTestGateway {

    private CrashTestGateway() {
    }

    public static void main(String[] args) throws Exception {
        GatewayServer server = GatewayServer.start(ConfigLoader.load(Path.of(args[0])));
        server.tasks().register(new AsyncVendorHandler(new HttpJobVendor(args[1])));
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "junction-shutdown"));
        System.out.println("READY " + server.port());
        System.out.flush();
        server.awaitClose();
    }
}
