package dev.junction.core.server;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import dev.junction.core.http.MapBackedHeaders;
import io.netty.handler.codec.http.HttpHeaders;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The headers of a request {@link WholeRequest} read: the header block's bytes (one array) and
 * where each name and value lies in it (one more), instead of a hash map with an entry, a name
 * and a value string per header built for every request whether anyone asks or not. The gateway
 * mostly asks for headers a request does not carry ({@code x-request-id}, {@code traceparent},
 * {@code x-junction-*}...): a lookup compares the name's length and bytes with each of the few
 * headers there are, and makes a string only of a value that is asked for.
 *
 * <p>Lookups by name ({@code get}, {@code getAll}, {@code contains}, {@code size}) and the "not there" answer of
 * the value tests are served from the bytes; everything else — iteration, the value tests of a
 * header that is there, numbers, dates, and every change — is answered by the header map Netty's
 * decoder would have built, made from the bytes on first use (names as the decoder gives them, in
 * order) and used from then on. So what the rest of the gateway sees is what it saw before; the
 * names and values were checked by {@link WholeRequest} when it split them.
 */
final class RequestHeaders extends MapBackedHeaders {

    private final byte[] bytes;
    /** Per header: name start, name length, value start, value length. */
    private final int[] at;
    private final int count;
    /** The header map, once something needed it; from then on it is the headers. */
    private HttpHeaders map;

    RequestHeaders(byte[] bytes, int[] at, int count) {
        this.bytes = bytes;
        this.at = at;
        this.count = count;
    }

    /** The index of the first header named {@code name} (ASCII case-insensitive) at or after {@code from}, or -1. */
    private int find(CharSequence name, int from) {
        int len = name.length();
        outer:
        for (int i = from; i < count; i++) {
            int p = at[4 * i];
            if (at[4 * i + 1] != len) {
                continue;
            }
            for (int k = 0; k < len; k++) {
                int x = bytes[p + k];
                char c = name.charAt(k);
                if (x != c && lower(x) != lower(c)) {
                    continue outer;
                }
            }
            return i;
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
            m = DefaultHttpHeadersFactory.headersFactory().newHeaders();
            for (int i = 0; i < count; i++) {
                m.add(WholeRequest.name(bytes, at[4 * i], at[4 * i + 1]), value(i));
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

    // Answered by the header map.

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
        return o instanceof RequestHeaders r ? map().equals(r.map()) : map().equals(o);
    }

}
