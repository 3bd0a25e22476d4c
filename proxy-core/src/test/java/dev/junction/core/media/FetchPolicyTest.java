package dev.junction.core.media;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FetchPolicyTest {

    private static java.net.InetAddress ip(String s) {
        return Cidr.addressOf(Cidr.literal(s));
    }

    @Test
    void cidrParsesAndMatches() {
        Cidr net = Cidr.parse("10.20.0.0/16");
        assertTrue(net.contains(ip("10.20.3.4")));
        assertTrue(net.contains(ip("::ffff:10.20.3.4")));
        assertFalse(net.contains(ip("10.21.0.0")));
        assertFalse(net.contains(ip("fd00::1")));
        Cidr single = Cidr.parse("127.0.0.1");
        assertEquals(32, single.prefixLength());
        assertTrue(single.contains(ip("127.0.0.1")));
        assertFalse(single.contains(ip("127.0.0.2")));
        Cidr v6 = Cidr.parse("[fd00:1::]/32");
        assertTrue(v6.contains(ip("fd00:1:ffff::1")));
        assertFalse(v6.contains(ip("fd00:2::1")));
        assertFalse(v6.contains(ip("10.0.0.1")));
        assertTrue(Cidr.parse("0.0.0.0/0").contains(ip("8.8.8.8")));
        assertEquals("172.16.0.0/12", Cidr.parse("172.16.0.0/12").toString());
    }

    @Test
    void cidrRejectsBadInput() {
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.1/8"));   // host bits set
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/x"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("example.com"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("300.1.1.1"));
    }

    @Test
    void allowEntriesSplitIntoHostsAndNetworks() {
        FetchPolicy p = FetchPolicy.defaults().withAllow("Images.Internal.Example", "*.cdn.internal", "10.20.0.0/16",
                "::1");
        assertEquals(List.of("images.internal.example", "*.cdn.internal"), p.allowHosts());
        assertEquals(List.of(Cidr.parse("10.20.0.0/16"), Cidr.parse("::1/128")), p.allowNetworks());
        assertTrue(p.hostAllowed("images.internal.example"));
        assertTrue(p.hostAllowed("IMAGES.internal.example."));
        assertTrue(p.hostAllowed("a.cdn.internal"));
        assertTrue(p.hostAllowed("x.y.cdn.internal"));
        assertFalse(p.hostAllowed("cdn.internal"));
        assertFalse(p.hostAllowed("evilcdn.internal"));
        assertFalse(p.hostAllowed("images.internal.example.evil.com"));
        assertTrue(p.networkAllowed(ip("10.20.1.1")));
        assertTrue(p.networkAllowed(ip("::1")));
        assertFalse(p.networkAllowed(ip("127.0.0.1")));
        assertThrows(IllegalArgumentException.class, () -> FetchPolicy.defaults().withAllow("10.0.0.0/x"));
        assertThrows(IllegalArgumentException.class, () -> FetchPolicy.defaults().withAllow(" "));
    }

    @Test
    void defaults() {
        FetchPolicy d = FetchPolicy.defaults();
        assertEquals(20L * 1024 * 1024, d.maxBytes());
        assertEquals(Duration.ofSeconds(10), d.timeout());
        assertEquals(3, d.maxRedirects());
        assertTrue(d.allowHosts().isEmpty());
        assertTrue(d.allowNetworks().isEmpty());
        assertEquals(Set.of("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"), d.mimeTypes());
    }

    @Test
    void readsConfigBlock() {
        FetchPolicy p = FetchPolicy.fromConfig(ConfigFactory.parseString("""
                max-bytes = 5MiB
                timeout = 2500ms
                max-redirects = 0
                allow = ["img.internal", "192.168.10.0/24"]
                mime-types = ["image/png"]
                """));
        assertEquals(5L * 1024 * 1024, p.maxBytes());
        assertEquals(Duration.ofMillis(2500), p.timeout());
        assertEquals(0, p.maxRedirects());
        assertEquals(List.of("img.internal"), p.allowHosts());
        assertEquals(List.of(Cidr.parse("192.168.10.0/24")), p.allowNetworks());
        assertEquals(Set.of("image/png"), p.mimeTypes());
        assertEquals(FetchPolicy.defaults(), FetchPolicy.fromConfig(ConfigFactory.empty()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FetchPolicy.fromConfig(ConfigFactory.parseString("allow = [\"10.0.0.1/8\"]")));
        assertTrue(e.getMessage().startsWith("media-fetch: "), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> FetchPolicy.fromConfig(ConfigFactory.parseString("timeout = 0s")));
        assertThrows(IllegalArgumentException.class,
                () -> FetchPolicy.fromConfig(ConfigFactory.parseString("max-bytes = 0")));
    }
}
