package dev.junction.core.media;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.Inet6Address;
import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AddressClassifierTest {

    private static InetAddress ip(String literal) {
        return Cidr.addressOf(Cidr.literal(literal));
    }

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
            // IPv4 loopback, private, link-local, metadata
            "127.0.0.1, LOOPBACK", "127.255.255.254, LOOPBACK", "127.1.2.3, LOOPBACK",
            "10.0.0.0, PRIVATE", "10.0.0.5, PRIVATE", "10.255.255.255, PRIVATE",
            "172.16.0.1, PRIVATE", "172.31.255.255, PRIVATE", "172.15.255.255, PUBLIC", "172.32.0.0, PUBLIC",
            "192.168.0.1, PRIVATE", "192.168.255.255, PRIVATE", "192.169.0.1, PUBLIC", "192.167.255.255, PUBLIC",
            "169.254.0.1, LINK_LOCAL", "169.254.255.255, LINK_LOCAL", "169.254.169.254, CLOUD_METADATA",
            "169.253.255.255, PUBLIC", "169.255.0.0, PUBLIC",
            // unspecified, CGNAT, multicast, reserved
            "0.0.0.0, UNSPECIFIED", "0.1.2.3, UNSPECIFIED",
            "100.64.0.0, SHARED", "100.127.255.255, SHARED", "100.100.100.200, SHARED",
            "100.63.255.255, PUBLIC", "100.128.0.0, PUBLIC",
            "224.0.0.1, MULTICAST", "239.255.255.250, MULTICAST",
            "240.0.0.1, RESERVED", "255.255.255.255, RESERVED",
            "192.0.0.192, RESERVED", "192.0.2.10, RESERVED", "198.51.100.7, RESERVED", "203.0.113.9, RESERVED",
            "198.18.0.1, RESERVED", "198.19.255.255, RESERVED", "198.20.0.0, PUBLIC", "192.88.99.1, RESERVED",
            // public IPv4
            "8.8.8.8, PUBLIC", "1.1.1.1, PUBLIC", "93.184.216.34, PUBLIC", "142.250.74.14, PUBLIC",
            "11.0.0.1, PUBLIC", "126.255.255.255, PUBLIC", "128.0.0.1, PUBLIC", "223.255.255.255, PUBLIC",
            // IPv6 special
            "::, UNSPECIFIED", "::1, LOOPBACK", "::2, RESERVED",
            // Netty parses the deprecated IPv4-compatible literal as the IPv4 address, which is
            // also the address a connection would use
            "::127.0.0.1, LOOPBACK",
            "fe80::1, LINK_LOCAL", "febf:ffff::1, LINK_LOCAL", "fc00::1, PRIVATE", "fd12:3456::1, PRIVATE",
            "fd00:ec2::254, PRIVATE", "fec0::1, PRIVATE", "ff02::1, MULTICAST", "ff05::2, MULTICAST",
            "2001:db8::1, RESERVED", "2001:0:4136:e378::1, RESERVED", "100::1, RESERVED", "4000::1, RESERVED",
            "64:ff9b:1::1, RESERVED",
            // IPv4 embedded in IPv6: mapped, NAT64, 6to4
            "::ffff:127.0.0.1, LOOPBACK", "::ffff:7f00:1, LOOPBACK", "::ffff:10.1.2.3, PRIVATE",
            "::ffff:169.254.169.254, CLOUD_METADATA", "::ffff:0.0.0.0, UNSPECIFIED", "::ffff:8.8.8.8, PUBLIC",
            "64:ff9b::7f00:1, LOOPBACK", "64:ff9b::a9fe:a9fe, CLOUD_METADATA", "64:ff9b::808:808, PUBLIC",
            "2002:7f00:1::1, LOOPBACK", "2002:c0a8:101::1, PRIVATE", "2002:808:808::1, PUBLIC",
            // public IPv6
            "2001:4860:4860::8888, PUBLIC", "2606:4700:4700::1111, PUBLIC", "2a00:1450:4001:82b::200e, PUBLIC",
            "3fff:ffff::1, PUBLIC"
    })
    void classifies(String address, AddressClass expected) {
        assertEquals(expected, AddressClassifier.classify(ip(address)));
        assertEquals(expected == AddressClass.PUBLIC, AddressClassifier.isPublic(ip(address)));
    }

    @Test
    void ipv4MappedKeptAsInet6AddressIsJudgedByItsIpv4Address() throws Exception {
        // Inet6Address.getByAddress keeps the mapped form (InetAddress.getByAddress would convert it).
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1};
        InetAddress a = Inet6Address.getByAddress(null, mapped, -1);
        assertInstanceOf(Inet6Address.class, a);
        assertEquals(AddressClass.LOOPBACK, AddressClassifier.classify(a));
        byte[] metadata = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 169, (byte) 254, (byte) 169,
                (byte) 254};
        assertEquals(AddressClass.CLOUD_METADATA,
                AddressClassifier.classify(Inet6Address.getByAddress(null, metadata, -1)));
        byte[] pub = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 8, 8, 8, 8};
        assertTrue(AddressClassifier.isPublic(Inet6Address.getByAddress(null, pub, -1)));
    }

    @Test
    void ipv4CompatibleBytesAreReserved() throws Exception {
        byte[] compat = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 8, 8, 8};
        assertEquals(AddressClass.RESERVED, AddressClassifier.classify(Inet6Address.getByAddress(null, compat, -1)));
    }

    @Test
    void linkLocalWithScopeIdIsStillLinkLocal() throws Exception {
        byte[] b = Cidr.literal("fe80::1");
        assertFalse(AddressClassifier.isPublic(Inet6Address.getByAddress(null, b, 2)));
    }
}
