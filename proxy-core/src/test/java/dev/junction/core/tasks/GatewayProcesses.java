package dev.junction.core.tasks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Gateway processes for the crash tests: each a separate JVM ({@link CrashTestGateway} on this
 * test's class path) started with a config file, killed with SIGKILL or stopped; all are killed
 * when the test ends.
 */
final class GatewayProcesses implements AutoCloseable {

    /** One running gateway process and its port. */
    record Gateway(Process process, int port) {
        String base() {
            return "http://127.0.0.1:" + port;
        }

        /** SIGTERM: the shutdown hook runs (hand-back). */
        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the gateway did not stop within 30 s");
            }
        }

        /** SIGKILL (Process.destroyForcibly on Unix): no shutdown hook runs. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private final List<Process> started = new ArrayList<>();

    Gateway start(Path config, String vendorUrl) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "-Djunction.access-log.level=off", CrashTestGateway.class.getName(), config.toString(), vendorUrl)
                .redirectErrorStream(true);
        Process p = pb.start();
        started.add(p);
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("READY ")) {
                        port.complete(Integer.parseInt(line.substring(6).trim()));
                    } else if (line.contains("ERROR") || line.contains("Exception")) {
                        System.err.println("[gateway " + p.pid() + "] " + line);
                    }
                }
            } catch (Exception ignored) {
                // the process ended
            }
            port.completeExceptionally(new IllegalStateException("the gateway process exited before it was ready"));
        }, "gateway-output-" + p.pid());
        reader.setDaemon(true);
        reader.start();
        return new Gateway(p, port.get(60, TimeUnit.SECONDS));
    }

    @Override
    public void close() {
        for (Process p : started) {
            p.destroyForcibly();
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
