package io.dataport.mesh;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three node processes ({@link MeshPeer}) on one directory, every packet verified by its receiver.
 *
 * <p>What "committed" means and what is claimed (docs/mesh.md, "Delivery"): a packet is committed
 * when its send returned (its record is published in the pair's region). Per link, committed packets
 * arrive in order with no gap and no repeat while the receiver lives; a sender killed and
 * restarted loses none of its committed packets and repeats none; a receiver killed and restarted
 * is handed again exactly the packets its predecessor handled but had not acknowledged (the rest
 * of its last batch), all recognisable by their sequence number, so an application that remembers
 * the last sequence number it handled gets every packet exactly once.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class ThreeProcessTest {
    private static final int NODES = 3;
    private static final long WAIT_MILLIS = 60_000;
    private static final Pattern IN = Pattern.compile("in (\\d+) inc (\\d+) first (\\d+) last (\\d+) count (\\d+)");
    private static final Pattern OUT = Pattern.compile("out (\\d+) count (\\d+) full (\\d+)");
    private static final Pattern REDELIVERED = Pattern.compile("redelivered (\\d+) (\\d+)");

    @TempDir
    Path dir;

    private final List<Peer> started = new ArrayList<>();

    @AfterEach
    void stopEveryProcess() {
        for (Peer peer : started) {
            peer.kill();
        }
    }

    @Test
    void mixedSizePacketsCrossAllSixLinksEachOneVerified() throws Exception {
        Peer[] peers = new Peer[NODES];
        for (int id = 0; id < NODES; id++) {
            peers[id] = start(id, 1, 3000);
        }
        for (Peer peer : peers) {
            peer.await("ready");
        }
        awaitState("every link committed " + TRAFFIC + " packets", () -> {
            for (int id = 0; id < NODES; id++) {
                ByteBuffer state = MeshPeer.readState(dir, id);
                for (int to = 0; to < NODES; to++) {
                    if (to != id && MeshPeer.committed(state, to) < TRAFFIC) {
                        return false;
                    }
                }
            }
            return true;
        });
        for (Peer peer : peers) {
            peer.send("stop");
        }
        for (Peer peer : peers) {
            peer.await("sent-all");
        }
        Map<Integer, Report> reports = new HashMap<>();
        for (Peer peer : peers) {
            reports.put(peer.id, peer.report());
        }
        for (int from = 0; from < NODES; from++) {
            for (int to = 0; to < NODES; to++) {
                if (from == to) {
                    continue;
                }
                String link = from + "->" + to;
                long sent = reports.get(from).sent.get(to);
                List<long[]> got = reports.get(to).in.get(from);
                assertTrue(sent >= TRAFFIC, link + ": traffic flowed (" + sent + " packets)");
                assertEquals(1, got.size(), link + ": one sender incarnation");
                assertArrayEquals(new long[] {1, 0, sent - 1, sent}, got.get(0),
                        link + ": every committed packet arrived once, in order (incarnation, first, last, count)");
                assertEquals(0, reports.get(to).redelivered.get(from), link);
            }
        }
        for (Peer peer : peers) {
            assertEquals(0, reports.get(peer.id).errors, "node " + peer.id + " found no bad packet; log:\n" + peer.log());
            peer.quit();
        }
    }

    @Test
    void aNodeKilledAndRestartedRejoinsAndNothingCommittedIsLostOrDuplicated() throws Exception {
        Peer zero = start(0, 1, 3000); // every node sends until the test tells it to stop
        Peer one = start(1, 1, 3000);
        Peer two = start(2, 1, 3000);
        for (Peer peer : List.of(zero, one, two)) {
            peer.await("ready");
        }
        awaitState("traffic flows on every link of node 1", () -> {
            ByteBuffer s1 = MeshPeer.readState(dir, 1);
            return MeshPeer.committed(s1, 0) > 0 && MeshPeer.committed(s1, 2) > 0
                    && MeshPeer.handledCounter(s1, 0) > 0 && MeshPeer.handledCounter(s1, 2) > 0;
        });

        // Node 1 stops receiving, so its inbound rings fill (its senders are back-pressured), then
        // resumes and hangs after the 5th packet of a batch from node 0: 5 packets handled, none
        // acknowledged. Then SIGKILL.
        one.send("pause");
        one.await("paused");
        // Full events counted before the pause do not count: a sender that started before node 1
        // joined found its link full then, and the ring may hold only a few packets by now. A full
        // event after the pause means a ring that stays full (nothing consumes it), so the batch
        // taken at "freeze" holds more than 5 packets (a 128 KiB ring of packets up to 16 KiB).
        long fullBefore0 = MeshPeer.fullEvents(MeshPeer.readState(dir, 0), 1);
        long fullBefore2 = MeshPeer.fullEvents(MeshPeer.readState(dir, 2), 1);
        awaitState("node 1's inbound rings filled: nodes 0 and 2 found their links to it full",
                () -> MeshPeer.fullEvents(MeshPeer.readState(dir, 0), 1) > fullBefore0
                        && MeshPeer.fullEvents(MeshPeer.readState(dir, 2), 1) > fullBefore2);
        one.send("freeze 5 0");
        one.await("frozen");
        one.kill();
        ByteBuffer state = MeshPeer.readState(dir, 1);
        long committedTo0 = MeshPeer.committed(state, 0);
        long committedTo2 = MeshPeer.committed(state, 2);
        long handledFrom0 = MeshPeer.handledCounter(state, 0);
        long handledFrom2 = MeshPeer.handledCounter(state, 2);
        assertTrue(committedTo0 > 0 && committedTo2 > 0 && handledFrom0 > 0 && handledFrom2 > 0);

        // its doorbell is stale; its roles' leases are held by the dead incarnation: it takes them over once
        // their heartbeats stood still for the lease timeout (1 s here, MeshPeer.config) and rejoins
        Peer again = start(1, 2, 3000);
        again.await("ready");
        awaitState("the restarted node 1 sent to and received new packets from both others", () -> {
            ByteBuffer s1 = MeshPeer.readState(dir, 1);
            return MeshPeer.committed(s1, 0) > 0 && MeshPeer.committed(s1, 2) > 0
                    && MeshPeer.handledCounter(s1, 0) > handledFrom0 && MeshPeer.handledCounter(s1, 2) > handledFrom2;
        });
        for (Peer peer : List.of(zero, two, again)) {
            peer.send("stop");
        }
        for (Peer peer : List.of(zero, two, again)) {
            peer.await("sent-all");
        }
        Report r0 = zero.report();
        Report r1 = again.report();
        Report r2 = two.report();
        for (Peer peer : List.of(zero, two, again)) {
            Report r = peer == zero ? r0 : peer == two ? r2 : r1;
            assertEquals(0, r.errors, "node " + peer.id + " (checks order, content and continuity): " + peer.log());
        }

        // The restarted receiver: the 5 handled-but-unacknowledged packets from node 0 came again
        // (and were recognised by their sequence numbers); nothing else did; nothing is missing.
        assertEquals(5, r1.redelivered.get(0), "the unacknowledged part of the batch is delivered again");
        assertEquals(0, r1.redelivered.get(2), "a completed batch is acknowledged: never delivered again");
        assertArrayEquals(new long[] {1, handledFrom0 + 1, r0.sent.get(1) - 1, r0.sent.get(1) - 1 - handledFrom0},
                r1.in.get(0).get(0), "from 0: continues right after the last packet handled before the kill");
        assertArrayEquals(new long[] {1, handledFrom2 + 1, r2.sent.get(1) - 1, r2.sent.get(1) - 1 - handledFrom2},
                r1.in.get(2).get(0), "from 2: continues right after the last packet handled before the kill");
        assertTrue(r0.full.get(1) > 0, "node 0 was back-pressured while node 1 did not receive");

        // The restarted sender: its first incarnation's committed packets all arrived (the one being
        // sent at the kill may have been published too), then the second incarnation's from #0.
        for (Report receiver : List.of(r0, r2)) {
            int to = receiver == r0 ? 0 : 2;
            long committed = to == 0 ? committedTo0 : committedTo2;
            List<long[]> got = receiver.in.get(1);
            assertEquals(2, got.size(), "1->" + to + ": two sender incarnations");
            long[] first = got.get(0);
            assertEquals(1, first[0]);
            assertEquals(0, first[1], "1->" + to);
            assertTrue(first[2] == committed - 1 || first[2] == committed,
                    "1->" + to + ": last of incarnation 1 is #" + first[2] + ", committed " + committed);
            assertEquals(first[2] + 1, first[3], "1->" + to + ": no gap, no repeat");
            assertArrayEquals(new long[] {2, 0, r1.sent.get(to) - 1, r1.sent.get(to)}, got.get(1), "1->" + to);
        }
        // The links that did not involve node 1 went on undisturbed.
        assertArrayEquals(new long[] {1, 0, r0.sent.get(2) - 1, r0.sent.get(2)}, r2.in.get(0).get(0));
        assertArrayEquals(new long[] {1, 0, r2.sent.get(0) - 1, r2.sent.get(0)}, r0.in.get(2).get(0));
        for (Peer peer : List.of(zero, two, again)) {
            peer.quit();
        }
    }

    /** Packets every link carries in the first test before the senders are stopped. */
    private static final long TRAFFIC = 300;

    /** A condition on the peers' state files. */
    interface StateCondition {
        boolean holds() throws IOException;
    }

    /** Waits until {@code condition} holds; the bound only ends a hung test, with a message. */
    private static void awaitState(String what, StateCondition condition) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (!condition.holds()) {
            if (System.currentTimeMillis() > deadline) {
                fail("hung: waited " + WAIT_MILLIS / 1000 + " s for: " + what);
            }
            Thread.sleep(5);
        }
    }

    private Peer start(int id, long incarnation, int rate) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = dir.resolve("peer-" + id + "-" + incarnation + ".log");
        Process process = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                MeshPeer.class.getName(), dir.toString(), Integer.toString(NODES), Integer.toString(id),
                Long.toString(incarnation), Integer.toString(rate))
                .redirectError(log.toFile()).start();
        Peer peer = new Peer(id, process, log);
        started.add(peer);
        return peer;
    }

    /** What one peer printed for its "report" command. */
    static final class Report {
        final Map<Integer, List<long[]>> in = new HashMap<>();
        final Map<Integer, Long> redelivered = new HashMap<>();
        final Map<Integer, Long> sent = new HashMap<>();
        final Map<Integer, Long> full = new HashMap<>();
        long errors = -1;
    }

    /** A peer process, driven through stdin, its stdout read line by line; stopped by PID. */
    static final class Peer {
        final int id;
        final Process process;
        final Path log;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final Writer input;

        Peer(int id, Process process, Path log) {
            this.id = id;
            this.process = process;
            this.log = log;
            this.input = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // killed
                }
            });
            reader.setDaemon(true);
            reader.start();
        }

        void send(String command) throws IOException {
            input.write(command + "\n");
            input.flush();
        }

        /** Waits for a line equal to {@code expected}; other lines before it are skipped. */
        void await(String expected) throws Exception {
            long deadline = System.currentTimeMillis() + WAIT_MILLIS;
            while (true) {
                String line = lines.poll(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
                if (line == null) {
                    fail("node " + id + " did not print '" + expected + "' in time; alive " + process.isAlive()
                            + "; log:\n" + log());
                }
                if (line.equals(expected)) {
                    return;
                }
            }
        }

        Report report() throws Exception {
            send("report");
            Report r = new Report();
            long deadline = System.currentTimeMillis() + WAIT_MILLIS;
            while (true) {
                String line = lines.poll(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
                assertNotNull(line, "node " + id + " did not report in time; log:\n" + log());
                Matcher m;
                if (line.equals("end-report")) {
                    return r;
                } else if ((m = IN.matcher(line)).matches()) {
                    r.in.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new ArrayList<>()).add(new long[] {
                        Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), Long.parseLong(m.group(4)),
                        Long.parseLong(m.group(5))});
                } else if ((m = OUT.matcher(line)).matches()) {
                    r.sent.put(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)));
                    r.full.put(Integer.parseInt(m.group(1)), Long.parseLong(m.group(3)));
                } else if ((m = REDELIVERED.matcher(line)).matches()) {
                    r.redelivered.put(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)));
                } else if (line.startsWith("errors ")) {
                    r.errors = Long.parseLong(line.substring(7));
                }
            }
        }

        void quit() throws Exception {
            send("quit");
            assertTrue(process.waitFor(20, TimeUnit.SECONDS), "node " + id + " quit");
        }

        /** SIGKILL by PID (no shutdown hook runs), then wait for the process to be gone. */
        void kill() {
            ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
            try {
                process.waitFor(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        String log() {
            try {
                return Files.exists(log) ? Files.readString(log) : "";
            } catch (IOException e) {
                return e.toString();
            }
        }
    }
}
