package io.dataport.queue;

import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * One side of {@link CrossProcessTest}, run in its own JVM: {@code produce|consume <file> <count> <seed>}.
 * Record {@code n} has a length drawn from a PRNG both sides seed alike, and carries {@code n}, a
 * pattern derived from {@code n}, and a CRC32C of the rest as its last 8 bytes. The consumer checks all
 * three. Exit 0 when every record arrived intact and in order, 2 on a bad record, 3 when stalled.
 */
public final class CrossProcessPeer {
    static final int MIN_LENGTH = 16;
    private static final long STALL_NANOS = 60_000_000_000L;

    public static void main(String[] args) {
        Path file = Path.of(args[1]);
        long count = Long.parseLong(args[2]);
        long seed = Long.parseLong(args[3]);
        try (RingFile ring = RingFile.open(file)) {
            if (args[0].equals("produce")) {
                produce(ring, count, seed);
            } else {
                consume(ring, count, seed);
            }
        } catch (IllegalStateException e) {
            System.err.println(e.getMessage());
            System.exit(e.getMessage().startsWith("stalled") ? 3 : 2);
        }
    }

    static int lengthOf(SplittableRandom lengths, int max) {
        int bucket = lengths.nextInt(100);
        if (bucket < 70) {
            return MIN_LENGTH + lengths.nextInt(113);
        }
        if (bucket < 95) {
            return 129 + lengths.nextInt(1500 - 128);
        }
        return MIN_LENGTH + lengths.nextInt(max - MIN_LENGTH + 1);
    }

    private static void produce(RingFile file, long count, long seed) {
        SplittableRandom lengths = new SplittableRandom(seed);
        SplittableRandom batches = new SplittableRandom(seed + 1);
        byte[] payload = new byte[file.config().maxRecordLength()];
        CRC32C crc = new CRC32C();
        try (RingProducer producer = file.attachProducer()) {
            Stall stall = new Stall();
            int batch = 0;
            for (long n = 0; n < count; n++) {
                int length = lengthOf(lengths, producer.maxRecordLength());
                fill(payload, n, length, crc);
                ClaimedRecord record;
                while ((record = producer.tryClaim(length, (int) (n & 0xFF))) == null) {
                    producer.publish();
                    stall.idle("producer at record " + n);
                }
                stall.progress();
                record.putBytes(0, payload, 0, length);
                producer.commitBatched();
                if (++batch >= 1 + batches.nextInt(8)) {
                    producer.publish();
                    batch = 0;
                }
            }
            producer.publish();
        }
        System.out.println("produced " + count);
    }

    private static void consume(RingFile file, long count, long seed) {
        SplittableRandom lengths = new SplittableRandom(seed);
        Verifier verifier = new Verifier(lengths, file.config().maxRecordLength());
        java.nio.ByteBuffer copy = java.nio.ByteBuffer.allocate(file.config().maxRecordLength());
        try (RingConsumer consumer = file.attachConsumer()) {
            Stall stall = new Stall();
            while (verifier.next < count) {
                int got;
                if ((verifier.next & 1023) == 0) {
                    copy.clear();
                    int length = consumer.read(copy);
                    got = length < 0 ? 0 : 1;
                    if (length >= 0) {
                        verifier.check(copy.array(), length, -1);
                    }
                } else {
                    got = consumer.poll(verifier, 1 + (int) (verifier.next % 64));
                }
                if (got == 0) {
                    stall.idle("consumer at record " + verifier.next);
                } else {
                    stall.progress();
                }
            }
            if (consumer.poll(r -> { }, 1) != 0) {
                throw new IllegalStateException("a record beyond the last one arrived");
            }
        }
        System.out.println("verified " + count + " records, " + verifier.bytes + " bytes");
    }

    private static void fill(byte[] payload, long n, int length, CRC32C crc) {
        for (int i = 0; i < 8; i++) {
            payload[i] = (byte) (n >>> (8 * i));
        }
        for (int i = 8; i < length - 8; i++) {
            payload[i] = (byte) (n * 131 + i);
        }
        crc.reset();
        crc.update(payload, 0, length - 8);
        long sum = crc.getValue();
        for (int i = 0; i < 8; i++) {
            payload[length - 8 + i] = (byte) (sum >>> (8 * i));
        }
    }

    /** Checks sequence, length, type and checksum of each record, in place then copied out. */
    private static final class Verifier implements RecordHandler {
        private final SplittableRandom lengths;
        private final int max;
        private final byte[] scratch;
        private final CRC32C crc = new CRC32C();
        long next;
        long bytes;

        Verifier(SplittableRandom lengths, int max) {
            this.lengths = lengths;
            this.max = max;
            this.scratch = new byte[max];
        }

        @Override
        public void onRecord(RecordView record) {
            int length = record.length();
            record.getBytes(0, scratch, 0, length);
            check(scratch, length, record.type());
        }

        void check(byte[] payload, int length, int type) {
            int expected = lengthOf(lengths, max);
            if (length != expected) {
                throw new IllegalStateException("record " + next + ": length " + length + ", expected " + expected);
            }
            long n = 0;
            for (int i = 7; i >= 0; i--) {
                n = (n << 8) | (payload[i] & 0xFF);
            }
            if (n != next) {
                throw new IllegalStateException("record " + next + ": carries sequence " + n + " (lost or duplicated)");
            }
            if (type >= 0 && type != (int) (n & 0xFF)) {
                throw new IllegalStateException("record " + next + ": type " + type);
            }
            crc.reset();
            crc.update(payload, 0, length - 8);
            long sum = 0;
            for (int i = 7; i >= 0; i--) {
                sum = (sum << 8) | (payload[length - 8 + i] & 0xFF);
            }
            if (sum != crc.getValue()) {
                throw new IllegalStateException("record " + next + ": checksum mismatch (torn or stale bytes)");
            }
            next++;
            bytes += length;
        }
    }

    /** Backs off while idle and gives up, rather than hang, after a minute without progress. */
    private static final class Stall {
        private long idleSince;
        private int spins;

        void idle(String where) {
            if (spins++ == 0) {
                idleSince = System.nanoTime();
            } else if (spins > 100) {
                Thread.yield();
                if (System.nanoTime() - idleSince > STALL_NANOS) {
                    throw new IllegalStateException("stalled: " + where + " made no progress for 60 s");
                }
            } else {
                Thread.onSpinWait();
            }
        }

        void progress() {
            spins = 0;
        }
    }
}
