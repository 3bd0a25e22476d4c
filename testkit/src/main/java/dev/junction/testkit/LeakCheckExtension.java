package dev.junction.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;

/**
 * Fails a test class when Netty reported a leaked buffer while it ran.
 *
 * <p>Registered for every test through {@code META-INF/services} and JUnit's extension
 * auto-detection (switched on in the parent pom). Netty only notices a leak when a collected
 * buffer's phantom reference is polled, which happens on the next tracked allocation; so after
 * the class we collect garbage and allocate a few tracked buffers before looking.
 */
public final class LeakCheckExtension implements AfterAllCallback {

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        List<String> leaks = collect();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " ByteBuf leak(s) reported by Netty during "
                    + context.getDisplayName() + ":\n" + String.join("\n\n", leaks));
        }
    }

    /** Forces leak detection to run and returns what it found. */
    public static List<String> collect() throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(25);
            touch();
        }
        return RecordingLeakDetector.drain();
    }

    private static void touch() {
        for (int i = 0; i < 8; i++) {
            ByteBuf a = PooledByteBufAllocator.DEFAULT.buffer(16);
            a.release();
            ByteBuf b = UnpooledByteBufAllocator.DEFAULT.directBuffer(16);
            b.release();
            ByteBuf c = UnpooledByteBufAllocator.DEFAULT.heapBuffer(16);
            c.release();
        }
    }
}
