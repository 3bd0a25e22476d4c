package dev.junction.core.server;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Request ids keep their form: {@code req_} and two 16-digit hex numbers with their top bit set. */
class GatewayHandlerIdTest {

    private static final Pattern FORM = Pattern.compile("req_[89a-f][0-9a-f]{15}[89a-f][0-9a-f]{15}");

    @Test
    void idsHaveTheFormAndDoNotRepeat() {
        byte[] scratch = new byte[36];
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = GatewayHandler.newRequestId(scratch);
            assertTrue(FORM.matcher(id).matches(), id);
            seen.add(id);
        }
        assertEquals(10_000, seen.size());
    }
}
