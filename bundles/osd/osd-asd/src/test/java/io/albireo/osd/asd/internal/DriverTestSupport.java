package io.albireo.osd.asd.internal;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import io.albireo.api.Bytes;

/** A test ASD per test, and drivers that are closed after it. */
abstract class DriverTestSupport {
    /** Bounds every wait, so that a broken driver fails a test instead of hanging the build; never a measurement. */
    static final long PATIENCE_SECONDS = 10;

    TestAsd asd;
    private final List<AsdOsd> drivers = new ArrayList<>();

    @BeforeEach
    void startAsd() throws IOException {
        asd = TestAsd.start();
    }

    @AfterEach
    void stopAll() throws IOException {
        drivers.forEach(AsdOsd::close);
        asd.close();
    }

    /** Test settings: short timeouts and backoff, so failures show in milliseconds. */
    Settings settings() {
        return Settings.local(asd.port()).withTimeouts(2000, 5000).withBackoff(10, 100);
    }

    AsdOsd driver(Settings settings) {
        return driver(settings, System::nanoTime);
    }

    AsdOsd driver(Settings settings, LongSupplier clock) {
        AsdOsd osd = new AsdOsd(settings, clock, identity -> {
        });
        drivers.add(osd);
        return osd;
    }

    /** Closes the driver after the test. */
    AsdOsd track(AsdOsd osd) {
        drivers.add(osd);
        return osd;
    }

    static Bytes key(String text) {
        return Bytes.utf8(text);
    }

    static ByteBuffer buffer(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    }

    static String text(ByteBuffer buffer) {
        return StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
    }

    /** @return the future's value; its failure's cause is thrown as it is */
    static <T> T await(CompletableFuture<T> future) throws Exception {
        try {
            return future.get(PATIENCE_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** @return the exception the future failed with, unwrapped */
    static Throwable failure(CompletableFuture<?> future) throws InterruptedException {
        try {
            Object value = future.get(PATIENCE_SECONDS, TimeUnit.SECONDS);
            return fail("expected a failure, got " + value);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            return fail("the future neither completed nor failed within " + PATIENCE_SECONDS + " s");
        }
    }

    /** Waits until the condition holds, failing the test if it does not within the patience. */
    static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("not within " + PATIENCE_SECONDS + " s: " + what);
            }
            Thread.sleep(5);
        }
    }
}
