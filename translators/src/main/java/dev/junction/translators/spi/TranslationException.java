package dev.junction.translators.spi;

import dev.junction.stream.GatewayError;

/** A request or response that cannot be translated; carries the error the client gets. */
public final class TranslationException extends RuntimeException {

    private final transient GatewayError error;

    public TranslationException(GatewayError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public GatewayError error() {
        return error;
    }
}
