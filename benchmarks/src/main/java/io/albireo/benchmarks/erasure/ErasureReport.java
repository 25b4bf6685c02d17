package io.albireo.benchmarks.erasure;

import java.util.Collection;
import java.util.Locale;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link ErasureBenchmark} and prints GB/s of data (10^9 bytes of the k data fragments per second) per codec,
 * shape, buffer kind and operation, in the layout the native ISA-L benchmark (benchmarks/src/main/c/isal_bench.c)
 * prints, so the two can be read side by side. JMH options may be given (e.g. -p shape=8+2 -wi 1 -i 3).
 */
public final class ErasureReport {

    private ErasureReport() {
    }

    public static void main(String[] args) throws Exception {
        CommandLineOptions given = new CommandLineOptions(args);
        Collection<RunResult> results = new Runner(new OptionsBuilder().parent(given)
                .include(ErasureBenchmark.class.getName()).build()).run();
        System.out.println();
        System.out.println("impl  shape  buffers  fragment  operation     GB/s   (+- error)");
        for (RunResult r : results) {
            String shape = r.getParams().getParam("shape");
            int k = Integer.parseInt(shape.substring(0, shape.indexOf('+')));
            long fragment = Long.parseLong(r.getParams().getParam("fragmentSize"));
            double bytesPerOp = (double) k * fragment;
            double score = r.getPrimaryResult().getScore();
            double error = r.getPrimaryResult().getScoreError();
            String op = r.getParams().getBenchmark().substring(r.getParams().getBenchmark().lastIndexOf('.') + 1);
            System.out.printf(Locale.ROOT, "%-5s %-6s %-8s %8d  %-9s %8.2f   (+- %.2f)%n",
                    r.getParams().getParam("impl"), shape, r.getParams().getParam("buffers"), fragment, op,
                    score * bytesPerOp / 1e9, (Double.isNaN(error) ? 0 : error) * bytesPerOp / 1e9);
        }
    }
}
