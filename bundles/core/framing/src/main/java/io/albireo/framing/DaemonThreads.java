package io.albireo.framing;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Daemon threads named after what they do: {@code name}, {@code name-1}, {@code name-2}, ... */
public final class DaemonThreads {
    private DaemonThreads() {
    }

    /** @return a factory of daemon threads named {@code name}, then {@code name-1} and so on */
    public static ThreadFactory named(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            int i = n.getAndIncrement();
            Thread t = new Thread(r, i == 0 ? name : name + "-" + i);
            t.setDaemon(true);
            return t;
        };
    }
}
