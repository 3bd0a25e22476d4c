package dev.junction.core.tasks;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The stored form of a {@link Task}: one JSON document (bodies as base64). The lease and the
 * version are kept beside the document by the stores, so that renewing a lease does not rewrite it.
 */
final class TaskCodec {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private TaskCodec() {
    }

    static byte[] encode(Task t) {
        try {
            return MAPPER.writeValueAsBytes(t.withLease(null, 0).withVersion(0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Task decode(byte[] doc, String leaseOwner, long leaseUntil, long version) {
        try {
            return MAPPER.readValue(doc, Task.class).withLease(leaseOwner, leaseUntil).withVersion(version);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable stored task", e);
        }
    }
}
