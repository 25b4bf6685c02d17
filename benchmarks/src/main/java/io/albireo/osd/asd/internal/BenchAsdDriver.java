package io.albireo.osd.asd.internal;

import io.albireo.api.osd.Osd;

/**
 * Opens the package-private ASD driver for the benchmarks, which run outside OSGi; it lives in the driver's package in
 * the benchmark jar only, as a test would.
 */
public final class BenchAsdDriver {
    private BenchAsdDriver() {
    }

    /** @return a started driver for the ASD at 127.0.0.1:{@code port}, with the default settings (4 connections) */
    public static Osd open(int port) {
        AsdOsd osd = new AsdOsd(Settings.local(port), System::nanoTime, identity -> {
        });
        osd.start();
        return osd;
    }

    /** Closes a driver {@link #open} returned. */
    public static void close(Osd osd) {
        ((AsdOsd) osd).close();
    }
}
