package io.albireo.osd.asd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.albireo.api.Bytes;
import io.albireo.api.Update;
import io.albireo.api.osd.OsdProtocolException;
import io.albireo.api.osd.OsdUnavailableException;
import io.albireo.asd.protocol.Message;

/** The driver against an ASD that refuses, stalls, dies, comes back, or breaks the protocol. */
class AsdOsdFailureTest extends DriverTestSupport {

    private String who() {
        return "ASD asd-test-1 at 127.0.0.1:" + asd.port();
    }

    @Test
    void aWrongLongIdFailsEveryOperationWithTheAsdsReason() throws Exception {
        // A long backoff: the calls after the refusal must fail fast, without another connection.
        AsdOsd osd = driver(settings().withLongId("asd-other").withBackoff(60_000, 60_000));
        Throwable first = failure(osd.get(List.of(key("k"))));
        assertInstanceOf(OsdProtocolException.class, first);
        assertEquals("ASD asd-other at 127.0.0.1:" + asd.port()
                + " refused the connection: this address holds ASD asd-test-1, not asd-other", first.getMessage());
        for (int i = 0; i < 20; i++) {
            Throwable again = failure(osd.apply(List.of(), List.of(Update.delete(key("k")))));
            assertInstanceOf(OsdProtocolException.class, again);
            assertTrue(again.getMessage().contains("this address holds ASD asd-test-1, not asd-other"),
                    again.getMessage());
        }
        assertEquals(1, asd.accepted.get());
        assertEquals(1, osd.connectAttempts());
    }

    @Test
    void aWelcomeFromAnotherAsdThanExpectedIsAProtocolError() throws Exception {
        asd.ignoreExpected = true;
        AsdOsd osd = driver(settings().withLongId("asd-other"));
        Throwable t = failure(osd.diskUsage());
        assertInstanceOf(OsdProtocolException.class, t);
        assertEquals("ASD asd-other at 127.0.0.1:" + asd.port() + " welcomed as ASD asd-test-1, not asd-other",
                t.getMessage());
    }

