package io.albireo.discovery.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The discovery configuration, checked: where to multicast, how often, on which interface.
 *
 * @param group the IPv4 multicast group
 * @param port the UDP port
 * @param networkInterface an interface name ("lo", "eth1") or an IPv4 address of the interface to use
 * @param interval the time between two announcements of one OSD
 * @param expiryIntervals after how many intervals without news an OSD is forgotten
 * @param ttl the IP time-to-live of sent datagrams: 0 this host only, 1 the local link
 * @param listen whether to listen for announcements
 * @param send whether to send the registered announcements
 */
record Settings(Inet4Address group, int port, String networkInterface, Duration interval, int expiryIntervals,
        int ttl, boolean listen, boolean send) {

    private static final Pattern IPV4_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /** Checks every value, with messages that name the configuration key. */
    Settings {
        if (!group.isMulticastAddress()) {
            throw new IllegalArgumentException("group " + group.getHostAddress() + " is not a multicast address"
                    + " (224.0.0.0/4; 239.0.0.0/8 is for private use)");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not in 1..65535");
        }
        if (networkInterface == null || networkInterface.isBlank()) {
            throw new IllegalArgumentException("interface is empty: name one (lo, eth1) or give one of its addresses");
        }
        if (interval.isNegative() || interval.isZero() || interval.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("interval " + interval + " is not in (0, 1 h]");
        }
        if (expiryIntervals < 1 || expiryIntervals > 100) {
            throw new IllegalArgumentException("expiry.intervals " + expiryIntervals + " is not in 1..100");
        }
        if (ttl < 0 || ttl > 255) {
            throw new IllegalArgumentException("ttl " + ttl + " is not in 0..255");
        }
    }

    /**
     * @param config the component's configuration
     * @return the settings it gives
     * @throws IllegalArgumentException naming the wrong key
     */
    static Settings from(MulticastDiscovery.Config config) {
        if (config.interval_seconds() < 1 || config.interval_seconds() > 3600) {
            throw new IllegalArgumentException("interval.seconds " + config.interval_seconds() + " is not in 1..3600");
        }
        return new Settings(ipv4(config.group(), "group"), config.port(), config.interface$().trim(),
                Duration.ofSeconds(config.interval_seconds()), config.expiry_intervals(), config.ttl(),
                config.listen(), config.send());
    }

    /** @return how long an OSD is kept without news */
    Duration expiry() {
        return interval.multipliedBy(expiryIntervals);
    }

    /** @return whether listening must rebind to go from these settings to the next */
    boolean listenerDiffers(Settings next) {
        return listen != next.listen || !group.equals(next.group) || port != next.port
                || !networkInterface.equals(next.networkInterface);
    }

    /**
     * @param text a dotted-quad IPv4 address; never a name, so that no DNS lookup happens
     * @param key the configuration key, for the message
     * @return the address
     */
    static Inet4Address ipv4(String text, String key) {
        String t = text == null ? "" : text.trim();
        if (IPV4_LITERAL.matcher(t).matches()) {
            try {
                if (InetAddress.getByName(t) instanceof Inet4Address address) {
                    return address;
                }
            } catch (UnknownHostException e) {
                // an octet over 255: reported below
            }
        }
        throw new IllegalArgumentException(key + " '" + t + "' is not an IPv4 address like 239.1.2.3");
    }

    /** @return whether the text has the shape of an IPv4 address rather than of an interface name */
    static boolean looksLikeIpv4(String text) {
        return IPV4_LITERAL.matcher(text).matches();
    }
}
