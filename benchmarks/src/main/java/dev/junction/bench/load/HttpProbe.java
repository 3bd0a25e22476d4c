package dev.junction.bench.load;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;

/**
 * Load probes of {@code run-overhead.sh} that wrk cannot do. Dependency-free, so the script runs it
 * straight from source ({@code java HttpProbe.java ...}).
 *
 * <pre>
 * latency URL BODY_FILE N WARMUP
 *     N sequential POSTs of BODY_FILE on one keep-alive connection (after WARMUP unmeasured ones).
 *     Prints "LATENCY n=.. p50_us=.. p90_us=.. p99_us=.. ttft_p50_us=.. ttft_p90_us=.. ttft_p99_us=.."
 *     where latency is request written to response complete, and ttft is request written to the
 *     first byte of the first SSE "data:" line (-1 for a non-streaming answer). Fails on a non-200.
 * hold URL BODY_FILE N SECONDS
 *     Opens N connections (one selector thread), POSTs BODY_FILE (a slow stream) on each and reads
 *     every stream to its end. Prints "HOLDING n=.." once every stream has sent its first data line
 *     (all N are then open at once; the caller measures memory), and at the end
 *     "HOLD n=.. ok=.. failed=.. first_data=.. max_open=.. elapsed_ms=..". ok = status 200, a
 *     "data: [DONE]" line and the end of the chunked body; failed = anything else (non-200, an error
 *     event, a reset, a timeout after SECONDS).
 * </pre>
 */
public final class HttpProbe {

