package dev.junction.core.media;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Classifies resolved IP addresses for the SSRF check of SPEC §9. Works on the address bytes only
 * (never on a host name, never with DNS), so it judges exactly the address a connection would use.
 *
 * <p>IPv6 forms that carry an IPv4 address are judged by that IPv4 address: IPv4-mapped
 * {@code ::ffff:a.b.c.d}, NAT64 {@code 64:ff9b::/96} and 6to4 {@code 2002::/16}; otherwise
 * {@code ::ffff:127.0.0.1} or {@code 2002:7f00:1::} would be a way round the IPv4 rules. The JDK
 * turns IPv4-mapped bytes into an {@link Inet4Address} in most paths, but an {@link Inet6Address}
 * built by {@code Inet6Address.getByAddress} keeps the mapped form, so both are handled.
 */
public final class AddressClassifier {

    private AddressClassifier() {
    }

    public static AddressClass classify(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 4) {
            return classifyV4(b, 0);
        }
        if (address instanceof Inet6Address || b.length == 16) {
            return classifyV6(b);
        }
        return AddressClass.RESERVED;
    }

    /** True when the address may be fetched without an allow-list entry. */
    public static boolean isPublic(InetAddress address) {
        return classify(address) == AddressClass.PUBLIC;
    }

    private static AddressClass classifyV4(byte[] b, int off) {
        int a0 = b[off] & 0xff;
        int a1 = b[off + 1] & 0xff;
        int a2 = b[off + 2] & 0xff;
        int a3 = b[off + 3] & 0xff;
        if (a0 == 0) {
            return AddressClass.UNSPECIFIED;                       // 0.0.0.0/8 "this network"
        }
        if (a0 == 10) {
            return AddressClass.PRIVATE;
        }
        if (a0 == 100 && (a1 & 0xc0) == 64) {
            return AddressClass.SHARED;                            // 100.64.0.0/10
        }
        if (a0 == 127) {
            return AddressClass.LOOPBACK;
        }
        if (a0 == 169 && a1 == 254) {
            return a2 == 169 && a3 == 254 ? AddressClass.CLOUD_METADATA : AddressClass.LINK_LOCAL;
        }
        if (a0 == 172 && (a1 & 0xf0) == 16) {
            return AddressClass.PRIVATE;                           // 172.16.0.0/12
        }
        if (a0 == 192 && a1 == 0 && (a2 == 0 || a2 == 2)) {
            return AddressClass.RESERVED;                          // 192.0.0.0/24 IETF, 192.0.2.0/24 doc
        }
        if (a0 == 192 && a1 == 88 && a2 == 99) {
            return AddressClass.RESERVED;                          // 6to4 relay anycast (deprecated)
        }
        if (a0 == 192 && a1 == 168) {
            return AddressClass.PRIVATE;
        }
        if (a0 == 198 && (a1 & 0xfe) == 18) {
            return AddressClass.RESERVED;                          // 198.18.0.0/15 benchmarking
        }
        if ((a0 == 198 && a1 == 51 && a2 == 100) || (a0 == 203 && a1 == 0 && a2 == 113)) {
            return AddressClass.RESERVED;                          // documentation
        }
        if ((a0 & 0xf0) == 224) {
            return AddressClass.MULTICAST;                         // 224.0.0.0/4
        }
        if ((a0 & 0xf0) == 240) {
            return AddressClass.RESERVED;                          // 240.0.0.0/4 and 255.255.255.255
        }
        return AddressClass.PUBLIC;
    }

    private static AddressClass classifyV6(byte[] b) {
        if (allZero(b, 0, 10)) {
            if ((b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                return classifyV4(b, 12);                          // ::ffff:0:0/96 IPv4-mapped
            }
            if (allZero(b, 10, 15)) {
                int last = b[15] & 0xff;
                if (last == 0) {
                    return AddressClass.UNSPECIFIED;               // ::
                }
                if (last == 1) {
                    return AddressClass.LOOPBACK;                  // ::1
                }
            }
            return AddressClass.RESERVED;                          // IPv4-compatible (deprecated) and the rest of ::/80
        }
        int w0 = ((b[0] & 0xff) << 8) | (b[1] & 0xff);
        int w1 = ((b[2] & 0xff) << 8) | (b[3] & 0xff);
        if (w0 == 0x0064 && w1 == 0xff9b && allZero(b, 4, 12)) {
            return classifyV4(b, 12);                              // 64:ff9b::/96 well-known NAT64
        }
        if ((b[0] & 0xff) == 0xff) {
            return AddressClass.MULTICAST;                         // ff00::/8
        }
        if ((w0 & 0xffc0) == 0xfe80) {
            return AddressClass.LINK_LOCAL;                        // fe80::/10
        }
        if ((w0 & 0xffc0) == 0xfec0 || (w0 & 0xfe00) == 0xfc00) {
            return AddressClass.PRIVATE;                           // fec0::/10 site-local, fc00::/7 ULA
        }
        if ((w0 & 0xe000) != 0x2000) {
            return AddressClass.RESERVED;                          // outside 2000::/3 global unicast
        }
        if (w0 == 0x2002) {
            return classifyV4(b, 2);                               // 2002::/16 6to4 embeds an IPv4 address
        }
        if (w0 == 0x2001 && w1 == 0x0000) {
            return AddressClass.RESERVED;                          // 2001::/32 Teredo
        }
        if (w0 == 0x2001 && w1 == 0x0db8) {
            return AddressClass.RESERVED;                          // 2001:db8::/32 documentation
        }
        if (w0 == 0x2001 && (w1 & 0xfe00) == 0) {
            return AddressClass.RESERVED;                          // 2001::/23 IETF protocol assignments
        }
        return AddressClass.PUBLIC;
    }

    private static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
