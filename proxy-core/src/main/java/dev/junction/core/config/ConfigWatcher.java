package dev.junction.core.config;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.zip.CRC32;

/**
 * Reloads the configuration when its file (or the catalog file it names) changes, and on demand
 * ({@link #reload()}, which the server calls on SIGHUP). SPEC §2: a valid change is handed to
 * {@code onValid}, which swaps the whole snapshot atomically; an invalid change is logged with every
 * error and the running snapshot is kept.
 *
 * <p>The files are checked every {@link #DEFAULT_POLL_INTERVAL} on a daemon thread (never an event
 * loop): each one's modification time, size and the checksum of its contents. A file
 * system watch (inotify) sees a change sooner, but it can only watch the directory, and then every
 * write to any file beside the config wakes two threads: with the access log or a database in the
 * same directory that is a wake-up per log batch, about a microsecond of CPU per request under load.
 * Polling costs the same few stat calls and small reads whatever happens next to the file, and
 * still sees an editor's write-new-then-rename save, a Kubernetes ConfigMap's symlink swap and an
 * edit that keeps size and timestamp (the checksum). A change is applied once the files have been
 * quiet for the debounce interval, so a save made of several writes reloads once.
 */
public final class ConfigWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);
    /** Long enough to coalesce one editor save, short enough to feel immediate. */
    public static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(300);
    /**
     * How often the files are checked: a change is applied within this plus the debounce. A check
     * costs up to a millisecond of CPU (it runs too rarely to be compiled), so once a second.
     */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
    /** What a missing or unreadable file looks like (it may appear later). */
    private static final Stamp MISSING = new Stamp(0, -1, 0);

    private final Path file;
    private final Function<Path, GatewayConfig> loader;
    private final Consumer<GatewayConfig> onValid;
    private final Duration debounce;
    private final Duration pollInterval;
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private final Object reloadLock = new Object();
    private volatile Thread thread;
    private volatile boolean closed;
    /** The config file, then the catalog file when the running snapshot names one. */
    private volatile List<Path> watchedFiles = List.of();
    /** The files' state as last seen by the watch thread (set by start, then read and written by it only). */
    private List<Stamp> seen = List.of();

    /** One file's state: any difference in it counts as a change. */
    private static final class Stamp {
        final long modifiedMillis;
        final long size;
        final long crc;

        Stamp(long modifiedMillis, long size, long crc) {
            this.modifiedMillis = modifiedMillis;
            this.size = size;
            this.crc = crc;
        }

        @Override
        public boolean equals(Object o) {
            // Written out: a record's generated equals runs through method handles, slow when interpreted.
            return o instanceof Stamp t && modifiedMillis == t.modifiedMillis && size == t.size && crc == t.crc;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(modifiedMillis ^ size ^ crc);
        }
    }

    /**
     * @param file    the config file
     * @param loader  how to load it ({@code ConfigLoader::load} in production)
     * @param onValid receives every valid new snapshot
     */
    public ConfigWatcher(Path file, Function<Path, GatewayConfig> loader, Consumer<GatewayConfig> onValid,
                         Duration debounce) {
        this(file, loader, onValid, debounce, DEFAULT_POLL_INTERVAL);
    }

    /** As above, checking the files every {@code pollInterval}. */
    public ConfigWatcher(Path file, Function<Path, GatewayConfig> loader, Consumer<GatewayConfig> onValid,
                         Duration debounce, Duration pollInterval) {
        this.file = file.toAbsolutePath().normalize();
        this.loader = loader;
        this.onValid = onValid;
        this.debounce = debounce;
        this.pollInterval = pollInterval;
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
        register(current);
        seen = stamps(watchedFiles, List.of(), List.of());
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
            register(next);
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
        closed = true;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }

    private void register(GatewayConfig current) {
        Path catalog = current == null || current.catalogPath() == null ? null
                : current.catalogPath().toAbsolutePath().normalize();
        watchedFiles = catalog == null || catalog.equals(file) ? List.of(file) : List.of(file, catalog);
    }

    private void run() {
        try {
            while (!closed) {
                TimeUnit.NANOSECONDS.sleep(pollInterval.toNanos());
                List<Path> files = watchedFiles;
                List<Stamp> now = stamps(files, List.of(), List.of());
                if (now.equals(seen)) {
                    continue;
                }
                // Debounce: wait until the files stay the same for the whole interval.
                while (!closed) {
                    TimeUnit.NANOSECONDS.sleep(debounce.toNanos());
                    List<Stamp> next = stamps(files, List.of(), List.of());
                    if (next.equals(now)) {
                        break;
                    }
                    now = next;
                }
                if (closed) {
                    break;
                }
                reload();
                // A catalog named by the new snapshot starts from its state now; the others from what
                // was read before the reload, so a change made while it ran is still seen next time.
                seen = stamps(watchedFiles, files, now);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.debug("config watcher stopped");
    }

    /** The state of each of {@code files}: the one in {@code known} (of {@code knownFiles}) where there is one. */
    private static List<Stamp> stamps(List<Path> files, List<Path> knownFiles, List<Stamp> known) {
        Stamp[] out = new Stamp[files.size()];
        for (int i = 0; i < out.length; i++) {
            int k = knownFiles.indexOf(files.get(i));
            out[i] = k >= 0 ? known.get(k) : stamp(files.get(i));
        }
        return List.of(out);
    }

    /**
     * The file's state, following symbolic links; {@link #MISSING} when it cannot be read. Read with
     * java.io rather than NIO's channels: half the CPU per check, since this code stays interpreted.
     */
    private static Stamp stamp(Path path) {
        File f = path.toFile();
        long modified = f.lastModified();
        long size = f.length();
        byte[] bytes;
        try (FileInputStream in = new FileInputStream(f)) {
            bytes = in.readAllBytes();
        } catch (IOException | RuntimeException e) {
            return MISSING;
        }
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return new Stamp(modified, size, crc.getValue());
    }
}