    private HttpProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: HttpProbe latency|hold URL BODY_FILE N WARMUP|SECONDS");
            System.exit(2);
        }
        URI uri = URI.create(args[1]);
        byte[] body = Files.readAllBytes(Path.of(args[2]));
        int n = Integer.parseInt(args[3]);
        int extra = Integer.parseInt(args[4]);
        byte[] request = request(uri, body);
        switch (args[0]) {
            case "latency" -> latency(uri, request, n, extra);
            case "hold" -> hold(uri, request, n, extra);
            default -> {
                System.err.println("unknown probe " + args[0]);
                System.exit(2);
            }
        }
    }

    static byte[] request(URI uri, byte[] body) {
        String head = "POST " + uri.getRawPath() + " HTTP/1.1\r\n"
                + "Host: " + uri.getHost() + ":" + uri.getPort() + "\r\n"
                + "Content-Type: application/json\r\n"
                + "Authorization: Bearer bench-key\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] r = Arrays.copyOf(h, h.length + body.length);
        System.arraycopy(body, 0, r, h.length, body.length);
        return r;
    }

    // ------------------------------------------------------------------------------------ latency

    private static void latency(URI uri, byte[] request, int n, int warmup) throws IOException {
        long[] total = new long[n];
        long[] ttft = new long[n];
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            Response r = new Response(in);
            for (int i = -warmup; i < n; i++) {
                long t0 = System.nanoTime();
                out.write(request);
                out.flush();
                r.read(t0);
                if (r.status != 200) {
                    throw new IOException("HTTP " + r.status);
                }
                if (i >= 0) {
                    total[i] = r.endNanos - t0;
                    ttft[i] = r.firstDataNanos < 0 ? -1 : r.firstDataNanos - t0;
                }
            }
        }
        Arrays.sort(total);
        Arrays.sort(ttft);
        System.out.printf("LATENCY n=%d p50_us=%d p90_us=%d p99_us=%d ttft_p50_us=%d ttft_p90_us=%d ttft_p99_us=%d%n", n,
                pct(total, 50), pct(total, 90), pct(total, 99), pct(ttft, 50), pct(ttft, 90), pct(ttft, 99));
    }

    private static long pct(long[] sorted, int p) {
        long v = sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * p / 100.0) - 1)];
        return v < 0 ? -1 : v / 1000;
    }

    /** A blocking HTTP/1.1 response reader: status, headers, Content-Length or chunked body. */
    static final class Response {
        private final InputStream in;
        private final byte[] buf = new byte[64 * 1024];
        private int pos;
        private int lim;
        int status;
        long firstDataNanos;
        long endNanos;
        /** Bytes of the body so far that may start a "data:" line (SSE scan state). */
        private boolean lineStart;
        private int dataMatch;

        Response(InputStream in) {
            this.in = in;
        }

        void read(long t0) throws IOException {
            firstDataNanos = -1;
            String statusLine = line();
            status = Integer.parseInt(statusLine.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            for (String h; !(h = line()).isEmpty(); ) {
                int c = h.indexOf(':');
                String name = h.substring(0, c).trim();
                String value = h.substring(c + 1).trim();
                if (name.equalsIgnoreCase("content-length")) {
                    length = Long.parseLong(value);
                } else if (name.equalsIgnoreCase("transfer-encoding") && value.equalsIgnoreCase("chunked")) {
                    chunked = true;
                }
            }
            lineStart = true;
            dataMatch = 0;
            if (chunked) {
                while (true) {
                    String size = line();
                    int semi = size.indexOf(';');
                    long len = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                    if (len == 0) {
                        while (!line().isEmpty()) {
                            // trailers
                        }
                        break;
                    }
                    body(len);
                    line();
                }
            } else if (length >= 0) {
                body(length);
            } else {
                throw new IOException("response without length");
            }
            endNanos = System.nanoTime();
        }

        private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);

        private void body(long len) throws IOException {
            while (len > 0) {
                fill();
                int take = (int) Math.min(len, lim - pos);
                if (firstDataNanos < 0) {
                    for (int i = pos; i < pos + take; i++) {
                        byte b = buf[i];
                        if (lineStart || dataMatch > 0) {
                            if (b == DATA[dataMatch]) {
                                if (++dataMatch == DATA.length) {
                                    firstDataNanos = System.nanoTime();
                                    break;
                                }
                                lineStart = false;
                                continue;
                            }
                            dataMatch = 0;
                        }
                        lineStart = b == '\n';
                    }
                }
                pos += take;
                len -= take;
            }
        }

        private void fill() throws IOException {
            if (pos < lim) {
                return;
            }
            int r = in.read(buf, 0, buf.length);
            if (r < 0) {
                throw new IOException("connection closed mid-response");
            }
            pos = 0;
            lim = r;
        }

        private String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream(64);
            while (true) {
                fill();
                byte c = buf[pos++];
                if (c == '\n') {
                    break;
                }
                if (c != '\r') {
                    b.write(c);
                }
            }
            return b.toString(StandardCharsets.US_ASCII);
        }
    }

    // ------------------------------------------------------------------------------------ hold

    private static final byte[] DONE = "data: [DONE]".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FIRST = "\r\ndata:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ERROR = "\"error\"".getBytes(StandardCharsets.US_ASCII);

    /** One held stream: what has been seen of its response so far. */
    private static final class Held {
        final ByteBuffer out;
        int statusDigits;
        int status;
        int doneMatch;
        int endMatch;
        int firstMatch;
        int errorMatch;
        boolean done;
        boolean firstData;
        boolean errorSeen;

        Held(byte[] request) {
            out = ByteBuffer.wrap(request);
        }

        /** Scans one read; true when the response is complete. */
        boolean scan(ByteBuffer b) {
            while (b.hasRemaining()) {
                byte c = b.get();
                if (statusDigits < 12) {
                    // "HTTP/1.1 200": bytes 9..11 are the status code.
                    if (statusDigits >= 9) {
                        status = status * 10 + (c - '0');
                    }
                    statusDigits++;
                    continue;
                }
                firstMatch = step(FIRST, firstMatch, c);
                if (firstMatch == FIRST.length) {
                    firstData = true;
                    firstMatch = 0;
                }
                errorMatch = step(ERROR, errorMatch, c);
                if (errorMatch == ERROR.length) {
                    errorSeen = true;
                    errorMatch = 0;
                }
                if (!done) {
                    doneMatch = step(DONE, doneMatch, c);
                    if (doneMatch == DONE.length) {
                        done = true;
                    }
                } else {
                    endMatch = step(END, endMatch, c);
                    if (endMatch == END.length) {
                        return true;
                    }
                }
            }
            return false;
        }

        private static int step(byte[] pattern, int matched, byte c) {
            if (pattern[matched] == c) {
                return matched + 1;
            }
            return pattern[0] == c ? 1 : 0;
        }
    }

    private static void hold(URI uri, byte[] request, int n, int seconds) throws IOException {
        InetSocketAddress addr = new InetSocketAddress(uri.getHost(), uri.getPort());
        long start = System.nanoTime();
        long deadline = start + seconds * 1_000_000_000L;
        int opened = 0;
        int open = 0;
        int maxOpen = 0;
        int ok = 0;
        int failed = 0;
        int firstData = 0;
        boolean announced = false;
        ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
        try (Selector sel = Selector.open()) {
            while (ok + failed < n && System.nanoTime() < deadline) {
                // Open in steps of 200 (the listener's backlog is never flooded), at most 5000 waiting for their first chunk.
                for (int i = 0; i < 200 && opened < n && opened - firstData < 5000; i++, opened++, open++) {
                    SocketChannel ch = SocketChannel.open();
                    ch.configureBlocking(false);
                    ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                    ch.connect(addr);
                    ch.register(sel, SelectionKey.OP_CONNECT, new Held(request));
                }
                maxOpen = Math.max(maxOpen, open);
                sel.select(100);
                Iterator<SelectionKey> it = sel.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    Held h = (Held) k.attachment();
                    SocketChannel ch = (SocketChannel) k.channel();
                    boolean close = false;
                    boolean good = false;
                    try {
                        if (k.isConnectable()) {
                            ch.finishConnect();
                            k.interestOps(SelectionKey.OP_WRITE);
                        } else if (k.isWritable()) {
                            ch.write(h.out);
                            if (!h.out.hasRemaining()) {
                                k.interestOps(SelectionKey.OP_READ);
                            }
                        } else if (k.isReadable()) {
                            in.clear();
                            int r = ch.read(in);
                            if (r < 0) {
                                close = true;
                            } else {
                                in.flip();
                                boolean hadFirst = h.firstData;
                                boolean complete = h.scan(in);
                                if (!hadFirst && h.firstData) {
                                    firstData++;
                                }
                                if (complete) {
                                    close = true;
                                    good = h.status == 200 && !h.errorSeen;
                                }
                            }
                        }
                    } catch (IOException e) {
                        close = true;
                    }
                    if (close) {
                        if (!h.firstData) {
                            firstData++; // counted so the ramp does not wait on a failed stream
                        }
                        k.cancel();
                        ch.close();
                        open--;
                        if (good) {
                            ok++;
                        } else {
                            failed++;
                        }
                    }
                }
                if (!announced && opened == n && firstData == n) {
                    announced = true;
                    System.out.printf("HOLDING n=%d open=%d failed=%d elapsed_ms=%d%n", n, open, failed,
                            (System.nanoTime() - start) / 1_000_000);
                    System.out.flush();
                }
            }
            for (SelectionKey k : sel.keys()) {
                k.channel().close();
            }
        }
        failed += n - ok - failed;
        System.out.printf("HOLD n=%d ok=%d failed=%d first_data=%d max_open=%d elapsed_ms=%d%n", n, ok, failed, firstData,
                maxOpen, (System.nanoTime() - start) / 1_000_000);
    }
}
