package dev.junction.core.config;

import java.time.Duration;

/**
 * {@code junction.server}: listener and client-side limits (SPEC §1, §9).
 *
 * @param maxRequestBytes   largest request body; larger is a 413 {@code request_too_large}
 * @param maxHeaderBytes    largest header block
 * @param maxJsonDepth      deepest JSON nesting accepted in a request body
 * @param maxStringLength   longest JSON string accepted (base64 media counts)
 * @param idleTimeout       a keep-alive connection with no traffic is closed after this
 * @param requestReadTimeout a client must deliver its whole request within this (slow clients)
 * @param ioThreads         event-loop threads (0 = one per available processor)
 * @param publicUrl         the base of URLs Junction hands out (image {@code url} answers), without a
 *                          trailing slash; null to use the request's {@code Host}
 */
public record ServerConfig(String host, int port, long maxRequestBytes, int maxHeaderBytes,
                           int maxJsonDepth, int maxStringLength, Duration idleTimeout,
                           Duration requestReadTimeout, int ioThreads, String publicUrl) {

    public ServerConfig(String host, int port, long maxRequestBytes, int maxHeaderBytes, int maxJsonDepth,
                        int maxStringLength, Duration idleTimeout, Duration requestReadTimeout, int ioThreads) {
        this(host, port, maxRequestBytes, maxHeaderBytes, maxJsonDepth, maxStringLength, idleTimeout,
                requestReadTimeout, ioThreads, null);
    }
}
