package io.dataport.vms;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * The host's side of a guest's agent ({@code vms/guest/agent}): jobs are shell scripts dropped into
 * the guest's share (a folder of the host that the guest mounts read-write over 9p with
 * {@code cache=none}), run one at a time in number order.
 *
 * <p>Protocol, by files in the share: the agent writes {@code ready} once it runs; the host writes
 * {@code job-NNNN.sh} under a hidden name and renames it into place (the agent never sees half a
 * script); the agent runs it with bash, its output to {@code job-NNNN.out}, then renames
 * {@code job-NNNN.rc} into place holding the exit status (so the output is complete when the status
 * is there). Every wait is for one of those files; a bound only ends a wait that would hang, and a
 * wait that reaches it throws {@link VmException} naming the job, the guest and its console log.
 * Not thread-safe: one thread per agent.
 */
final class GuestAgent {
    /** How often a wait looks for the file it waits for (the guest writes it over 9p: no inotify). */
    private static final long LOOK_MILLIS = 20;

    private final String name;
    private final Path share;
    private final Path console;
    private int next = 1;

    GuestAgent(String name, Path share, Path console) {
        this.name = name;
        this.share = share;
        this.console = console;
    }

    String name() {
        return name;
    }

    Path share() {
        return share;
    }

    /** What the agent wrote when it started (kernel, uptime), or null while it has not. */
    String readyText() {
        try {
            return Files.readString(share.resolve("ready"), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A job's exit status and output. */
    record Result(int status, String output) {
        boolean ok() {
            return status == 0;
        }
    }

    /** A submitted job; {@link #await} returns its result. */
    final class Job {
        private final int number;
        private final String title;

        private Job(int number, String title) {
            this.number = number;
            this.title = title;
        }

        /**
         * Waits for the job's status file, at most {@code boundMillis} (or while {@code alive} says
         * the guest runs); throws {@link VmException} at the bound or when the guest stopped.
         */
        Result await(long boundMillis, java.util.function.BooleanSupplier alive) throws InterruptedException {
            Path rc = file(number, ".rc");
            long deadline = System.nanoTime() + boundMillis * 1_000_000L;
            while (!Files.exists(rc)) {
                if (!alive.getAsBoolean()) {
                    throw new VmException(name + " stopped while running job " + number + " (" + title
                            + "); its console log: " + console);
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new VmException(name + ": job " + number + " (" + title + ") did not finish within "
                            + boundMillis / 1000 + " s; its output so far: " + file(number, ".out")
                            + ", the console log: " + console);
                }
                Thread.sleep(LOOK_MILLIS);
            }
            try {
                int status = Integer.parseInt(Files.readString(rc, StandardCharsets.US_ASCII).strip());
                Path out = file(number, ".out");
                String output = Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
                return new Result(status, output);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (NumberFormatException e) {
                throw new VmException(name + ": job " + number + " wrote a bad status file " + rc + ": " + e.getMessage());
            }
        }
    }

    /** Drops a script into the share (atomically); {@code title} names it in errors. */
    Job submit(String title, String script) {
        int number = next++;
        Path target = file(number, ".sh");
        Path hidden = share.resolve(".job-" + number + ".tmp");
        try {
            Files.writeString(hidden, "# " + title + "\n" + script, StandardCharsets.UTF_8);
            Files.move(hidden, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Job(number, title);
    }

    /** Runs a job and waits for it (see {@link Job#await}). */
    Result run(String title, String script, long boundMillis, java.util.function.BooleanSupplier alive)
            throws InterruptedException {
        return submit(title, script).await(boundMillis, alive);
    }

    /** Runs a job that must succeed: a failure throws {@link VmException} with its output. */
    String check(String title, String script, long boundMillis, java.util.function.BooleanSupplier alive)
            throws InterruptedException {
        Result r = run(title, script, boundMillis, alive);
        if (!r.ok()) {
            throw new VmException(name + ": " + title + " failed (status " + r.status() + "): " + oneLine(r.output()));
        }
        return r.output();
    }

    private Path file(int number, String suffix) {
        return share.resolve(String.format(Locale.ROOT, "job-%04d%s", number, suffix));
    }

    /** The last non-empty lines of a job's output, joined into one line (for one-line errors). */
    static String oneLine(String output) {
        String[] lines = output.strip().split("\n");
        StringBuilder b = new StringBuilder();
        for (int i = Math.max(0, lines.length - 3); i < lines.length; i++) {
            b.append(i > Math.max(0, lines.length - 3) ? " | " : "").append(lines[i].strip());
        }
        return b.length() == 0 ? "(no output)" : b.toString();
    }
}
