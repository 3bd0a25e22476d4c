package dev.junction.core.upstream;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import dev.junction.core.http.MapBackedHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The headers of an answer head that {@link AnswerDecoder} read on its fast path: the head's bytes
 * (the one copy the decoder made) and where each name and value lies in them, instead of a header
 * map with an entry and two strings per header built for every answer. On a successful answer the
 * gateway asks little of them — whether the connection stays open ({@code connection}) and the
 * vendor's rate-limit headers ({@link #firstValues}) — and copies none of them to the client.
 *
 * <p>Lookups by name ({@code get}, {@code getAll}, {@code contains}, {@code size}), the "not
 * there" answer of the value tests and {@link #firstValues} are served from the bytes; everything
 * else — iteration, the value tests of a header that is there, numbers, dates, and every change —
 * is answered by the header map the decoder built before (names and values as views of the bytes,
 * in order), made on first use and used from then on. The decoder checked each name is a token and
 * each value visible ASCII before it recorded them.
 */
public final class AnswerHeaders extends MapBackedHeaders {

    /** Netty's map without its validation: the decoder already checked the names and values. */
    private static final DefaultHttpHeadersFactory MAP = DefaultHttpHeadersFactory.headersFactory()
            .withValidation(false);

    private final byte[] bytes;
    /** Per header: name start, name length, value start, value length. */
    private final int[] at;
    private final int count;
    /** The header map, once something needed it; from then on it is the headers. */
    private HttpHeaders map;

    /** Whether a {@code connection} header is among them (noted by the decoder on its way). */
    private final boolean connection;

    AnswerHeaders(byte[] bytes, int[] at, int count, boolean connection) {
        this.bytes = bytes;
        this.at = at;
        this.count = count;
        this.connection = connection;
    }

    /**
     * Whether the answer leaves its connection open for the next request, as
     * {@link io.netty.handler.codec.http.HttpUtil#isKeepAlive} judges it: without a
     * {@code connection} header (the usual answer) that is the version's default, known without a
     * lookup.
     */
    static boolean keepAlive(io.netty.handler.codec.http.HttpResponse head) {
        if (head.headers() instanceof AnswerHeaders a && a.map == null && !a.connection) {
            return head.protocolVersion().isKeepAliveDefault();
        }
        return io.netty.handler.codec.http.HttpUtil.isKeepAlive(head);
    }

    /**
     * The first value of each of {@code names} (index for index; null where a name is not there),
     * or null when none of them is there: one pass over the headers, comparing a name's bytes only
     * with the names of its length.
     */
    public String[] firstValues(AsciiString[] names) {
        String[] found = null;
        if (map != null) {
            for (Iterator<Map.Entry<CharSequence, CharSequence>> it = map.iteratorCharSequence(); it.hasNext(); ) {
                Map.Entry<CharSequence, CharSequence> e = it.next();
                for (int k = 0; k < names.length; k++) {
                    if (names[k].contentEqualsIgnoreCase(e.getKey())) {
                        if (found == null) {
                            found = new String[names.length];
                        }
                        if (found[k] == null) {
                            found[k] = e.getValue().toString();
                        }
                        break;
                    }
                }
            }
            return found;
        }
        // The lengths the names have (those under 64): most headers have none of them and are
        // passed over with one test.
        long lengths = 0;
        for (AsciiString n : names) {
            lengths |= n.length() < 64 ? 1L << n.length() : 0;
        }
        for (int i = 0; i < count; i++) {
            int p = at[4 * i];
            int len = at[4 * i + 1];
            if (len < 64 && (lengths & (1L << len)) == 0) {
                continue;
            }
            for (int k = 0; k < names.length; k++) {
                AsciiString n = names[k];
                if (n.length() == len && same(p, n.array(), n.arrayOffset(), len)) {
                    if (found == null) {
                        found = new String[names.length];
                    }
                    if (found[k] == null) {
                        found[k] = value(i);
                    }
                    break;
                }
            }
        }
        return found;
    }

