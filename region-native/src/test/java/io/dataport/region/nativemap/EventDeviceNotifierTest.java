package io.dataport.region.nativemap;

import static io.dataport.region.nativemap.StandIns.awaitEvent;
import static io.dataport.region.nativemap.StandIns.inPoll;
import static org.junit.jupiter.api.Assertions.*;

import io.dataport.queue.DataportException;
import io.dataport.queue.Notifier;
import io.dataport.region.nativemap.EventDeviceNotifier.Kick;
import io.dataport.region.nativemap.StandIns.Channel;
import io.dataport.region.nativemap.StandIns.Fan;
import io.dataport.region.nativemap.StandIns.StandIn;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link EventDeviceNotifier} through a real eventfd and through a FIFO standing in for a UIO node
 * (same poll/read/write code; a FIFO is drained, an eventfd read once), and its register-store
 * kick into a mapped file. Verdicts come from return values and events (a thread seen blocked in
 * {@code poll}); the 60 s timeouts only bound a hung test and are never what a pass depends on.
 */
class EventDeviceNotifierTest {
    private static final long MINUTE = 60_000_000_000L;
    private static final long MS = 1_000_000L;

    @TempDir
    Path dir;

    private Channel channel(StandIn standIn, String name) throws IOException {
        return StandIns.channel(standIn, dir, name);
    }

    // ---------------------------------------------------------------- the contract

    @ParameterizedTest
    @EnumSource(StandIn.class)
    void aKickBeforeTheAwaitIsNotLost(StandIn standIn) throws IOException {
        try (Channel c = channel(standIn, "early")) {
            assertTrue(c.kicker().kick());
            assertTrue(c.waiter().await(0), "the kick sent before the await was kept: even a zero timeout sees it");
            assertTrue(c.kicker().kick());
            assertTrue(c.waiter().await(MINUTE), "and a long await returns true for it (a lost kick: false after 60 s)");
            assertFalse(c.waiter().await(0), "consumed");
        }
    }

    @ParameterizedTest
    @EnumSource(StandIn.class)
    void anAwaitWithoutAKickTimesOutWithFalse(StandIn standIn) throws IOException {
        try (Channel c = channel(standIn, "quiet")) {
            assertFalse(c.waiter().await(20 * MS));
            assertFalse(c.waiter().await(0), "a zero timeout only looks");
            assertFalse(c.waiter().await(-5), "a negative timeout only looks");
            assertFalse(c.waiter().await(1), "1 ns rounds up to a 1 ms poll");
        }
    }

    @ParameterizedTest
    @EnumSource(StandIn.class)
    void kicksCoalesceAndAfterDrainingTheNextAwaitFindsNothing(StandIn standIn) throws IOException {
        try (Channel c = channel(standIn, "many")) {
            for (int i = 0; i < 5; i++) {
                assertTrue(c.kicker().kick());
            }
            assertTrue(c.waiter().await(MINUTE), "five kicks, one return");
            assertFalse(c.waiter().await(10 * MS), "all five were consumed by that one await: no spurious return");
            assertTrue(c.kicker().kick());
            assertTrue(c.waiter().await(MINUTE), "and the next kick wakes it again");
            assertFalse(c.waiter().await(0));
        }
    }

    @ParameterizedTest
    @EnumSource(StandIn.class)
    void aKickFromAnotherThreadWakesAWaiterBlockedInPoll(StandIn standIn) throws Exception {
        try (Channel c = channel(standIn, "blocked")) {
            AtomicReference<Boolean> result = new AtomicReference<>();
            Thread waiter = new Thread(() -> result.set(c.waiter().await(MINUTE)), "waiter");
            waiter.start();
            awaitEvent(() -> inPoll(waiter), "the waiter blocked in poll");
            Thread kicker = new Thread(() -> assertTrue(c.kicker().kick()), "kicker");
            kicker.start();
            kicker.join(60_000);
            waiter.join(60_000); // a bound that only ends a hung test
            assertFalse(waiter.isAlive(), "the kick woke the waiter");
            assertEquals(Boolean.TRUE, result.get(), "await said it was kicked");
            assertFalse(c.waiter().await(0), "and that kick was consumed");
        }
    }

