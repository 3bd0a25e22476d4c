package dev.junction.core.responses;

/**
 * Where kept responses live: the embedded store's SQLite file as a table of its own
 * ({@link EmbeddedResponseStore}) or Redis ({@link RedisResponseStore}), chosen by
 * {@code junction.tasks.store} like the task store. Calls block: {@link ResponseStates} makes them
 * on its own thread, never on an event loop.
 */
public interface ResponseStore extends AutoCloseable {

    /** Stores (or replaces) {@code r}. */
    void put(StoredResponse r);

    /** The response, or null when unknown or expired at {@code now}. */
    StoredResponse get(String id, long now);

    /** Deletes it; true when it existed. */
    boolean delete(String id);

    /** Deletes what expired before {@code now}; returns how many (Redis expires keys itself and answers 0). */
    int purge(long now);

    @Override
    void close();
}
