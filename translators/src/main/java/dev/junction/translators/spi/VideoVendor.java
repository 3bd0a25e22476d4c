package dev.junction.translators.spi;

import dev.junction.stream.GatewayError;
import dev.junction.translators.model.VideoRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.List;
import java.util.Map;

/**
 * What an asynchronous video vendor implements (wire-formats §7): pure functions building each
 * call of a job's life (create, poll, cancel, download) and reading each answer. The task engine
 * makes the calls and keeps the job's id between them.
 */
public interface VideoVendor {

    /**
     * The create call. {@code seconds} and {@code size} are translated to the vendor's fields; a
     * value or combination the vendor cannot honour is a {@link TranslationException} (400
     * {@code invalid_value} naming it and the values the vendor offers).
     */
    UpstreamRequest create(VideoRequest request, Target target, ByteBufAllocator alloc);

    /** The vendor's job id (or operation name) from a successful create answer. */
    String jobId(ByteBuf answer);

    /** The status call for {@code jobId}. */
    UpstreamRequest poll(String jobId, Target target, ByteBufAllocator alloc);

    /** Reads a successful status answer. */
    VideoStatus status(ByteBuf answer);

    /** The cancel call, or null when the vendor cannot cancel a job. */
    UpstreamRequest cancel(String jobId, Target target, ByteBufAllocator alloc);

    /**
     * Where a finished job's file is fetched: {@code variant} {@code video} or {@code thumbnail};
     * null when the vendor has no such variant.
     */
    Download download(String jobId, VideoStatus.Done done, String variant, Target target);

    /**
     * The length and size of the video a request makes: what it asked for, else the vendor's
     * default, as the vendor reports it in {@code createAnswer} where it does (null before the job
     * is submitted). Answered to the client and used for pricing ({@code per-second}).
     */
    Shape shape(VideoRequest request, ByteBuf createAnswer);

    /** OpenAI's {@code seconds} and {@code size} strings of a video. */
    record Shape(String seconds, String size) {
        /** Whole seconds, for pricing; 0 when not a number. */
        public int wholeSeconds() {
            try {
                return seconds == null ? 0 : Integer.parseInt(seconds.trim());
            } catch (NumberFormatException e) {
                return 0;
            }
        }
    }

    /** Maps a vendor error answer to SPEC §4. */
    GatewayError error(int status, HttpHeaders headers, ByteBuf body);

    /**
     * A file to fetch: {@code url} is absolute, or a path (with query) relative to the provider's
     * base URL when it starts with {@code /}; {@code headers} carry the vendor key where the vendor
     * needs it (only ever sent to the provider's own origin).
     */
    record Download(String url, List<Map.Entry<String, String>> headers, String mimeType) {
        public Download {
            headers = List.copyOf(headers);
        }

        public boolean relative() {
            return url.startsWith("/");
        }
    }
}
