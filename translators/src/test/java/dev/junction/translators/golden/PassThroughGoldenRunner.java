package dev.junction.translators.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.junction.stream.GatewayError;
import dev.junction.testkit.OpenAiSchema;
import dev.junction.translators.VendorRegistry;
import dev.junction.translators.passthrough.OpenAiRequestScanner;
import dev.junction.translators.passthrough.PassThroughVendor;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Golden files of an OpenAI-shaped (pass-through) provider type, {@code golden/<type>/<scenario>/},
 * with the file names of {@link GoldenRunner} where the check is the same. Pass-through vendors are
 * carried as bytes rather than through the canonical model, so the checks call
 * {@link PassThroughVendor} directly; {@code target.json}'s {@code options} select e.g. the server
 * {@code dialect}. All JSON is compared as Jackson trees.
 *
 * <table>
 *   <tr><th>input</th><th>expected</th><th>what runs</th></tr>
 *   <tr><td>{@code openai-request.json}</td><td>{@code vendor-request.json}</td>
 *       <td>{@code OpenAiRequestScanner}, then {@link PassThroughVendor#chatRequest} (the upstream body;
 *       with {@code warnings.json}, what the dialect dropped, else none)</td></tr>
 *   <tr><td>{@code openai-request.json}</td><td>{@code request-error.json}</td>
 *       <td>the request is refused: the OpenAI error body plus {@code "status"}</td></tr>
 *   <tr><td>{@code vendor-response.json}</td><td>{@code openai-response.json}</td>
 *       <td>{@link PassThroughVendor#chatResponse}; also validated against OpenAI's schema</td></tr>
 *   <tr><td>{@code vendor-response.json}</td><td>{@code response-error.json}</td>
 *       <td>the answer is refused as a failure: the OpenAI error body plus {@code "status"} and the flags</td></tr>
 *   <tr><td>{@code vendor-error.json} + {@code vendor-error-status.txt}</td>
 *       <td>{@code openai-error.json} + {@code openai-error-status.txt} (+ {@code error-flags.json})</td>
 *       <td>{@link PassThroughVendor#error(Target, int, io.netty.handler.codec.http.HttpHeaders, ByteBuf)}</td></tr>
 * </table>
 */
public final class PassThroughGoldenRunner {

    private static final OpenAiRequestScanner SCANNER = new OpenAiRequestScanner(64, 50_000_000);

    private final String type;
    private final PassThroughVendor vendor;

    public PassThroughGoldenRunner(String type) {
        this.type = type;
        this.vendor = VendorRegistry.passThrough(type);
        if (vendor == null) {
            throw new IllegalArgumentException(type + " is not a pass-through type");
        }
    }

    public Stream<DynamicNode> scenarios() {
        URL url = PassThroughGoldenRunner.class.getClassLoader().getResource("golden/" + type);
        if (url == null) {
            throw new AssertionError("no golden/" + type + " directory on the test classpath");
        }
        List<Path> dirs;
        try (Stream<Path> list = Files.list(Paths.get(url.toURI()))) {
            dirs = list.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (dirs.isEmpty()) {
            fail("no golden scenarios under golden/" + type);
        }
        return dirs.stream().map(this::scenario);
    }

    private DynamicContainer scenario(Path dir) {
        List<DynamicTest> tests = new ArrayList<>();
        if (exists(dir, "openai-request.json") && exists(dir, "vendor-request.json")) {
            tests.add(DynamicTest.dynamicTest("request", () -> checkRequest(dir)));
        }
        if (exists(dir, "openai-request.json") && exists(dir, "request-error.json")) {
            tests.add(DynamicTest.dynamicTest("request refused", () -> checkRequestError(dir)));
        }
        if (exists(dir, "vendor-response.json") && exists(dir, "openai-response.json")) {
            tests.add(DynamicTest.dynamicTest("response", () -> checkResponse(dir)));
        }
        if (exists(dir, "vendor-response.json") && exists(dir, "response-error.json")) {
            tests.add(DynamicTest.dynamicTest("response refused", () -> checkResponseError(dir)));
        }
        if (exists(dir, "vendor-error.json")) {
            tests.add(DynamicTest.dynamicTest("error", () -> checkError(dir)));
        }
        if (tests.isEmpty()) {
            tests.add(DynamicTest.dynamicTest("has files", () -> fail("scenario " + dir.getFileName()
                    + " has no input/expected pair")));
        }
        return DynamicContainer.dynamicContainer(dir.getFileName().toString(), dir.toUri(), tests.stream());
    }

    private void checkRequest(Path dir) throws IOException {
        ByteBuf body = readBuf(dir, "openai-request.json");
        try {
            Warnings warnings = new Warnings();
            UpstreamRequest up = vendor.chatRequest(body, SCANNER.scan(body), target(dir), PooledByteBufAllocator.DEFAULT,
                    warnings);
            JsonNode actual;
            try {
                actual = GoldenRunner.JSON.readTree(up.body().toString(StandardCharsets.UTF_8));
            } finally {
                up.body().release();
            }
            assertEquals(readJson(dir, "vendor-request.json"), actual, "vendor request body of " + dir.getFileName()
                    + "\nactual: " + actual.toPrettyString());
            List<String> expectedWarnings = new ArrayList<>();
            if (exists(dir, "warnings.json")) {
                readJson(dir, "warnings.json").forEach(w -> expectedWarnings.add(w.asText()));
            }
            assertEquals(expectedWarnings, warnings.list(), "warnings");
        } finally {
            body.release();
        }
    }

    private void checkRequestError(Path dir) throws IOException {
        ByteBuf body = readBuf(dir, "openai-request.json");
        GatewayError error;
        try {
            UpstreamRequest up = vendor.chatRequest(body, SCANNER.scan(body), target(dir), PooledByteBufAllocator.DEFAULT,
                    new Warnings());
            up.body().release();
            throw new AssertionError("expected the request of " + dir.getFileName() + " to be refused");
        } catch (TranslationException e) {
            error = e.error();
        } finally {
            body.release();
        }
        ObjectNode actual = GoldenRunner.errorBody(error);
        OpenAiSchema.assertValid("ErrorResponse", actual);
        actual.put("status", error.status());
        assertEquals(readJson(dir, "request-error.json"), GoldenRunner.normalize(actual),
                "refusal\nactual: " + actual.toPrettyString());
    }

    private void checkResponse(Path dir) throws IOException {
        ByteBuf in = readBuf(dir, "vendor-response.json");
        try {
            ByteBuf out = vendor.chatResponse(target(dir), in);
            try {
                JsonNode actual = GoldenRunner.JSON.readTree(out.toString(StandardCharsets.UTF_8));
                OpenAiSchema.assertValid("CreateChatCompletionResponse", actual);
                assertEquals(readJson(dir, "openai-response.json"), actual, "answer\nactual: " + actual.toPrettyString());
            } finally {
                out.release();
            }
        } finally {
            in.release();
        }
    }

    private void checkResponseError(Path dir) throws IOException {
        ByteBuf in = readBuf(dir, "vendor-response.json");
        GatewayError error;
        try {
            ByteBuf out = vendor.chatResponse(target(dir), in);
            out.release();
            throw new AssertionError("expected the answer of " + dir.getFileName() + " to be refused");
        } catch (TranslationException e) {
            error = e.error();
        } finally {
            in.release();
        }
        ObjectNode actual = GoldenRunner.errorBody(error);
        actual.put("status", error.status());
        actual.set("flags", flags(error));
        assertEquals(readJson(dir, "response-error.json"), GoldenRunner.normalize(actual),
                "refusal\nactual: " + actual.toPrettyString());
    }

    private void checkError(Path dir) throws IOException {
        int status = Integer.parseInt(Files.readString(dir.resolve("vendor-error-status.txt")).trim());
        ByteBuf body = readBuf(dir, "vendor-error.json");
        GatewayError error;
        try {
            error = vendor.error(target(dir), status, new DefaultHttpHeaders(), body);
        } finally {
            body.release();
        }
        ObjectNode actual = GoldenRunner.errorBody(error);
        OpenAiSchema.assertValid("ErrorResponse", actual);
        assertEquals(readJson(dir, "openai-error.json"), actual, "error body\nactual: " + actual.toPrettyString());
        assertEquals(Integer.parseInt(Files.readString(dir.resolve("openai-error-status.txt")).trim()), error.status(),
                "client status");
        if (exists(dir, "error-flags.json")) {
            assertEquals(readJson(dir, "error-flags.json"), GoldenRunner.normalize(flags(error)), "error flags");
        }
        assertFalse(error.message().contains(target(dir).apiKey()), "the message must never carry a key");
    }

    private static ObjectNode flags(GatewayError error) {
        ObjectNode flags = GoldenRunner.JSON.createObjectNode();
        flags.put("retryable", error.retryable());
        flags.put("failover", error.failover());
        flags.put("clientRetryable", error.clientRetryable());
        if (error.retryAfter() != null) {
            flags.put("retryAfterMillis", error.retryAfter().toMillis());
        }
        return flags;
    }

    private Target target(Path dir) throws IOException {
        String model = "vendor-model";
        Map<String, String> options = new HashMap<>();
        if (exists(dir, "target.json")) {
            JsonNode t = readJson(dir, "target.json");
            model = t.path("model").asText(model);
            t.path("options").fields().forEachRemaining(e -> options.put(e.getKey(), e.getValue().asText()));
        }
        return new Target("golden-" + type, type, "https://api.vendor.test/v1", model, "test-vendor-key-0123456789",
                Map.of(), options);
    }

    private static boolean exists(Path dir, String file) {
        return Files.exists(dir.resolve(file));
    }

    private static JsonNode readJson(Path dir, String file) throws IOException {
        return GoldenRunner.JSON.readTree(dir.resolve(file).toFile());
    }

    private static ByteBuf readBuf(Path dir, String file) throws IOException {
        byte[] bytes = Files.readAllBytes(dir.resolve(file));
        return PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes);
    }
}
