package dev.junction.translators.openai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Shared Jackson mappers. One mapper per distinct {@link JsonLimits} (there are only ever a few:
 * the configured ones), so Jackson's own {@link StreamReadConstraints} enforce depth and string
 * length while parsing instead of after materialising the tree.
 */
final class Json {

    static final ObjectMapper PLAIN = new ObjectMapper();

    private static final ConcurrentHashMap<JsonLimits, ObjectMapper> LIMITED = new ConcurrentHashMap<>();

    private Json() {
    }

    static ObjectMapper mapper(JsonLimits limits) {
        // Nearly every request uses the server's one JsonLimits: answer it without hashing the record.
        Limited last = lastLimited;
        if (last != null && last.limits == limits) {
            return last.mapper;
        }
        ObjectMapper m = LIMITED.computeIfAbsent(limits, l -> new ObjectMapper(JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(l.maxDepth())
                        .maxStringLength(l.maxStringLength())
                        .build())
                .build()));
        lastLimited = new Limited(limits, m);
        return m;
    }

    private record Limited(JsonLimits limits, ObjectMapper mapper) {
    }

    /** The limits last asked for and their mapper (a benign race: any thread's last pair is right). */
    private static volatile Limited lastLimited;
}
