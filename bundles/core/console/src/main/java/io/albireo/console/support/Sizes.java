package io.albireo.console.support;

import java.util.Locale;

/**
 * Byte counts as the console shows and reads them: binary units with one decimal ("1.5 GiB"), and sizes typed with
 * an optional K, M, G or T suffix (powers of 1024: "64M"). One place, so that every command prints and parses sizes
 * alike.
 */
public final class Sizes {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private Sizes() {
    }

    /** @return the size in binary units with one decimal, e.g. "512 B", "1.5 GiB"; "?" when negative (unknown) */
    public static String format(long n) {
        if (n < 0) {
            return "?";
        }
        if (n < 1024) {
            return n + " B";
        }
        int unit = (63 - Long.numberOfLeadingZeros(n)) / 10; // 1024^unit <= n
        return String.format(Locale.ROOT, "%.1f %s", n / Math.pow(1024, unit), UNITS[unit]);
    }

    /**
     * Reads a size typed at the console: digits with an optional K, M, G or T (and an optional B after it).
     *
     * @param what what the size is, for the message
     * @throws IllegalArgumentException if it is not such a size, is negative or overflows
     */
    public static long parse(String text, String what) {
        String t = text.strip().toUpperCase(Locale.ROOT);
        if (t.endsWith("IB")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("B") && t.length() > 1 && !Character.isDigit(t.charAt(t.length() - 2))) {
            t = t.substring(0, t.length() - 1);
        } else if (t.endsWith("B")) {
            t = t.substring(0, t.length() - 1);
        }
        long unit = 1;
        char last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
        int shift = "KMGT".indexOf(last);
        if (shift >= 0) {
            unit = 1L << 10 * (shift + 1);
            t = t.substring(0, t.length() - 1);
        }
        try {
            long v = Long.parseLong(t.strip());
            if (v < 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(v, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(what + " is a number of bytes with an optional K, M, G or T (64M);"
                    + " got '" + text + "'");
        }
    }
}
