package io.albireo.codec.rs.isal.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;


import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * The functions of Intel ISA-L's erasure code API (isa-l/erasure_code.h) this bundle calls, bound with JNA direct
 * mapping: each call is a plain native call, with no per-call reflection. The binding is made once per class loader
 * by {@link #load()}, which remembers it: JNA's registration is per class, so this is the one static state here.
 */
final class Isal {
    /** Debian's libisal2 installs the first name; the unversioned libisal.so comes only with libisal-dev. */
    static final String[] LIBRARY_NAMES = {"libisal.so.2", "isal"};
    /** The library the natives are bound to: mirrors JNA's own per-class registration. */
    private static NativeLibrary bound;
    private static final Pattern VERSIONED = Pattern.compile("libisal\\.so\\.(\\d+)\\.\\d+\\.(\\d+)$");

    private Isal() {
    }

    /** Fills {@code a} (m rows of k) with the identity over the Cauchy matrix 1 / (i XOR j). */
    static native void gf_gen_cauchy1_matrix(byte[] a, int m, int k);

    /** @return 0, having written the inverse of the n x n matrix {@code in} to {@code out}; non-zero if singular */
    static native int gf_invert_matrix(byte[] in, byte[] out, int n);

    /** @return a * b in GF(2^8) */
    static native byte gf_mul(byte a, byte b);

    /** Expands rows x k coefficients into the 32 * k * rows bytes of lookup tables ec_encode_data uses. */
    static native void ec_init_tables(int k, int rows, byte[] a, Pointer tables);

    /** Computes rows outputs of len bytes from k inputs; data and coding are arrays of pointers. */
    static native void ec_encode_data(int len, int k, int rows, Pointer tables, Pointer data, Pointer coding);

    /**
     * Binds the functions to the first library found, once per class loader (JNA's registration is per class).
     *
     * @param names library names or paths to try in order; none: {@link #LIBRARY_NAMES}
     * @return the library bound
     * @throws UnsatisfiedLinkError naming what was tried, when no library is found
     */
    static synchronized NativeLibrary load(String... names) {
        if (bound == null) {
            NativeLibrary library = library(names.length == 0 ? LIBRARY_NAMES : names);
            Native.register(Isal.class, library);
            bound = library;
        }
        return bound;
    }

    /**
     * @return the first of {@code names} that loads (JNA keeps it loaded and returns the same instance)
     * @throws UnsatisfiedLinkError naming what was tried, when none does
     */
    private static NativeLibrary library(String... names) {
        UnsatisfiedLinkError failure = null;
        for (String name : names) {
            try {
                return NativeLibrary.getInstance(name);
            } catch (UnsatisfiedLinkError e) {
                failure = failure == null ? e : failure;
            }
        }
        throw new UnsatisfiedLinkError("Intel ISA-L not found (tried " + String.join(", ", names) + "): "
                + (failure == null ? "" : failure.getMessage()));
    }

    /**
     * @return the library's version as its file name says: libisal.so.2 links to libisal.so.2.0.30, which is ISA-L
     *         2.30. When the dynamic loader found it by its soname, JNA does not know the file, but the process's
     *         memory map does.
     */
    static String version(NativeLibrary library) {
        List<String> candidates = new ArrayList<>();
        if (library.getFile() != null) {
            candidates.add(library.getFile().getPath());
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int at = line.indexOf('/');
                if (at >= 0 && line.contains("libisal.so")) {
                    candidates.add(line.substring(at));
                }
            }
        } catch (IOException e) {
            // not Linux, or no procfs: the version stays unknown
        }
        for (String candidate : candidates) {
            try {
                Matcher m = VERSIONED.matcher(Path.of(candidate).toRealPath().toString());
                if (m.find()) {
                    return m.group(1) + "." + m.group(2);
                }
            } catch (IOException e) {
                // try the next one
            }
        }
        return "unknown";
    }
}
