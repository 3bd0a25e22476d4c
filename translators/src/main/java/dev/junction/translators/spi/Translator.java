package dev.junction.translators.spi;

import dev.junction.stream.GatewayError;
import dev.junction.stream.Usage;
import dev.junction.translators.stream.StreamProcessor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.List;
import java.util.function.Predicate;

/**
 * Everything an attempt needs from its vendor, for one client request on one route (as Envoy AI
 * Gateway's per-request {@code Translator}): build the upstream request, read a unary answer, make
 * the stream processor, map an error answer to SPEC §4. Opened once per request and route by
 * {@link Vendor#translator}; each attempt builds its request afresh from the untouched original
 * (DESIGN request flow step 3). Driven from the request's event loop; not thread-safe.
 */
public interface Translator {

    /**
     * How many upstream calls one attempt makes: the client's {@code n} when the vendor cannot
     * answer several choices in one call (SPEC §3 fan-out), else 1. Each call is built by
     * {@link #request} and asks for one choice. Throws {@link TranslationException}.
     */
    int calls();

    /**
     * The vendor request for one call of an attempt; its body is owned by the caller. Throws
     * {@link TranslationException} for what the vendor cannot honour; what it drops is reported
     * in {@code warnings}.
     */
    UpstreamRequest request(ByteBufAllocator alloc, Warnings warnings);

    /**
     * The client's body for a successful (2xx) unary answer ({@code body} not consumed; the result
     * is owned by the caller); {@link #usage()} then gives its usage. Throws
     * {@link TranslationException} when the answer cannot be read or is a failure in disguise.
     */
    ByteBuf answer(ByteBuf body, ByteBufAllocator alloc);

    /**
     * The client's body merging the successful unary answers of a fanned-out attempt, choice
     * {@code i} from {@code bodies[i]}, usage summed ({@code bodies} not consumed). Only called
     * when {@link #calls()} is more than 1. Throws {@link TranslationException}.
     */
    default ByteBuf answers(List<ByteBuf> bodies, ByteBufAllocator alloc) {
        throw new UnsupportedOperationException("this vendor answers in one call");
    }

    /** The usage of the last answer read (null when it had none). */
    Usage usage();

    /** A fresh processor for one streamed answer (every call of a fanned-out attempt together). */
    StreamProcessor streamProcessor();

    /** Maps a vendor error answer (any non-2xx) to SPEC §4; {@code headers} and {@code body} may be null. */
    GatewayError error(int status, HttpHeaders headers, ByteBuf body);

    /**
     * Which media URLs the vendor fetches itself; the proxy fetches the others (SSRF-checked) and
     * inlines them into the canonical request before {@link #request}. Null when the translator
     * carries the client's bytes and nothing is inlined.
     */
    default Predicate<String> fetchesMediaUrl() {
        return null;
    }
}
