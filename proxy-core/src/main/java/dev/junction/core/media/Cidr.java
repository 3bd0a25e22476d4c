package dev.junction.core.media;

import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IP network such as {@code 10.1.0.0/16}, {@code fd00::/8} or a single address
 * ({@code 127.0.0.1} means {@code /32}). Parsed from literals only, never through DNS.
 *
 * <p>An IPv4 network also matches the IPv4-mapped IPv6 form of its addresses
 * ({@code ::ffff:10.1.2.3}), the same normalisation {@link AddressClassifier} applies.
 */
public record Cidr(InetAddress network, int prefixLength) {

    public Cidr {
        int bits = network.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range 0.." + bits);
        }
        byte[] masked = mask(network.getAddress(), prefixLength);
        if (!Arrays.equals(masked, network.getAddress())) {
            throw new IllegalArgumentException(network.getHostAddress() + "/" + prefixLength
                    + " has host bits set; the network is " + addressOf(masked).getHostAddress() + "/" + prefixLength);
        }
    }

    /** Parses {@code address} or {@code address/prefix}; IPv6 may be written with or without brackets. */
    public static Cidr parse(String text) {
        String s = text.trim();
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        byte[] bytes = literal(addr);
        if (bytes == null) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address or network");
        }
        int prefix = bytes.length * 8;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' has an invalid prefix length");
            }
        }
        return new Cidr(addressOf(bytes), prefix);
    }

    /** True when {@code text} looks like an IP literal or network rather than a host name. */
    public static boolean isLiteral(String text) {
        String s = text.trim();
        int slash = s.indexOf('/');
        return literal(slash < 0 ? s : s.substring(0, slash)) != null;
    }

    public boolean contains(InetAddress address) {
        byte[] net = network.getAddress();
        byte[] a = normalise(address.getAddress());
        if (a.length != net.length) {
            return false;
        }
        return Arrays.equals(mask(a, prefixLength), net);
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefixLength;
    }

    /** IP literal bytes (4 or 16; IPv4-mapped IPv6 comes back as 4), or null. */
    static byte[] literal(String host) {
        String h = host;
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(h);
        return bytes == null ? null : normalise(bytes);
    }

    static InetAddress addressOf(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);                // no lookup for raw bytes
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad address length " + bytes.length, e);
        }
    }

    private static byte[] normalise(byte[] a) {
        if (a.length == 16) {
            for (int i = 0; i < 10; i++) {
                if (a[i] != 0) {
                    return a;
                }
            }
            if ((a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff) {
                return Arrays.copyOfRange(a, 12, 16);
            }
        }
        return a;
    }

    private static byte[] mask(byte[] a, int prefix) {
        byte[] m = a.clone();
        for (int i = 0; i < m.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            m[i] = (byte) (m[i] & (0xff << (8 - keep)));
        }
        return m;
    }
}
