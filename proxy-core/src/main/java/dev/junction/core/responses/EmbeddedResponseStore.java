package dev.junction.core.responses;

import dev.junction.core.tasks.EmbeddedTaskStore;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * Kept responses in the embedded task store's SQLite file ({@code junction.tasks.path}), in a table
 * of their own ({@code responses}), written through the task store's own connection and lock
 * ({@link EmbeddedTaskStore#transaction}): SQLite has one writer per file, and two connections
 * writing it would fail each other's transactions.
 */
public final class EmbeddedResponseStore implements ResponseStore {

    private final EmbeddedTaskStore db;
    private final boolean owned;

    /** On the running task store's file and connection; closing this store leaves it open. */
    public EmbeddedResponseStore(EmbeddedTaskStore tasks) {
        this(tasks, false);
    }

    /** On the file at {@code file}, opened (and closed) by this store alone. */
    public EmbeddedResponseStore(Path file) {
        this(new EmbeddedTaskStore(file), true);
    }

    private EmbeddedResponseStore(EmbeddedTaskStore db, boolean owned) {
        this.db = db;
        this.owned = owned;
        db.transaction("create the responses table", c -> {
            try (Statement s = c.createStatement()) {
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
            return null;
        });
    }

    @Override
    public void put(StoredResponse r) {
        db.transaction("store response " + r.id(), c -> {
            try (PreparedStatement p = c.prepareStatement(
                    "INSERT OR REPLACE INTO responses (id, owner, created_at, expires_at, response, input) VALUES (?,?,?,?,?,?)")) {
                p.setString(1, r.id());
                p.setString(2, r.owner());
                p.setLong(3, r.createdAt());
                p.setLong(4, r.expiresAt());
                p.setBytes(5, r.response());
                p.setBytes(6, r.input());
                return p.executeUpdate();
            }
        });
    }

    @Override
    public StoredResponse get(String id, long now) {
        return db.transaction("read response " + id, c -> {
            try (PreparedStatement p = c.prepareStatement(
                    "SELECT owner, created_at, expires_at, response, input FROM responses WHERE id = ? AND expires_at > ?")) {
                p.setString(1, id);
                p.setLong(2, now);
                try (ResultSet rs = p.executeQuery()) {
                    return rs.next() ? new StoredResponse(id, rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getBytes(4),
                            rs.getBytes(5)) : null;
                }
            }
        });
    }

    @Override
    public boolean delete(String id) {
        return db.transaction("delete response " + id, c -> {
            try (PreparedStatement p = c.prepareStatement("DELETE FROM responses WHERE id = ?")) {
                p.setString(1, id);
                return p.executeUpdate() > 0;
            }
        });
    }

    @Override
    public int purge(long now) {
        return db.transaction("purge responses", c -> {
            try (PreparedStatement p = c.prepareStatement("DELETE FROM responses WHERE expires_at <= ?")) {
                p.setLong(1, now);
                return p.executeUpdate();
            }
        });
    }

    @Override
    public void close() {
        if (owned) {
            db.close();
        }
    }
}
