package dev.junction.core.config;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigWatcherTest {

    private static final Function<Path, GatewayConfig> LOADER = f -> ConfigLoader.load(f, ConfigFactory.empty(), Map.of());
    private static final Duration DEBOUNCE = Duration.ofMillis(100);
    /** Shorter than the shipped second, to keep the tests quick. */
    private static final Duration POLL = Duration.ofMillis(100);
    /** Generous: changes are seen within a poll and a debounce, but CI machines are slow and shared. */
    private static final long WAIT_SECONDS = 20;

    @Test
    void validChangeIsDeliveredInvalidChangeIsRejected(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("junction.conf");
        Files.writeString(file, "junction.server.port = 8081\n");
        GatewayConfig initial = LOADER.apply(file);
        BlockingQueue<GatewayConfig> delivered = new LinkedBlockingQueue<>();
        try (ConfigWatcher watcher = new ConfigWatcher(file, LOADER, delivered::add, DEBOUNCE, POLL).start(initial)) {
            Files.writeString(file, "junction.server.port = 8082\n");
            GatewayConfig next = delivered.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(next, "a valid change is delivered");
            assertEquals(8082, next.server().port());
            assertNull(watcher.lastError());

            Files.writeString(file, "junction.server.port = \"not a port\"\n");
            // The rejection is recorded once the debounced reload ran; no snapshot is delivered.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (watcher.lastError() == null && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertNotNull(watcher.lastError(), "an invalid change is recorded");
            assertTrue(watcher.lastError().contains("junction.server.port: must be an integer"), watcher.lastError());
            assertTrue(delivered.isEmpty(), "an invalid change delivers nothing");

            // An editor-style save (write elsewhere, rename over) is seen too, and clears the error.
            Path tmp = dir.resolve(".junction.conf.swp");
            Files.writeString(tmp, "junction.server.port = 8083\n");
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            GatewayConfig renamed = delivered.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(renamed, "a rename over the file is delivered");
            assertEquals(8083, renamed.server().port());
            assertNull(watcher.lastError());
        }
    }

    @Test
    void otherFilesInTheDirectoryAreIgnored(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("junction.conf");
        Files.writeString(file, "junction.server.port = 8081\n");
        BlockingQueue<GatewayConfig> delivered = new LinkedBlockingQueue<>();
        try (ConfigWatcher watcher = new ConfigWatcher(file, LOADER, delivered::add, DEBOUNCE, POLL).start(null)) {
            Files.writeString(dir.resolve("notes.txt"), "unrelated");
            assertNull(delivered.poll(1, TimeUnit.SECONDS));
            Files.writeString(file, "junction.server.port = 8090\n");
            assertEquals(8090, delivered.poll(WAIT_SECONDS, TimeUnit.SECONDS).server().port());
            assertNull(watcher.lastError());
        }
    }

    @Test
    void aChangeThatKeepsSizeAndTimestampIsSeen(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("junction.conf");
        Files.writeString(file, "junction.server.port = 8081\n");
        FileTime then = Files.getLastModifiedTime(file);
        BlockingQueue<GatewayConfig> delivered = new LinkedBlockingQueue<>();
        try (ConfigWatcher watcher = new ConfigWatcher(file, LOADER, delivered::add, DEBOUNCE, POLL).start(null)) {
            // A file system with coarse timestamps, or a tool that restores them: only the contents differ.
            Files.writeString(file, "junction.server.port = 8082\n");
            Files.setLastModifiedTime(file, then);
            GatewayConfig next = delivered.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(next, "a same-size edit with the old timestamp is delivered");
            assertEquals(8082, next.server().port());
            assertNull(watcher.lastError());
        }
    }

    @Test
    void aSymbolicLinkSwappedToANewTargetIsSeen(@TempDir Path dir) throws Exception {
        // How a Kubernetes ConfigMap volume updates: the file is a link into a directory that is
        // replaced as a whole by re-pointing another link.
        Path v1 = Files.createDirectory(dir.resolve("v1"));
        Path v2 = Files.createDirectory(dir.resolve("v2"));
        Files.writeString(v1.resolve("junction.conf"), "junction.server.port = 8081\n");
        Files.writeString(v2.resolve("junction.conf"), "junction.server.port = 8099\n");
        Path data = dir.resolve("..data");
        Files.createSymbolicLink(data, dir.relativize(v1));
        Path file = dir.resolve("junction.conf");
        Files.createSymbolicLink(file, Path.of("..data", "junction.conf"));
        BlockingQueue<GatewayConfig> delivered = new LinkedBlockingQueue<>();
        try (ConfigWatcher watcher = new ConfigWatcher(file, LOADER, delivered::add, DEBOUNCE, POLL).start(LOADER.apply(file))) {
            Path tmp = dir.resolve("..data_tmp");
            Files.createSymbolicLink(tmp, dir.relativize(v2));
            Files.move(tmp, data, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            GatewayConfig next = delivered.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(next, "the new target is delivered");
            assertEquals(8099, next.server().port());
            assertNull(watcher.lastError());
        }
    }

    @Test
    void aFileRemovedAndWrittenAgainIsSeen(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("junction.conf");
        Files.writeString(file, "junction.server.port = 8081\n");
        BlockingQueue<GatewayConfig> delivered = new LinkedBlockingQueue<>();
        try (ConfigWatcher watcher = new ConfigWatcher(file, LOADER, delivered::add, DEBOUNCE, POLL).start(null)) {
            Files.delete(file);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (watcher.lastError() == null && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertNotNull(watcher.lastError(), "a missing file is a rejected change, the running snapshot stays");
            assertTrue(delivered.isEmpty());
            Files.writeString(file, "junction.server.port = 8085\n");
            GatewayConfig next = delivered.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(next, "the file written again is delivered");
            assertEquals(8085, next.server().port());
            assertNull(watcher.lastError());
        }
    }

    @Test
    void catalogChangeReloads(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("junction.conf");
        Path catalog = dir.resolve("catalog.conf");
        Files.writeString(catalog, "");
        Files.writeString(file, "junction.catalog = \"catalog.conf\"\n");
        BlockingQueue<GatewayConfig> delivered = new LinkedBlockingQueue<>();
        try (ConfigWatcher watcher = new ConfigWatcher(file, LOADER, delivered::add, DEBOUNCE, POLL).start(LOADER.apply(file))) {
            Files.writeString(catalog, "\"m\" { context-window = 1000 }\n");
            GatewayConfig next = delivered.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(next, "the running catalog is watched too");
            assertEquals(catalog, next.catalogPath());
            assertNull(watcher.lastError());
        }
    }

    @Test
    void reloadOnDemandReportsTheOutcome(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("junction.conf");
        Files.writeString(file, "junction.server.port = 8081\n");
        BlockingQueue<GatewayConfig> delivered = new LinkedBlockingQueue<>();
        // Not started: reload() is what SIGHUP calls, and works without the watch thread.
        ConfigWatcher watcher = new ConfigWatcher(file, LOADER, delivered::add, DEBOUNCE, POLL);
        assertTrue(watcher.reload());
        assertEquals(8081, delivered.remove().server().port());

        Files.writeString(file, "junction { server.port = 8081, bogus = 1 }\n");
        assertFalse(watcher.reload());
        assertTrue(delivered.isEmpty());
        assertTrue(watcher.lastError().contains("junction.bogus: unknown setting"), watcher.lastError());

        ConfigWatcher failing = new ConfigWatcher(file, f -> LOADER.apply(dir.resolve("ok.conf")), c -> {
            throw new IllegalStateException("consumer broke");
        }, DEBOUNCE);
        Files.writeString(dir.resolve("ok.conf"), "");
        assertFalse(failing.reload(), "a consumer failure is reported, not thrown");
        assertTrue(failing.lastError().contains("consumer broke"), failing.lastError());

        Files.delete(file);
        assertFalse(watcher.reload());
        assertTrue(watcher.lastError().contains("config file not found"), watcher.lastError());
        watcher.close();
    }
}
