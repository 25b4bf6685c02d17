package io.albireo.codec.registry.internal.command;

import java.util.List;
import java.util.Locale;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;

import io.albireo.api.codec.AlgorithmUnavailableException;
import io.albireo.api.codec.Cipher;
import io.albireo.api.codec.CodecRegistry;
import io.albireo.api.codec.CodecRegistry.AlgorithmInfo;
import io.albireo.api.codec.Compressor;
import io.albireo.api.codec.ErasureCodec;
import io.albireo.console.support.TrailingOptions;

/**
 * {@code codec:bench NAME}: measures one algorithm inside the running appliance, on one thread, like
 * {@code rados bench}. For erasure codecs {@code --impl} picks the implementation (java, isal), which is how an operator
 * sees whether the accelerated codec is in use and how much it brings.
 */
@Service
@Command(scope = "codec", name = "bench", description = "Measures one codec algorithm in this appliance and prints"
        + " MB/s (10^6 bytes per second) per operation, on one thread.",
        detailedDescription = "Erasure codecs: encode, then decode with min(m, k) data fragments lost; --size is the"
                + " fragment size and MB/s counts the k data fragments. Compressors: compress (with the ratio) and"
                + " decompress. Ciphers: encrypt and decrypt with a fresh random key (never shown). Checksums:"
                + " compute. Inputs are generated in memory; nothing stored is read or written.\n"
                + "Examples: codec:bench rs --impl isal --k 8 --m 2;  codec:bench zstd --level 9 --data text;"
                + "  codec:bench none --family cipher")
public class BenchCommand implements Action {

    @Reference
    CodecRegistry registry;

    @Argument(index = 0, name = "name", required = true, description = "The algorithm: rs, zstd, aes-256-gcm, crc32c ...")
    @Completion(AlgorithmCompleter.class)
    String name;

    @Argument(index = 1, name = "options", required = false, multiValued = true,
            description = "The options may also follow the name: codec:bench rs --impl isal --k 4")
    List<String> trailing;

    @Option(name = "--impl", description = "The implementation to measure, where several provide the algorithm"
            + " (rs: java or isal); default: the one the data path uses")
    @Completion(ImplementationCompleter.class)
    String implementation;

    @Option(name = "--family", description = "The family, when the name is in several (none: compressor or cipher)")
    @Completion(FamilyCompleter.class)
    String family;

    @Option(name = "--k", description = "Erasure codecs: data fragments (default 8)")
    int k = 8;

    @Option(name = "--m", description = "Erasure codecs: parity fragments (default 2)")
    int m = 2;

    @Option(name = "--size", description = "Bytes per fragment (erasure codecs) or per input (others); default 1 MiB")
    int size = 1 << 20;

    @Option(name = "--seconds", description = "Seconds to measure each operation (default 3)")
    double seconds = 3;

    @Option(name = "--level", description = "Compressors: the level (default: the algorithm's default)")
    Integer level;

    @Option(name = "--block", description = "Ciphers: plaintext bytes per sealed block (default 65536)")
    int block = Cipher.MAX_BLOCK_SIZE;

    @Option(name = "--data", description = "Compressors, ciphers, checksums: mixed, text, zeros or random (default mixed)")
    String data = "mixed";

    @Override
    public Object execute() throws Exception {
        TrailingOptions.apply(this, trailing);
        if (size < 1 || size > (1 << 28)) {
            throw new CommandException("--size must be from 1 byte to 256 MiB; got " + size);
        }
        CodecBench bench;
        CodecBench.Data input;
        try {
            bench = new CodecBench(seconds, System::nanoTime);
            input = CodecBench.Data.valueOf(data.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandException(e.getMessage().startsWith("No enum")
                    ? "--data must be mixed, text, zeros or random; got " + data : e.getMessage());
        }
        try {
            String which = family();
            List<CodecBench.Result> results;
            switch (which) {
                case "erasure-codec" -> {
                    ErasureCodec codec = implementation == null ? registry.erasureCodec(name)
                            : registry.erasureCodec(name, implementation);
                    System.out.printf(Locale.ROOT, "%s (%s: %s), RS(%d,%d), fragments of %d bytes, %s s per"
                            + " operation, one thread%n", name, codec.implementation(), codec.details(), k, m, size,
                            seconds);
                    results = bench.erasureCodec(codec, k, m, size);
                }
                case "compressor" -> {
                    noImplementationChoice();
                    Compressor compressor = registry.compressor(name);
                    int chosen = level == null ? compressor.levels().defaultLevel() : level;
                    compressor.levels().check(name, chosen);
                    System.out.printf(Locale.ROOT, "%s (level %d), %d bytes of %s data, %s s per operation, one"
                            + " thread%n", name, chosen, size, data, seconds);
                    results = bench.compressor(compressor, chosen, input.make(size));
                }
                case "cipher" -> {
                    noImplementationChoice();
                    System.out.printf(Locale.ROOT, "%s, blocks of %d bytes, %d bytes of %s data, %s s per operation,"
                            + " one thread%n", name, block, size, data, seconds);
                    results = bench.cipher(registry.cipher(name), block, input.make(size));
                }
                default -> {
                    noImplementationChoice();
                    System.out.printf(Locale.ROOT, "%s, %d bytes of %s data, %s s per operation, one thread%n",
                            name, size, data, seconds);
                    results = bench.checksum(registry.checksum(name), input.make(size));
                }
            }
            results.forEach(r -> System.out.println(r.line()));
        } catch (AlgorithmUnavailableException | IllegalArgumentException | IllegalStateException e) {
            throw new CommandException(e.getMessage(), e);
        }
        return null;
    }

    /** @return the family to measure: --family, else the only family with an active algorithm of this name */
    private String family() throws CommandException {
        if (family != null) {
            if (!FamilyCompleter.FAMILIES.contains(family)) {
                throw new CommandException("--family must be one of " + FamilyCompleter.FAMILIES + "; got " + family);
            }
            return family;
        }
        List<String> families = registry.algorithms().stream().filter(a -> a.name().equals(name))
                .map(AlgorithmInfo::family).distinct().toList();
        if (families.isEmpty()) {
            throw new CommandException("no codec is named '" + name + "': codec:list shows them all");
        }
        if (families.size() > 1) {
            throw new CommandException("'" + name + "' is a " + String.join(" and a ", families)
                    + ": say which with --family");
        }
        return families.get(0);
    }

    private void noImplementationChoice() throws CommandException {
        if (implementation != null) {
            throw new CommandException("--impl chooses among erasure codec implementations; " + name
                    + " has only one");
        }
    }
}
