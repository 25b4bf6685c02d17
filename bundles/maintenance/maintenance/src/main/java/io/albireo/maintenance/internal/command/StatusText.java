package io.albireo.maintenance.internal.command;

import java.util.Locale;
import java.util.Map;

import io.albireo.api.maintenance.MaintenanceStatus;

/** The words and figures of maintenance:status and maintenance:watch, apart from the work. */
final class StatusText {
    private StatusText() {
    }

    static String bytes(double b) {
        if (b < 0) {
            return "?";
        }
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        int u = 0;
        while (b >= 1024 && u < units.length - 1) {
            b /= 1024;
            u++;
        }
        return u == 0 ? String.format(Locale.ROOT, "%.0f %s", b, units[u])
                : String.format(Locale.ROOT, "%.1f %s", b, units[u]);
    }

    static String duration(long seconds) {
        if (seconds < 0) {
            return "?";
        }
        long h = seconds / 3600;
        long m = seconds / 60 % 60;
        long s = seconds % 60;
        return h > 0 ? String.format(Locale.ROOT, "%dh%02dm%02ds", h, m, s)
                : m > 0 ? String.format(Locale.ROOT, "%dm%02ds", m, s) : s + "s";
    }

    static String count(long done, long left) {
        return left < 0 ? done + " done" : done + " of " + (done + left);
    }

    /** @return a bar of {@code width} cells for a fraction (0 to 1), or a bar of question marks if unknown */
    static String bar(double fraction, int width) {
        if (fraction < 0) {
            return "[" + "?".repeat(width) + "]";
        }
        int full = (int) Math.round(Math.min(1, fraction) * width);
        return "[" + "#".repeat(full) + "-".repeat(width - full) + "]";
    }

    static String job(MaintenanceStatus.Job j) {
        double f = j.fraction();
        return String.format(Locale.ROOT, "%s %5s  %s %s: %s %s, %s of %s, %s/s, ETA %s%s", bar(f, 30),
                f < 0 ? "?" : String.format(Locale.ROOT, "%.1f%%", f * 100), j.kind(), j.subject(),
                count(j.done(), j.left()), j.unit(), bytes(j.bytesDone()),
                j.bytesLeft() < 0 ? "?" : bytes(j.bytesDone() + j.bytesLeft()), bytes(j.bytesPerSecond()),
                duration(j.etaSeconds()), j.agent().isEmpty() ? " (waiting)" : " (" + j.agent() + ")");
    }

    static String summary(MaintenanceStatus s) {
        StringBuilder b = new StringBuilder();
        b.append("agents ").append(String.join(", ", s.agents())).append(s.paused() ? " (paused)" : "")
                .append(", rate limit ").append(s.rateLimit() == 0 ? "none" : bytes(s.rateLimit()) + "/s")
                .append('\n');
        if (s.idle()) {
            b.append("idle: nothing to repair, rewrite, collect or verify\n");
        }
        for (MaintenanceStatus.Job j : s.jobs()) {
            b.append(job(j)).append('\n');
        }
        for (Map.Entry<String, Long> q : s.queued().entrySet()) {
            b.append(q.getValue()).append(" queued ").append(q.getKey()).append('\n');
        }
        for (MaintenanceStatus.LostObject l : s.lost()) {
            b.append("LOST ").append(l.namespace()).append('/').append(l.name()).append(" (").append(l.objectId())
                    .append("): ").append(l.why()).append('\n');
        }
        return b.toString();
    }
}
