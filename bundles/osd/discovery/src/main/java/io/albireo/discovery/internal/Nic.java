package io.albireo.discovery.internal;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.stream.Collectors;

/**
 * The network interface discovery uses, for sending (IP_MULTICAST_IF, and the source address) and for joining the
 * group, resolved from the configured name or address.
 *
 * @param nif the interface
 * @param address its IPv4 address that datagrams are sent from: the configured one, or the interface's first
 */
record Nic(NetworkInterface nif, Inet4Address address) {

    /**
     * @param spec an interface name ("lo", "eth1") or an IPv4 address of it ("10.0.0.5")
     * @return the interface, up and with an IPv4 address
     * @throws IOException naming the interfaces there are, when spec names none usable
     */
    static Nic resolve(String spec) throws IOException {
        NetworkInterface nif;
        Inet4Address address;
        if (Settings.looksLikeIpv4(spec)) {
            address = Settings.ipv4(spec, "interface");
            nif = NetworkInterface.getByInetAddress(address);
            if (nif == null) {
                throw new SocketException("interface " + spec + ": no interface has this address. " + available());
            }
        } else {
            nif = NetworkInterface.getByName(spec);
            if (nif == null) {
                throw new SocketException("interface " + spec + " does not exist. " + available());
            }
            address = nif.inetAddresses().filter(Inet4Address.class::isInstance).map(Inet4Address.class::cast)
                    .findFirst().orElseThrow(() -> new SocketException("interface " + spec
                            + " has no IPv4 address; discovery multicasts over IPv4. " + available()));
        }
        if (!nif.isUp()) {
            throw new SocketException("interface " + nif.getName() + " is down");
        }
        // Linux does not flag lo MULTICAST, yet multicast over it works (docs/DISCOVERY.md); other interfaces need it.
        if (!nif.isLoopback() && !nif.supportsMulticast()) {
            throw new SocketException("interface " + nif.getName() + " does not do multicast");
        }
        return new Nic(nif, address);
    }

    @Override
    public String toString() {
        return nif.getName() + " (" + address.getHostAddress() + ")";
    }

    private static String available() {
        try {
            return "Interfaces with IPv4: " + Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                    .filter(n -> n.inetAddresses().anyMatch(Inet4Address.class::isInstance))
                    .map(n -> n.getName() + " " + n.inetAddresses().filter(Inet4Address.class::isInstance)
                            .map(a -> a.getHostAddress()).collect(Collectors.joining(",")))
                    .collect(Collectors.joining("; "));
        } catch (SocketException e) {
            return "";
        }
    }
}
