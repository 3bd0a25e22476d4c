package dev.junction.translators.spi;

import dev.junction.stream.GatewayError;
import dev.junction.translators.model.ImagesRequest;
import dev.junction.translators.model.ImagesResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * What a vendor implements to serve {@code POST /v1/images/generations} (wire-formats §1.9, §3):
 * pure functions over bytes, like {@link VendorAdapter}, re-run for every attempt.
 */
public interface ImageGenerator {

    /**
     * How many vendor calls one client request needs: the client's {@code n} when the vendor makes
     * one image per call, else 1 (then {@link #request} asks for all of them).
     */
    default int calls(ImagesRequest request, Target target) {
        return 1;
    }

    /**
     * Builds the vendor request for one call; throws {@link TranslationException} for a field or a
     * combination the vendor cannot honour ({@code invalid_value} / {@code unsupported_capability}
     * naming it), or records a dropped field in {@code warnings} when the target's {@code unsupported}
     * option is {@code drop}.
     */
    UpstreamRequest request(ImagesRequest request, Target target, ByteBufAllocator alloc, Warnings warnings);

    /**
     * Reads a successful vendor answer; the returned spans point into {@code body}. A prompt or
     * result the vendor filtered out completely is a {@link TranslationException} with code
     * {@code content_filter} (SPEC §4).
     */
    ImagesResponse response(ImagesRequest request, Target target, ByteBuf body);

    /** Maps a vendor error answer to SPEC §4. */
    GatewayError error(Target target, int status, HttpHeaders headers, ByteBuf body);
}
