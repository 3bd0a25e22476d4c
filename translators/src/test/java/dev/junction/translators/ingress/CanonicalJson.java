package dev.junction.translators.ingress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.junction.translators.model.ByteSpan;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.Map;

/**
 * A canonical value (request, message, part, ...) as JSON, for golden files that pin what an ingress
 * decoder produced: records become objects of their components (nulls and empty maps left out), a
 * record that implements a sealed interface gets {@code "kind": "<record name>"}, a {@link ByteSpan}
 * becomes {@code {"span": "<its bytes>"}} so a golden file also proves the media stayed a span of
 * the body, and {@link JsonNode}s are kept as they are.
 */
public final class CanonicalJson {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private CanonicalJson() {
    }

    public static JsonNode of(Object value) {
        try {
            return JSON.readTree(node(value).toString()); // re-read: number node types as in files
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode node(Object value) {
        if (value == null) {
            return F.nullNode();
        }
        if (value instanceof JsonNode n) {
            return n;
        }
        if (value instanceof ByteSpan span) {
            return F.objectNode().put("span", span.asString());
        }
        if (value instanceof String s) {
            return F.textNode(s);
        }
        if (value instanceof Integer i) {
            return F.numberNode(i);
        }
        if (value instanceof Long l) {
            return F.numberNode(l);
        }
        if (value instanceof Double d) {
            return F.numberNode(d);
        }
        if (value instanceof Boolean b) {
            return F.booleanNode(b);
        }
        if (value instanceof Collection<?> c) {
            ArrayNode a = F.arrayNode();
            c.forEach(v -> a.add(node(v)));
            return a;
        }
        if (value instanceof Map<?, ?> m) {
            ObjectNode o = F.objectNode();
            m.forEach((k, v) -> o.set(String.valueOf(k), node(v)));
            return o;
        }
        if (value instanceof Record r) {
            ObjectNode o = F.objectNode();
            for (Class<?> i : r.getClass().getInterfaces()) {
                if (i.isSealed()) {
                    o.put("kind", r.getClass().getSimpleName());
                }
            }
            for (RecordComponent c : r.getClass().getRecordComponents()) {
                Object v;
                try {
                    v = c.getAccessor().invoke(r);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
                if (v == null || (v instanceof Map<?, ?> m && m.isEmpty())) {
                    continue;
                }
                o.set(c.getName(), node(v));
            }
            return o;
        }
        if (value instanceof Enum<?> e) {
            return F.textNode(e.name());
        }
        return F.textNode(String.valueOf(value));
    }
}
