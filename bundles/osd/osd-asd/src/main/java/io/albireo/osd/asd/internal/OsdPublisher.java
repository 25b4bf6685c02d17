package io.albireo.osd.asd.internal;

import java.util.Dictionary;
import java.util.Hashtable;

import io.albireo.api.AlbireoName;
import io.albireo.api.osd.OsdIdentity;

/**
 * Publishes one ASD's {@link io.albireo.api.osd.Osd} service once its identity is known, updates the service's
 * properties if the identity changes, and withdraws it when the driver stops. The service stays registered while the
 * ASD is unreachable: its calls then fail fast, naming the ASD, which tells a consumer more than a vanished service.
 *
 * <p>Framework calls are made outside the lock, so that a service listener that calls back cannot deadlock with a
 * concurrent {@link #close()}.
 */
final class OsdPublisher {
    static final String KIND = "albireo.osd.kind";
    static final String NODE = "albireo.osd.node";
    static final String HOST = "albireo.osd.host";
    static final String PORT = "albireo.osd.port";

    /** Registers the service; the component passes the framework's, tests a recorder. */
    @FunctionalInterface
    interface Registrar {
        Registration register(Dictionary<String, Object> properties);
    }

    /** A registered service. */
    interface Registration {
        void update(Dictionary<String, Object> properties);

        void unregister();
    }

    private final Registrar registrar;
    private final Settings settings;
    private Registration registration;
    private OsdIdentity published;
    private boolean closed;

    OsdPublisher(Registrar registrar, Settings settings) {
        this.registrar = registrar;
        this.settings = settings;
    }

    /** The driver learnt the ASD's identity, or saw it change; called from one thread at a time. */
    void identityKnown(OsdIdentity identity) {
        Registration current;
        synchronized (this) {
            if (closed || identity.equals(published)) {
                return;
            }
            current = registration;
            published = identity;
        }
        if (current != null) {
            current.update(properties(identity));
            return;
        }
        Registration r = registrar.register(properties(identity));
        boolean undo;
        synchronized (this) {
            undo = closed;
            if (!undo) {
                registration = r;
            }
        }
        if (undo) {
            unregisterQuietly(r);
        }
    }

    /** Withdraws the service, if it was published; later identities are ignored. */
    void close() {
        Registration r;
        synchronized (this) {
            closed = true;
            r = registration;
            registration = null;
        }
        if (r != null) {
            unregisterQuietly(r);
        }
    }

    synchronized boolean registered() {
        return registration != null;
    }

    Dictionary<String, Object> properties(OsdIdentity identity) {
        Dictionary<String, Object> p = new Hashtable<>();
        p.put(AlbireoName.PROPERTY, identity.longId());
        p.put(KIND, identity.kind());
        p.put(NODE, identity.nodeId());
        p.put(HOST, settings.host());
        p.put(PORT, settings.port());
        return p;
    }

    private static void unregisterQuietly(Registration r) {
        try {
            r.unregister();
        } catch (IllegalStateException e) {
            // Already unregistered: the bundle is stopping and the framework withdrew it first.
        }
    }
}
