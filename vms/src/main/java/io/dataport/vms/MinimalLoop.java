package io.dataport.vms;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The smallest shared-memory loop between two processes or VMs: the yardstick for the raw ring
 * link's capacity in {@code vm-demo} (a ring link at 80% of it is the goal). Not Dataport's ring:
 * no variable lengths, no wrap padding, no leases, no validation of a hostile peer; fixed slots,
 * one position each way, a sequence number per message.
 *
 * <pre>
 * offset (in a region the host zeroed)   what
 *      0   PRODUCED   messages published by the producer (release store, acquire load)
 *     64   CONSUMED   messages the consumer is done with  (release store, acquire load)
 *    128   READY      the consumer's nonce: it is there, the producer may start
 *    192   TOTAL      the producer's last count + 1, written when its time is up (0: still running)
 *   4096   SLOTS      SLOT_COUNT slots of the message size rounded up to 8 bytes
 * </pre>
 *
 * How it works: the producer waits for {@code READY == nonce}, then for {@code --seconds} writes
 * message {@code n} into slot {@code n % SLOT_COUNT} (its sequence number in the first 8 bytes, the
 * rest from a fixed array) once {@code n - CONSUMED < SLOT_COUNT}, and publishes {@code PRODUCED =
 * n + 1}; then it writes {@code TOTAL}. The consumer copies each published slot out into a private
 * array (as the mesh does), checks its sequence number, publishes {@code CONSUMED} once per batch,
 * and stops when it has consumed {@code TOTAL - 1} messages. Release/acquire on the two positions
 * orders the slot bytes, as in any SPSC ring. Waiting is spinning, then {@link Thread#yield()}.
 * The consumer prints {@code loop ... messages=M seconds=S ... errors=E}; exit 0 when E is 0.
 */
@Command(name = "minimal-loop", mixinStandardHelpOptions = true,
        description = "A minimal SPSC shared-memory loop between two processes or VMs (vm-demo's yardstick).")
public final class MinimalLoop implements Callable<Integer> {
    static final int PRODUCED = 0;
    static final int CONSUMED = 64;
    static final int READY = 128;
    static final int TOTAL = 192;
    static final int SLOTS = 4096;
    static final int SLOT_COUNT = 1024;
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    @Option(names = "--region", required = true, description = "the shared file (a region the host zeroed)")
    Path region;

    @Option(names = "--side", required = true, description = "producer or consumer")
    String side;

    @Option(names = "--size", defaultValue = "1500", description = "bytes per message, 8 to 65536 (default ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--seconds", defaultValue = "3", description = "how long the producer sends (default ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--nonce", required = true, description = "a non-zero number both sides are given")
    long nonce;

    @Option(names = "--timeout", defaultValue = "60", description = "how long to wait for the peer (default ${DEFAULT-VALUE} s)")
    int timeout;

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new MinimalLoop());
        cl.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("minimal-loop: " + e.getMessage());
            return 2;
        });
        System.exit(cl.execute(args));
    }

    @Override
    public Integer call() throws IOException {
        if (!side.equals("producer") && !side.equals("consumer")) {
            return usage("--side takes producer or consumer, not '" + side + "'");
        }
        if (size < 8 || size > 65536) {
            return usage("--size must be 8 to 65536 bytes, not " + size);
        }
        if (nonce == 0 || seconds <= 0) {
            return usage("--nonce must not be 0 and --seconds must be positive");
        }
        int slot = (size + 7) & -8;
        long need = SLOTS + (long) slot * SLOT_COUNT;
        MappedByteBuffer b;
        try (FileChannel ch = FileChannel.open(region, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            if (ch.size() < need) {
                return usage(region + " has " + ch.size() + " bytes; messages of " + size + " bytes need " + need);
            }
            b = ch.map(FileChannel.MapMode.READ_WRITE, 0, need);
        } catch (NoSuchFileException e) {
            return usage("no such file: " + region);
        }
        long deadline = System.nanoTime() + timeout * 1_000_000_000L;
        return side.equals("producer") ? produce(b, slot, deadline) : consume(b, slot, deadline);
    }

    private int produce(MappedByteBuffer b, int slot, long deadline) {
        byte[] body = new byte[size];
        for (int i = 0; i < size; i++) {
            body[i] = (byte) (i * 31 + 7);
        }
        int spins = 0;
        while ((long) LONGS.getAcquire(b, READY) != nonce) {
            if (System.nanoTime() - deadline > 0) {
                System.err.println("minimal-loop: producer: the consumer did not come within " + timeout + " s");
                return 3;
            }
            spins = pause(spins);
        }
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long n = 0;
        long consumed = 0;
        while (true) {
            if ((n & 1023) == 0 && System.nanoTime() - end > 0) {
                break;
            }
            if (n - consumed >= SLOT_COUNT) {
                consumed = (long) LONGS.getAcquire(b, CONSUMED);
                if (n - consumed >= SLOT_COUNT) {
                    spins = pause(spins);
                    continue;
                }
            }
            spins = 0;
            int at = SLOTS + (int) (n % SLOT_COUNT) * slot;
            b.put(at, body, 0, size);
            LONGS.set(b, at, n);
            n++;
            LONGS.setRelease(b, PRODUCED, n);
        }
        LONGS.setRelease(b, TOTAL, n + 1);
        System.out.printf(Locale.ROOT, "loop side=producer size=%d messages=%d%n", size, n);
        return 0;
    }

    private int consume(MappedByteBuffer b, int slot, long deadline) {
        byte[] copy = new byte[size];
        LONGS.setRelease(b, READY, nonce);
        long n = 0;
        long errors = 0;
        long first = 0;
        long last = 0;
        int spins = 0;
        while (true) {
            long produced = (long) LONGS.getAcquire(b, PRODUCED);
            if (produced == n) {
                long total = (long) LONGS.getAcquire(b, TOTAL);
                if (total != 0 && total - 1 == n) {
                    break;
                }
                if (n == 0 && System.nanoTime() - deadline > 0) {
                    System.err.println("minimal-loop: consumer: the producer sent nothing within " + timeout + " s");
                    return 3;
                }
                spins = pause(spins);
                continue;
            }
            spins = 0;
            if (n == 0) {
                first = System.nanoTime();
            }
            for (; n < produced; n++) {
                int at = SLOTS + (int) (n % SLOT_COUNT) * slot;
                b.get(at, copy, 0, size);
                if ((long) LONGS.get(b, at) != n) {
                    errors++;
                }
            }
            last = System.nanoTime();
            LONGS.setRelease(b, CONSUMED, n);
        }
        double secs = Math.max(1e-9, (last - first) / 1e9);
        System.out.printf(Locale.ROOT, "loop side=consumer size=%d messages=%d seconds=%.3f msgs_per_s=%.0f gbits=%.3f errors=%d%n",
                size, n, secs, n / secs, n * (double) size * 8 / secs / 1e9, errors);
        return errors == 0 && n > 0 ? 0 : 1;
    }

    private static int pause(int spins) {
        if (spins < 10_000) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
        return spins + 1;
    }

    private static int usage(String message) {
        System.err.println("minimal-loop: " + message);
        return 2;
    }
}
