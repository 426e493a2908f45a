package io.dataport.queue;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Roles held by leases in shared memory (spec/LeaseExpiry.tla): a second claimant is refused while
 * the holder beats, a holder that stopped beating is taken over after the timeout of the claimant's
 * clock (a {@link ManualClock}: no test here waits on the wall clock), and the old holder learns at
 * its next beat that it lost, after which every call on its end fails.
 */
class LeaseTest {
    @TempDir
    Path dir;

    Path region() {
        Path file = dir.resolve("lease.region");
        Region.createFile(file, RegionTest.SIZE);
        return file;
    }

    @Test
    void aHeldRoleIsRefusedAtOnceWithoutTakeover() {
        Path file = region();
        try (Region a = Region.open(file, RegionTest.PAIR, RegionTest.quiet(1));
             Region b = Region.open(file, RegionTest.PAIR, RegionTest.quiet(2).withTakeOver(false));
             RingProducer held = a.attachProducer(0)) {
            RegionException e = assertThrows(RegionException.class, () -> b.attachProducer(0));
            assertTrue(e.getMessage().contains("producer role is held by holder 1 (epoch 1)"), e.getMessage());
            assertFalse(held.lostRole());
            assertTrue(held.offer(new byte[8]));
        }
    }

    @Test
    void aClaimantThatSeesTheHeartbeatMoveGivesUp() {
        Path file = region();
        AtomicReference<Lease> holder = new AtomicReference<>();
        // while the claimant watches, the holder keeps beating (its keeper, played by the clock)
        ManualClock clock = new ManualClock(() -> {
            if (holder.get() != null) {
                holder.get().beat();
            }
        });
        try (Region a = Region.open(file, RegionTest.PAIR, RegionTest.quiet(1));
             Region b = Region.open(file, RegionTest.PAIR, RegionTest.quiet(2).withClock(clock))) {
            SharedRing ring = a.ring(0);
            try (Lease lease = Lease.claim(ring, Role.PRODUCER, RegionTest.quiet(1), "test")) {
                holder.set(lease);
                RegionException e = assertThrows(RegionException.class, () -> b.attachProducer(0));
                assertTrue(e.getMessage().contains("heartbeat moved while we watched: it is alive"), e.getMessage());
                assertEquals(1, clock.pauses);
                assertFalse(lease.isLost());
            }
        }
    }

    @Test
    void aSilentHolderIsTakenOverAfterTheTimeoutAndLearnsItLost() {
        Path file = region();
        ManualClock clock = new ManualClock();
        try (Region a = Region.open(file, RegionTest.PAIR, RegionTest.quiet(1));
             Region b = Region.open(file, RegionTest.PAIR, RegionTest.quiet(2).withClock(clock))) {
            RingProducer old = a.attachProducer(0);
            assertTrue(old.offer("before".getBytes()));
            long start = clock.nanoTime();
            RingProducer taker = b.attachProducer(0);
            assertTrue(clock.nanoTime() - start >= Duration.ofSeconds(10).toNanos(), "took over before the timeout");
            assertEquals(2, taker.leaseEpoch());
            assertTrue(taker.offer("after".getBytes()));
            // the old holder's next beat finds the lease word changed: it lost, and every call fails
            assertFalse(old.lostRole());
            assertFalse(LeaseTestAccess.beat(old));
            assertTrue(old.lostRole());
            RegionException e = assertThrows(RegionException.class, () -> old.offer(new byte[1]));
            assertTrue(e.getMessage().contains("lost its role"), e.getMessage());
            old.close(); // does not free the taker's role
            try (RingConsumer c = a.attachConsumer(0)) {
                java.util.List<String> got = new java.util.ArrayList<>();
                c.poll(r -> got.add(RegionTest.text(r)), 8);
                assertEquals(java.util.List.of("before", "after"), got);
            }
            RegionException held = assertThrows(RegionException.class,
                    () -> Region.open(file, RegionTest.PAIR, RegionTest.quiet(3).withTakeOver(false)).attachProducer(0));
            assertTrue(held.getMessage().contains("holder 2 (epoch 2)"), held.getMessage());
            assertTrue(LeaseTestAccess.beat(taker), "a live holder's beat keeps its lease");
            taker.close();
            assertFalse(LeaseTestAccess.beat(taker), "a closed lease does not beat");
        }
    }

    @Test
    void closingReleasesTheRoleAndKeepsTheEpoch() {
        Path file = region();
        try (Region a = Region.open(file, RegionTest.PAIR, RegionTest.quiet(1).withTakeOver(false))) {
            for (int epoch = 1; epoch <= 3; epoch++) {
                try (RingConsumer c = a.attachConsumer(1)) {
                    assertEquals(epoch, c.leaseEpoch());
                }
            }
        }
    }

    @Test
    void theKeeperBeatsEveryQuarterOfTheTimeout() throws InterruptedException {
        Path file = region();
        RegionOptions kept = RegionOptions.defaults().withHolder(5).withLeaseTimeout(Duration.ofMillis(40));
        try (Region a = Region.open(file, RegionTest.PAIR, kept); RingProducer p = a.attachProducer(0)) {
            SharedRing ring = a.ring(0);
            long first = ring.readHeartbeat(Role.PRODUCER);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos(); // only ends a hung test
            while (ring.readHeartbeat(Role.PRODUCER) < first + 3 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertTrue(ring.readHeartbeat(Role.PRODUCER) >= first + 3, "the keeper did not beat");
            assertFalse(p.lostRole());
        }
    }
}
