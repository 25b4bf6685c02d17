package io.albireo.testing.powerloss;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One powerloss_fs process and its line protocol: a command on its stdin, exactly one reply line on its stdout. A
 * thread moves stdout's lines into a queue (so that every wait has a timeout) and another copies stderr to
 * System.err, keeping the last lines for error messages.
 */
final class Daemon {
    /** Queued when stdout ends: the daemon is gone. */
    private static final String END = "\u0000end";
    private static final int KEPT_DIAGNOSTICS = 40;

    private final Process process;
    private final OutputStream commands;
    private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
    private final Deque<String> diagnostics = new ArrayDeque<>();
    private final Thread stderr;

    private Daemon(Process process) {
        this.process = process;
        this.commands = process.getOutputStream();
        start("stdout", () -> {
            try (BufferedReader out = reader(process.getInputStream())) {
                for (String line; (line = out.readLine()) != null;) {
                    replies.add(line);
                }
            } finally {
                replies.add(END);
            }
        });
        stderr = start("stderr", () -> {
            try (BufferedReader err = reader(process.getErrorStream())) {
                for (String line; (line = err.readLine()) != null;) {
                    System.err.println("powerloss_fs[" + process.pid() + "]: " + line);
                    synchronized (diagnostics) {
                        if (diagnostics.size() == KEPT_DIAGNOSTICS) {
                            diagnostics.removeFirst();
                        }
                        diagnostics.addLast(line);
                    }
                }
            }
        });
    }

    private interface Drain {
        void run() throws IOException;
    }

    private Thread start(String stream, Drain drain) {
        Thread thread = new Thread(() -> {
            try {
                drain.run();
            } catch (IOException e) {
                // the pipe closed under us: the daemon is gone, END is queued
            }
        }, "powerloss_fs-" + process.pid() + "-" + stream);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static BufferedReader reader(InputStream in) {
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    /** Starts the binary on backing at mountPoint and waits for "ready". */
    static Daemon start(Path binary, Path backing, Path mountPoint, long readyMillis) throws IOException {
        // max_idle_threads only silences libfuse 3.14 warning about the value it would default to (libfuse #1003).
        // auto_unmount: fusermount3 unmounts even when the daemon is killed with SIGKILL.
        List<String> command = List.of(binary.toString(), backing.toString(), mountPoint.toString(), "-f", "-o",
                "max_idle_threads=16,auto_unmount,fsname=powerloss,subtype=powerloss");
        Daemon daemon = new Daemon(new ProcessBuilder(command).start());
        String first = daemon.next(readyMillis);
        if (!"ready".equals(first)) {
            daemon.kill();
            throw new IOException("powerloss_fs did not mount " + backing + " at " + mountPoint + " ("
                    + (first == null ? "no answer in " + readyMillis + " ms" : first.equals(END) ? "it exited"
                            : "it said '" + first + "'") + ")" + daemon.diagnostics());
        }
        return daemon;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Sends one command and returns its reply after "ok"; an "error" reply, a dead daemon or no reply throws. */
    synchronized String command(String line, long timeoutMillis) throws IOException {
        if (line.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("one line only: " + line);
        }
        try {
            commands.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            commands.flush();
        } catch (IOException e) {
            throw new IOException("powerloss_fs is gone, cannot send '" + line + "'" + diagnostics(), e);
        }
        String reply = next(timeoutMillis);
        if (reply == null) {
            throw new IOException("powerloss_fs did not answer '" + line + "' in " + timeoutMillis + " ms");
        }
        if (reply.equals(END)) {
            replies.add(END);
            throw new IOException("powerloss_fs exited before answering '" + line + "'" + diagnostics());
        }
        if (reply.equals("ok") || reply.startsWith("ok ")) {
            return reply.substring(2).trim();
        }
        throw new IOException("powerloss_fs refused '" + line + "': " + reply.replaceFirst("^error ?", ""));
    }

    /** The key=value words of a reply. */
    static Map<String, String> fields(String reply) {
        Map<String, String> fields = new HashMap<>();
        for (String word : reply.split("\\s+")) {
            int eq = word.indexOf('=');
            if (eq > 0) {
                fields.put(word.substring(0, eq), word.substring(eq + 1));
            }
        }
        return fields;
    }

    private String next(long timeoutMillis) throws IOException {
        try {
            return replies.poll(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for powerloss_fs", e);
        }
    }

    /**
     * Stops the daemon: end of its stdin makes it detach its mount and exit; it gets SIGTERM, then SIGKILL, if it
     * does not. Never throws.
     */
    void stop(long timeoutMillis) {
        try {
            commands.close();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                process.destroy();
                if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                    kill();
                }
            }
        } catch (InterruptedException e) {
            kill();
            Thread.currentThread().interrupt();
        }
    }

    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The daemon's last stderr lines, for an error message. */
    String diagnostics() {
        if (!process.isAlive()) {
            try {
                stderr.join(1000); // what a dead daemon said last may still be in the pipe
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (diagnostics) {
            return diagnostics.isEmpty() ? "" : "; it said:\n  " + String.join("\n  ", diagnostics);
        }
    }
}