    /**
     * Two threads hand a token back and forth 20 000 times, each waiting with a 60 s timeout: every
     * await must return true, so no kick was ever lost, whichever came first (the kick or the
     * await).
     */
    @ParameterizedTest
    @EnumSource(StandIn.class)
    void pingPongOfTwentyThousandKicksLosesNone(StandIn standIn) throws Exception {
        int rounds = 20_000;
        try (Channel ping = channel(standIn, "ping"); Channel pong = channel(standIn, "pong")) {
            AtomicReference<Throwable> failed = new AtomicReference<>();
            Thread other = new Thread(() -> {
                try {
                    for (int i = 0; i < rounds; i++) {
                        assertTrue(ping.waiter().await(MINUTE), "ping " + i);
                        assertTrue(pong.kicker().kick());
                    }
                } catch (Throwable t) {
                    failed.set(t);
                }
            }, "pong");
            other.start();
            for (int i = 0; i < rounds; i++) {
                assertTrue(ping.kicker().kick());
                assertTrue(pong.waiter().await(MINUTE), "pong " + i);
            }
            other.join(60_000);
            assertNull(failed.get());
            assertFalse(ping.waiter().await(0));
            assertFalse(pong.waiter().await(0));
        }
    }

    // ---------------------------------------------------------------- several wait nodes

    @ParameterizedTest
    @EnumSource(StandIn.class)
    void aKickOnAnyOfSeveralWaitNodesWakesTheOneWaiter(StandIn standIn) throws Exception {
        long seed = StandIns.seed("EventDeviceNotifierTest.aKickOnAnyOfSeveralWaitNodesWakesTheOneWaiter", 15);
        SplittableRandom random = new SplittableRandom(seed);
        try (Fan fan = StandIns.fan(standIn, dir, 3)) {
            Notifier waiter = fan.waiter();
            List<Notifier> kickers = fan.kickers();
            for (int i = 0; i < 30; i++) {
                int peer = random.nextInt(kickers.size());
                assertTrue(kickers.get(peer).kick());
                assertTrue(waiter.await(MINUTE), "a kick on node " + peer + " (seed " + seed + ")");
                assertFalse(waiter.await(0), "consumed");
            }
            // kicks on all three at once: one await takes them all
            for (Notifier k : kickers) {
                assertTrue(k.kick());
            }
            assertTrue(waiter.await(MINUTE));
            assertFalse(waiter.await(0), "every node was read, not only the first ready one");
            // and a waiter blocked in poll wakes for the last node
            AtomicReference<Boolean> result = new AtomicReference<>();
            Thread t = new Thread(() -> result.set(waiter.await(MINUTE)), "fan-waiter");
            t.start();
            awaitEvent(() -> inPoll(t), "the waiter blocked in poll on three nodes");
            assertTrue(kickers.get(2).kick());
            t.join(60_000); // a bound that only ends a hung test
            assertEquals(Boolean.TRUE, result.get());
        }
    }

    // ---------------------------------------------------------------- the register-store kick

