package io.dataport.bench.minimal;

import io.dataport.queue.ClaimedRecord;
import io.dataport.queue.RecordHandler;
import io.dataport.queue.RecordView;
import io.dataport.queue.RingConfig;
import io.dataport.queue.RingConsumer;
import io.dataport.queue.RingFile;
import io.dataport.queue.RingProducer;
import java.nio.file.Path;

/**
 * The reference two-process loop for Dataport, written as plainly as a user would write it, with
 * nothing of the comparison harness (no Sink, Payload, PeerContext, MessagingSystem) on its path:
 * the harness's figures for "dataport" must stay within 15 % of this one's (decision 1702), so a
 * cost the harness adds shows up as a difference. Only the public ring API is used.
 *
 * <pre>
 *   MinimalDataport consume DIR SIZE WARMUP_S SECONDS   creates DIR/minimal.ring (4 MiB), prints "ready FILE",
 *                                                      then "result MESSAGES NANOS VERIFIED MSGS_PER_S"
 *   MinimalDataport produce FILE SIZE                  sends SIZE-byte messages until killed
 * </pre>
 *
 * The producer claims each record, copies a SIZE-byte body into it, writes the sequence number in
 * bytes 0..7 and commits it (one publication per record), spinning while the ring is full. The
 * consumer polls batches of up to 256 records and checks each in place (length and sequence number,
 * continuous from 0); it reads the clock once per 256 records or when the ring is empty, and counts
 * the records of a window of SECONDS that starts WARMUP_S after the first one. Nothing is allocated
 * per record. A wrong record ends the consumer with status 3; both roles end when their parent does.
 */
public final class MinimalDataport {
    private static final int CAPACITY = 4 << 20;
    private static final int BATCH = 256;

    private MinimalDataport() {
    }

    public static void main(String[] args) {
        // a busy-spinning orphan would eat a core: end with the process that started us
        ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> Runtime.getRuntime().halt(4)));
        try {
            if (args.length == 5 && args[0].equals("consume")) {
                consume(Path.of(args[1]), Integer.parseInt(args[2]), Double.parseDouble(args[3]), Double.parseDouble(args[4]));
            } else if (args.length == 3 && args[0].equals("produce")) {
                produce(Path.of(args[1]), Integer.parseInt(args[2]));
            } else {
                System.err.println("usage: MinimalDataport consume DIR SIZE WARMUP_S SECONDS | produce FILE SIZE");
                System.exit(2);
            }
        } catch (RuntimeException e) {
            System.err.println("MinimalDataport " + args[0] + ": " + e);
            System.exit(3);
        }
        System.exit(0);
    }

    /** Checks one record in place: its length and its sequence number. */
    private static final class Check implements RecordHandler {
        final int size;
        long next;

        Check(int size) {
            this.size = size;
        }

        @Override
        public void onRecord(RecordView r) {
            if (r.length() != size || r.getLong(0) != next) {
                throw new IllegalStateException("record " + next + ": length " + r.length() + ", sequence " + r.getLong(0));
            }
            next++;
        }
    }

    private static void consume(Path dir, int size, double warmupSeconds, double seconds) {
        Path file = dir.resolve("minimal.ring");
        try (RingFile ring = RingFile.create(file, RingConfig.of(CAPACITY)); RingConsumer consumer = ring.attachConsumer()) {
            System.out.println("ready " + file);
            System.out.flush();
            Check check = new Check(size);
            long warmupNanos = (long) (warmupSeconds * 1e9);
            long windowNanos = (long) (seconds * 1e9);
            long clockAt = 0;        // records seen when the clock was last read
            long firstAt = -1;       // when the first record arrived
            long windowAt = -1;      // when the window started
            long windowCount = 0;    // records seen when it started
            while (true) {
                if (consumer.poll(check, BATCH) == 0) {
                    Thread.onSpinWait();
                } else if (check.next - clockAt < BATCH) {
                    continue;
                }
                clockAt = check.next;
                if (check.next == 0) {
                    continue;
                }
                long now = System.nanoTime();
                if (firstAt < 0) {
                    firstAt = now;
                } else if (windowAt < 0) {
                    if (now - firstAt >= warmupNanos) {
                        windowAt = now;
                        windowCount = check.next;
                    }
                } else if (now - windowAt >= windowNanos && check.next > windowCount) {
                    long messages = check.next - windowCount;
                    long nanos = now - windowAt;
                    System.out.println("result " + messages + " " + nanos + " " + check.next + " " + (long) (messages / (nanos / 1e9)));
                    System.out.flush();
                    return;
                }
            }
        }
    }

    private static void produce(Path file, int size) {
        try (RingFile ring = RingFile.open(file); RingProducer producer = ring.attachProducer()) {
            byte[] body = new byte[size];
            for (long seq = 0; ; seq++) {
                ClaimedRecord r;
                while ((r = producer.tryClaim(size)) == null) {
                    Thread.onSpinWait();
                }
                r.putBytes(0, body, 0, size).putLong(0, seq);
                producer.commit();
            }
        }
    }
}
