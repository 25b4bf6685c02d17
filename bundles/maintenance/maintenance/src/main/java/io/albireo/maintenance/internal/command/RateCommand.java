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
        return io.albireo.console.support.Sizes.parse(text, "a rate (bytes per second, 0 for none)");
    }
}
