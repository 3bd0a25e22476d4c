package dev.junction.core.media;

/**
 * What kind of network an IP address belongs to, as far as fetching on a user's behalf is
 * concerned (SPEC §9). Only {@link #PUBLIC} addresses are fetched unless the policy allow-lists
 * the host or network.
 */
public enum AddressClass {
    /** Globally routable unicast. */
    PUBLIC,
    /** 127.0.0.0/8, ::1. */
    LOOPBACK,
    /** 10/8, 172.16/12, 192.168/16, fc00::/7 (unique local), fec0::/10 (deprecated site-local). */
    PRIVATE,
    /** 169.254/16, fe80::/10. */
    LINK_LOCAL,
    /** 169.254.169.254: the instance metadata service of AWS, GCP, Azure and others. */
    CLOUD_METADATA,
    /** 100.64/10, carrier-grade NAT shared space (RFC 6598). */
    SHARED,
    /** 0.0.0.0/8, ::. Connecting to these reaches the local host on most systems. */
    UNSPECIFIED,
    /** 224/4, ff00::/8. */
    MULTICAST,
    /**
     * Everything else that is not globally routable: documentation, benchmarking, IETF protocol
     * assignments, 240/4 and broadcast, Teredo, IPv6 outside 2000::/3.
     */
    RESERVED;

    /** A short phrase for error messages and logs. */
    public String describe() {
        return switch (this) {
            case PUBLIC -> "public";
            case LOOPBACK -> "loopback";
            case PRIVATE -> "private";
            case LINK_LOCAL -> "link-local";
            case CLOUD_METADATA -> "cloud metadata";
            case SHARED -> "carrier-grade NAT";
            case UNSPECIFIED -> "unspecified";
            case MULTICAST -> "multicast";
            case RESERVED -> "reserved";
        };
    }
}
