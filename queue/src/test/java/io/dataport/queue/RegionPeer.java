package io.dataport.queue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * One side of {@link RegionCrossProcessTest}, in its own JVM, sharing nothing with the test but the
 * region file: {@code race|produce|consume|echo <file> <holder> [args]}. Progress goes to stdout,
 * one line per event, so the test decides by what happened, never by time.
 */
public final class RegionPeer {
    /** A lease clock that advances by the pause asked for and waits only a millisecond: a takeover in ~50 ms. */
    static final LeaseClock FAST = new ManualClock(() -> LockSupport.parkNanos(1_000_000L));

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[1]);
        int holder = Integer.parseInt(args[2]);
        RegionOptions options = RegionOptions.defaults().withHolder(holder).withClock(FAST)
                .withLeaseTimeout(Duration.ofSeconds(10)).withTakeOver(!args[0].equals("race"));
        try (Region region = Region.open(file, RegionCrossProcessTest.PAIR, options)) {
            switch (args[0]) {
                case "race" -> race(region);
                case "produce" -> produce(region, args[3].charAt(0), Long.parseLong(args[4]));
                case "consume" -> consume(region, Integer.parseInt(args[3]));
                case "echo" -> echo(region, Long.parseLong(args[3]));
                case "stall" -> stall(region);
                case "poll-produce" -> pollProduce(region, Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                        Long.parseLong(args[5]));
                default -> throw new IllegalArgumentException(args[0]);
            }
        }
        System.out.flush();
    }

    /** Record {@code seq} of the stall test: {@code length} bytes, the first 8 the sequence number, the rest {@code (byte) seq}. */
    static byte[] stallRecord(long seq, int length) {
        byte[] b = new byte[length];
        java.util.Arrays.fill(b, (byte) seq);
        java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, seq);
        return b;
    }

    /**
     * A producer stopped at a fixed point in the middle of a record: it publishes record 0, claims
     * record 1 and writes the first half of its payload, prints "hook", and waits at this test hook
     * for "go" on stdin (the test stops the whole process with SIGSTOP here, keeper thread included,
     * takes the role over, then resumes it with SIGCONT). Then it writes the second half (late
     * stores) and commits, and prints what happened: "lost ..." is the documented outcome.
     */
    private static void stall(Region region) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        RingProducer p = region.attachProducer(0);
        if (!p.offer(stallRecord(0, 1000))) {
            throw new IllegalStateException("no room for record 0");
        }
        byte[] one = stallRecord(1, 1000);
        ClaimedRecord r = p.tryClaim(one.length);
        r.putBytes(0, one, 0, 500);
        System.out.println("hook epoch " + p.leaseEpoch());
        System.out.flush();
        if (!"go".equals(in.readLine())) {
            return;
        }
        r.putBytes(500, one, 500, 500);
        try {
            p.commit();
            System.out.println("committed (not fenced!)");
        } catch (RegionException e) {
            System.out.println("lost " + e.getMessage());
        } catch (RuntimeException e) {
            System.out.println("other " + e);
        }
        System.out.flush();
    }

    /**
     * The producer of {@code RegionCrossProcessTest.producerAndConsumerSharingOnlyARegionWakeEachOtherByPolling},
     * blocking with the polling notifier and nothing else: {@code bursts} bursts of {@code burst}
     * records, burst {@code b} sent only once the test wrote "slept N" on stdin with
     * {@code N >= b * burst} (the consumer fell asleep after it had every earlier burst: an event,
     * so it sleeps before every burst; the line is the test's control, the wake-up itself is the
     * polling notifier's); then {@code more} records sent as fast as room allows, so it blocks for
     * room whenever the consumer pauses. Prints "done N sleeps S kicks K".
     */
    private static void pollProduce(Region region, int bursts, int burst, long more) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        Notifier notifier = Notifier.polling();
        WaitStrategy wait = WaitStrategy.blocking(notifier);
        long hung = 60_000_000_000L;
        try (RingProducer p = region.attachProducer(0)) {
            p.wakePeerWith(notifier);
            System.out.println("attached");
            System.out.flush();
            long seq = 0;
            for (int b = 0; b < bursts; b++) {
                long asleepWith;
                do {
                    String line = in.readLine();
                    if (line == null || !line.startsWith("slept ")) {
                        throw new IllegalStateException("expected \"slept N\" on stdin, got " + line);
                    }
                    asleepWith = Long.parseLong(line.substring(6));
                } while (asleepWith < seq);
                for (int i = 0; i < burst; i++) {
                    claimAwake(p, wait, hung).putLong(0, seq).putLong(8, ~seq);
                    p.commit();
                    seq++;
                }
            }
            for (long i = 0; i < more; i++) {
                claimAwake(p, wait, hung).putLong(0, seq).putLong(8, ~seq);
                p.commit();
                seq++;
            }
            System.out.println("done " + seq + " sleeps " + p.sleeps() + " kicks " + p.kicksSent());
        }
    }

    /**
     * A blocking claim of 16 bytes that fails if it reached its timeout: the claim takes the room it
     * finds at its deadline, and reaching the deadline means that nothing woke the producer.
     */
    private static ClaimedRecord claimAwake(RingProducer p, WaitStrategy wait, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        ClaimedRecord r = p.claim(16, 0, wait, timeoutNanos);
        if (System.nanoTime() - deadline >= 0) {
            throw new IllegalStateException("the producer slept until its timeout: a lost wake-up");
        }
        return r;
    }

    /** Rounds driven by stdin: "go" tries to claim the producer role of ring 0, "release" gives it back. */
    private static void race(Region region) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        RingProducer held = null;
        String line;
        while ((line = in.readLine()) != null) {
            switch (line) {
                case "go" -> {
                    try {
                        held = region.attachProducer(0);
                        System.out.println("won " + held.leaseEpoch());
                    } catch (RegionException e) {
                        System.out.println("lost " + e.getMessage());
                    }
                }
                case "release" -> {
                    held.close();
                    held = null;
                    System.out.println("released");
                }
                default -> {
                    return;
                }
            }
            System.out.flush();
        }
    }

    /** Records {@code tag, seq} on ring 0 until {@code count} (or killed); "published N" every 512. */
    private static void produce(Region region, char tag, long count) {
        try (RingProducer p = region.attachProducer(0)) {
            System.out.println("attached epoch " + p.leaseEpoch());
            System.out.flush();
            for (long seq = 0; seq < count; seq++) {
                ClaimedRecord r;
                while ((r = p.tryClaim(16, tag)) == null) {
                    Thread.onSpinWait();
                }
                r.putLong(0, seq).putLong(8, ~seq);
                p.commit();
                if ((seq + 1) % 512 == 0) {
                    System.out.println("published " + (seq + 1));
                    System.out.flush();
                }
            }
            System.out.println("done " + count);
        }
    }

    /** Consumes ring 0 in batches of {@code limit}: "first SEQ" once, "acked NEXT" after each batch. */
    private static void consume(Region region, int limit) {
        try (RingConsumer c = region.attachConsumer(0)) {
            long[] next = {-1};
            while (true) {
                int n = c.poll(r -> {
                    long seq = r.getLong(0);
                    if (next[0] < 0) {
                        System.out.println("first " + seq);
                    } else if (seq != next[0]) {
                        System.out.println("gap " + next[0] + " " + seq);
                    }
                    next[0] = seq + 1;
                }, limit);
                if (n > 0) {
                    System.out.println("acked " + next[0]);
                    System.out.flush();
                } else {
                    Thread.onSpinWait();
                }
            }
        }
    }

    /** Copies every record of ring 0 to ring 1, unchanged, {@code count} records. */
    private static void echo(Region region, long count) {
        try (RingConsumer in = region.attachConsumer(0); RingProducer out = region.attachProducer(1)) {
            System.out.println("attached");
            System.out.flush();
            long[] copied = {0};
            byte[] buf = new byte[in.maxRecordLength()];
            while (copied[0] < count) {
                int n = in.poll(r -> {
                    r.getBytes(0, buf, 0, r.length());
                    while (!out.offer(buf, 0, r.length(), r.type())) {
                        Thread.onSpinWait();
                    }
                    copied[0]++;
                }, 64);
                if (n == 0) {
                    Thread.onSpinWait();
                }
            }
            System.out.println("done " + copied[0]);
        }
    }
}
