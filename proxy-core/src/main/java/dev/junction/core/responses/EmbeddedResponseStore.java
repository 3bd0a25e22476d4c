package dev.junction.core.responses;

import dev.junction.core.tasks.TaskStoreException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Kept responses in the embedded task store's SQLite file ({@code junction.tasks.path}), in a table
 * of their own ({@code responses}), through a connection of their own (WAL mode lets it share the
 * file with the task store). Thread-safe by synchronisation; called from one thread in practice.
 */
public final class EmbeddedResponseStore implements ResponseStore {

    private final Connection db;

    public EmbeddedResponseStore(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("""
                        CREATE TABLE IF NOT EXISTS responses (
                          id TEXT PRIMARY KEY,
                          owner TEXT NOT NULL,
                          created_at INTEGER NOT NULL,
                          expires_at INTEGER NOT NULL,
                          response BLOB NOT NULL,
                          input BLOB NOT NULL)""");
                s.execute("CREATE INDEX IF NOT EXISTS responses_expiry ON responses (expires_at)");
            }
        } catch (SQLException | java.io.IOException e) {
            throw new TaskStoreException("cannot open the response store " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void put(StoredResponse r) {
        try (PreparedStatement p = db.prepareStatement(
                "INSERT OR REPLACE INTO responses (id, owner, created_at, expires_at, response, input) VALUES (?,?,?,?,?,?)")) {
            p.setString(1, r.id());
            p.setString(2, r.owner());
            p.setLong(3, r.createdAt());
            p.setLong(4, r.expiresAt());
            p.setBytes(5, r.response());
            p.setBytes(6, r.input());
            p.executeUpdate();
        } catch (SQLException e) {
            throw new TaskStoreException("cannot store response " + r.id() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized StoredResponse get(String id, long now) {
        try (PreparedStatement p = db.prepareStatement(
                "SELECT owner, created_at, expires_at, response, input FROM responses WHERE id = ? AND expires_at > ?")) {
            p.setString(1, id);
            p.setLong(2, now);
            try (ResultSet rs = p.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new StoredResponse(id, rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getBytes(4), rs.getBytes(5));
            }
        } catch (SQLException e) {
            throw new TaskStoreException("cannot read response " + id + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized boolean delete(String id) {
        try (PreparedStatement p = db.prepareStatement("DELETE FROM responses WHERE id = ?")) {
            p.setString(1, id);
            return p.executeUpdate() > 0;
        } catch (SQLException e) {
            throw new TaskStoreException("cannot delete response " + id + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized int purge(long now) {
        try (PreparedStatement p = db.prepareStatement("DELETE FROM responses WHERE expires_at <= ?")) {
            p.setLong(1, now);
            return p.executeUpdate();
        } catch (SQLException e) {
            throw new TaskStoreException("cannot purge responses: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw new TaskStoreException("cannot close the response store: " + e.getMessage(), e);
        }
    }
}