    private static int readIntLe(Path file, long position) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (b.hasRemaining()) {
                if (ch.read(b, position + b.position()) < 0) {
                    throw new IOException("end of file");
                }
            }
        }
        return b.flip().getInt();
    }

    private static long nonZeroBytes(Path file) throws IOException {
        long n = 0;
        for (byte b : Files.readAllBytes(file)) {
            n += b != 0 ? 1 : 0;
        }
        return n;
    }

    @Test
    void anIvshmemDoorbellKickStoresPeerAndVectorAtOffset12OfThePage() throws IOException {
        long page = NativeMapping.pageSize();
        Path registers = FakeFs.sized(dir.resolve("uio0-registers"), 2 * page);
        try (EventDeviceNotifier k = EventDeviceNotifier.kickOnly(Kick.ivshmemDoorbell(registers, 3, 1))) {
            assertTrue(k.kick());
            assertEquals(3 << 16 | 1, readIntLe(registers, 12), "peer 3, vector 1, little-endian at offset 12");
            assertEquals(2, nonZeroBytes(registers), "bytes 12..15 hold 01 00 03 00, nothing else was touched");
        }
    }

    @Test
    void aStoreKickWritesTheValueAtTheOffsetOfTheMappedPage() throws IOException {
        long page = NativeMapping.pageSize();
        Path node = FakeFs.sized(dir.resolve("uio1"), 3 * page);
        try (EventDeviceNotifier emit = EventDeviceNotifier.kickOnly(Kick.camkesEmit(node));
             EventDeviceNotifier second = EventDeviceNotifier.kickOnly(Kick.store(node, 2 * page, 40, 0xCAFE0042))) {
            assertTrue(emit.kick());
            assertEquals(1, readIntLe(node, 0), "the CAmkES emit register: 1 at offset 0 of page 0");
            assertTrue(second.kick());
            assertEquals(0xCAFE0042, readIntLe(node, 2 * page + 40), "map offset 2 pages, register offset 40");
            assertEquals(0, readIntLe(node, 40), "page 0 offset 40 untouched");
            assertEquals(0, readIntLe(node, page + 40), "page 1 untouched");
            assertEquals(4, nonZeroBytes(node), "01 00 00 00 at 0 and 42 00 FE CA at 2 pages + 40: nothing else");
            // a mapping of the same file sees the store too (MAP_SHARED, like the device's register)
            try (NativeMapping view = NativeMapping.map(node, 2 * page, page)) {
                assertEquals(0xCAFE0042, view.buffer().order(ByteOrder.LITTLE_ENDIAN).getInt(40));
            }
        }
    }

    // ---------------------------------------------------------------- re-arm

    /**
     * After each event the re-arm word goes to the node: here, the notifier's re-arm target is
     * pointed at a FIFO the test reads, so the word itself can be checked (a real UIO node needs
     * {@code uio_pci_generic} and a device).
     */
    @Test
    void afterEachEventTheReArmWordIsAFourByteOne() throws IOException {
        Path sink = FakeFs.fifo(dir.resolve("rearm.fifo"));
        int reader = Libc.open(sink.toString(), Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        int writer = Libc.open(sink.toString(), Libc.O_WRONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        assertTrue(reader >= 0 && writer >= 0);
        ByteBuffer got = ByteBuffer.allocateDirect(64).order(ByteOrder.nativeOrder());
        long address = com.sun.jna.Pointer.nativeValue(com.sun.jna.Native.getDirectBufferPointer(got));
        try (EventDeviceNotifier n = EventDeviceNotifier.eventfd()) {
            n.redirectReArmForTest(0, writer);
            assertFalse(n.await(0));
            assertEquals(-1, Libc.read(reader, address, 64), "no event, no re-arm");
            assertTrue(n.kick());
            assertTrue(n.kick());
            assertTrue(n.await(MINUTE));
            assertEquals(4, Libc.read(reader, address, 64), "one event consumed, one re-arm word");
            assertEquals(1, got.getInt(0), "a 4-byte 1, native order");
        } finally {
            Libc.close(reader);
            Libc.close(writer);
        }
    }

    // ---------------------------------------------------------------- hang-ups and failures

    @Test
    void aFifoWhoseWriterLeftDeliversItsLastKickThenFailsNamingTheNode() throws IOException {
        Path fifo = FakeFs.fifo(dir.resolve("gone.fifo"));
        try (EventDeviceNotifier waiter = EventDeviceNotifier.waitOnly(List.of(fifo), 4, false)) {
            assertFalse(waiter.await(10 * MS), "no writer yet: no hang-up either, it just waits");
            try (EventDeviceNotifier kicker = EventDeviceNotifier.kickOnly(Kick.write(fifo, 1))) {
                assertTrue(kicker.kick());
            }
            assertTrue(waiter.await(MINUTE), "the kick the writer left behind is delivered");
            EventDeviceException e = assertThrows(EventDeviceException.class, () -> waiter.await(MINUTE),
                    "then POLLHUP with nothing to read: an error, not a silent spin");
            assertOneLine(e, fifo.toString());
            assertTrue(e.getMessage().contains("POLLHUP"), e.getMessage());
            assertEquals(fifo.toString(), e.node());
            assertTrue(e instanceof DataportException, "callers of take/claim catch DataportException");
            assertThrows(EventDeviceException.class, () -> waiter.await(MINUTE), "and it stays so");
        }
    }

    @Test
    void aHungUpNodeAmongSeveralFailsTheAwaitAtOnce() throws IOException {
        Path live = FakeFs.fifo(dir.resolve("live.fifo"));
        Path gone = FakeFs.fifo(dir.resolve("gone.fifo"));
        try (EventDeviceNotifier waiter = EventDeviceNotifier.waitOnly(List.of(live, gone), 4, false);
             EventDeviceNotifier liveKicker = EventDeviceNotifier.kickOnly(Kick.write(live, 1))) {
            EventDeviceNotifier.kickOnly(Kick.write(gone, 1)).close(); // a writer came and went, kicking nothing
            EventDeviceException e = assertThrows(EventDeviceException.class, () -> waiter.await(MINUTE));
            assertEquals(gone.toString(), e.node());
            assertTrue(liveKicker.kick());
            assertTrue(waiter.await(MINUTE), "a kick on a live node is still delivered first");
        }
    }

    @Test
    void aKickToAFifoNobodyReadsReturnsFalse() throws IOException {
        Path fifo = FakeFs.fifo(dir.resolve("orphan.fifo"));
        EventDeviceNotifier waiter = EventDeviceNotifier.waitOnly(List.of(fifo), 4, false);
        try (EventDeviceNotifier kicker = EventDeviceNotifier.kickOnly(Kick.write(fifo, 1))) {
            assertTrue(kicker.kick());
            waiter.close();
            assertFalse(kicker.kick(), "EPIPE: the waiting side is gone (and SIGPIPE did not kill the JVM)");
        }
    }

    @Test
    void aFullFifoCountsAsKicked() throws IOException {
        Path fifo = FakeFs.fifo(dir.resolve("full.fifo"));
        try (EventDeviceNotifier waiter = EventDeviceNotifier.waitOnly(List.of(fifo), 4, false);
             EventDeviceNotifier kicker = EventDeviceNotifier.kickOnly(Kick.write(fifo, 1))) {
            for (int i = 0; i < 100_000; i++) { // more than the 64 KiB pipe buffer
                assertTrue(kicker.kick(), "kick " + i + ": EAGAIN on a full FIFO means a kick is pending");
            }
            assertTrue(waiter.await(MINUTE));
            assertFalse(waiter.await(0), "one await drained the full FIFO");
        }
    }

    @Test
    void aCharacterDeviceThatReadsEndOfFileIsNotAnEventDevice() {
        Path devNull = Paths.get("/dev/null");
        try (EventDeviceNotifier waiter = EventDeviceNotifier.waitOnly(List.of(devNull), 4, false)) {
            EventDeviceException e = assertThrows(EventDeviceException.class, () -> waiter.await(MINUTE));
            assertOneLine(e, "/dev/null");
            assertTrue(e.getMessage().contains("end of file"), e.getMessage());
        }
        try (EventDeviceNotifier k = EventDeviceNotifier.kickOnly(Kick.write(devNull, 8))) {
            assertTrue(k.kick(), "a write kick to a character device");
        }
    }

    // ---------------------------------------------------------------- bad arguments

    private static void assertOneLine(Exception e, String node) {
        String m = e.getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        assertTrue(m.startsWith(node + ": "), "names the node first: " + m);
    }

    @Test
    void aMissingNodeIsAOneLineErrorNamingItAndTheFix() {
        Path missing = dir.resolve("uio9");
        List<Runnable> attempts = List.of(
                () -> EventDeviceNotifier.forUio(missing),
                () -> EventDeviceNotifier.forIvshmemDoorbell(missing, 1, 0),
                () -> EventDeviceNotifier.waitOnly(List.of(missing), 4, false),
                () -> EventDeviceNotifier.kickOnly(Kick.write(missing, 1)),
                () -> EventDeviceNotifier.kickOnly(Kick.camkesEmit(missing)));
        for (Runnable attempt : attempts) {
            EventDeviceException e = assertThrows(EventDeviceException.class, attempt::run);
            assertOneLine(e, missing.toString());
            assertTrue(e.getMessage().contains("does not exist") && e.getMessage().contains("ls /dev/uio"),
                    e.getMessage());
        }
    }

    /**
     * A node this user may not open (mode 000; as root, the test thread's file-system uid is nobody's
     * for the attempt): each way of opening it says so, with the C library's text and the fix.
     */
    @Test
    void aNodeThisUserMayNotOpenIsAOneLineErrorSayingHowToGetAccess() throws IOException {
        Path fifo = FakeFs.locked(FakeFs.fifo(dir.resolve("locked.fifo")));
        Path regs = FakeFs.locked(FakeFs.sized(dir.resolve("locked-regs"), NativeMapping.pageSize()));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x")); // reach, not read
        List<Path> nodes = List.of(fifo, fifo, regs);
        List<Supplier<EventDeviceNotifier>> attempts = List.of(
                () -> EventDeviceNotifier.waitOnly(List.of(fifo), 4, false),
                () -> EventDeviceNotifier.kickOnly(Kick.write(fifo, 1)),
                () -> EventDeviceNotifier.kickOnly(Kick.store(regs, 0, 12, 1)));
        for (int i = 0; i < attempts.size(); i++) {
            Supplier<EventDeviceNotifier> attempt = attempts.get(i);
            EventDeviceException e = FakeFs.withoutFileAccess(
                    () -> assertThrows(EventDeviceException.class, attempt::get));
            assertOneLine(e, nodes.get(i).toString());
            assertEquals(Libc.EACCES, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains("Permission denied")
                    && e.getMessage().contains("run as root or give this user"), e.getMessage());
        }
    }

    @Test
    void nodesOfTheWrongKindAreRefusedWithTheFix() throws IOException {
        Path file = FakeFs.file(dir.resolve("plain"), "x");
        EventDeviceException e = assertThrows(EventDeviceException.class,
                () -> EventDeviceNotifier.waitOnly(List.of(file), 4, false));
        assertOneLine(e, file.toString());
        assertTrue(e.getMessage().contains("a regular file, not an event device")
                && e.getMessage().contains("character device"), e.getMessage());
        e = assertThrows(EventDeviceException.class, () -> EventDeviceNotifier.waitOnly(List.of(dir), 4, false));
        assertTrue(e.getMessage().contains("a directory"), e.getMessage());
        e = assertThrows(EventDeviceException.class, () -> EventDeviceNotifier.kickOnly(Kick.write(file, 1)));
        assertTrue(e.getMessage().contains("Kick.store"), e.getMessage());
        Path fifo = FakeFs.fifo(dir.resolve("f.fifo"));
        e = assertThrows(EventDeviceException.class, () -> EventDeviceNotifier.kickOnly(Kick.camkesEmit(fifo)));
        assertTrue(e.getMessage().contains("a store kick maps"), e.getMessage());
    }

    @Test
    void badReadSizesAndKickWordsAreRefused() throws IOException {
        Path fifo = FakeFs.fifo(dir.resolve("f.fifo"));
        for (int size : new int[] {0, -1, EventDeviceNotifier.MAX_READ_SIZE + 1}) {
            EventDeviceException e = assertThrows(EventDeviceException.class,
                    () -> EventDeviceNotifier.waitOnly(List.of(fifo), size, false));
            assertOneLine(e, fifo.toString());
            assertTrue(e.getMessage().contains("read size " + size) && e.getMessage().contains("4 for UIO"),
                    e.getMessage());
        }
        Path uio = FakeFs.fifo(dir.resolve("uio3")); // named like a UIO node
        EventDeviceException e = assertThrows(EventDeviceException.class,
                () -> EventDeviceNotifier.waitOnly(List.of(uio), 8, false));
        assertTrue(e.getMessage().contains("UIO node, which reads exactly 4 bytes"), e.getMessage());
        e = assertThrows(EventDeviceException.class, () -> EventDeviceNotifier.waitOnly(List.of(fifo), 4, true));
        assertTrue(e.getMessage().contains("is a FIFO: re-arming"), e.getMessage());
        e = assertThrows(EventDeviceException.class, () -> EventDeviceNotifier.waitOnly(List.of(fifo, fifo), 4, false));
        assertTrue(e.getMessage().contains("listed twice"), e.getMessage());
        e = assertThrows(EventDeviceException.class, () -> Kick.write(fifo, 3));
        assertTrue(e.getMessage().contains("1, 4 or 8 bytes"), e.getMessage());
        e = assertThrows(EventDeviceException.class, () -> Kick.store(fifo, 0, 6, 1));
        assertTrue(e.getMessage().contains("multiple of 4"), e.getMessage());
        e = assertThrows(EventDeviceException.class, () -> Kick.store(fifo, -4096, 0, 1));
        assertTrue(e.getMessage().contains("negative"), e.getMessage());
        e = assertThrows(EventDeviceException.class, () -> Kick.ivshmemDoorbell(fifo, 70_000, 0));
        assertTrue(e.getMessage().contains("0 to 65535"), e.getMessage());
        Path page = FakeFs.sized(dir.resolve("regs"), NativeMapping.pageSize());
        e = assertThrows(EventDeviceException.class,
                () -> EventDeviceNotifier.kickOnly(Kick.store(page, NativeMapping.pageSize(), 0, 1)));
        assertOneLine(e, page.toString());
        assertTrue(e.getCause() instanceof RegionMapException, "NativeMapping's refusal, wrapped");
        assertThrows(IllegalArgumentException.class, () -> EventDeviceNotifier.waitOnly(List.of(), 4, false));
    }

    @Test
    void aKickToAFifoWithoutAReaderSaysToCreateTheWaitingSideFirst() throws IOException {
        Path fifo = FakeFs.fifo(dir.resolve("early.fifo"));
        EventDeviceException e = assertThrows(EventDeviceException.class,
                () -> EventDeviceNotifier.kickOnly(Kick.write(fifo, 1)));
        assertOneLine(e, fifo.toString());
        assertEquals(Libc.ENXIO, e.errno());
        assertTrue(e.getMessage().contains("create the waiting side first"), e.getMessage());
    }

    // ---------------------------------------------------------------- sides, close

    @Test
    void oneSidedNotifiersRefuseTheOtherSide() throws IOException {
        Path fifo = FakeFs.fifo(dir.resolve("f.fifo"));
        try (EventDeviceNotifier waiter = EventDeviceNotifier.waitOnly(List.of(fifo), 4, false);
             EventDeviceNotifier kicker = EventDeviceNotifier.kickOnly(Kick.write(fifo, 1))) {
            assertThrows(UnsupportedOperationException.class, waiter::kick);
            assertThrows(UnsupportedOperationException.class, () -> kicker.await(0));
            try (Notifier both = Notifier.pair(waiter, kicker)) {
                assertTrue(both.kick());
                assertTrue(both.await(MINUTE), "Notifier.pair joins the two halves");
            }
            assertTrue(waiter.isClosed() && kicker.isClosed(), "the pair closed both");
        }
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseIsAnIllegalState() throws IOException {
        Path fifo = FakeFs.fifo(dir.resolve("f.fifo"));
        Path regs = FakeFs.sized(dir.resolve("regs"), NativeMapping.pageSize());
        List<EventDeviceNotifier> all = List.of(EventDeviceNotifier.eventfd(),
                EventDeviceNotifier.waitOnly(List.of(fifo), 4, false),
                EventDeviceNotifier.kickOnly(Kick.store(regs, 0, 12, 1)));
        for (EventDeviceNotifier n : all) {
            n.close();
            n.close();
            assertTrue(n.isClosed());
            assertTrue(n.toString().endsWith("(closed)"), n.toString());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> n.await(0));
            assertTrue(e.getMessage().contains("is closed: await needs a new notifier"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
            e = assertThrows(IllegalStateException.class, n::kick);
            assertTrue(e.getMessage().contains("is closed: kick needs a new notifier"), e.getMessage());
        }
    }

    // ---------------------------------------------------------------- costs

    /**
     * {@code kick} and {@code await} allocate nothing: the thread's allocation counter does not move
     * (beyond a few bytes of noise) over 50 000 of each (and 50 000 register stores), after a warm-up.
     */
    @Test
    void kickAndAwaitAllocateNothing() throws IOException {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Path regs = FakeFs.sized(dir.resolve("regs"), NativeMapping.pageSize());
        try (EventDeviceNotifier n = EventDeviceNotifier.eventfd();
             EventDeviceNotifier store = EventDeviceNotifier.kickOnly(Kick.ivshmemDoorbell(regs, 1, 0))) {
            AtomicBoolean ok = new AtomicBoolean(true);
            Runnable round = () -> {
                boolean all = true;
                for (int i = 0; i < 50_000; i++) {
                    all &= n.kick();
                    all &= n.await(MINUTE);
                    all &= store.kick();
                }
                ok.compareAndSet(true, all);
            };
            round.run(); // warm-up: class loading, JIT
            round.run();
            long before = threads.getCurrentThreadAllocatedBytes();
            round.run();
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            System.out.println("150 000 kicks, awaits and stores allocated " + allocated + " bytes");
            assertTrue(ok.get());
            assertTrue(allocated < 10_000, "allocated " + allocated + " bytes for 150 000 operations");
        }
    }

    @Test
    void millisAreRoundedUp() {
        assertEquals(0, EventDeviceNotifier.millisRoundedUp(0));
        assertEquals(0, EventDeviceNotifier.millisRoundedUp(-1));
        assertEquals(1, EventDeviceNotifier.millisRoundedUp(1));
        assertEquals(1, EventDeviceNotifier.millisRoundedUp(1_000_000));
        assertEquals(2, EventDeviceNotifier.millisRoundedUp(1_000_001));
        assertEquals(Integer.MAX_VALUE, EventDeviceNotifier.millisRoundedUp(Long.MAX_VALUE));
    }
}