    @Test
    void withoutAConfiguredIdTheFirstAsdIsAdoptedAndNoOtherAccepted() throws Exception {
        AsdOsd osd = driver(settings());
        await(osd.diskUsage());
        assertEquals("asd-test-1", osd.identity().longId());

        asd.stop();
        asd.longId = "asd-test-2";
        asd.restart();
        Throwable[] last = new Throwable[1];
        eventually("the swapped-in ASD refuses the driver", () -> {
            try {
                last[0] = failure(osd.get(List.of(key("k"))));
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            return last[0] instanceof OsdProtocolException;
        });
        assertTrue(last[0].getMessage().contains("this address holds ASD asd-test-2, not asd-test-1"),
                last[0].getMessage());
        assertEquals("asd-test-1", osd.identity().longId());
    }

    @Test
    void anUnansweredRequestTimesOutAndItsConnectionIsReplaced() throws Exception {
        AsdOsd osd = driver(settings().withConnections(1).withTimeouts(2000, 300));
        await(osd.get(List.of(key("warm-up"))));
        asd.hold = true;
        CompletableFuture<?> first = osd.get(List.of(key("a")));
        CompletableFuture<?> second = osd.apply(List.of(), List.of(Update.set(key("b"), ByteBuffer.allocate(1))));
        asd.nextHeld();
        asd.nextHeld();
        Throwable t1 = failure(first);
        Throwable t2 = failure(second);
        assertInstanceOf(OsdUnavailableException.class, t1);
        assertInstanceOf(OsdUnavailableException.class, t2);
        assertTrue(t1.getMessage().startsWith(who() + ": a "), t1.getMessage());
        assertTrue(t1.getMessage().contains(" request went unanswered for 300 ms; connection closed"),
                t1.getMessage());
        assertTrue(t2.getMessage().endsWith("; connection closed; the apply may or may not have happened"),
                t2.getMessage());
        assertEquals(AsdConnection.Reason.Kind.TIMEOUT, osd.lastCloseReason().kind());

        asd.hold = false;
        await(osd.get(List.of(key("after"))));
        assertEquals(2, asd.accepted.get(), "the timed-out connection was replaced");
    }

    @Test
    void anAsdDyingMidRequestFailsItAndIsReconnectedWhenBack() throws Exception {
        AsdOsd osd = driver(settings());
        await(osd.get(List.of(key("warm-up"))));
        asd.hold = true;
        CompletableFuture<Void> apply = osd.apply(List.of(), List.of(Update.set(key("k"), ByteBuffer.allocate(8))));
        asd.nextHeld();
        asd.stop();

        Throwable inFlight = failure(apply);
        assertInstanceOf(OsdUnavailableException.class, inFlight);
        assertTrue(inFlight.getMessage().startsWith(who() + ": "), inFlight.getMessage());
        assertTrue(inFlight.getMessage().endsWith("; the apply may or may not have happened"), inFlight.getMessage());
        Throwable whileDown = failure(osd.get(List.of(key("k"))));
        assertInstanceOf(OsdUnavailableException.class, whileDown);
        assertTrue(whileDown.getMessage().startsWith(who()), whileDown.getMessage());

        asd.hold = false;
        asd.restart();
        eventually("the driver reconnects to the restarted ASD", () -> osd.get(List.of(key("k"))).handle(
                (v, t) -> t == null).join());
        assertEquals("asd-test-1", osd.identity().longId());
    }

    @Test
    void reconnectsBackOffInsteadOfHammeringADeadAsd() throws Exception {
        AtomicLong now = new AtomicLong(0);
        long ms = TimeUnit.MILLISECONDS.toNanos(1);
        asd.hangUpOnAccept = true;
        AsdOsd osd = driver(settings().withBackoff(100, 400), now::get);

        Throwable first = failure(osd.get(List.of(key("k"))));
        assertInstanceOf(OsdUnavailableException.class, first);
        assertTrue(first.getMessage().contains("during the handshake"), first.getMessage());
        // However often callers try while the clock stands still, no second attempt is made: they fail fast.
        for (int i = 0; i < 100; i++) {
            Throwable t = failure(osd.get(List.of(key("k"))));
            assertTrue(t.getMessage().endsWith("(next attempt in 100 ms)"), t.getMessage());
        }
        assertEquals(1, osd.connectAttempts());

        long[] waits = {100, 200, 400, 400};
        for (int attempt = 0; attempt < waits.length; attempt++) {
            now.addAndGet((waits[attempt] - 1) * ms);
            failure(osd.get(List.of(key("k"))));
            assertEquals(attempt + 1, osd.connectAttempts(), "no attempt 1 ms before the wait is over");
            now.addAndGet(ms);
            failure(osd.get(List.of(key("k"))));
            assertEquals(attempt + 2, osd.connectAttempts(), "one attempt once the wait of " + waits[attempt]
                    + " ms is over");
        }
        eventually("the dead ASD saw every attempt", () -> asd.accepted.get() == 5);

        asd.hangUpOnAccept = false;
        now.addAndGet(400 * ms);
        await(osd.get(List.of(key("k"))));
        assertEquals(6, osd.connectAttempts());
        assertEquals(6, asd.accepted.get());
    }

    @Test
    void anUnreachablePortFailsWithTheReason() throws Exception {
        int port;
        try (ServerSocketChannel s = ServerSocketChannel.open()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            port = ((InetSocketAddress) s.getLocalAddress()).getPort();
        }
        AsdOsd osd = driver(Settings.local(port).withBackoff(10, 100));
        Throwable t = failure(osd.get(List.of(key("k"))));
        assertInstanceOf(OsdUnavailableException.class, t);
        assertTrue(t.getMessage().startsWith("the ASD at 127.0.0.1:" + port + ": cannot connect: "),
                t.getMessage());
    }

    @Test
    void aSilentHandshakeTimesOut() throws Exception {
        asd.silentHandshake = true;
        AsdOsd osd = driver(settings().withTimeouts(200, 5000));
        Throwable t = failure(osd.get(List.of(key("k"))));
        assertInstanceOf(OsdUnavailableException.class, t);
        assertEquals("the ASD at 127.0.0.1:" + asd.port() + ": no answer to the handshake within 200 ms",
                t.getMessage());
    }

    @Test
    void garbageClosesTheConnectionWithTheReason() throws Exception {
        // A frame of an unknown type.
        malformed(new byte[] {0, 0, 0, 9, 0x7f, 0, 0, 0, 0, 0, 0, 0, 1}, "unknown frame type 0x7f");
    }

    @Test
    void aFrameOverTheLimitClosesTheConnection() throws Exception {
        malformed(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff}, "frame of 2147483647 bytes");
    }

    @Test
    void anAnswerToNoRequestClosesTheConnection() throws Exception {
        byte[] applied = {0, 0, 0, 9, (byte) 0x82, 0, 0, 0, 0, 0, 0, 3, (byte) 0xe7};
        malformed(applied, "the ASD answered request 999, which is not outstanding");
    }

    @Test
    void aRequestFromTheAsdClosesTheConnection() throws Exception {
        byte[] diskUsage = {0, 0, 0, 9, 0x14, 0, 0, 0, 0, 0, 0, 0, 1};
        malformed(diskUsage, "the ASD sent a GetDiskUsage frame, which is not a response");
    }

    @Test
    void anAnswerOfTheWrongTypeClosesTheConnection() throws Exception {
        asd.override = request -> new Message.Applied();
        answeredWrongly("the ASD answered a get with a frame of type Applied");
    }

