package dev.junction.core.http;

import dev.junction.stream.ErrorJson;
import dev.junction.stream.GatewayError;
import dev.junction.translators.ingress.ErrorShape;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

/** Builds Junction's own HTTP answers: JSON bodies and SPEC §4 errors with their headers (SPEC §3). */
public final class HttpResponses {

    public static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
    public static final AsciiString X_SHOULD_RETRY = AsciiString.cached("x-should-retry");
    public static final AsciiString X_PROVIDER = AsciiString.cached("x-junction-provider");
    public static final AsciiString X_MODEL = AsciiString.cached("x-junction-model");
    public static final AsciiString X_ATTEMPTS = AsciiString.cached("x-junction-attempts");
    public static final AsciiString X_WARNINGS = AsciiString.cached("x-junction-warnings");
    public static final AsciiString SERVER_TIMING = AsciiString.cached("server-timing");
    public static final AsciiString X_COST = AsciiString.cached("x-junction-cost-usd");
    public static final AsciiString X_CACHE = AsciiString.cached("x-junction-cache");

    /**
     * Headers of Junction's own answers: every name set on them is a constant of the code, so the
     * names are not checked character by character on each answer; values still are (a request id
     * or a warning may carry what a client sent).
     */
    private static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory().withNameValidation(false);
    private static final AsciiString[] SMALL_COUNTS = new AsciiString[16];

    static {
        for (int i = 0; i < SMALL_COUNTS.length; i++) {
            SMALL_COUNTS[i] = AsciiString.cached(Integer.toString(i));
        }
    }

    private HttpResponses() {
    }

    /** {@code n} as a header value: a shared constant for the small counts answers carry (attempts). */
    public static CharSequence count(int n) {
        return n >= 0 && n < SMALL_COUNTS.length ? SMALL_COUNTS[n] : Integer.toString(n);
    }

    /** A USD amount as a plain decimal string (no exponent), to the nano-dollar: {@code 0.000123}. */
    public static String usd(double v) {
        long n = usdNanos(v);
        if (n < 0) {
            return usdExact(v);
        }
        byte[] b = new byte[NANOS_MAX];
        return new String(b, 0, putNanos(b, 0, n), java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /**
     * {@link #usd}'s amount in nano-dollars, rounded, when it can be had without BigDecimal; else -1
     * (then {@link #usdExact} is the amount).
     */
    static long usdNanos(double v) {
        // The common case without BigDecimal (whose Double.toString was a visible share of every
        // priced answer): below $1000 the product in nano-dollars is off by less than 1e-3 (its
        // rounding error and the decimal form's distance from the double are both below 2.5e-4),
        // so when it is not within a thousandth of a rounding boundary, rounding it gives the
        // digits of rounding the decimal form.
        if (v >= 0 && v < 1e3) {
            double nanos = v * 1e9;
            double floor = Math.floor(nanos);
            if (Math.abs(nanos - floor - 0.5) > 1e-3) {
                return (long) Math.floor(nanos + 0.5);
            }
        }
        return -1;
    }

    /** {@link #usd} by BigDecimal: rounding half up at the ninth decimal of the double's decimal form. */
    static String usdExact(double v) {
        return java.math.BigDecimal.valueOf(v).setScale(9, java.math.RoundingMode.HALF_UP).stripTrailingZeros()
                .toPlainString();
    }

    /** Most bytes {@link #putNanos} writes (a long's digits, the point, nine decimals). */
    static final int NANOS_MAX = 32;

    /**
     * Writes {@code n >= 0} nano-dollars as a plain decimal of dollars without trailing zeros
     * ({@code 1500} → {@code 0.0000015}) at {@code b[p]}, in ASCII; returns the position after it.
     */
    static int putNanos(byte[] b, int p, long n) {
        long whole = n / 1_000_000_000L;
        int frac = (int) (n % 1_000_000_000L);
        p = putDigits(b, p, whole);
        if (frac == 0) {
            return p;
        }
        int digits = 9;
        while (frac % 10 == 0) {
            frac /= 10;
            digits--;
        }
        b[p++] = '.';
        for (int i = p + digits - 1; i >= p; i--) {
            b[i] = (byte) ('0' + frac % 10);
            frac /= 10;
        }
        return p + digits;
    }

    private static int putDigits(byte[] b, int p, long v) {
        int start = p;
        do {
            b[p++] = (byte) ('0' + (int) (v % 10));
            v /= 10;
        } while (v != 0);
        for (int i = start, j = p - 1; i < j; i++, j--) {
            byte t = b[i];
            b[i] = b[j];
            b[j] = t;
        }
        return p;
    }

    public static FullHttpResponse json(HttpResponseStatus status, ByteBuf body) {
        // No trailers on an answer with a Content-Length, so the
        // empty constant rather than a second header map per answer.
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body, HEADERS.newHeaders(),
                EmptyHttpHeaders.INSTANCE);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return r;
    }

    public static FullHttpResponse text(HttpResponseStatus status, String contentType, byte[] body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return r;
    }

    /** The error answer for {@code e}, with {@code Retry-After} and {@code x-should-retry} as SPEC §3 says. */
    public static FullHttpResponse error(GatewayError e, String requestId) {
        FullHttpResponse r = json(HttpResponseStatus.valueOf(e.status()), Unpooled.wrappedBuffer(ErrorJson.render(e)));
        decorate(r.headers(), e, requestId);
        return r;
    }

    /** The error answer for {@code e} in a client door's shape ({@code shape}), with the headers of {@link #error}. */
    public static FullHttpResponse error(GatewayError e, String requestId, ErrorShape shape) {
        if (shape == ErrorShape.OPENAI) {
            return error(e, requestId);
        }
        FullHttpResponse r = json(HttpResponseStatus.valueOf(shape.status(e)),
                shape.body(e, requestId, io.netty.buffer.ByteBufAllocator.DEFAULT));
        decorate(r.headers(), e, requestId);
        return r;
    }

    public static void decorate(HttpHeaders h, GatewayError e, String requestId) {
        if (requestId != null) {
            h.set(X_REQUEST_ID, requestId);
        }
        if (e.retryAfter() != null) {
            long seconds = Math.max(1, (e.retryAfter().toMillis() + 999) / 1000);
            h.set(HttpHeaderNames.RETRY_AFTER, seconds);
            h.set("retry-after-ms", e.retryAfter().toMillis());
        } else if ((e.status() == 429 || e.status() == 503) && e.clientRetryable()) {
            // SPEC §3: 429 and 503 carry Retry-After. With no vendor hint, the soonest worth trying;
            // an error a retry cannot fix (x-should-retry: false) gets none, waiting would not help.
            h.set(HttpHeaderNames.RETRY_AFTER, 1);
        }
        if (!e.clientRetryable()) {
            h.set(X_SHOULD_RETRY, "false");
        }
    }
}
