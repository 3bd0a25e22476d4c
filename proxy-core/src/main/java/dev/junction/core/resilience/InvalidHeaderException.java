package dev.junction.core.resilience;

import dev.junction.stream.GatewayError;

/** A Junction request header with an unusable value; carries the 400 the client gets. */
public final class InvalidHeaderException extends RuntimeException {

    private final transient GatewayError error;

    public InvalidHeaderException(GatewayError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public GatewayError error() {
        return error;
    }
}
