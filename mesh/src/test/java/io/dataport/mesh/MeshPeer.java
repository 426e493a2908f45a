package io.dataport.mesh;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * A node process for {@link ThreeProcessTest}. It sends numbered packets of mixed sizes to every
 * peer (paced, with {@code trySend}, so a full link back-pressures it without stopping the others)
 * and verifies every packet it receives: its length and every byte are a function of (sender,
 * receiver, sender incarnation, counter), and per link the counters of one sender incarnation must
 * arrive 0, 1, 2, ... with no gap and no repeat.
 *
 * <p>Like an application that must not handle a packet twice, it keeps durable state in a small
 * memory-mapped file ({@code peer-ID.state}, it survives SIGKILL): per inbound link the sequence
 * number, incarnation and counter of the last packet it handled, and per outbound link how many
 * packets were committed (their send returned). A restarted incarnation drops, and counts as
 * redelivered, the packets whose mesh sequence number is not above the last one handled: the
 * packets its predecessor handled but had not acknowledged when it died.
 *
 * <p>args: dir nodes id incarnation packetsPerSecondPerLink. It sends until told to stop: the test
 * decides by events (what the state files say), never by time. Commands on stdin: {@code stop}
 * (stop sending; prints "sent-all"), {@code pause} (stop receiving), {@code freeze K FROM} (resume;
 * after the K-th packet from FROM, hang inside the batch), {@code report} (once this node stopped
 * sending, wait for two rounds over every inbound ring that found them all empty, so when every
 * sender printed "sent-all" before, everything sent has been received; then print the counters),
 * {@code quit}. The state file also holds, per outbound link, how often the link was full.
 */
public final class MeshPeer {
    static final int RING = 128 * 1024;
    static final int MAX_PACKET = 16 * 1024;
    static final int BATCH = 64;
    private static final int SLOT = 32;
    /** Offset of the per-link "full" counters in the state file (8 bytes per peer). */
    private static final int FULL = 2048;

    private final Node node;
    private final int id;
    private final int nodes;
    private final long incarnation;
    private final MappedByteBuffer state;
    private final PrintStream out = System.out;
    private final Inbound[] inbound;
    private final long[] sent;
    private final long[] full;
    private volatile boolean paused;
    private volatile boolean pausedAck;
    private volatile int freezeFrom = -1;
    private int freezeLeft;
    private volatile boolean stopSending;
    /** Rounds over every inbound ring that found them all empty. */
    private volatile long emptyRounds;
    private volatile boolean sendingDone;
    private long errors;

    /**
     * The lease timeout is 1 s, not the default 10 s: {@link ThreeProcessTest} SIGKILLs a node and
     * starts it again, and the new incarnation takes over the roles its predecessor left held only
     * after their heartbeats stood still this long. The takeover is what that test exercises; 1 s
     * keeps it well inside the test's bounds (no live peer's role is ever claimed here, so a short
     * timeout risks no false takeover).
     */
    static MeshConfig config(Path dir, int nodes) {
        return MeshConfig.defaults(dir).withNodes(nodes).withName("test").withSizes(RING, MAX_PACKET)
                .withBatchLimit(BATCH).withLeaseTimeout(java.time.Duration.ofSeconds(1));
    }

    static Path stateFile(Path dir, int id) {
        return dir.resolve("peer-" + id + ".state");
    }

    /** Slot fields: the last handled packet from peer p (seq + 1, 0 if none; incarnation; counter), and the packets committed to p. */
    static long handledSeqPlusOne(java.nio.ByteBuffer state, int p) {
        return state.getLong(p * SLOT);
    }

    static long handledIncarnation(java.nio.ByteBuffer state, int p) {
        return state.getLong(p * SLOT + 8);
    }

    static long handledCounter(java.nio.ByteBuffer state, int p) {
        return state.getLong(p * SLOT + 16);
    }

    static long committed(java.nio.ByteBuffer state, int p) {
        return state.getLong(p * SLOT + 24);
    }

    /** How often this incarnation found the link to p full (back-pressure). */
    static long fullEvents(java.nio.ByteBuffer state, int p) {
        return state.getLong(FULL + p * 8);
    }

