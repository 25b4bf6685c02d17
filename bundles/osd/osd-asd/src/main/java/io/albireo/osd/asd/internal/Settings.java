package io.albireo.osd.asd.internal;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import io.albireo.asd.protocol.Limits;

/**
 * How the driver reaches one ASD: the configuration, checked, plus the reconnect backoff (fixed in production, short
 * in tests).
 *
 * @param host the ASD's host name or address
 * @param port its TCP port
 * @param longId the long id the ASD must have, or "" to accept whichever answers
 * @param connections the most connections to keep open to it
 * @param connectTimeoutMillis how long a connection and its handshake may take
 * @param requestTimeoutMillis how long a request may wait for its answer before its connection is given up
 * @param maxFrame the largest frame the driver accepts from the ASD and sends to it
 * @param backoffMinMillis the wait after the first failed connection attempt
 * @param backoffMaxMillis the longest wait between attempts
 */
record Settings(String host, int port, String longId, int connections, int connectTimeoutMillis,
        int requestTimeoutMillis, int maxFrame, long backoffMinMillis, long backoffMaxMillis) {

    static final long BACKOFF_MIN_MILLIS = 100;
    static final long BACKOFF_MAX_MILLIS = 5000;
    static final int MAX_CONNECTIONS = 64;

    /** Checks every field, with messages that name the setting. */
    Settings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(longId, "longId");
        host = host.strip();
        longId = longId.strip();
        if (host.isEmpty()) {
            throw new IllegalArgumentException("host is empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1 to 65535; got " + port);
        }
        if (longId.getBytes(StandardCharsets.UTF_8).length > Limits.MAX_STRING) {
            throw new IllegalArgumentException("longId is over " + Limits.MAX_STRING + " bytes");
        }
        if (connections < 1 || connections > MAX_CONNECTIONS) {
            throw new IllegalArgumentException("connections must be 1 to " + MAX_CONNECTIONS + "; got " + connections);
        }
        if (connectTimeoutMillis < 1) {
            throw new IllegalArgumentException("connectTimeoutMillis must be positive; got " + connectTimeoutMillis);
        }
        if (requestTimeoutMillis < 1) {
            throw new IllegalArgumentException("requestTimeoutMillis must be positive; got " + requestTimeoutMillis);
        }
        if (maxFrame < Limits.MIN_MAX_FRAME) {
            throw new IllegalArgumentException("maxFrame must be at least " + Limits.MIN_MAX_FRAME + "; got "
                    + maxFrame);
        }
        if (backoffMinMillis < 1 || backoffMaxMillis < backoffMinMillis) {
            throw new IllegalArgumentException("backoff must be positive and its maximum at least its minimum; got "
                    + backoffMinMillis + " to " + backoffMaxMillis + " ms");
        }
    }

    /** @return the settings of a configured driver component, with the production backoff */
    static Settings of(AsdDriver.Config config) {
        return new Settings(config.host(), config.port(), config.longId(), config.connections(),
                config.connectTimeoutMillis(), config.requestTimeoutMillis(), config.maxFrame(), BACKOFF_MIN_MILLIS,
                BACKOFF_MAX_MILLIS);
    }

    /** @return the defaults of {@link AsdDriver.Config} for an ASD on this host's loopback: for tests */
    static Settings local(int port) {
        return new Settings("127.0.0.1", port, "", 4, 2000, 30_000, Limits.DEFAULT_MAX_FRAME, BACKOFF_MIN_MILLIS,
                BACKOFF_MAX_MILLIS);
    }

    Settings withLongId(String id) {
        return new Settings(host, port, id, connections, connectTimeoutMillis, requestTimeoutMillis, maxFrame,
                backoffMinMillis, backoffMaxMillis);
    }

    Settings withConnections(int n) {
        return new Settings(host, port, longId, n, connectTimeoutMillis, requestTimeoutMillis, maxFrame,
                backoffMinMillis, backoffMaxMillis);
    }

    Settings withTimeouts(int connectMillis, int requestMillis) {
        return new Settings(host, port, longId, connections, connectMillis, requestMillis, maxFrame, backoffMinMillis,
                backoffMaxMillis);
    }

    Settings withBackoff(long minMillis, long maxMillis) {
        return new Settings(host, port, longId, connections, connectTimeoutMillis, requestTimeoutMillis, maxFrame,
                minMillis, maxMillis);
    }

    /** @return host:port, as the operator configured it */
    String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    long backoffMinNanos() {
        return TimeUnit.MILLISECONDS.toNanos(backoffMinMillis);
    }

    long backoffMaxNanos() {
        return TimeUnit.MILLISECONDS.toNanos(backoffMaxMillis);
    }
}
