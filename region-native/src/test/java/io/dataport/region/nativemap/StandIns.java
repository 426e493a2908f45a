package io.dataport.region.nativemap;

import static org.junit.jupiter.api.Assertions.fail;

import io.dataport.queue.Notifier;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;

/**
 * What stands in for a UIO event node in the tests: a real eventfd (both sides one notifier), or a
 * FIFO in a fresh temp dir (waited on with UIO's read size, kicked by a one-byte write). Both go
 * through the same poll/read/write code as a {@code /dev/uioN} would; only the read size and the
 * drain differ.
 */
final class StandIns {
    private StandIns() {
    }

    enum StandIn {
        EVENTFD, FIFO
    }

    /** One wake-up channel: the side that waits and the side that kicks (the same notifier for an eventfd). */
    record Channel(Notifier waiter, Notifier kicker) implements AutoCloseable {
        @Override
        public void close() {
            try {
                waiter.close();
            } finally {
                kicker.close();
            }
        }
    }

    static Channel channel(StandIn standIn, Path dir, String name) throws IOException {
        if (standIn == StandIn.EVENTFD) {
            EventDeviceNotifier both = EventDeviceNotifier.eventfd();
            return new Channel(both, both);
        }
        Path fifo = FakeFs.fifo(dir.resolve(name + ".fifo"));
        EventDeviceNotifier waiter = EventDeviceNotifier.waitOnly(List.of(fifo), EventDeviceNotifier.UIO_READ_SIZE, false);
        try {
            return new Channel(waiter, EventDeviceNotifier.kickOnly(EventDeviceNotifier.Kick.write(fifo, 1)));
        } catch (RuntimeException e) {
            waiter.close();
            throw e;
        }
    }

    /** One waiter sleeping on several nodes, and one kicker per node. */
    record Fan(Notifier waiter, List<Notifier> kickers) implements AutoCloseable {
        @Override
        public void close() {
            try {
                waiter.close();
            } finally {
                kickers.forEach(Notifier::close);
            }
        }
    }

    /**
     * A waiter on {@code nodes} nodes: FIFOs listed by path ({@code waitOnly}), or eventfds, which
     * have no path, waited on through their descriptors (the kickers own them and close them).
     */
    static Fan fan(StandIn standIn, Path dir, int nodes) throws IOException {
        List<Notifier> kickers = new ArrayList<>();
        try {
            if (standIn == StandIn.EVENTFD) {
                String[] names = new String[nodes];
                int[] fds = new int[nodes];
                for (int i = 0; i < nodes; i++) {
                    EventDeviceNotifier eventfd = EventDeviceNotifier.eventfd();
                    kickers.add(eventfd);
                    names[i] = "eventfd" + i;
                    fds[i] = eventfd.waitFdForTest(0);
                }
                return new Fan(EventDeviceNotifier.waitOnlyForTest(names, fds, EventDeviceNotifier.EVENTFD_READ_SIZE),
                        kickers);
            }
            List<Path> fifos = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                fifos.add(FakeFs.fifo(dir.resolve("peer" + i + ".fifo")));
            }
            EventDeviceNotifier waiter = EventDeviceNotifier.waitOnly(fifos, EventDeviceNotifier.UIO_READ_SIZE, false);
            try {
                for (Path fifo : fifos) {
                    kickers.add(EventDeviceNotifier.kickOnly(EventDeviceNotifier.Kick.write(fifo, 1)));
                }
            } catch (RuntimeException e) {
                waiter.close();
                throw e;
            }
            return new Fan(waiter, kickers);
        } catch (IOException | RuntimeException e) {
            kickers.forEach(Notifier::close);
            throw e;
        }
    }

    /** Whether {@code thread} is blocked in {@code poll(2)} now (only {@code await} calls it). */
    static boolean inPoll(Thread thread) {
        for (StackTraceElement frame : thread.getStackTrace()) {
            if (frame.getClassName().endsWith("Libc$Calls") && frame.getMethodName().equals("poll")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Waits for {@code event}; the 60 s bound only ends a hung test, with a message: it never decides
     * a pass.
     */
    static void awaitEvent(BooleanSupplier event, String what) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!event.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("hung: waited 60 s for: " + what);
            }
            LockSupport.parkNanos(100_000);
        }
    }

    /** The seed for {@code test}: {@code -Ddataport.seed=N} or the fixed default; printed either way. */
    static long seed(String test, long fixed) {
        long seed = Long.getLong("dataport.seed", fixed);
        System.out.println(test + ": seed " + seed + " (rerun with -Ddataport.seed=" + seed + ")");
        return seed;
    }
}
