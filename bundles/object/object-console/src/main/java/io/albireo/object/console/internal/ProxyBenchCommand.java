package io.albireo.object.console.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.StringsCompleter;

import io.albireo.console.support.PresetCompleter;

/**
 * {@code proxy:bench put|get|partial}: ops/s, MB/s and latency percentiles on the ObjectStore service, in a namespace
 * of its own that it deletes afterwards.
 */
@Service
@Command(scope = "proxy", name = "bench", description = "Measures the ObjectStore: put, get or partial (4 KiB reads):"
        + " ops/s, MB/s, latency percentiles. Creates and deletes its own namespace.")
public class ProxyBenchCommand extends ObjectAction {

    @Argument(index = 0, name = "mode", required = true, description = "put, get or partial")
    @Completion(value = StringsCompleter.class, values = {"put", "get", "partial"})
    String mode;

    @Option(name = "--size", description = "The objects' size (4KiB, 1MiB, 64MiB...; default 1MiB)")
    String size = "1MiB";

    @Option(name = "--threads", description = "Concurrent callers (default 4)")
    int threads = 4;

    @Option(name = "--seconds", description = "How long to measure (default 10)")
    double seconds = 10;

    @Option(name = "--warmup", description = "Seconds of the same load run first and not counted, so that the figures"
            + " are the steady state, not the JIT compiling the path (default 5)")
    double warmup = 5;

    @Option(name = "--namespace", description = "The namespace to create and delete (default: bench-<random>)")
    String namespace;

    @Option(name = "--preset", description = "The namespace's preset (default: the backend's default)")
    @Completion(PresetCompleter.class)
    String preset;

    @Override
    void run() throws Exception {
        ObjectBench.Mode m = ObjectBench.Mode.parse(mode);
        int bytes = ObjectBench.parseSize(size);
        ObjectBench.Result r = ObjectBench.run(store, m, bytes, threads, warmup, seconds, namespace,
                preset);
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("mode", mode);
            out.put("size", bytes);
            out.put("threads", threads);
            out.put("ops", r.ops());
            out.put("seconds", r.nanos() / 1e9);
            out.put("opsPerSecond", r.opsPerSecond());
            out.put("mbPerSecond", r.mbPerSecond());
            out.put("p50Micros", r.percentileMicros(50));
            out.put("p90Micros", r.percentileMicros(90));
            out.put("p99Micros", r.percentileMicros(99));
            out.put("maxMicros", r.percentileMicros(100));
            printJson(out);
        } else {
            r.print(System.out, m, bytes, threads);
        }
    }
}
