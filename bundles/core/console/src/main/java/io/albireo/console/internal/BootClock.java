package io.albireo.console.internal;

import java.lang.management.ManagementFactory;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * Remembers when the last bundle became active, as JVM uptime: once boot is over, that is the boot time
 * {@code albireo:status} reports. It starts with the console bundle and listens from then on, which is enough: only
 * the latest start matters.
 */
@Component(service = BootClock.class, immediate = true)
public final class BootClock implements BundleListener {
    private final BundleContext context;
    private volatile long lastStartMillis;

    @Activate
    public BootClock(BundleContext context) {
        this.context = context;
        this.lastStartMillis = uptime();
        context.addBundleListener(this);
    }

    @Deactivate
    void stop() {
        context.removeBundleListener(this);
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        if (event.getType() == BundleEvent.STARTED) {
            lastStartMillis = uptime();
        }
    }

    /** @return the JVM uptime when the latest bundle start happened, in milliseconds */
    long lastStartMillis() {
        return lastStartMillis;
    }

    /** @return the bundles that are neither active nor fragments (fragments stay resolved) */
    long inactiveBundles() {
        long count = 0;
        for (Bundle b : context.getBundles()) {
            boolean fragment = b.getHeaders("").get(org.osgi.framework.Constants.FRAGMENT_HOST) != null;
            if (b.getState() != Bundle.ACTIVE && !fragment) {
                count++;
            }
        }
        return count;
    }

    /** @return the number of installed bundles */
    int bundles() {
        return context.getBundles().length;
    }

    private static long uptime() {
        return ManagementFactory.getRuntimeMXBean().getUptime();
    }
}
