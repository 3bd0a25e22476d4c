package dev.junction.core.tasks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The default task store (SPEC §6.4 {@code store = embedded}): one SQLite file through
 * xerial/sqlite-jdbc in WAL mode with {@code synchronous = FULL}, so a task is on disk when
 * {@link #insert} returns — before the client is told {@code 202} — and survives a crash or a
 * power cut. Nothing to install or run.
 *
 * <p>One connection, used only by the engine's store thread (methods are also synchronized, so a
 * test calling from elsewhere is safe). One instance per file: opening the file resets leases of
 * the previous process — after a crash, its running tasks are due again at once instead of after
 * the lease.
 */
public final class EmbeddedTaskStore implements TaskStore {

    private static final String COLUMNS = "doc, lease_owner, lease_until, version";

    private final Connection db;

    public EmbeddedTaskStore(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("""
                        CREATE TABLE IF NOT EXISTS tasks (
                          id TEXT PRIMARY KEY,
                          owner TEXT NOT NULL,
                          status TEXT NOT NULL,
                          created_at INTEGER NOT NULL,
                          completed_at INTEGER,
                          next_run_at INTEGER NOT NULL,
                          lease_owner TEXT,
                          lease_until INTEGER NOT NULL DEFAULT 0,
                          version INTEGER NOT NULL,
                          idem_key TEXT,
                          doc BLOB NOT NULL)""");
                s.execute("CREATE INDEX IF NOT EXISTS tasks_due ON tasks (next_run_at)");
                s.execute("CREATE INDEX IF NOT EXISTS tasks_owner ON tasks (owner, id)");
                s.execute("CREATE INDEX IF NOT EXISTS tasks_done ON tasks (completed_at)");
                s.execute("CREATE UNIQUE INDEX IF NOT EXISTS tasks_idem ON tasks (owner, idem_key) WHERE idem_key IS NOT NULL");
                // The previous process owned every lease in this file; whatever it held is due now.
                s.execute("UPDATE tasks SET lease_owner = NULL, lease_until = 0 WHERE lease_owner IS NOT NULL");
            }
            db.setAutoCommit(false);
            db.commit();
        } catch (SQLException | java.io.IOException e) {
            throw new TaskStoreException("cannot open the task store " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized Inserted insert(Task task, long idempotentSince) {
        return insertAll(List.of(task), idempotentSince).get(0);
    }

    /** All in one transaction: one disk sync however many tasks arrived together. */
    @Override
    public synchronized List<Inserted> insertAll(List<Task> tasks, long idempotentSince) {
        try {
            List<Inserted> out = new ArrayList<>(tasks.size());
            for (Task t : tasks) {
                out.add(insertOne(t, idempotentSince));
            }
            db.commit();
            return out;
        } catch (SQLException e) {
            throw fail("insert", e);
        }
    }

    private Inserted insertOne(Task task, long idempotentSince) throws SQLException {
        if (task.idempotencyKey() != null) {
            try (PreparedStatement q = db.prepareStatement("SELECT " + COLUMNS + ", created_at FROM tasks"
                    + " WHERE owner = ? AND idem_key = ?")) {
                q.setString(1, task.owner());
                q.setString(2, task.idempotencyKey());
                try (ResultSet rs = q.executeQuery()) {
                    if (rs.next()) {
                        if (rs.getLong(5) >= idempotentSince) {
                            return new Inserted(read(rs), false);
                        }
                        // An older use of the key has lapsed: the key is free again.
                        try (PreparedStatement u = db.prepareStatement(
                                "UPDATE tasks SET idem_key = NULL WHERE owner = ? AND idem_key = ?")) {
                            u.setString(1, task.owner());
                            u.setString(2, task.idempotencyKey());
                            u.executeUpdate();
                        }
                    }
                }
            }
        }
        try (PreparedStatement p = db.prepareStatement("INSERT INTO tasks (id, owner, status, created_at, completed_at,"
                + " next_run_at, lease_owner, lease_until, version, idem_key, doc) VALUES (?,?,?,?,?,?,?,?,?,?,?)")) {
            p.setString(1, task.id());
            p.setString(2, task.owner());
            p.setString(3, task.status().name());
            p.setLong(4, task.createdAt());
            setLong(p, 5, task.completedAt());
            p.setLong(6, task.nextRunAt());
            p.setString(7, task.leaseOwner());
            p.setLong(8, task.leaseUntil());
            p.setLong(9, task.version());
            p.setString(10, task.idempotencyKey());
            p.setBytes(11, TaskCodec.encode(task));
            p.executeUpdate();
        }
        return new Inserted(task, true);
    }

    @Override
    public synchronized Task get(String id) {
        try (PreparedStatement q = db.prepareStatement("SELECT " + COLUMNS + " FROM tasks WHERE id = ?")) {
            q.setString(1, id);
            try (ResultSet rs = q.executeQuery()) {
                Task t = rs.next() ? read(rs) : null;
                db.commit();
                return t;
            }
        } catch (SQLException e) {
            throw fail("get", e);
        }
    }

    @Override
    public synchronized List<Task> list(String owner, TaskState status, String after, int limit) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM tasks WHERE owner = ?");
        if (status != null) {
            sql.append(" AND status = ?");
        }
        if (after != null) {
            sql.append(" AND id < ?");
        }
        sql.append(" ORDER BY id DESC LIMIT ?");
        try (PreparedStatement q = db.prepareStatement(sql.toString())) {
            int i = 1;
            q.setString(i++, owner);
            if (status != null) {
                q.setString(i++, status.name());
            }
            if (after != null) {
                q.setString(i++, after);
            }
            q.setInt(i, limit);
            List<Task> out = new ArrayList<>();
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    out.add(read(rs));
                }
            }
            db.commit();
            return out;
        } catch (SQLException e) {
            throw fail("list", e);
        }
    }

    @Override
    public synchronized List<Task> claim(String worker, long now, long leaseUntil, int max) {
        try {
            List<Task> due = new ArrayList<>();
            try (PreparedStatement q = db.prepareStatement("SELECT " + COLUMNS + " FROM tasks"
                    + " WHERE next_run_at <= ? AND lease_until < ? ORDER BY next_run_at LIMIT ?")) {
                q.setLong(1, now);
                q.setLong(2, now);
                q.setInt(3, max);
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        due.add(read(rs));
                    }
                }
            }
            List<Task> out = new ArrayList<>(due.size());
            try (PreparedStatement u = db.prepareStatement("UPDATE tasks SET lease_owner = ?, lease_until = ?,"
                    + " version = version + 1 WHERE id = ? AND version = ?")) {
                for (Task t : due) {
                    u.setString(1, worker);
                    u.setLong(2, leaseUntil);
                    u.setString(3, t.id());
                    u.setLong(4, t.version());
                    if (u.executeUpdate() == 1) {
                        out.add(t.withLease(worker, leaseUntil).withVersion(t.version() + 1));
                    }
                }
            }
            db.commit();
            return out;
        } catch (SQLException e) {
            throw fail("claim", e);
        }
    }

    /**
     * Only this process writes the file (its claims are released when it is opened), so it can
     * tell when the next task is due. The {@code next_run_at} index limits the scan to the tasks
     * that will ever need a worker.
     */
    @Override
    public synchronized long nextClaimableAt() {
        try (PreparedStatement q = db.prepareStatement("SELECT MIN(MAX(next_run_at, lease_until + 1)) FROM tasks"
                + " WHERE next_run_at < ?")) {
            q.setLong(1, Task.NEVER);
            try (ResultSet rs = q.executeQuery()) {
                long at = rs.next() ? rs.getLong(1) : 0;
                boolean none = at == 0 && rs.wasNull();
                db.commit();
                return none ? Task.NEVER : at;
            }
        } catch (SQLException e) {
            throw fail("next due", e);
        }
    }

    @Override
    public synchronized Task update(Task next) {
        Task stored = next.withVersion(next.version() + 1);
        try (PreparedStatement u = db.prepareStatement("UPDATE tasks SET status = ?, completed_at = ?, next_run_at = ?,"
                + " lease_owner = ?, lease_until = ?, version = ?, doc = ? WHERE id = ? AND version = ?")) {
            u.setString(1, stored.status().name());
            setLong(u, 2, stored.completedAt());
            u.setLong(3, stored.nextRunAt());
            u.setString(4, stored.leaseOwner());
            u.setLong(5, stored.leaseUntil());
            u.setLong(6, stored.version());
            u.setBytes(7, TaskCodec.encode(stored));
            u.setString(8, stored.id());
            u.setLong(9, next.version());
            int n = u.executeUpdate();
            db.commit();
            return n == 1 ? stored : null;
        } catch (SQLException e) {
            throw fail("update", e);
        }
    }

    @Override
    public synchronized List<String> renew(String worker, Collection<String> ids, long leaseUntil) {
        List<String> lost = new ArrayList<>();
        try (PreparedStatement u = db.prepareStatement(
                "UPDATE tasks SET lease_until = ? WHERE id = ? AND lease_owner = ?")) {
            for (String id : ids) {
                u.setLong(1, leaseUntil);
                u.setString(2, id);
                u.setString(3, worker);
                if (u.executeUpdate() != 1) {
                    lost.add(id);
                }
            }
            db.commit();
            return lost;
        } catch (SQLException e) {
            throw fail("renew", e);
        }
    }

    @Override
    public synchronized int release(String worker, long now) {
        try {
            List<Task> held = new ArrayList<>();
            try (PreparedStatement q = db.prepareStatement("SELECT " + COLUMNS + " FROM tasks WHERE lease_owner = ?")) {
                q.setString(1, worker);
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        held.add(read(rs));
                    }
                }
            }
            db.commit();
            int n = 0;
            for (Task t : held) {
                if (update(TaskStores.handedBack(t, now)) != null) {
                    n++;
                }
            }
            return n;
        } catch (SQLException e) {
            throw fail("release", e);
        }
    }

    @Override
    public synchronized boolean delete(String id) {
        try (PreparedStatement u = db.prepareStatement("DELETE FROM tasks WHERE id = ?")) {
            u.setString(1, id);
            int n = u.executeUpdate();
            db.commit();
            return n == 1;
        } catch (SQLException e) {
            throw fail("delete", e);
        }
    }

    @Override
    public synchronized int purge(long endedBefore) {
        try (PreparedStatement u = db.prepareStatement(
                "DELETE FROM tasks WHERE completed_at IS NOT NULL AND completed_at < ? AND lease_owner IS NULL")) {
            u.setLong(1, endedBefore);
            int n = u.executeUpdate();
            db.commit();
            return n;
        } catch (SQLException e) {
            throw fail("purge", e);
        }
    }

    @Override
    public synchronized Map<TaskState, Long> counts() {
        Map<TaskState, Long> out = new EnumMap<>(TaskState.class);
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT status, count(*) FROM tasks GROUP BY status")) {
            while (rs.next()) {
                out.put(TaskState.valueOf(rs.getString(1)), rs.getLong(2));
            }
            db.commit();
            return out;
        } catch (SQLException e) {
            throw fail("count", e);
        }
    }

    /** Work on this store's connection, for another table of the same file ({@link #transaction}). */
    public interface SqlWork<T> {
        T run(Connection db) throws SQLException;
    }

    /**
     * Runs {@code work} on this store's connection under its lock and commits. Other tables of the
     * same file (the Responses API's kept responses) go through here rather than a connection of
     * their own: SQLite allows one writer, and a second connection's commit between this store's
     * read and write would fail that write with a busy snapshot (no busy timeout helps there).
     */
    public synchronized <T> T transaction(String op, SqlWork<T> work) {
        try {
            T out = work.run(db);
            db.commit();
            return out;
        } catch (SQLException e) {
            throw fail(op, e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw fail("close", e);
        }
    }

    private static Task read(ResultSet rs) throws SQLException {
        return TaskCodec.decode(rs.getBytes(1), rs.getString(2), rs.getLong(3), rs.getLong(4));
    }

    private static void setLong(PreparedStatement p, int i, Long v) throws SQLException {
        if (v == null) {
            p.setNull(i, java.sql.Types.INTEGER);
        } else {
            p.setLong(i, v);
        }
    }

    private TaskStoreException fail(String op, SQLException e) {
        try {
            db.rollback();
        } catch (SQLException ignored) {
            // the connection is already unusable; the original error says why
        }
        return new TaskStoreException("task store " + op + " failed: " + e.getMessage(), e);
    }
}
