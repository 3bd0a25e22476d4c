package dev.junction.core.config;

import java.time.Duration;

/**
 * Upstream timeouts (SPEC §2): TCP/TLS connect, first response byte, silence between stream
 * chunks, and the whole attempt.
 */
public record Timeouts(Duration connect, Duration firstByte, Duration idleBetweenChunks, Duration total) {

    /** This, with every field the other sets replacing ours (deployment overrides provider). */
    public Timeouts overriddenBy(Timeouts o) {
        if (o == null) {
            return this;
        }
        return new Timeouts(o.connect != null ? o.connect : connect, o.firstByte != null ? o.firstByte : firstByte,
                o.idleBetweenChunks != null ? o.idleBetweenChunks : idleBetweenChunks,
                o.total != null ? o.total : total);
    }
}
