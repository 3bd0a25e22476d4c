package dev.junction.core.http;

import io.netty.util.AsciiString;

/**
 * Where the headers of an answer written in wire form go ({@link EncodedResponse.Builder} for a
 * JSON answer, {@link EncodedStream.Builder} for a stream's head), so that the code that decides
 * an answer's headers writes them once for both.
 */
public interface HeadWriter {

    /**
     * Adds {@code name: value}. {@code name} is a lower-case header name constant of the code; a
     * value with a character outside visible ASCII, space and tab makes the answer fall back to a
     * header map.
     */
    HeadWriter header(AsciiString name, CharSequence value);

    /** Refuses the wire form for this answer (something to send that this form does not carry). */
    HeadWriter refuse();
}