    private MeshPeer(Node node, int nodes, long incarnation, MappedByteBuffer state) {
        this.node = node;
        this.id = node.id();
        this.nodes = nodes;
        this.incarnation = incarnation;
        this.state = state;
        this.inbound = new Inbound[nodes];
        for (int p = 0; p < nodes; p++) {
            inbound[p] = new Inbound(p);
            state.putLong(p * SLOT + 24, 0); // this incarnation has committed nothing yet
            state.putLong(FULL + p * 8, 0);
        }
        this.sent = new long[nodes];
        this.full = new long[nodes];
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int nodes = Integer.parseInt(args[1]);
        int id = Integer.parseInt(args[2]);
        long incarnation = Long.parseLong(args[3]);
        int rate = Integer.parseInt(args[4]);
        Path stateFile = stateFile(dir, id);
        MappedByteBuffer state;
        try (FileChannel channel = FileChannel.open(stateFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            state = channel.map(FileChannel.MapMode.READ_WRITE, 0, 4096);
        }
        Node node = Node.join(config(dir, nodes), id);
        MeshPeer peer = new MeshPeer(node, nodes, incarnation, state);
        Thread receiver = new Thread(peer::receive, "receiver");
        receiver.setDaemon(true);
        receiver.start();
        Thread sender = new Thread(() -> peer.send(rate), "sender");
        sender.setDaemon(true);
        sender.start();
        peer.out.println("ready");
        peer.commands();
        System.exit(0);
    }

    // ------------------------------------------------------------------------------ packet content

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    static long seed(int from, int to, long incarnation, long counter) {
        return mix(mix(mix(from * 1_000_003L + to) + incarnation) + counter);
    }

    /** Mixed sizes: mostly small, some medium, a few large, and now and then exactly the maximum. */
    static int length(long seed) {
        long r = mix(seed ^ 0x5555);
        int pick = (int) Long.remainderUnsigned(r, 100);
        long x = r >>> 8;
        if (pick < 2) {
            return MAX_PACKET;
        }
        if (pick < 60) {
            return 16 + (int) Long.remainderUnsigned(x, 241);
        }
        if (pick < 90) {
            return 256 + (int) Long.remainderUnsigned(x, 3841);
        }
        return 4096 + (int) Long.remainderUnsigned(x, MAX_PACKET - 4096 + 1);
    }

    static long word(long seed, int index) {
        return mix(seed + index);
    }

    // ------------------------------------------------------------------------------------ sending

    private void send(int rate) {
        long t0 = System.nanoTime();
        try {
            while (!stopSending) {
                long now = System.nanoTime();
                long target = (now - t0) * rate / 1_000_000_000L + 1; // pacing only
                for (int p = 0; p < nodes; p++) {
                    if (p == id) {
                        continue;
                    }
                    while (sent[p] < target && !stopSending) {
                        long counter = sent[p];
                        long seed = seed(id, p, incarnation, counter);
                        int length = length(seed);
                        PacketWriter w = packet -> {
                            packet.putLong(0, incarnation).putLong(8, counter);
                            int words = (length - 16) / 8;
                            for (int i = 0; i < words; i++) {
                                packet.putLong(16 + 8 * i, word(seed, i));
                            }
                            long last = word(seed, words);
                            for (int b = 16 + 8 * words; b < length; b++) {
                                packet.putByte(b, (byte) (last >>> (8 * (b & 7))));
                            }
                        };
                        if (!node.trySend(p, 1, length, w)) {
                            full[p]++;
                            state.putLong(FULL + p * 8, full[p]);
                            break; // back-pressure on this link: serve the others, come back later
                        }
                        sent[p]++;
                        state.putLong(p * SLOT + 24, sent[p]); // committed: the send returned
                    }
                }
                LockSupport.parkNanos(200_000);
            }
        } catch (RuntimeException e) {
            error("sender: " + e);
        }
        sendingDone = true;
        out.println("sent-all");
    }

    // ---------------------------------------------------------------------------------- receiving

    private void receive() {
        try {
            while (true) {
                if (paused) {
                    pausedAck = true;
                    LockSupport.parkNanos(1_000_000);
                    continue;
                }
                if (node.poll(this::handle) == 0) {
                    emptyRounds++; // only this thread writes it
                    node.idle(20_000_000);
                }
            }
        } catch (RuntimeException e) {
            error("receiver: " + e);
        }
    }

    private void handle(Packet packet) {
        Inbound link = inbound[packet.from()];
        synchronized (link) {
            link.handle(packet);
        }
        if (packet.from() == freezeFrom && --freezeLeft == 0) {
            out.println("frozen");
            while (true) {
                LockSupport.parkNanos(1_000_000_000L); // hang in the middle of the batch until SIGKILL
            }
        }
    }

    private synchronized void error(String message) {
        errors++;
        System.err.println("error: node " + id + ": " + message);
    }

    /** Per inbound link: what this incarnation received, checked against the durable state. */
    private final class Inbound {
        final int from;
        final long durableSeq;
        final long durableIncarnation;
        final long durableCounter;
        long redelivered;
        long lastRedeliveredCounter = -1;
        long currentIncarnation;
        long expected;
        final List<long[]> incarnations = new ArrayList<>(); // {incarnation, first, last, count}

        Inbound(int from) {
            this.from = from;
            this.durableSeq = handledSeqPlusOne(state, from) - 1;
            this.durableIncarnation = handledIncarnation(state, from);
            this.durableCounter = handledCounter(state, from);
        }

        void handle(Packet packet) {
            if (packet.length() < 16) {
                error("from " + from + ": a packet of " + packet.length() + " bytes");
                return;
            }
            long inc = packet.getLong(0);
            long counter = packet.getLong(8);
            long seed = seed(from, id, inc, counter);
            int length = length(seed);
            if (packet.length() != length) {
                error("from " + from + " inc " + inc + " #" + counter + ": length " + packet.length() + ", expected " + length);
                return;
            }
            int words = (length - 16) / 8;
            for (int i = 0; i < words; i++) {
                if (packet.getLong(16 + 8 * i) != word(seed, i)) {
                    error("from " + from + " inc " + inc + " #" + counter + ": word " + i + " is wrong");
                    return;
                }
            }
            long last = word(seed, words);
            for (int b = 16 + 8 * words; b < length; b++) {
                if (packet.getByte(b) != (byte) (last >>> (8 * (b & 7)))) {
                    error("from " + from + " inc " + inc + " #" + counter + ": byte " + b + " is wrong");
                    return;
                }
            }
            if (packet.seq() <= durableSeq) {
                // handled by our predecessor, never acknowledged: the application drops it
                if (inc > durableIncarnation || (inc == durableIncarnation && counter > durableCounter)
                        || (lastRedeliveredCounter >= 0 && counter != lastRedeliveredCounter + 1)) {
                    error("from " + from + ": redelivered inc " + inc + " #" + counter + " after #"
                            + lastRedeliveredCounter + ", durable state inc " + durableIncarnation + " #" + durableCounter);
                }
                lastRedeliveredCounter = counter;
                redelivered++;
                return;
            }
            if (currentIncarnation == 0) {
                boolean ok;
                if (durableSeq >= 0) { // we restarted: continue exactly after what our predecessor handled
                    ok = inc == durableIncarnation ? counter == durableCounter + 1 : inc > durableIncarnation && counter == 0;
                } else {
                    ok = counter == 0;
                }
                if (!ok) {
                    error("from " + from + ": first packet inc " + inc + " #" + counter + " after durable inc "
                            + durableIncarnation + " #" + durableCounter + " (seq " + durableSeq + ")");
                }
            } else if (inc == currentIncarnation) {
                if (counter != expected) {
                    error("from " + from + " inc " + inc + ": #" + counter + " where #" + expected + " was due");
                }
            } else if (inc > currentIncarnation) {
                if (counter != 0) {
                    error("from " + from + ": a restarted sender (inc " + inc + ") began at #" + counter);
                }
            } else {
                error("from " + from + ": inc " + inc + " after inc " + currentIncarnation);
            }
            if (inc != currentIncarnation) {
                incarnations.add(new long[] {inc, counter, counter, 0});
            }
            long[] now = incarnations.get(incarnations.size() - 1);
            now[2] = counter;
            now[3]++;
            currentIncarnation = inc;
            expected = counter + 1;
            state.putLong(from * SLOT + 8, inc);
            state.putLong(from * SLOT + 16, counter);
            state.putLong(from * SLOT, packet.seq() + 1); // written last: the packet is handled
        }
    }

    // ----------------------------------------------------------------------------------- commands

    private void commands() throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] w = line.trim().split("\\s+");
            switch (w[0]) {
                case "pause" -> {
                    paused = true;
                    long deadline = System.nanoTime() + 5_000_000_000L;
                    while (!pausedAck && System.nanoTime() < deadline) {
                        Thread.sleep(1);
                    }
                    out.println(pausedAck ? "paused" : "pause failed");
                }
                case "freeze" -> {
                    freezeLeft = Integer.parseInt(w[1]);
                    freezeFrom = Integer.parseInt(w[2]);
                    paused = false;
                }
                case "stop" -> stopSending = true;
                case "report" -> report();
                case "quit" -> {
                    return;
                }
                default -> out.println("unknown command " + w[0]);
            }
        }
    }

    private void report() throws InterruptedException {
        long rounds = emptyRounds;
        long deadline = System.nanoTime() + 60_000_000_000L; // only ends a hung run, as an error
        while ((!sendingDone || emptyRounds - rounds < 2) && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        if (!sendingDone || emptyRounds - rounds < 2) {
            error("report: not drained within 60 s (sending done " + sendingDone + ", empty rounds "
                    + (emptyRounds - rounds) + ")");
        }
        for (int p = 0; p < nodes; p++) {
            if (p == id) {
                continue;
            }
            Inbound link = inbound[p];
            synchronized (link) {
                for (long[] inc : link.incarnations) {
                    out.printf("in %d inc %d first %d last %d count %d%n", p, inc[0], inc[1], inc[2], inc[3]);
                }
                out.printf("redelivered %d %d%n", p, link.redelivered);
            }
            out.printf("out %d count %d full %d%n", p, sent[p], full[p]);
        }
        synchronized (this) {
            out.println("errors " + errors);
        }
        out.println("end-report");
    }

    /** The node's durable state file, read by the test after a kill. */
    static java.nio.ByteBuffer readState(Path dir, int id) throws java.io.IOException {
        return java.nio.ByteBuffer.wrap(Files.readAllBytes(stateFile(dir, id)));
    }
}
