package dev.junction.bench;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.core.cache.CachePlan;
import dev.junction.core.config.AliasConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The response cache's plan for one request (docs/cache.md "The key"), which every request of an
 * alias that caches pays, hit or miss: {@code plan} is {@link CachePlan#of} as it is now (the
 * normalized body written from the request's bytes), {@code treeBefore} the way the key was made
 * until 2026-12-03, kept here to compare in one process (a Jackson tree of the body, its facts read
 * from the tree, the normalized form written by a generator into a fresh SHA-256). {@code body}:
 * the request of {@code benchmarks/run-cache-hit.sh} (json), and a longer chat with tools.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar CacheKeyBenchmark -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CacheKeyBenchmark {

    static final String HIT = "{\"model\":\"cached\",\"temperature\":0,\"messages\":[{\"role\":\"system\",\"content\":"
            + "\"You are terse.\"},{\"role\":\"user\",\"content\":\"Say hello in one short sentence.\"}]}";
    static final String TOOLS = "{\"model\":\"cached\",\"temperature\":0,\"stream\":true,\"stream_options\":"
            + "{\"include_usage\":true},\"max_tokens\":512,\"tools\":[{\"type\":\"function\",\"function\":{\"name\":"
            + "\"get_weather\",\"description\":\"Current weather for a city\",\"parameters\":{\"type\":\"object\","
            + "\"properties\":{\"city\":{\"type\":\"string\"},\"unit\":{\"type\":\"string\",\"enum\":[\"c\",\"f\"]}},"
            + "\"required\":[\"city\"]}}}],\"messages\":[{\"role\":\"system\",\"content\":\"You are a helpful assistant."
            + " Answer briefly and use the tools when asked about the weather.\"},{\"role\":\"user\",\"content\":"
            + "\"What is the weather in Paris today, and should I take an umbrella?\"},{\"role\":\"assistant\","
            + "\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":"
            + "\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},{\"role\":\"tool\",\"tool_call_id\":"
            + "\"call_1\",\"content\":\"18C, light rain\"}]}";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AliasConfig.CacheConfig CONFIG = new AliasConfig.CacheConfig(Duration.ofHours(1), 1000, false);

    @Param({"hit", "tools"})
    public String body;

    ByteBuf buf;

    @Setup
    public void setUp() {
        buf = OpenAiCodecBenchmark.direct((body.equals("hit") ? HIT : TOOLS).getBytes(StandardCharsets.UTF_8));
    }

    @TearDown
    public void tearDown() {
        buf.release();
    }

    @Benchmark
    public Object plan() {
        return CachePlan.of("cached", "chat", "/v1/chat/completions", CONFIG, "key:app", "sim/gpt-4o-mini,", buf, null,
                true);
    }

    @Benchmark
    public Object treeBefore() throws Exception {
        JsonNode root = JSON.readTree((java.io.InputStream) new ByteBufInputStream(buf.duplicate()));
        boolean stream = root.path("stream").asBoolean(false);
        boolean includeUsage = root.path("stream_options").path("include_usage").asBoolean(false);
        JsonNode n = root.get("n");
        JsonNode t = root.get("temperature");
        if ((n != null && n.isNumber() && n.asLong() > 1) || t == null || !t.isNumber() || t.decimalValue().signum() > 0) {
            return null;
        }
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (String part : new String[] {"junction-cache-1", "chat /v1/chat/completions", "cached", "key:app",
            "sim/gpt-4o-mini,"}) {
            sha.update(part.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
        }
        try (JsonGenerator g = JSON.getFactory().createGenerator(new OutputStream() {
            @Override
            public void write(int b) {
                sha.update((byte) b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                sha.update(b, off, len);
            }
        })) {
            writeCanonical(g, root, true);
        }
        return HexFormat.of().formatHex(sha.digest()) + stream + includeUsage;
    }

    private static void writeCanonical(JsonGenerator g, JsonNode n, boolean top) throws IOException {
        switch (n.getNodeType()) {
            case OBJECT -> {
                List<String> names = new ArrayList<>(n.size());
                for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                    names.add(it.next());
                }
                Collections.sort(names);
                g.writeStartObject();
                for (String name : names) {
                    if (top && (name.equals("stream") || name.equals("stream_options"))) {
                        continue;
                    }
                    g.writeFieldName(name);
                    writeCanonical(g, n.get(name), false);
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray();
                for (JsonNode item : n) {
                    writeCanonical(g, item, false);
                }
                g.writeEndArray();
            }
            case NUMBER -> {
                BigDecimal d = n.decimalValue();
                g.writeNumber(d.signum() == 0 ? "0" : d.stripTrailingZeros().toString());
            }
            default -> g.writeTree(n);
        }
    }
}
