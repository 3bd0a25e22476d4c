package dev.junction.core.config;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Reloads the configuration when its file (or the catalog file it names) changes, and on demand
 * ({@link #reload()}, which the server calls on SIGHUP). SPEC §2: a valid change is handed to
 * {@code onValid}, which swaps the whole snapshot atomically; an invalid change is logged with every
 * error and the running snapshot is kept.
 *
 * <p>The directory is watched (not the file) because editors save by writing a new file and renaming
 * it over the old one. Events are debounced: a save often produces several events, and a reload runs
 * only once the file has been quiet for the debounce interval. The watch runs on its own daemon
 * thread, never on an event loop.
 */
public final class ConfigWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);
    /** Long enough to coalesce one editor save, short enough to feel immediate. */
    public static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(300);

    private final Path file;
    private final Function<Path, GatewayConfig> loader;
    private final Consumer<GatewayConfig> onValid;
    private final Duration debounce;
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private final Object reloadLock = new Object();
    private volatile WatchService watchService;
    private volatile Thread thread;
    private volatile Set<Path> watchedFiles = Set.of();

    /**
     * @param file    the config file
     * @param loader  how to load it ({@code ConfigLoader::load} in production)
     * @param onValid receives every valid new snapshot
     */
    public ConfigWatcher(Path file, Function<Path, GatewayConfig> loader, Consumer<GatewayConfig> onValid,
                         Duration debounce) {
        this.file = file.toAbsolutePath().normalize();
        this.loader = loader;
        this.onValid = onValid;
        this.debounce = debounce;
    }

    /** A watcher loading with {@link ConfigLoader#load(Path)}; call {@link #start(GatewayConfig)}. */
    public ConfigWatcher(Path file, Consumer<GatewayConfig> onValid) {
        this(file, ConfigLoader::load, onValid, DEFAULT_DEBOUNCE);
    }

    /**
     * Starts watching. {@code current} is the snapshot already running (its catalog file is watched
     * too); it may be null.
     */
    public synchronized ConfigWatcher start(GatewayConfig current) {
        if (thread != null) {
            throw new IllegalStateException("already started");
        }
        try {
            watchService = FileSystems.getDefault().newWatchService();
            register(current);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot watch " + file.getParent(), e);
        }
        Thread t = new Thread(this::run, "junction-config-watcher");
        t.setDaemon(true);
        thread = t;
        t.start();
        return this;
    }

    /**
     * Loads the file now. On success {@code onValid} gets the snapshot and true is returned; on
     * failure the reason is logged, kept in {@link #lastError()}, and false is returned.
     */
    public boolean reload() {
        synchronized (reloadLock) {
            GatewayConfig next;
            try {
                next = loader.apply(file);
            } catch (ConfigException e) {
                lastError.set(e.getMessage());
                log.error("configuration change rejected, keeping the running configuration: {}", e.getMessage());
                return false;
            } catch (RuntimeException e) {
                lastError.set(file + ": " + e);
                log.error("configuration reload failed, keeping the running configuration", e);
                return false;
            }
            lastError.set(null);
            for (String w : next.warnings()) {
                log.warn("{}", w);
            }
            try {
                register(next);
            } catch (IOException e) {
                log.warn("cannot watch the catalog of {}: {}", file, e.toString());
            }
            try {
                onValid.accept(next);
            } catch (RuntimeException e) {
                // The watch thread must survive a failing consumer, or later changes would go unseen.
                lastError.set(file + ": applying the new configuration failed: " + e);
                log.error("applying the configuration from {} failed", file, e);
                return false;
            }
            log.info("configuration reloaded from {}", file);
            return true;
        }
    }

    /** The error of the last reload attempt, or null when it succeeded (or none ran yet). */
    public String lastError() {
        return lastError.get();
    }

    @Override
    public void close() {
        Thread t = thread;
        WatchService ws = watchService;
        if (ws != null) {
            try {
                ws.close();
            } catch (IOException e) {
                log.debug("closing the config watch service", e);
            }
        }
        if (t != null) {
            t.interrupt();
        }
    }

    private void register(GatewayConfig current) throws IOException {
        WatchService ws = watchService;
        if (ws == null) {
            return;
        }
        Set<Path> files = new HashSet<>();
        files.add(file);
        if (current != null && current.catalogPath() != null) {
            files.add(current.catalogPath().toAbsolutePath().normalize());
        }
        for (Path f : files) {
            f.getParent().register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
        }
        watchedFiles = Set.copyOf(files);
    }

    private void run() {
        WatchService ws = watchService;
        try {
            while (true) {
                WatchKey key = ws.take();
                boolean relevant = drain(key);
                if (!relevant) {
                    continue;
                }
                // Debounce: wait until no relevant event arrives for the whole interval.
                while (true) {
                    WatchKey more = ws.poll(debounce.toMillis(), TimeUnit.MILLISECONDS);
                    if (more == null) {
                        break;
                    }
                    drain(more);
                }
                reload();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            log.debug("config watcher stopped");
        }
    }

    /** Consumes a key's events; true when one of them concerns a watched file. */
    private boolean drain(WatchKey key) {
        boolean relevant = false;
        Path dir = (Path) key.watchable();
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                relevant = true;
            } else if (event.context() instanceof Path name && watchedFiles.contains(dir.resolve(name).normalize())) {
                relevant = true;
            }
        }
        key.reset();
        return relevant;
    }
}
