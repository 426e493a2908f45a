package io.dataport.mesh.cli;

import io.dataport.mesh.Node;
import io.dataport.mesh.Packet;
import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.zip.CRC32C;

/**
 * The perf server side of a node: runs on the node's receiving thread, verifies every DATA packet
 * (copied out of the ring, then its checksum recomputed), counts what arrived, what was lost and
 * what came out of order, and reports to the client every interval and at the end. Its replies
 * never block the receiving thread: they wait in a queue when the link back is full.
 */
final class PerfServer {
    private static final long IDLE_TICK_NANOS = 50_000_000;

    private final Node node;
    private final PrintStream log;
    private final Session[] sessions;
    private final ArrayDeque<Reply>[] replies;
    private final byte[] scratch;
    private final CRC32C crc = new CRC32C();

    @SuppressWarnings("unchecked")
    PerfServer(Node node, PrintStream log) {
        this.node = node;
        this.log = log;
        this.sessions = new Session[node.config().nodes()];
        this.replies = new ArrayDeque[node.config().nodes()];
        for (int i = 0; i < replies.length; i++) {
            replies[i] = new ArrayDeque<>();
        }
        this.scratch = new byte[node.config().maxPacketLength()];
    }

    void onPacket(Packet packet, long now) {
        int from = packet.from();
        switch (packet.type()) {
            case Perf.START -> start(from, packet, now);
            case Perf.DATA -> data(from, packet);
            case Perf.END -> end(from, packet, now);
            default -> throw new IllegalArgumentException("not a perf server packet: type " + packet.type());
        }
    }

    private void start(int from, Packet packet, long now) {
        long testId = packet.getLong(0);
        int length = packet.getInt(8);
        long interval = Math.max(1_000_000, packet.getLong(16));
        sessions[from] = new Session(from, testId, length, interval, now);
        reply(from, Perf.ACK, Perf.ack(testId));
        if (log != null) {
            log.printf("Accepted perf test %016x from node %d: %d-byte packets%n", testId, from, length);
        }
    }

    private void data(int from, Packet packet) {
        Session s = sessions[from];
        int length = packet.length();
        if (s == null || s.ended || length < Perf.DATA_HEADER || packet.getLong(0) != s.testId) {
            return; // a packet of an earlier test, still in the ring: not counted
        }
        packet.getBytes(0, scratch, 0, length);
        long seq = Perf.getLong(scratch, 8);
        long expectedCheck = Perf.check(Perf.getLong(scratch, 0), seq,
                Perf.crc(crc, scratch, Perf.DATA_HEADER, length - Perf.DATA_HEADER));
        s.packets++;
        s.bytes += length;
        s.ivPackets++;
        s.ivBytes += length;
        if (Perf.getLong(scratch, 16) != expectedCheck || length != s.length) {
            s.errors++;
            s.ivErrors++;
            return;
        }
        if (seq == s.expected) {
            s.expected++;
        } else if (seq > s.expected) {
            long gap = seq - s.expected;
            s.lost += gap;
            s.ivLost += gap;
            s.expected = seq + 1;
        } else {
            s.outOfOrder++;
            s.ivOutOfOrder++;
            if (s.lost > 0) {
                s.lost--; // counted lost when the gap appeared; it came late (as iperf3 counts)
                s.ivLost = Math.max(0, s.ivLost - 1);
            }
        }
    }

    private void end(int from, Packet packet, long now) {
        Session s = sessions[from];
        if (s == null || s.ended || packet.getLong(0) != s.testId) {
            return;
        }
        long sent = packet.getLong(8);
        if (sent > s.expected) {
            long tail = sent - s.expected; // sent but never arrived
            s.lost += tail;
            s.ivLost += tail;
            s.expected = sent;
        }
        s.ended = true;
        tick(s, now);
        if (now > s.ivStart) {
            interval(s, now);
        }
        Perf.Report total = new Perf.Report(Perf.RESULT, s.testId, -1, 0, now - s.start, s.packets, s.bytes,
                s.lost, s.outOfOrder, s.errors);
        reply(from, Perf.RESULT, total.encode());
        if (log != null) {
            log.println(PerfClient.line(from, node.id(), total, "receiver"));
            log.printf("  lost %d/%d, out of order %d, checksum errors %d%n", s.lost, s.expected, s.outOfOrder, s.errors);
        }
    }

    /** Sends the interval reports that are due and any replies waiting for room. */
    void tick(long now) {
        for (Session s : sessions) {
            if (s != null && !s.ended) {
                tick(s, now);
            }
        }
        flush();
    }

    /** Sends the replies waiting for room, in order per peer; never waits. */
    private void flush() {
        for (int peer = 0; peer < replies.length; peer++) {
            ArrayDeque<Reply> queue = replies[peer];
            while (!queue.isEmpty()) {
                Reply r = queue.peek();
                if (!node.trySend(peer, r.type, r.bytes, 0, r.bytes.length)) {
                    break;
                }
                queue.poll();
            }
        }
    }

    private void tick(Session s, long now) {
        while (now - s.nextInterval >= 0) {
            interval(s, s.nextInterval);
            s.nextInterval += s.intervalNanos;
        }
    }

    private void interval(Session s, long end) {
        Perf.Report r = new Perf.Report(Perf.INTERVAL, s.testId, s.index++, s.ivStart - s.start, end - s.start,
                s.ivPackets, s.ivBytes, s.ivLost, s.ivOutOfOrder, s.ivErrors);
        reply(s.peer, Perf.INTERVAL, r.encode());
        if (log != null) {
            log.println(PerfClient.line(s.peer, node.id(), r, ""));
        }
        s.ivStart = end;
        s.ivPackets = 0;
        s.ivBytes = 0;
        s.ivLost = 0;
        s.ivOutOfOrder = 0;
        s.ivErrors = 0;
    }

    /** How long the receiving thread may sleep before the next interval report is due. */
    long nanosToNextTick(long now) {
        long wait = IDLE_TICK_NANOS;
        for (Session s : sessions) {
            if (s != null && !s.ended) {
                wait = Math.min(wait, Math.max(0, s.nextInterval - now));
            }
        }
        for (ArrayDeque<Reply> queue : replies) {
            if (!queue.isEmpty()) {
                wait = Math.min(wait, 1_000_000);
            }
        }
        return wait;
    }

    private void reply(int peer, int type, byte[] bytes) {
        replies[peer].add(new Reply(type, bytes));
        flush();
    }

    private record Reply(int type, byte[] bytes) {
    }

    private static final class Session {
        final int peer;
        final long testId;
        final int length;
        final long intervalNanos;
        final long start;
        long expected;
        long packets;
        long bytes;
        long lost;
        long outOfOrder;
        long errors;
        boolean ended;
        int index;
        long ivStart;
        long nextInterval;
        long ivPackets;
        long ivBytes;
        long ivLost;
        long ivOutOfOrder;
        long ivErrors;

        Session(int peer, long testId, int length, long intervalNanos, long start) {
            this.peer = peer;
            this.testId = testId;
            this.length = length;
            this.intervalNanos = intervalNanos;
            this.start = start;
            this.ivStart = start;
            this.nextInterval = start + intervalNanos;
        }
    }
}
