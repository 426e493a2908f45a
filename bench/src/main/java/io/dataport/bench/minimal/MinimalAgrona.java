package io.dataport.bench.minimal;

import java.io.File;
import java.nio.MappedByteBuffer;
import org.agrona.IoUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The reference two-process loop for Agrona's {@code OneToOneRingBuffer}, written as plainly as a
 * user would write it, with nothing of the comparison harness on its path: the harness's figures for
 * "agrona" must stay within 15 % of this one's (decision 1702). Same shape as {@link MinimalDataport}:
 *
 * <pre>
 *   MinimalAgrona consume DIR SIZE WARMUP_S SECONDS   maps a new DIR/minimal.agrona (4 MiB + trailer),
 *                                                    prints "ready FILE", then "result MESSAGES NANOS VERIFIED MSGS_PER_S"
 *   MinimalAgrona produce FILE SIZE                  sends SIZE-byte messages until killed
 * </pre>
 *
 * The producer claims each message ({@code tryClaim}), copies a SIZE-byte body in, writes the
 * sequence number in bytes 0..7 and commits it, spinning while the ring is full. The consumer reads
 * batches of up to 256 and checks each in place (length and sequence number, continuous from 0);
 * clock once per 256 messages or when the ring is empty; window of SECONDS after WARMUP_S from the
 * first message. Nothing is allocated per message. Needs the children's
 * {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}. A wrong message ends the consumer
 * with status 3; both roles end when their parent does.
 */
public final class MinimalAgrona {
    private static final int CAPACITY = 4 << 20;
    private static final int BATCH = 256;
    private static final int TYPE = 1;

    private MinimalAgrona() {
    }

    public static void main(String[] args) {
        // a busy-spinning orphan would eat a core: end with the process that started us
        ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> Runtime.getRuntime().halt(4)));
        try {
            if (args.length == 5 && args[0].equals("consume")) {
                consume(new File(args[1]), Integer.parseInt(args[2]), Double.parseDouble(args[3]), Double.parseDouble(args[4]));
            } else if (args.length == 3 && args[0].equals("produce")) {
                produce(new File(args[1]), Integer.parseInt(args[2]));
            } else {
                System.err.println("usage: MinimalAgrona consume DIR SIZE WARMUP_S SECONDS | produce FILE SIZE");
                System.exit(2);
            }
        } catch (RuntimeException e) {
            System.err.println("MinimalAgrona " + args[0] + ": " + e);
            System.exit(3);
        }
        System.exit(0);
    }

    /** Checks one message in place: its length and its sequence number. */
    private static final class Check implements MessageHandler {
        final int size;
        long next;

        Check(int size) {
            this.size = size;
        }

        @Override
        public void onMessage(int type, MutableDirectBuffer buffer, int index, int length) {
            if (length != size || buffer.getLong(index) != next) {
                throw new IllegalStateException("message " + next + ": length " + length + ", sequence " + buffer.getLong(index));
            }
            next++;
        }
    }

    private static void consume(File dir, int size, double warmupSeconds, double seconds) {
        File file = new File(dir, "minimal.agrona");
        MappedByteBuffer mapped = IoUtil.mapNewFile(file, CAPACITY + RingBufferDescriptor.TRAILER_LENGTH);
        try {
            OneToOneRingBuffer ring = new OneToOneRingBuffer(new UnsafeBuffer(mapped));
            System.out.println("ready " + file);
            System.out.flush();
            Check check = new Check(size);
            long warmupNanos = (long) (warmupSeconds * 1e9);
            long windowNanos = (long) (seconds * 1e9);
            long clockAt = 0;        // messages seen when the clock was last read
            long firstAt = -1;       // when the first message arrived
            long windowAt = -1;      // when the window started
            long windowCount = 0;    // messages seen when it started
            while (true) {
                if (ring.read(check, BATCH) == 0) {
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
        } finally {
            IoUtil.unmap(mapped);
        }
    }

    private static void produce(File file, int size) {
        OneToOneRingBuffer ring = new OneToOneRingBuffer(new UnsafeBuffer(IoUtil.mapExistingFile(file, "minimal ring")));
        AtomicBuffer buffer = ring.buffer();
        byte[] body = new byte[size];
        for (long seq = 0; ; seq++) {
            int index;
            while ((index = ring.tryClaim(TYPE, size)) < 0) {
                Thread.onSpinWait();
            }
            buffer.putBytes(index, body, 0, size);
            buffer.putLong(index, seq);
            ring.commit(index);
        }
    }
}
