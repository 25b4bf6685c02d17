package io.albireo.maintenance.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code maintenance:rate}: shows or sets the rate limit. */
@Service
@Command(scope = "maintenance", name = "rate", description = "Shows, or sets, the bytes per second this appliance's"
        + " maintenance may rebuild, move or verify (0: no limit), so that client IO keeps priority. Accepts K, M and"
        + " G suffixes (powers of 1024): maintenance:rate 64M.")
public class RateCommand extends MaintenanceAction {

    @Argument(index = 0, name = "bytesPerSecond", required = false, description = "The new limit, e.g. 64M; 0 for"
            + " none")
    String limit;

    @Override
    void run() {
        if (limit != null) {
            maintenance.rateLimit(parse(limit));
        }
        long now = maintenance.status().rateLimit();
        System.out.println("rate limit: " + (now == 0 ? "none" : StatusText.bytes(now) + "/s"));
    }

    static long parse(String text) {
        String t = text.strip().toUpperCase(java.util.Locale.ROOT);
        long unit = 1;
        if (t.endsWith("B")) {
            t = t.substring(0, t.length() - 1);
        }
        char last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
        if (last == 'K' || last == 'M' || last == 'G') {
            unit = last == 'K' ? 1L << 10 : last == 'M' ? 1L << 20 : 1L << 30;
            t = t.substring(0, t.length() - 1);
        }
        try {
            long v = Long.parseLong(t.strip());
            if (v < 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(v, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("a rate is a number of bytes per second with an optional K, M or G"
                    + " (64M), or 0 for none; got '" + text + "'");
        }
    }
}
