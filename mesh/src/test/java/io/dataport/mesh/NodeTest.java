package io.dataport.mesh;

import static org.junit.jupiter.api.Assertions.*;

import io.dataport.queue.PeerTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Nodes of one mesh in one JVM: joining in any order, fairness, back-pressure, wake-ups, restarts. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NodeTest {
    @TempDir
    Path dir;

    private MeshConfig config() {
        return MeshConfig.defaults(dir).withSizes(64 * 1024, 4096);
    }

    private static List<String> drain(Node node) {
        List<String> got = new ArrayList<>();
        while (node.poll(p -> got.add(p.from() + ":" + new String(p.toByteArray(), StandardCharsets.UTF_8))) > 0) {
            // until every inbound ring is empty
        }
        return got;
    }

    /** Waits for {@code event}; the 50 s bound only ends a hung test, with a message, never decides a pass. */
    static void awaitEvent(java.util.function.BooleanSupplier event, String what) {
        long deadline = System.nanoTime() + 50_000_000_000L;
        while (!event.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("hung: waited 50 s for: " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
    }

    @Test
    void startOrderDoesNotMatterAndPacketsWaitForALateReceiver() {
        MeshConfig config = config();
        try (Node zero = Node.join(config, 0)) {
            // node 0 came first: it created the regions of its two pairs, and nobody else is here
            for (String name : List.of("pair-0-1.region", "pair-0-2.region", "node-0.bell")) {
                assertTrue(Files.exists(dir.resolve(name)), name);
            }
            assertFalse(Files.exists(dir.resolve("pair-1-2.region")), "not node 0's pair");
            assertFalse(zero.connectedTo(1));
            for (int i = 0; i < 10; i++) {
                zero.send(1, ("early " + i).getBytes(StandardCharsets.UTF_8));
            }
            try (Node two = Node.join(config, 2); Node one = Node.join(config, 1)) {
                List<String> got = drain(one);
                assertEquals(10, got.size(), got.toString());
                for (int i = 0; i < 10; i++) {
                    assertEquals("0:early " + i, got.get(i));
                }
                one.send(0, "hello 0".getBytes(StandardCharsets.UTF_8));
                two.send(0, "hello from 2".getBytes(StandardCharsets.UTF_8));
                two.send(1, "hello 1".getBytes(StandardCharsets.UTF_8));
                List<String> atZero = drain(zero);
                assertTrue(atZero.containsAll(List.of("1:hello 0", "2:hello from 2")), atZero.toString());
                assertEquals(List.of("2:hello 1"), drain(one));
                assertEquals(10, zero.outboundStats(1).packets());
                assertEquals(10, one.inboundStats(0).packets());
                assertEquals("early 0".length() * 10, one.inboundStats(0).bytes());
            }
        }
    }

    @Test
    void sequenceNumbersIncreaseAndSurviveARestartOfEitherSide() {
        MeshConfig config = config();
        List<Long> seqs = new ArrayList<>();
        try (Node zero = Node.join(config, 0)) {
            try (Node one = Node.join(config, 1)) {
                zero.send(1, new byte[100]);
                zero.send(1, new byte[3000]);
                one.poll(p -> seqs.add(p.seq()));
            }
            zero.send(1, new byte[5]); // node 1 is away: the packet waits in the ring
            try (Node one = Node.join(config, 1)) {
                zero.send(1, new byte[7]);
                while (one.poll(p -> seqs.add(p.seq())) > 0) {
                    // drain
                }
            }
        }
        try (Node zero = Node.join(config, 0); Node one = Node.join(config, 1)) { // the sender restarted too
            zero.send(1, new byte[9]);
            one.poll(p -> seqs.add(p.seq()));
        }
        assertEquals(5, seqs.size(), seqs.toString());
        for (int i = 1; i < seqs.size(); i++) {
            assertTrue(seqs.get(i) > seqs.get(i - 1), "strictly increasing: " + seqs);
        }
    }

    @Test
    void aRoundTakesAtMostTheBatchLimitFromEachLinkSoNoPeerStarvesAnother() {
        MeshConfig config = config().withBatchLimit(4);
        try (Node zero = Node.join(config, 0); Node one = Node.join(config, 1); Node two = Node.join(config, 2)) {
            for (int i = 0; i < 40; i++) {
                zero.send(1, new byte[] {(byte) i});  // a busy peer
            }
            for (int i = 0; i < 8; i++) {
                two.send(1, new byte[] {(byte) i});   // a quiet one
            }
            List<List<Integer>> rounds = new ArrayList<>();
            for (int r = 0; r < 4; r++) {
                List<Integer> from = new ArrayList<>();
                one.poll(p -> from.add(p.from()));
                rounds.add(from);
            }
            for (int r = 0; r < 2; r++) {
                List<Integer> from = rounds.get(r);
                assertEquals(8, from.size(), "round " + r + ": " + rounds);
                assertEquals(4, from.stream().filter(f -> f == 0).count(), "round " + r + ": " + rounds);
                assertEquals(4, from.stream().filter(f -> f == 2).count(), "round " + r + ": " + rounds);
            }
            assertNotEquals(rounds.get(0).get(0), rounds.get(1).get(0), "each round starts one link further");
            assertEquals(List.of(0, 0, 0, 0), rounds.get(2), "the quiet peer is done; the busy one goes on");
            assertEquals(List.of(0, 0, 0, 0), rounds.get(3));
        }
    }

    @Test
    void aFullRingBackPressuresTheSenderAndNothingIsDropped() {
        MeshConfig config = MeshConfig.defaults(dir).withSizes(32 * 1024, 8000);
        try (Node zero = Node.join(config, 0); Node one = Node.join(config, 1)) {
            byte[] packet = new byte[8000];
            int sent = 0;
            while (true) {
                packet[0] = (byte) sent;
                if (!zero.trySend(1, 0, packet, 0, packet.length)) {
                    break;
                }
                sent++;
            }
            assertTrue(sent >= 2 && sent <= 4, "a 32 KiB ring (24 KiB after its lap prefix) holds a few 8 KB packets: " + sent);
            assertEquals(1, zero.outboundStats(1).fullEvents());
            assertFalse(zero.trySend(1, 0, packet, 0, packet.length), "still full");
            assertEquals(2, zero.outboundStats(1).fullEvents());
            long start = System.nanoTime();
            PeerTimeoutException timeout = assertThrows(PeerTimeoutException.class,
                    () -> zero.send(1, 0, packet, 0, packet.length, 50_000_000));
            assertTrue(System.nanoTime() - start >= 50_000_000);
            assertTrue(timeout.getMessage().contains("node 0 -> 1"), timeout.getMessage());
            assertTrue(timeout.getMessage().contains("attached"), timeout.getMessage());
            assertEquals(sent, zero.outboundStats(1).packets(), "a refused packet is not counted as sent");

            List<Integer> got = new ArrayList<>();
            while (one.poll(p -> got.add((int) p.getByte(0))) > 0) {
                // drain
            }
            assertEquals(sent, got.size());
            for (int i = 0; i < sent; i++) {
                assertEquals(i, got.get(i));
            }
            assertTrue(zero.trySend(1, 0, packet, 0, packet.length), "room again");
        }
    }

    @Test
    void aBlockedSendResumesWhenTheReceiverMakesRoom() throws Exception {
        MeshConfig config = MeshConfig.defaults(dir).withSizes(32 * 1024, 8000);
        try (Node zero = Node.join(config, 0); Node one = Node.join(config, 1)) {
            byte[] packet = new byte[8000];
            while (zero.trySend(1, 0, packet, 0, packet.length)) {
                // fill the ring
            }
            long fullBefore = zero.outboundStats(1).fullEvents();
            long sentBefore = zero.outboundStats(1).packets();
            // the timeout only ends a hung test: the send can only return once room is made
            Thread sender = new Thread(() -> zero.send(1, 0, packet, 0, packet.length, 50_000_000_000L));
            sender.start();
            awaitEvent(() -> zero.outboundStats(1).fullEvents() > fullBefore, "the send found the ring full");
            assertTrue(sender.isAlive(), "the sender waits for room");
            assertEquals(sentBefore, zero.outboundStats(1).packets(), "nothing was sent while the ring is full");
            one.poll(p -> { });
            sender.join(50_000);
            assertFalse(sender.isAlive(), "room was made: the send went through");
            assertEquals(sentBefore + 1, zero.outboundStats(1).packets());
        }
    }

    @Test
    void aSleepingReceiverIsWokenByAKickWhenAPacketArrives() throws Exception {
        MeshConfig config = config();
        try (Node one = Node.join(config, 1); Node zero = Node.join(config, 0)) {
            assertTrue(zero.connectedTo(1), "node 1 was there first: node 0 connected to its doorbell on joining");
            AtomicLong arrived = new AtomicLong();
            Thread receiver = new Thread(() -> {
                while (arrived.get() == 0) {
                    if (one.poll(p -> arrived.set(System.nanoTime())) == 0) {
                        one.idle(3_600_000_000_000L); // an hour: only a kick ends this sleep within the test
                    }
                }
            });
            receiver.setDaemon(true);
            receiver.start();
            awaitEvent(() -> one.inboundStats(0).sleeps() > 0, "node 1 went to sleep on its doorbell");
            long sent = System.nanoTime();
            zero.send(1, new byte[64]);
            receiver.join(50_000); // a bound that only ends a hung test (the class has a 60 s timeout)
            assertFalse(receiver.isAlive(), "woken by the kick: without it the sleep lasts an hour");
            assertTrue(arrived.get() > 0, "the packet arrived");
            System.out.println("woken by a kick after " + (arrived.get() - sent) / 1_000 + " us");
            assertEquals(1, zero.outboundStats(1).kicksSent(), "one kick for one sleep");
        }
    }

    /**
     * With the polling notifier a node needs nothing but its regions: no doorbell file, no kick.
     * Node 1's receive thread sleeps on all its inbound rings (its sleep counter says so, an event)
     * with an hour as its idle bound; packets from both peers still arrive, because the polling
     * notifier ends each sleep within 1 ms and the node re-checks every ring.
     */
    @Test
    void withThePollingNotifierASleepingReceiverWakesWithoutAnyDoorbell() throws Exception {
        MeshConfig config = config().withNotify(MeshConfig.Notify.POLL);
        try (Node one = Node.join(config, 1); Node zero = Node.join(config, 0); Node two = Node.join(config, 2)) {
            try (java.util.stream.Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of(), files.filter(f -> f.toString().endsWith(".bell")).toList(), "no doorbell");
            }
            assertTrue(zero.connectedTo(1), "node 1 holds its consumer role of the ring from node 0");
            List<String> got = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread receiver = new Thread(() -> {
                while (got.size() < 20) {
                    if (one.poll(p -> got.add(p.from() + ":" + p.seq())) == 0) {
                        one.idle(3_600_000_000_000L); // an hour: only the notifier's bound ends this sleep
                    }
                }
            });
            receiver.setDaemon(true);
            receiver.start();
            for (int i = 0; i < 10; i++) {
                long sleeps = one.inboundStats(0).sleeps() + one.inboundStats(2).sleeps();
                awaitEvent(() -> one.inboundStats(0).sleeps() + one.inboundStats(2).sleeps() > sleeps,
                        "node 1 went to sleep on both inbound rings");
                (i % 2 == 0 ? zero : two).send(1, new byte[64]);
                (i % 2 == 0 ? two : zero).send(1, new byte[64]);
            }
            receiver.join(50_000); // a bound that only ends a hung test
            assertFalse(receiver.isAlive(), "every packet arrived: " + got);
            assertEquals(20, got.size());
            assertTrue(one.inboundStats(0).sleeps() >= 10 && one.inboundStats(2).sleeps() >= 10, "slept before each pair");
            assertEquals(0, zero.outboundStats(1).kicksSent() + zero.outboundStats(1).kicksSuppressed(),
                    "nobody kicks, nobody fences");
        }
    }

    @Test
    void zeroCopySendAndReceiveWithBoundsChecks() {
        MeshConfig config = config();
        try (Node zero = Node.join(config, 0); Node one = Node.join(config, 1)) {
            zero.send(1, 7, 24, p -> p.putLong(0, 42).putInt(8, 43).putBytes(12, new byte[] {1, 2, 3}, 0, 3)
                    .putByte(23, (byte) 9), 1_000_000_000L);
            assertThrows(IndexOutOfBoundsException.class,
                    () -> zero.send(1, 0, 8, p -> p.putLong(1, 0), 1_000_000_000L));
            assertThrows(IllegalArgumentException.class, () -> zero.send(1, new byte[4097]));
            assertThrows(IllegalArgumentException.class, () -> zero.send(0, new byte[1]), "no link to itself");
            assertThrows(IllegalArgumentException.class, () -> zero.send(3, new byte[1]), "no such node");
            List<String> got = new ArrayList<>();
            one.poll(p -> {
                got.add(p.type() + " " + p.length() + " " + p.getLong(0) + " " + p.getInt(8) + " " + p.getByte(13)
                        + " " + p.getByte(23));
                assertThrows(IndexOutOfBoundsException.class, () -> p.getLong(20));
                assertThrows(IndexOutOfBoundsException.class, () -> p.getByte(-1));
            });
            assertEquals(List.of("7 24 42 43 2 9"), got, "the aborted packet was never sent");
            assertEquals(1, zero.outboundStats(1).packets());
        }
    }

    @Test
    void regionFilesArePrivateAndTheMeshDirectoryIsMadePrivate() throws Exception {
        MeshConfig config = config().withDir(dir.resolve("mesh"));
        try (Node zero = Node.join(config, 0)) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(config.dir())));
            try (var files = Files.list(config.dir())) {
                List<String> names = files.map(f -> f.getFileName().toString()).sorted().toList();
                assertEquals(List.of("node-0.bell", "pair-0-1.region", "pair-0-2.region"), names,
                        "no temporary file is left behind");
            }
            for (String name : List.of("pair-0-1.region", "pair-0-2.region", "node-0.bell")) {
                Path region = config.dir().resolve(name);
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(region)), name);
            }
            assertEquals(config.regionGeometry(0, 1).size(), Files.size(config.dir().resolve("pair-0-2.region")));
            assertEquals(config.regionGeometry(0, 1), config.regionGeometry(1, 0), "the same geometry on both sides");
            assertEquals(0, config.regionGeometry(1, 0).indexOf(0, 1), "ring 0: lower id to higher");
        }
    }

    @Test
    void aRoleHeldByALiveNodeIsRefusedNamingItsHolder() {
        // 1 s: the second claimant watches a live holder's heartbeat move within a quarter of it
        MeshConfig config = config().withLeaseTimeout(java.time.Duration.ofSeconds(1));
        try (Node zero = Node.join(config, 0)) {
            // node 0 running elsewhere (another host or VM): its doorbell is not ours to see
            assertTrue(dir.resolve("node-0.bell").toFile().delete());
            MeshException e = assertThrows(MeshException.class, () -> Node.join(config, 0));
            String message = e.getMessage();
            assertTrue(message.contains("role is held by holder " + Integer.toHexString(zero.holder())), message);
            assertTrue(message.contains("it is alive"), message);
            assertTrue(message.contains("pair-0-"), "names the region: " + message);
            assertFalse(message.contains("\n"), "one line: " + message);
            zero.send(1, new byte[1]); // the live node kept its roles
        }
    }

    @Test
    void theSameNodeCannotJoinTwice() {
        MeshConfig config = config();
        try (Node zero = Node.join(config, 0)) {
            MeshException e = assertThrows(MeshException.class, () -> Node.join(config, 0));
            assertTrue(e.getMessage().contains("node 0 is already running"), e.getMessage());
        }
        long start = System.nanoTime();
        Node.join(config, 0).close(); // it left, releasing its leases: it comes back at once
        assertTrue(System.nanoTime() - start < MeshConfig.DEFAULT_LEASE_TIMEOUT_NANOS,
                "a clean leave frees the roles: no wait for the lease timeout");
    }
}
