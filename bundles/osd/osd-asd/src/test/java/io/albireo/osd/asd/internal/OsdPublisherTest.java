package io.albireo.osd.asd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.Dictionary;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import io.albireo.api.osd.OsdIdentity;
import io.albireo.api.osd.OsdUnavailableException;

/** When the Osd service appears, changes and goes, against a recorder of registrations and a real test ASD. */
class OsdPublisherTest extends DriverTestSupport {

    /** Records what the publisher asks of the framework. */
    static final class Recorder implements OsdPublisher.Registrar {
        final List<String> events = new CopyOnWriteArrayList<>();
        volatile Map<String, Object> properties = Map.of();
        Runnable duringRegister = () -> {
        };

        @Override
        public OsdPublisher.Registration register(Dictionary<String, Object> p) {
            duringRegister.run();
            events.add("register " + p.get("albireo.name"));
            properties = copy(p);
            return new OsdPublisher.Registration() {
                @Override
                public void update(Dictionary<String, Object> u) {
                    events.add("update " + u.get("albireo.osd.node"));
                    properties = copy(u);
                }

                @Override
                public void unregister() {
                    events.add("unregister");
                }
            };
        }

        private static Map<String, Object> copy(Dictionary<String, Object> d) {
            return Collections.list(d.keys()).stream().collect(java.util.stream.Collectors.toMap(k -> k, d::get));
        }
    }

    @Test
    void theServiceAppearsAfterTheFirstHandshakeAndStaysWhileTheAsdIsDown() throws Exception {
        asd.stop();
        Recorder recorder = new Recorder();
        Settings settings = settings();
        OsdPublisher publisher = new OsdPublisher(recorder, settings);
        AsdOsd osd = new AsdOsd(settings, System::nanoTime, publisher::identityKnown);
        try {
            osd.start();
            eventually("the driver tried the ASD that is down", () -> osd.connectAttempts() >= 2);
            assertTrue(recorder.events.isEmpty(), "no service before a handshake: " + recorder.events);

            asd.restart();
            eventually("the service is registered", () -> !recorder.events.isEmpty());
            assertEquals(List.of("register asd-test-1"), recorder.events);
            assertEquals(Map.of("albireo.name", "asd-test-1", "albireo.osd.kind", "asd", "albireo.osd.node", "node-1",
                    "albireo.osd.host", "127.0.0.1", "albireo.osd.port", asd.port()), recorder.properties);

            asd.stop();
            Throwable down = failure(osd.get(List.of(key("k"))));
            assertInstanceOf(OsdUnavailableException.class, down);
            assertEquals(List.of("register asd-test-1"), recorder.events, "still registered while down");

            // The disk moved to another node behind the same address: the service's properties follow.
            asd.nodeId = "node-2";
            asd.restart();
            eventually("the driver reconnects", () -> osd.get(List.of(key("k"))).handle((v, t) -> t == null).join());
            eventually("the node is updated", () -> recorder.events.size() == 2);
            assertEquals(List.of("register asd-test-1", "update node-2"), recorder.events);
            assertEquals(new OsdIdentity("asd-test-1", "node-2", "asd"), osd.identity());
        } finally {
            publisher.close();
            osd.close();
        }
        assertEquals(List.of("register asd-test-1", "update node-2", "unregister"), recorder.events);
    }

    @Test
    void theSameIdentityTwiceRegistersOnce() {
        Recorder recorder = new Recorder();
        OsdPublisher publisher = new OsdPublisher(recorder, settings());
        OsdIdentity id = new OsdIdentity("asd-1", "node-1", "asd");
        publisher.identityKnown(id);
        publisher.identityKnown(id);
        assertTrue(publisher.registered());
        publisher.close();
        publisher.close();
        publisher.identityKnown(new OsdIdentity("asd-1", "node-2", "asd"));
        assertEquals(List.of("register asd-1", "unregister"), recorder.events);
        assertFalse(publisher.registered());
    }

    @Test
    void aStopDuringRegistrationWithdrawsTheService() {
        Recorder recorder = new Recorder();
        OsdPublisher publisher = new OsdPublisher(recorder, settings());
        recorder.duringRegister = publisher::close;
        publisher.identityKnown(new OsdIdentity("asd-1", "node-1", "asd"));
        assertEquals(List.of("register asd-1", "unregister"), recorder.events);
        assertFalse(publisher.registered());
    }
}
