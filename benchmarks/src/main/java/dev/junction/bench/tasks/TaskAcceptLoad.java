package dev.junction.bench.tasks;

import dev.junction.core.config.ConfigLoader;
import dev.junction.core.server.GatewayServer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Task acceptance under load (benchmarks/RESULTS.md, "Asynchronous tasks"): a gateway process
 * whose only vendor accepts connections and never answers, so every task stays queued or running
 * (64 workers); {@code N} chat requests with {@code Prefer: respond-async} from {@code C}
 * concurrent clients. Reports tasks accepted per second, the time to {@code 202} (p50/p99/max),
 * and the gateway's heap (after a full GC) and RSS while it holds them all.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.junction.bench.tasks.TaskAcceptLoad [embedded|redis://host:port/0] [N] [C]
 * </pre>
 */
public final class TaskAcceptLoad {

    private TaskAcceptLoad() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("gateway")) {
            GatewayServer s = GatewayServer.start(ConfigLoader.load(Path.of(args[1])));
            Runtime.getRuntime().addShutdownHook(new Thread(s::close));
            System.out.println("READY " + s.port());
            System.out.flush();
            s.awaitClose();
            return;
        }
        String store = args.length > 0 ? args[0] : "embedded";
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int c = args.length > 2 ? Integer.parseInt(args[2]) : 32;

        List<Socket> held = new ArrayList<>();
        ServerSocket vendor = new ServerSocket(0);
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    Socket s = vendor.accept();          // read nothing, answer nothing: the call hangs
                    synchronized (held) {
                        held.add(s);
                    }
                }
            } catch (Exception ignored) {
                // closed at the end
            }
        }, "silent-vendor");
        acceptor.setDaemon(true);
        acceptor.start();

        Path dir = Files.createTempDirectory("junction-task-bench");
        String storeConf = store.equals("embedded")
                ? "path = \"" + dir.resolve("tasks.db") + "\""
                : "store = redis, redis-uri = \"" + store + "\"";
        Path conf = dir.resolve("bench.conf");
        Files.writeString(conf, """
                junction {
                  server { port = 0 }
                  access-log.enabled = false
                  providers { v { type = openai-compatible, base-url = "http://127.0.0.1:%d/v1",
                                  timeouts { first-byte = 10m, total = 30m } } }
                  models { chat { deployments = [ { provider = v, model = "m" } ] } }
                  tasks { %s }
                }""".formatted(vendor.getLocalPort(), storeConf));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process gw = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                TaskAcceptLoad.class.getName(), "gateway", conf.toString()).redirectErrorStream(true).start();
        int port = -1;
        BufferedReader out = new BufferedReader(new InputStreamReader(gw.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = out.readLine()) != null; ) {
            if (line.startsWith("READY ")) {
                port = Integer.parseInt(line.substring(6).trim());
                break;
            }
        }
        Thread drain = new Thread(() -> {
            try {
                out.lines().forEach(l -> { });
            } catch (java.io.UncheckedIOException ignored) {
                // the gateway stopped
            }
        }, "gateway-output");
        drain.setDaemon(true);
        drain.start();
        try {
            URI uri = URI.create("http://127.0.0.1:" + port + "/v1/chat/completions");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            run(http, uri, 1000, c);                    // warm-up, not measured
            long[] lat = run(http, uri, n, c);
            long wall = lat[lat.length - 1];
            long[] sorted = Arrays.copyOf(lat, lat.length - 1);
            Arrays.sort(sorted);
            System.out.printf("store=%s tasks=%d clients=%d%n", store.equals("embedded") ? "embedded" : "redis", n, c);
            System.out.printf("accepted/s=%.0f  time-to-202 p50=%.2fms p99=%.2fms max=%.2fms%n",
                    n / (wall / 1e9), sorted[n / 2] / 1e6, sorted[(int) (n * 0.99)] / 1e6, sorted[n - 1] / 1e6);
            Thread.sleep(2000);
            jcmd(gw.pid(), "GC.run");
            String heap = jcmd(gw.pid(), "GC.heap_info");
            String rss = Files.readAllLines(Path.of("/proc/" + gw.pid() + "/status")).stream()
                    .filter(l -> l.startsWith("VmRSS")).findFirst().orElse("VmRSS: ?");
            System.out.println("gateway holding " + (n + 1000) + " tasks (64 running, the rest queued):");
            System.out.println("  heap after full GC: " + heap.lines().filter(l -> l.contains("used")).findFirst().orElse("?").trim());
            System.out.println("  " + rss.replaceAll("\\s+", " "));
        } finally {
            gw.destroy();
            gw.waitFor(20, TimeUnit.SECONDS);
            vendor.close();
            synchronized (held) {
                for (Socket s : held) {
                    s.close();
                }
            }
        }
    }

    /** Sends {@code n} async submissions, {@code c} at a time; latencies in ns, then the wall time. */
    private static long[] run(HttpClient http, URI uri, int n, int c) throws Exception {
        long[] lat = new long[n + 1];
        Semaphore slots = new Semaphore(c);
        AtomicInteger failures = new AtomicInteger();
        List<CompletableFuture<?>> all = new ArrayList<>(n);
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            slots.acquire();
            int k = i;
            long t0 = System.nanoTime();
            HttpRequest req = HttpRequest.newBuilder(uri).header("content-type", "application/json")
                    .header("prefer", "respond-async")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"chat\",\"messages\":[{\"role\":\"user\","
                            + "\"content\":\"Summarise chapter " + i + "\"}]}")).build();
            all.add(http.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
                lat[k] = System.nanoTime() - t0;
                if (e != null || r.statusCode() != 202) {
                    failures.incrementAndGet();
                }
                slots.release();
            }));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        lat[n] = System.nanoTime() - start;
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " submissions were not answered 202");
        }
        return lat;
    }

    private static String jcmd(long pid, String command) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
        String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return s;
    }
}