    @Test
    void theWrongNumberOfValuesClosesTheConnection() throws Exception {
        asd.override = request -> new Message.Values(List.of(Optional.empty(), Optional.empty()));
        answeredWrongly("the ASD returned 2 values for a get of 1");
    }

    @Test
    void anAssertIndexOutOfRangeClosesTheConnection() throws Exception {
        AsdOsd osd = driver(settings().withConnections(1));
        await(osd.get(List.of(key("warm-up"))));
        asd.override = request -> request instanceof Message.Apply ? new Message.AssertFailed(5, key("k")) : null;
        Throwable t = failure(osd.apply(List.of(), List.of(Update.delete(key("k")))));
        assertInstanceOf(OsdProtocolException.class, t);
        assertTrue(t.getMessage().contains("the ASD reported assert 5 failed, of 0"), t.getMessage());
        assertEquals(AsdConnection.Reason.Kind.PROTOCOL, osd.lastCloseReason().kind());
    }

    /** The ASD answers the next get with {@code raw}; the request fails and the connection closes, saying why. */
    private void malformed(byte[] raw, String reason) throws Exception {
        AsdOsd osd = driver(settings().withConnections(1));
        await(osd.get(List.of(key("warm-up"))));
        asd.hold = true;
        CompletableFuture<?> f = osd.get(List.of(key("k")));
        TestAsd.Held held = asd.nextHeld();
        held.peer().write(new ByteBuffer[] {ByteBuffer.wrap(raw)});
        Throwable t = failure(f);
        assertInstanceOf(OsdProtocolException.class, t);
        assertTrue(t.getMessage().startsWith(who() + ": protocol error: "), t.getMessage());
        assertTrue(t.getMessage().contains(reason), t.getMessage());
        assertEquals(AsdConnection.Reason.Kind.PROTOCOL, osd.lastCloseReason().kind());
        assertTrue(osd.lastCloseReason().text().contains(reason), osd.lastCloseReason().text());
        asd.hold = false;
        await(osd.get(List.of(key("after"))));
        assertEquals(2, asd.accepted.get(), "a new connection replaced the broken one");
    }

    private void answeredWrongly(String reason) throws Exception {
        AsdOsd osd = driver(settings().withConnections(1));
        Throwable t = failure(osd.get(List.of(key("k"))));
        assertInstanceOf(OsdProtocolException.class, t);
        assertEquals(who() + ": " + reason + "; connection closed", t.getMessage());
        assertEquals(AsdConnection.Reason.Kind.PROTOCOL, osd.lastCloseReason().kind());
        assertEquals("protocol error: " + reason, osd.lastCloseReason().text());
        assertFalse(osd.openConnectionCount() > 0);
    }

    @Test
    void stoppingTheDriverFailsRequestsInFlightAndAfter() throws Exception {
        AsdOsd osd = driver(settings());
        await(osd.get(List.of(key("warm-up"))));
        asd.hold = true;
        CompletableFuture<Void> apply = osd.apply(List.of(), List.of(Update.set(key("k"), ByteBuffer.allocate(1))));
        CompletableFuture<?> get = osd.get(List.of(key("k")));
        asd.nextHeld();
        asd.nextHeld();
        osd.close();

        for (CompletableFuture<?> f : List.of(apply, get, osd.get(List.of(key("later"))), osd.diskUsage())) {
            Throwable t = failure(f);
            assertInstanceOf(OsdUnavailableException.class, t);
            assertEquals(who() + ": driver stopped", t.getMessage());
        }
        assertTrue(Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .noneMatch(t -> t.getName().startsWith("asd-127.0.0.1:" + asd.port() + "-reader")),
                "no reader thread outlives the driver");
    }

    @Test
    void stoppingWhileConnectingFailsTheWaitingCallers() throws Exception {
        asd.silentHandshake = true;
        AsdOsd osd = driver(settings().withTimeouts(60_000, 60_000));
        CompletableFuture<?> waiting = osd.get(List.of(key("k")));
        eventually("the handshake is under way", () -> asd.hellos.get() == 1);
        osd.close();
        Throwable t = failure(waiting);
        assertInstanceOf(OsdUnavailableException.class, t);
        assertTrue(t.getMessage().endsWith("driver stopped"), t.getMessage());
    }

    @Test
    void bytesKeysSurviveTheWire() throws Exception {
        AsdOsd osd = driver(settings());
        Bytes binary = Bytes.of((byte) 0, (byte) 0xff, (byte) 0x80);
        await(osd.apply(List.of(), List.of(Update.set(binary, Bytes.of((byte) 1)))));
        assertEquals(Bytes.of((byte) 1), Bytes.copyOf(await(osd.get(List.of(binary))).get(0).orElseThrow()));
    }
}
