package dev.junction.core.limits;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The local store's durable spend (SPEC §7.1 "a restart does not reset a day's spend"): one row
 * per gateway key name and UTC period ({@code 2026-12-02} for a day, {@code 2026-12} for a month)
 * in a SQLite file, in nano-USD so sums are exact. Read whole at start-up (before the gateway
 * serves); afterwards the in-memory figures are authoritative and changes are written by one
 * background thread ({@code junction-spend}), gathered for {@value #LINGER_MILLIS} ms into one
 * transaction, never on an event loop. {@link #close()} writes what is still pending.
 */
final class SpendLedger implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SpendLedger.class);

    private final Connection db;
    private final Map<String, Long> loaded = new HashMap<>();
    private final Map<String, Long> dirty = new ConcurrentHashMap<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    /** Changes are gathered this long before one transaction writes them all. */
    private static final long LINGER_MILLIS = 100;
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "junction-spend");
        t.setDaemon(true);
        return t;
    });

    SpendLedger(Path file) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                // WAL + NORMAL: a commit survives a crash of the process; only a power loss can undo
                // the last commits, and it costs no fsync per write.
                s.execute("PRAGMA synchronous=NORMAL");
                s.execute("CREATE TABLE IF NOT EXISTS spend (key_name TEXT NOT NULL, period TEXT NOT NULL, "
                        + "nano_usd INTEGER NOT NULL, PRIMARY KEY (key_name, period))");
                try (ResultSet rs = s.executeQuery("SELECT key_name, period, nano_usd FROM spend")) {
                    while (rs.next()) {
                        loaded.put(id(rs.getString(1), rs.getString(2)), rs.getLong(3));
                    }
                }
            }
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("cannot open the spend file " + file + " (junction.limits.path): "
                    + e.getMessage(), e);
        }
    }

    /** The spend read at start-up for {@code key} in {@code period} (0 when none). */
    long initial(String key, String period) {
        return loaded.getOrDefault(id(key, period), 0L);
    }

    /** Records {@code total} nano-USD as the spend of {@code key} in {@code period}; written soon, off the caller. */
    void record(String key, String period, long total) {
        dirty.put(id(key, period), total);
        if (scheduled.compareAndSet(false, true)) {
            writer.schedule(this::flush, LINGER_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void flush() {
        scheduled.set(false);
        if (dirty.isEmpty()) {
            return;
        }
        Map<String, Long> batch = new HashMap<>();
        for (String k : dirty.keySet()) {
            Long v = dirty.remove(k);
            if (v != null) {
                batch.put(k, v);
            }
        }
        try (PreparedStatement ps = db.prepareStatement("INSERT INTO spend (key_name, period, nano_usd) VALUES (?, ?, ?) "
                + "ON CONFLICT (key_name, period) DO UPDATE SET nano_usd = excluded.nano_usd")) {
            db.setAutoCommit(false);
            for (Map.Entry<String, Long> e : batch.entrySet()) {
                int cut = e.getKey().indexOf('\u0000');
                ps.setString(1, e.getKey().substring(0, cut));
                ps.setString(2, e.getKey().substring(cut + 1));
                ps.setLong(3, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
            db.commit();
        } catch (SQLException e) {
            LOG.warn("could not write spend to the limits file: {}", e.getMessage());
            batch.forEach(dirty::putIfAbsent); // tried again with the next change or at close
        } finally {
            try {
                db.setAutoCommit(true);
            } catch (SQLException ignored) {
                // the connection is unusable; the next write reports it
            }
        }
    }

    private static String id(String key, String period) {
        return key + '\u0000' + period;
    }

    @Override
    public void close() {
        writer.execute(this::flush);
        writer.shutdown();
        try {
            if (!writer.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("spend writer did not finish in 10 s");
            }
            db.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (SQLException e) {
            LOG.warn("closing the limits file: {}", e.getMessage());
        }
    }
}
