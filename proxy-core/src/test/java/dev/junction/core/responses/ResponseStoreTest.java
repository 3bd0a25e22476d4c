package dev.junction.core.responses;

import dev.junction.core.limits.RedisServer;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both response stores (the task store's SQLite file and a real redis-server), through {@link ResponseStates}. */
class ResponseStoreTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static RedisServer redis;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServer.start(dir);
    }

    @AfterAll
    static void stopRedis() throws Exception {
        redis.close();
    }

    static ResponseStore open(String kind) {
        return kind.equals("redis") ? RedisResponseStore.open(redis.uri())
                : new EmbeddedResponseStore(dir.resolve(UUID.randomUUID() + ".db"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "redis"})
    void keptForItsOwnerOnlyUntilDeletedOrExpired(String kind) throws Exception {
        AtomicLong now = new AtomicLong(System.currentTimeMillis());
        try (ResponseStates states = new ResponseStates(open(kind), Duration.ofHours(1), now::get)) {
            String id = "resp_" + UUID.randomUUID().toString().replace("-", "");
            byte[] body = ("{\"model\":\"m\",\"input\":\"Hello\"}").getBytes(StandardCharsets.UTF_8);
            states.keep("app-1", JSON.readTree("{\"id\":\"" + id + "\",\"object\":\"response\",\"output\":[]}"), body);
            StoredResponse r = null;
            for (int i = 0; i < 500 && r == null; i++) {
                r = states.find(id, "app-1").get();
                if (r == null) {
                    Thread.sleep(10);
                }
            }
            assertNotNull(r, "kept");
            assertEquals(id, JSON.readTree(r.response()).get("id").asText());
            assertArrayEquals("[{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Hello\"}]}]"
                    .getBytes(StandardCharsets.UTF_8), r.input());
            assertNull(states.find(id, "app-2").get(), "another key does not see it");
            assertFalse(states.delete(id, "app-2").get(), "nor delete it");
            now.addAndGet(Duration.ofHours(2).toMillis());
            assertNull(states.find(id, "app-1").get(), "expired");
            now.addAndGet(-Duration.ofHours(2).toMillis());
            assertTrue(states.delete(id, "app-1").get());
            assertNull(states.find(id, "app-1").get(), "deleted");
            assertFalse(states.delete(id, "app-1").get());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded"})
    void purgeRemovesExpired(String kind) {
        try (ResponseStore s = open(kind)) {
            s.put(new StoredResponse("a", "o", 0, 100, new byte[] {'{', '}'}, new byte[] {'[', ']'}));
            s.put(new StoredResponse("b", "o", 0, 300, new byte[] {'{', '}'}, new byte[] {'[', ']'}));
            assertEquals(1, s.purge(200));
            assertNull(s.get("a", 0));
            assertNotNull(s.get("b", 0));
        }
    }
}
