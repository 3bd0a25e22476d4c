package dev.junction.core.media;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Generated media kept by Junction (SPEC §6.2, §6.4): image results handed out as URLs and the
 * files of finished video tasks. One directory ({@code junction.tasks.media-dir}); each item is a
 * file {@code <id>} plus a small JSON sidecar {@code <id>.json} (media type, size, ETag, expiry),
 * so items survive a restart and every instance sharing the directory can serve them.
 *
 * <p>Writes stream into {@code <id>.part} and are renamed into place when complete, so a reader
 * never sees half a file; base64 from a vendor's JSON is decoded chunk by chunk into the file, never
 * held decoded in memory. All file work runs on this store's own thread (never on an event loop,
 * DESIGN house rule 3); callers get a {@link CompletableFuture}. Ids are 128 random bits, so a
 * media URL is a capability that cannot be guessed. Items expire after the retention; a sweep
 * deletes them, and an expired item is never served.
 */
public final class MediaStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MediaStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ID = Pattern.compile("media_[0-9a-f]{32}");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A stored item. {@code etag} is quoted, as sent in the header. */
    public record Item(String id, Path file, String mimeType, long size, String etag, long createdAt, long expiresAt) {
    }

    private final Path dir;
    private final Duration retention;
    private final Clock clock;
    private final ScheduledExecutorService io;

    private MediaStore(Path dir, Duration retention, Clock clock) {
        this.dir = dir;
        this.retention = retention;
        this.clock = clock;
        this.io = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "junction-media-io");
            t.setDaemon(true);
            return t;
        });
    }

    /** Creates the directory if needed and starts the expiry sweep. */
    public static MediaStore open(Path dir, Duration retention, Clock clock) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the media directory " + dir, e);
        }
        MediaStore s = new MediaStore(dir, retention, clock);
        long every = Math.max(1, Math.min(retention.toSeconds() / 4, 600));
        s.io.scheduleWithFixedDelay(s::sweep, 0, every, TimeUnit.SECONDS);
        return s;
    }

    public Path dir() {
        return dir;
    }

    public Duration retention() {
        return retention;
    }

    /** The executor that runs file work; callers that must touch stored files use it too. */
    public ExecutorService executor() {
        return io;
    }

    public static boolean isId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    /**
     * Decodes {@code base64} (standard alphabet; the caller hands over a retained buffer, released
     * here) into a new item of {@code mimeType}.
     */
    public CompletableFuture<Item> storeBase64(ByteBuf base64, String mimeType) {
        return CompletableFuture.supplyAsync(() -> {
            try (InputStream in = Base64.getMimeDecoder().wrap(new ByteBufInputStream(base64, false))) {
                return write(mimeType, in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                base64.release();
            }
        }, io);
    }

    /** Stores raw bytes (the caller hands over a retained buffer, released here). */
    public CompletableFuture<Item> storeBytes(ByteBuf bytes, String mimeType) {
        return CompletableFuture.supplyAsync(() -> {
            try (InputStream in = new ByteBufInputStream(bytes, false)) {
                return write(mimeType, in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                bytes.release();
            }
        }, io);
    }

    /** Starts a streamed write: chunks are appended in order on the store's thread. */
    public Writer writer(String mimeType) {
        return new Writer(mimeType);
    }

    /** The item, or null when unknown, expired or malformed. Blocking: call on {@link #executor()}. */
    public Item find(String id) {
        if (!isId(id)) {
            return null;
        }
        Path meta = dir.resolve(id + ".json");
        Path file = dir.resolve(id);
        try {
            ObjectNode m = (ObjectNode) JSON.readTree(meta.toFile());
            long expires = m.path("expires_at").asLong();
            if (expires <= clock.millis() / 1000) {
                delete(id);
                return null;
            }
            long size = Files.size(file);
            return new Item(id, file, m.path("mime_type").asText("application/octet-stream"), size,
                    m.path("etag").asText(), m.path("created_at").asLong(), expires);
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            LOG.warn("media item {} is unreadable: {}", id, e.toString());
            return null;
        }
    }

    /** Looks an item up on the store's thread. */
    public CompletableFuture<Item> lookup(String id) {
        return CompletableFuture.supplyAsync(() -> find(id), io);
    }

    /** Deletes an item (no-op when absent). Blocking: call on {@link #executor()}, or use {@link #remove}. */
    public void delete(String id) {
        if (!isId(id)) {
            return;
        }
        try {
            Files.deleteIfExists(dir.resolve(id + ".json"));
            Files.deleteIfExists(dir.resolve(id));
        } catch (IOException e) {
            LOG.warn("could not delete media item {}: {}", id, e.toString());
        }
    }

    public CompletableFuture<Void> remove(String id) {
        return CompletableFuture.runAsync(() -> delete(id), io);
    }

    /** Deletes expired items and stale partial files; runs on the store's thread. */
    void sweep() {
        long now = clock.millis() / 1000;
        int removed = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "media_*")) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.endsWith(".json")) {
                    String id = name.substring(0, name.length() - 5);
                    try {
                        long expires = JSON.readTree(p.toFile()).path("expires_at").asLong();
                        if (expires <= now) {
                            delete(id);
                            removed++;
                        }
                    } catch (IOException | RuntimeException e) {
                        LOG.warn("media sidecar {} unreadable: {}", p, e.toString());
                    }
                } else if (name.endsWith(".part")
                        && Files.getLastModifiedTime(p).toMillis() < clock.millis() - retention.toMillis()) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("media sweep of {} failed: {}", dir, e.toString());
        }
        if (removed > 0) {
            LOG.info("media: {} expired items deleted", removed);
        }
    }

    private Item write(String mimeType, InputStream in) throws IOException {
        Writer w = new Writer(mimeType);
        try {
            byte[] chunk = new byte[64 * 1024];
            int n;
            while ((n = in.read(chunk)) > 0) {
                w.append(ByteBuffer.wrap(chunk, 0, n));
            }
            return w.finish();
        } catch (IOException | RuntimeException e) {
            w.discard();
            throw e;
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String newId() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return "media_" + HexFormat.of().formatHex(b);
    }

    @Override
    public void close() {
        io.shutdown();
        try {
            io.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One item being written. {@link #write}, {@link #commit} and {@link #abort} may be called from
     * any thread (an event loop reading a download); each runs on the store's thread in call order.
     */
    public final class Writer {
        private final String id = newId();
        private final String mimeType;
        private final Path part = dir.resolve(id + ".part");
        private final MessageDigest digest = sha256();
        private FileChannel channel;
        private long size;
        private boolean done;

        private Writer(String mimeType) {
            this.mimeType = mimeType;
        }

        public String id() {
            return id;
        }

        /** Appends {@code chunk} (ownership passes here; released once written). */
        public CompletableFuture<Void> write(ByteBuf chunk) {
            return CompletableFuture.runAsync(() -> {
                try {
                    for (ByteBuffer b : chunk.nioBuffers()) {
                        append(b);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } finally {
                    chunk.release();
                }
            }, io);
        }

        /** Completes the item and makes it visible. */
        public CompletableFuture<Item> commit() {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return finish();
                } catch (IOException e) {
                    discard();
                    throw new UncheckedIOException(e);
                }
            }, io);
        }

        /** Drops what was written. */
        public CompletableFuture<Void> abort() {
            return CompletableFuture.runAsync(this::discard, io);
        }

        void append(ByteBuffer b) throws IOException {
            if (done) {
                throw new IllegalStateException("media item " + id + " already finished");
            }
            if (channel == null) {
                channel = FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            }
            digest.update(b.duplicate());
            while (b.hasRemaining()) {
                size += channel.write(b);
            }
        }

        Item finish() throws IOException {
            if (channel == null) {
                channel = FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            }
            channel.force(false);
            channel.close();
            done = true;
            long now = clock.millis() / 1000;
            long expires = now + Math.max(1, retention.toSeconds());
            String etag = "\"" + HexFormat.of().formatHex(digest.digest(), 0, 16) + "\"";
            ObjectNode m = JSON.createObjectNode();
            m.put("mime_type", mimeType);
            m.put("size", size);
            m.put("etag", etag);
            m.put("created_at", now);
            m.put("expires_at", expires);
            Path target = dir.resolve(id);
            move(part, target);
            Path metaPart = dir.resolve(id + ".json.part");
            try (OutputStream out = Files.newOutputStream(metaPart)) {
                JSON.writeValue(out, m);
            }
            move(metaPart, dir.resolve(id + ".json"));
            return new Item(id, target, mimeType, size, etag, now, expires);
        }

        void discard() {
            done = true;
            try {
                if (channel != null) {
                    channel.close();
                }
                Files.deleteIfExists(part);
            } catch (IOException e) {
                LOG.warn("could not delete partial media {}: {}", part, e.toString());
            }
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