    /** Whether the {@code len} bytes at {@code p} are those of {@code name} at {@code from}, ASCII case-insensitive. */
    private boolean same(int p, byte[] name, int from, int len) {
        for (int k = 0; k < len; k++) {
            int x = bytes[p + k];
            int c = name[from + k];
            if (x != c && lower(x) != lower(c)) {
                return false;
            }
        }
        return true;
    }

    /** Whether the name at {@code p} is {@code name} (same length), ASCII case-insensitive. */
    private boolean same(int p, CharSequence name) {
        for (int k = 0, len = name.length(); k < len; k++) {
            int x = bytes[p + k];
            char c = name.charAt(k);
            if (x != c && lower(x) != lower(c)) {
                return false;
            }
        }
        return true;
    }

    /** The index of the first header named {@code name} (ASCII case-insensitive) at or after {@code from}, or -1. */
    private int find(CharSequence name, int from) {
        int len = name.length();
        for (int i = from; i < count; i++) {
            if (at[4 * i + 1] == len && same(at[4 * i], name)) {
                return i;
            }
        }
        return -1;
    }

    private static int lower(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    private String value(int i) {
        return new String(bytes, at[4 * i + 2], at[4 * i + 3], StandardCharsets.ISO_8859_1);
    }

    @Override
    protected HttpHeaders map() {
        HttpHeaders m = map;
        if (m == null) {
            m = MAP.newHeaders();
            for (int i = 0; i < count; i++) {
                m.add(new AsciiString(bytes, at[4 * i], at[4 * i + 1], false),
                        new AsciiString(bytes, at[4 * i + 2], at[4 * i + 3], false));
            }
            map = m;
        }
        return m;
    }

    // Served from the bytes while no map was made.

    @Override
    public String get(String name) {
        return get((CharSequence) name);
    }

    @Override
    public String get(CharSequence name) {
        if (map != null) {
            return map.get(name);
        }
        int i = find(name, 0);
        return i < 0 ? null : value(i);
    }

    @Override
    public boolean contains(String name) {
        return contains((CharSequence) name);
    }

    @Override
    public boolean contains(CharSequence name) {
        return map != null ? map.contains(name) : find(name, 0) >= 0;
    }

    @Override
    public boolean containsValue(CharSequence name, CharSequence value, boolean ignoreCase) {
        return (map != null || find(name, 0) >= 0) && map().containsValue(name, value, ignoreCase);
    }

    @Override
    public boolean contains(String name, String value, boolean ignoreCase) {
        return (map != null || find(name, 0) >= 0) && map().contains(name, value, ignoreCase);
    }

    @Override
    public boolean contains(CharSequence name, CharSequence value, boolean ignoreCase) {
        return (map != null || find(name, 0) >= 0) && map().contains(name, value, ignoreCase);
    }

    @Override
    public boolean isEmpty() {
        return map != null ? map.isEmpty() : count == 0;
    }

    @Override
    public int size() {
        return map != null ? map.size() : count;
    }

    @Override
    public List<String> getAll(String name) {
        return getAll((CharSequence) name);
    }

    /** In arrival order, in a list of its own (as the map gives it). */
    @Override
    public List<String> getAll(CharSequence name) {
        if (map != null) {
            return map.getAll(name);
        }
        int i = find(name, 0);
        if (i < 0) {
            return new ArrayList<>(0);
        }
        List<String> all = new ArrayList<>(2);
        for (; i >= 0; i = find(name, i + 1)) {
            all.add(value(i));
        }
        return all;
    }

    // Answered by the header map.

    @Override
    public HttpHeaders set(HttpHeaders headers) {
        if (headers == this) {
            return this;
        }
        map().set(headers);
        return this;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AnswerHeaders r ? map().equals(r.map()) : map().equals(o);
    }

}
