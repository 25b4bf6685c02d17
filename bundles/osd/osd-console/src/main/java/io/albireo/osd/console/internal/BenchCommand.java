package io.albireo.osd.console.internal;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

import io.albireo.api.StorageException;
import io.albireo.api.osd.Osd;
import io.albireo.api.osd.OsdIdentity;
import io.albireo.console.support.OsdCompleter;
import io.albireo.console.support.TrailingOptions;

/**
 * {@code osd:bench ID}: measures one OSD through its Osd service, whatever its driver, as the rest of the appliance
 * sees it, like {@code rados bench}.
 */
@Service
@Command(scope = "osd", name = "bench", description = "Measures one OSD as the appliance sees it: N clients write"
        + " values, read them back whole and by 4 KiB slices, then delete them; per phase ops/s, MB/s (10^6 bytes per"
        + " second) and latency mean, p50, p99 and max.",
        detailedDescription = "Each client has one operation in flight at a time. The write phase lasts --seconds;"
                + " the reads go once over the keys written, for at most --seconds each; the deletes remove every key"
                + " written. Every read is checked against what was written.\n"
                + "Keys are bench/RUN/CLIENT/N, RUN being 16 random hex digits chosen per run: the bench refuses to"
                + " start if anything exists under its prefix, touches no other key, and deletes everything under it at"
                + " the end, also when an operation fails or the command is interrupted (Ctrl-C).\n"
                + "It fails (exit 1 from bin/client) if any operation failed or anything could not be deleted.\n"
                + "Examples: osd:bench ID;  osd:bench ID --size 4096 --clients 32 --seconds 5")
public class BenchCommand implements Action {
    static final int MAX_SIZE = 64 << 20;
    static final int MAX_CLIENTS = 256;
    /** Each client holds a value of --size: bounded so a bench cannot exhaust the appliance's heap. */
    static final long MAX_BUFFERS = 256L << 20;

    @Reference
    BundleContext context;

    @Argument(index = 0, name = "id", required = true, description = "The OSD's long id (the albireo.name of its Osd"
            + " service)")
    @Completion(OsdCompleter.class)
    String id;

    @Argument(index = 1, name = "options", required = false, multiValued = true,
            description = "The options may also follow the id: osd:bench ID --clients 4")
    List<String> trailing;

    @Option(name = "--size", description = "Bytes per value, 1 to 64 MiB (default 1048576)")
    int size = 1 << 20;

    @Option(name = "--clients", description = "Concurrent clients, 1 to 256 (default 16)")
    int clients = 16;

    @Option(name = "--seconds", description = "Seconds of writing, and at most of each read phase (default 10)")
    double seconds = 10;

    @Override
    public Object execute() throws Exception {
        TrailingOptions.apply(this, trailing);
        if (size < 1 || size > MAX_SIZE) {
            throw new CommandException("--size must be 1 to " + MAX_SIZE + " bytes; got " + size);
        }
        if (clients < 1 || clients > MAX_CLIENTS) {
            throw new CommandException("--clients must be 1 to " + MAX_CLIENTS + "; got " + clients);
        }
        if ((long) size * clients > MAX_BUFFERS) {
            throw new CommandException("--clients x --size must be at most " + (MAX_BUFFERS >> 20) + " MiB; got "
                    + ((long) size * clients >> 20) + " MiB");
        }
        ServiceReference<Osd> ref;
        try {
            ref = Osds.find(context, id);
        } catch (IllegalArgumentException e) {
            throw new CommandException(e.getMessage());
        }
        if (ref == null) {
            List<String> names = Osds.names(context);
            throw new CommandException("no OSD is registered as '" + id + "'; " + (names.isEmpty()
                    ? "none is registered (configure an ASD: feature albireo-osd-asd, etc/io.albireo.osd.asd-NAME.cfg)"
                    : "registered: " + String.join(", ", names)));
        }
        Osd osd = context.getService(ref);
        if (osd == null) {
            throw new CommandException("OSD '" + id + "' went away");
        }
        try {
            OsdBench bench;
            try {
                bench = new OsdBench(osd, size, clients, seconds, System::nanoTime, OsdBench.newRunId());
            } catch (IllegalArgumentException e) {
                throw new CommandException(e.getMessage());
            }
            System.out.printf(Locale.ROOT, "osd:bench %s%s: %d clients, values of %d bytes, %s s per phase;"
                    + " keys under %s, deleted at the end%n", id, where(osd, ref), clients, size, seconds,
                    bench.prefix());
            OsdBench.Run run;
            try {
                run = bench.run(System.out);
            } catch (IllegalStateException | StorageException | TimeoutException e) {
                // The check before the first write failed: nothing was written.
                throw new CommandException(e.getMessage(), e);
            }
            String cleanup = run.leftOver() == 0 ? "every key under " + bench.prefix() + " is deleted"
                    : "could not delete the keys under " + bench.prefix() + ": " + run.cleanupError();
            System.out.println("clean-up: " + cleanup);
            if (run.interrupted()) {
                throw new CommandException("interrupted; " + cleanup);
            }
            if (run.leftOver() != 0) {
                throw new CommandException(cleanup);
            }
            if (run.errors() > 0) {
                throw new CommandException(run.errors() + " operation(s) failed; the first: " + run.firstError());
            }
        } finally {
            context.ungetService(ref);
        }
        return null;
    }

    /** @return " (asd on node N at host:port)", from what the OSD and its service say */
    private static String where(Osd osd, ServiceReference<Osd> ref) {
        StringBuilder b = new StringBuilder();
        try {
            OsdIdentity identity = osd.identity();
            b.append(identity.kind()).append(" on node ").append(identity.nodeId());
        } catch (RuntimeException e) {
            b.append("identity unknown: ").append(OsdBench.describe(e));
        }
        Object host = ref.getProperty("albireo.osd.host");
        Object port = ref.getProperty("albireo.osd.port");
        if (host != null && port != null) {
            b.append(" at ").append(host).append(':').append(port);
        }
        return " (" + b + ")";
    }
}
