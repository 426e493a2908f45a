package io.dataport.sel4;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one serial line of the seL4 system, shared by the three guests through CAmkES' SerialServer,
 * and the line protocol of the guests' agent ({@code sel4/guest/agent}) over it.
 *
 * <p><b>What comes out.</b> seL4, the VMMs and the three guests all print on it. The SerialServer
 * flushes each guest's output a line at a time, switching ANSI colours between guests, so a line may
 * start or end with escape sequences. {@link #accept} takes raw bytes as they arrive, splits lines at
 * {@code \r} or {@code \n}, removes the escape sequences and finds the agent's markers anywhere in
 * the line: {@code DPREADY vmN}, {@code DPOUT vmN ID TEXT}, {@code DPRC vmN ID STATUS}. Every line
 * also goes to the console log and is kept as the last line seen (for progress and errors).
 *
 * <p><b>What goes in.</b> The SerialServer gives the input to one client at a time; after a line
 * end, {@code @N} switches it to client N. Clients are numbered in CAmkES' wiring order, not by
 * guest, so {@link #identify} first asks each client who it is. {@link #run} writes {@code \r@N},
 * waits for the SerialServer's "Switching input to N" (input sent before it is lost), then writes
 * {@code \rDPJOB ID COMMAND\r}; the agent acknowledges with DPACK (a job not acknowledged in
 * {@link #ACK_MILLIS} is sent again, at most {@link #MAX_SENDS} times: the SerialServer was seen to
 * lose input right after a switch), runs the command and answers with DPOUT lines and one DPRC line
 * carrying the same ID. Job IDs are unique in a run ({@code jK}), so a stale answer is
 * never mistaken for the current one. One job runs at a time (the console is one line for all): a
 * job's status comes back before the next job is sent.
 *
 * <p>Thread safety: {@link #accept} runs on the reader thread; every other method on any thread. State
 * is guarded by this object's monitor; waiters are woken by {@code notifyAll} on each marker, never by
 * polling.
 */
final class SharedConsole {
    /** ANSI escape sequences (colours, resets) and the other control bytes the SerialServer adds. */
    private static final Pattern ESCAPES = Pattern.compile("\u001B\\[[0-9;?]*[A-Za-z]|\u001B[()][A-Za-z0-9]|[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]");
    private static final Pattern MARKER = Pattern.compile(
            "DPREADY vm(\\d+)|DPOUT vm(\\d+) (\\S+) ?(.*)|DPRC vm(\\d+) (\\S+) (-?\\d+)|DPACK vm(\\d+) (\\S+)");
    /** How long a job may go without the agent's DPACK before it is sent again, and how often. */
    static final long ACK_MILLIS = 8_000;
    static final int MAX_SENDS = 3;
    /** The SerialServer's confirmation of {@code @N}. */
    private static final Pattern SWITCHED = Pattern.compile("Switching input to (\\d+)");
    /** Longest line kept; a longer run of bytes without a line end is cut there. */
    static final int MAX_LINE = 4096;

    /** A finished job: its status and its output lines, in order. */
    record Result(int vm, String id, int status, List<String> output) {
        /** The output on one line, for messages. */
        String oneLine() {
            return String.join(" | ", output);
        }
    }

    private final int vms;
    private final long ackMillis;
    private final Writer log;
    private final boolean[] ready;
    private final StringBuilder partial = new StringBuilder();
    private final List<String> pendingOutput = new ArrayList<>();
    private String pendingId;
    /** The client the SerialServer gives input to (-1: not known), and the last switch it confirmed. */
    private int inputClient = -1;
    private int switchedTo = -1;
    private boolean acked;
    /** The SerialServer's input client of each guest ({@link #identify}); -1 while unknown. */
    private final int[] clientOf;
    private Result finished;
    private String lastLine = "";
    private long lines;
    private int sequence;
    private boolean closed;
    private String closedBecause = "";
    private OutputStream input;

    /**
     * @param vms the number of guests
     * @param log where every line goes, escape sequences removed (flushed per line); may be null
     */
    SharedConsole(int vms, Writer log) {
        this(vms, log, ACK_MILLIS);
    }

    /** As above, with the wait for a DPACK before a job is sent again (tests shorten it). */
    SharedConsole(int vms, Writer log, long ackMillis) {
        this.ackMillis = ackMillis;
        this.vms = vms;
        this.log = log;
        this.ready = new boolean[vms];
        this.clientOf = new int[vms];
        java.util.Arrays.fill(clientOf, -1);
    }

    /** Where {@link #submit} writes: the serial line's input (QEMU's standard input). */
    synchronized void connectInput(OutputStream input) {
        this.input = input;
    }

    /** Reads the serial line's output until it ends, then marks the console closed. */
    void pump(InputStream output) {
        byte[] buffer = new byte[8192];
        try {
            int n;
            while ((n = output.read(buffer)) > 0) {
                accept(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
            }
            close("the serial line ended (QEMU exited)");
        } catch (IOException e) {
            close("the serial line failed: " + e.getMessage());
        }
    }

    /** Takes bytes of the serial output (as ISO-8859-1 characters, one per byte). */
    synchronized void accept(CharSequence chunk) {
        for (int i = 0; i < chunk.length(); i++) {
            char c = chunk.charAt(i);
            if (c == '\r' || c == '\n') {
                line();
            } else {
                partial.append(c);
                if (partial.length() >= MAX_LINE) {
                    line();
                }
            }
        }
    }

    private void line() {
        if (partial.length() == 0) {
            return;
        }
        String text = ESCAPES.matcher(partial).replaceAll("").strip();
        partial.setLength(0);
        if (text.isEmpty()) {
            return;
        }
        lines++;
        lastLine = text;
        if (log != null) {
            try {
                log.write(text);
                log.write('\n');
                log.flush();
            } catch (IOException e) {
                // the log is a convenience; the run goes on without it
            }
        }
        Matcher sw = SWITCHED.matcher(text);
        if (sw.find()) {
            switchedTo = Integer.parseInt(sw.group(1));
            notifyAll();
            return;
        }
        Matcher m = MARKER.matcher(text);
        if (!m.find()) {
            return;
        }
        if (m.group(1) != null) {
            int vm = Integer.parseInt(m.group(1));
            if (vm < vms) {
                ready[vm] = true;
            }
        } else if (m.group(2) != null) {
            if (m.group(3).equals(pendingId)) {
                pendingOutput.add(m.group(4));
            }
        } else if (m.group(8) != null) {
            if (m.group(9).equals(pendingId)) {
                acked = true;
            }
        } else if (m.group(6).equals(pendingId)) {
            finished = new Result(Integer.parseInt(m.group(5)), pendingId, Integer.parseInt(m.group(7)), List.copyOf(pendingOutput));
            pendingId = null;
        }
        notifyAll();
    }

    /** Marks the console closed (QEMU gone): every wait ends with the reason. */
    synchronized void close(String reason) {
        if (!closed) {
            closed = true;
            closedBecause = reason;
            notifyAll();
        }
    }

    /** The last non-empty line seen, escape sequences removed. */
    synchronized String lastLine() {
        return lastLine;
    }

    /** Lines seen so far. */
    synchronized long lines() {
        return lines;
    }

    /** Whether guest {@code vm}'s agent has said DPREADY. */
    synchronized boolean isReady(int vm) {
        return ready[vm];
    }

    /**
     * Waits until guest {@code vm} is ready, at most {@code millis}; returns whether it is. Throws if
     * the console closed first.
     */
    synchronized boolean awaitReady(int vm, long millis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!ready[vm]) {
            failIfClosed();
            long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    /**
     * Learns which guest reads the SerialServer's input client {@code client}: the clients are
     * numbered in the order CAmkES wired the guests, not by guest (seen: client 0 was vm1). Sends
     * {@code true} as a job to that client and records the guest that answers.
     *
     * @return the guest's number
     */
    int identify(int client, long millis) throws InterruptedException {
        Result r = submit(client, "true", millis, "serial client " + client);
        synchronized (this) {
            if (r.vm() < 0 || r.vm() >= vms) {
                throw new Sel4Exception("serial client " + client + " answered as vm" + r.vm() + ", not vm0..vm" + (vms - 1));
            }
            clientOf[r.vm()] = client;
        }
        return r.vm();
    }

    /**
     * Runs {@code command} in guest {@code vm} (whose client {@link #identify} found) and waits for its
     * status, at most {@code millis}.
     *
     * @throws Sel4Exception if the job did not finish in time, another guest answered, or the console closed
     */
    Result run(int vm, String command, long millis) throws InterruptedException {
        int client;
        synchronized (this) {
            client = clientOf[vm];
        }
        if (client < 0) {
            throw new IllegalStateException("vm" + vm + "'s serial client is unknown: identify the clients first");
        }
        Result r = submit(client, command, millis, "vm" + vm);
        if (r.vm() != vm) {
            throw new Sel4Exception("a job for vm" + vm + " was answered by vm" + r.vm() + ": the serial clients changed");
        }
        return r;
    }

    private Result submit(int client, String command, long millis, String who) throws InterruptedException {
        String id;
        synchronized (this) {
            if (pendingId != null) {
                throw new IllegalStateException("a job is running: " + pendingId);
            }
            if (command.indexOf('\n') >= 0 || command.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("a job is one line: " + command);
            }
            failIfClosed();
            id = "j" + (++sequence);
            pendingId = id;
            pendingOutput.clear();
            finished = null;
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            if (client != inputClient) {
                // after a line end, "@N" switches the SerialServer's input to client N; it confirms
                // with a line, and input sent before that line is lost (seen: a job sent at once never ran)
                switchedTo = -1;
                write("\r@" + client);
                while (switchedTo != client) {
                    failIfClosed();
                    long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
                    if (left <= 0) {
                        pendingId = null;
                        throw new Sel4Exception("the SerialServer did not switch its input to client " + client + " in "
                                + millis / 1000 + " s; last console line: " + lastLine);
                    }
                    wait(left);
                }
                inputClient = client;
            }
            acked = false;
            int sent = 0;
            long resendAt = System.nanoTime();   // the first send: at once
            while (finished == null || !finished.id().equals(id)) {
                failIfClosed();
                long now = System.nanoTime();
                if (now - end >= 0) {
                    pendingId = null;
                    throw new Sel4Exception(who + ": '" + command + "' did not finish in " + millis / 1000
                            + " s (output so far: " + String.join(" | ", pendingOutput) + "; last console line: "
                            + lastLine + ")");
                }
                if (!acked && now - resendAt >= 0) {
                    if (sent == MAX_SENDS) {
                        pendingId = null;
                        throw new Sel4Exception(who + ": the agent did not acknowledge '" + command + "' after " + sent
                                + " tries; last console line: " + lastLine);
                    }
                    // a line end first: the SerialServer was seen to lose the first input after a switch
                    write("\rDPJOB " + id + " " + command + "\r");
                    sent++;
                    resendAt = now + TimeUnit.MILLISECONDS.toNanos(ackMillis);
                    continue;   // the answer may already be in (a reader on this thread): check before waiting
                }
                long until = acked || end - resendAt < 0 ? end : resendAt;
                wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - now)));
            }
            return finished;
        }
    }

    private void write(String text) {
        if (input == null) {
            throw new IllegalStateException("no input connected");
        }
        try {
            input.write(text.getBytes(StandardCharsets.ISO_8859_1));
            input.flush();
        } catch (IOException e) {
            close("cannot write to the serial line: " + e.getMessage());
            failIfClosed();
        }
    }

    private void failIfClosed() {
        if (closed) {
            throw new Sel4Exception(closedBecause + "; last console line: " + lastLine);
        }
    }
}
