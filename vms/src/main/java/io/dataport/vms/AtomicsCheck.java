package io.dataport.vms;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Checks, before any traffic, that atomics and fences really work between two VMs sharing a region
 * (an ivshmem BAR). Run it at once in two guests, side a in one and side b in the other, on the part
 * [offset, offset + 4096 + litmus-bytes) of the region they share: a 4 KiB control area, then the
 * litmus area. Under QEMU TCG with {@code -smp 1} a guest's atomic instructions become plain loads and
 * stores and its fences are dropped, so the rings' protocol would silently lose or reorder updates;
 * this program sees that and exits 1.
 *
 * <p>How the checks work:
 * <ol>
 *   <li><b>Handshake.</b> Side a zeroes the control area and the litmus area, writes its options, then
 *       its ARRIVED word = nonce (a release store). Side b touches nothing until it reads
 *       ARRIVED_A == nonce; then it writes its options and ARRIVED_B = nonce. Both compare options. The
 *       nonce is fresh per run, so words left by an earlier run (another nonce) never count: b ignores
 *       a stale ARRIVED_A, and a stale ARRIVED_B is wiped by a's zeroing before b may write it.</li>
 *   <li><b>CAS race.</b> Each side adds 1 to one shared COUNTER N times with a compareAndSet retry loop
 *       and N times with getAndAdd, interleaved, while the other does the same. With atomic
 *       read-modify-writes no increment can be lost, so after both DONE words the counter must be
 *       exactly 4N. A smaller value ({@code lost > 0}) proves that two read-modify-writes overlapped:
 *       the hardware/emulator did not make them atomic across the VMs.</li>
 *   <li><b>Store-buffering litmus</b>, R slots tested, free-running as litmus7 runs it. The litmus area
 *       holds K slots, each an x[i] and a y[i] word. The R tests run in chunks of up to {@value #CHUNK}
 *       slots; chunk t (t = 1, 2, ...) takes the next slots of the area, round-robin, and its tag is t.
 *       Both sides meet at a barrier (CHUNK words) once per chunk only; then, without any further
 *       synchronisation, a runs over the chunk's slots doing {@code x[i] = t; fullFence; read y[i]}
 *       and b does {@code y[i] = t; fullFence; read x[i]}; a read other than t is stale (the slots are
 *       reused by later chunks without zeroing: an older chunk's tag is smaller). Each side records what
 *       it read in a private, preallocated array, then publishes one stale bit per slot (a bitmap, with
 *       the chunk's tag as its header) and goes to the next barrier; after it, both count the slots of
 *       the chunk where BOTH bits are set. Under sequential consistency, which a full fence between the
 *       store and the load restores, at least one of the two stores of slot i precedes both loads, so
 *       at least one side reads t: a slot where both read stale is forbidden. One such slot proves the
 *       fence did not order the store before the load (it was dropped, or did not reach the other VM).
 *       Both sides count the same forbidden slots from the same published bitmaps (the caller
 *       cross-checks); a bitmap whose header is not the expected tag means a third writer (exit 2).
 *       <br>Why free-running: the earlier form met at a barrier before every single store-then-load,
 *       and under TCG the two guests leave a barrier microseconds apart, so their store-to-load windows
 *       (tens of ns) never overlapped: its negative control saw 0 forbidden rounds in 20,000 in the
 *       guests. Here a forbidden slot needs only that the two sides pass slot i at about the same time.
 *       <br>Directions: side a always runs up through the chunk's slots; side b runs up in odd chunks
 *       (litmus7's form: the sides see forbidden outcomes all along while they run in step) and down in
 *       even ones: there the two meet somewhere in the chunk whatever offset the barrier left them,
 *       as long as it is shorter than the chunk, and the slots around the meeting point are tested by
 *       both at once. Running in the same direction alone is fragile on hardware: the side behind
 *       misses the cache on every line the side ahead has just written, falls further behind and tests
 *       nothing (measured on the host: one side read all 1,024 slots of most chunks stale, the other
 *       none). Both directions run in the fenced check too: it is as sensitive as its negative control.
 *       <br>Layout: x[i] and y[i] are on the same 64-byte line, at 0 and 8 of slot i, one slot per line
 *       ({@value #SLOT} bytes, so K = litmus-bytes / {@value #SLOT}, 16,384 slots in the default 1 MiB).
 *       Measured on the host (2 vCPUs, AMD EPYC) without the fence, 50,000 slots, 6 runs each, with an
 *       earlier variant (both sides running up, one slowed by loads per slot): the same line showed
 *       20 .. 4,419 forbidden slots, x[i] and y[i] on adjacent lines (128-byte slots) 17 .. 372.</li>
 *   <li><b>Leaving.</b> Side b writes LEFT_B = nonce after its last read and never touches the region
 *       again; side a waits for it and then zeroes the control area and the litmus area, so the region
 *       can be formatted.</li>
 * </ol>
 * The negative controls {@code --broken fence} (no fence: forbidden slots appear even on x86
 * hardware, whose store buffer delays a store past a later load) and {@code --broken cas} (a plain
 * read then write instead of an atomic increment: increments get lost under contention) show that the
 * checks can fail, so a pass means something.
 *
 * <p>Waiting spins with {@link Thread#onSpinWait()} and, after {@value #SPINS} spins and 1 ms, parks 50 µs
 * at a time (a guest has one vCPU on a host with few cores: pure spinning would starve the other guests);
 * {@code Thread.sleep(0, 50_000)} would sleep a whole millisecond on Java 17, hence parkNanos. Every
 * wait ends after {@code --timeout} seconds (exit 3). The hot loops allocate nothing.
 *
 * <p>Exit status: 0 both checks passed, 1 a check was violated (expected of a negative control),
 * 2 bad usage or bad region file, 3 the peer did not come or stopped.
 */
@Command(name = "atomics-check", mixinStandardHelpOptions = true, version = "dataport atomics-check 2",
        description = "Check cross-VM compare-and-set and fences on a shared region; run side a and side b at once.",
        footer = {"", "Exit status: 0 passed, 1 violated, 2 bad usage or file, 3 the peer did not come.",
                "Example (one command per guest, same nonce):",
                "  AtomicsCheck --region /sys/bus/pci/devices/0000:00:10.0/resource2 --side a --nonce 5eed1234",
                "  AtomicsCheck --region /sys/bus/pci/devices/0000:00:10.0/resource2 --side b --nonce 5eed1234"})
public final class AtomicsCheck implements Callable<Integer> {

    // The 4 KiB control area at --offset, one little-endian 64-bit word per 64-byte line (no false
    // sharing), except the stale bitmaps:
    //
    //   offset  word        written by  value
    //   ------  ----------  ----------  -----------------------------------------------------------
    //      0    ARRIVED_A   a           nonce, after a zeroed both areas and wrote its options
    //     64    ARRIVED_B   b           nonce, after b saw ARRIVED_A == nonce and wrote its options
    //    128    CAS_A       a           a's --cas N      (options: both sides must run the same)
    //    192    ROUNDS_A    a           a's --rounds R
    //    256    BROKEN_A    a           a's --broken, as its ordinal
    //    320    LITMUS_A    a           a's --litmus-bytes
    //    384    CAS_B       b           b's --cas N
    //    448    ROUNDS_B    b           b's --rounds R
    //    512    BROKEN_B    b           b's --broken, as its ordinal
    //    576    LITMUS_B    b           b's --litmus-bytes
    //    640    COUNTER     a and b     the CAS race's counter, 0 .. 4N
    //    704    DONE_A      a           nonce, when a's 2N increments are done
    //    768    DONE_B      b           nonce, when b's 2N increments are done
    //    832    CHUNK_A     a           litmus barrier: a published chunk t - 1's bits and reached chunk t
    //    896    CHUNK_B     b           litmus barrier: the same for b
    //    960    LEFT_B      b           nonce, after b's last read: a may zero both areas
    //   1024    STALE_A     a           stale bitmaps of a's even chunks (1024) and odd chunks (1216):
    //   1216                            the chunk's tag t (its own line), then bit j of word 8 + j / 64
    //                                   set if a read a stale y in the chunk's slot j (192 bytes each)
    //   1408    STALE_B     b           the same for b (1408 even, 1600 odd)
    //   1792 .. 4095        unused, zero
    //
    // The litmus area follows at --offset + 4096: slot i at 64 i, x[i] at 0 and y[i] at 8 in it.
    static final int AREA = 4096;
    static final int LINE = 64;
    static final int ARRIVED_A = 0 * LINE;
    static final int ARRIVED_B = 1 * LINE;
    static final int CAS_A = 2 * LINE;
    static final int ROUNDS_A = 3 * LINE;
    static final int BROKEN_A = 4 * LINE;
    static final int LITMUS_A = 5 * LINE;
    static final int CAS_B = 6 * LINE;
    static final int ROUNDS_B = 7 * LINE;
    static final int BROKEN_B = 8 * LINE;
    static final int LITMUS_B = 9 * LINE;
    static final int COUNTER = 10 * LINE;
    static final int DONE_A = 11 * LINE;
    static final int DONE_B = 12 * LINE;
    static final int CHUNK_A = 13 * LINE;
    static final int CHUNK_B = 14 * LINE;
    static final int LEFT_B = 15 * LINE;
    /** Slots per chunk (at most: fewer if the litmus area has fewer slots, or in the last chunk). */
    static final int CHUNK = 1024;
    /** One stale bitmap: the tag word on a line of its own, then CHUNK bits; two per side (chunk parity). */
    static final int BITMAP = LINE + CHUNK / 8;
    static final int STALE_A = 1024;
    static final int STALE_B = STALE_A + 2 * BITMAP;
    /** Where the litmus area starts, from --offset. */
    static final int LITMUS = AREA;
    /** Bytes per litmus slot, and where x[i] and y[i] are in it (see the class comment). */
    static final int SLOT = 64;
    static final int X_AT = 0;
    static final int Y_AT = 8;
    static final long MAX_LITMUS_BYTES = 1L << 30;

    /**
     * A wait spins at least this many times and at least {@link #SPIN_NANOS} before it parks: with a
     * shorter spin, two sides whose wake-up from a park takes longer than the spin fall into a convoy,
     * parking in turn at every barrier (measured with the earlier per-round barrier: 20,000 rounds in
     * 5 s instead of 0.1 s, and no round with both sides running at once).
     */
    static final int SPINS = 4096;
    static final long SPIN_NANOS = 1_000_000;
    static final long BACKOFF_NANOS = 50_000;
    /**
     * A wait first polls this many times without {@link Thread#onSpinWait()}: its PAUSE instruction
     * makes QEMU TCG leave its translated code (and a hypervisor may deschedule a vCPU spinning on it),
     * which made the two sides leave a litmus barrier microseconds apart; measured on the host, a
     * chunk barrier then let one side run its whole chunk before the other started.
     */
    static final int HOT_SPINS = 100_000;
    /** The litmus chunk runs at least this many slots and this long on a private buffer first (see warmUp). */
    static final long WARM_UP = 200_000;
    static final long WARM_UP_NANOS = 200_000_000;

    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    enum Side { a, b }

    enum Broken { none, fence, cas }

    @Option(names = "--region", required = true, paramLabel = "PATH",
            description = "the shared region: an ivshmem BAR file (e.g. /sys/bus/pci/devices/0000:00:10.0/resource2) or a region file")
    Path region;

    @Option(names = "--side", required = true, paramLabel = "a|b", description = "a in one VM, b in the other")
    Side side;

    @Option(names = "--nonce", required = true, paramLabel = "HEX",
            description = "the same fresh, nonzero hex number (up to 16 digits) on both sides, new for every run")
    String nonceText;

    @Option(names = "--cas", paramLabel = "N", defaultValue = "200000", description = "increments per side and kind (default ${DEFAULT-VALUE}); the counter must end at 4N")
    long cas;

    @Option(names = "--rounds", paramLabel = "R", defaultValue = "50000",
            description = "store-buffering litmus tests, i.e. slots tested, in chunks of up to 1024 (default ${DEFAULT-VALUE})")
    long rounds;

    @Option(names = "--litmus-bytes", paramLabel = "BYTES", defaultValue = "1048576",
            description = "size of the litmus area after the 4 KiB control area, a multiple of 4096 (default ${DEFAULT-VALUE}: "
                    + "one slot of x and y per 64 bytes)")
    long litmusBytes;

    @Option(names = "--offset", paramLabel = "BYTES", defaultValue = "0",
            description = "where the 4 KiB control area starts in the region, a multiple of 4096; the litmus area follows it (default ${DEFAULT-VALUE})")
    long offset;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60", description = "the longest wait for the peer (default ${DEFAULT-VALUE})")
    long timeoutSeconds;

    @Option(names = "--broken", paramLabel = "none|fence|cas", defaultValue = "none",
            description = "negative control: fence drops the litmus fence, cas makes increments a plain read then write (default ${DEFAULT-VALUE}); expect exit 1")
    Broken broken;

    private PrintWriter out;
    private PrintWriter err;
    private ByteBuffer buf;
    private long nonce;
    private long timeoutNanos;
    /** Slots in the litmus area, and slots per chunk (CHUNK, or fewer if the area is small). */
    private int slots;
    private int chunk;
    /** What this side read in each slot of the current chunk (preallocated: the litmus allocates nothing). */
    private long[] seen;

    /** A failure that ends the run with {@link #code} and one line of text, no stack trace. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        final int code;

        Failure(int code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the check; returns the exit status. */
    static int run(String[] args, PrintStream stdout, PrintStream stderr) {
        PrintWriter o = new PrintWriter(stdout, true);
        PrintWriter e = new PrintWriter(stderr, true);
        AtomicsCheck check = new AtomicsCheck();
        check.out = o;
        check.err = e;
        CommandLine cli = new CommandLine(check).setOut(o).setErr(e)
                .setParameterExceptionHandler((ex, a) -> {
                    e.println("atomics: " + oneLine(ex.getMessage())
                            + " (usage: --region PATH --side a|b --nonce HEX [--cas N] [--rounds R] [--offset BYTES]"
                            + " [--litmus-bytes BYTES] [--timeout SECONDS] [--broken none|fence|cas]; see --help)");
                    return 2;
                })
                .setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
                    e.println("atomics: side " + check.side + ": unexpected error: " + oneLine(String.valueOf(ex)));
                    return 2;
                });
        cli.setCommandName("atomics-check");
        int code = cli.execute(args);
        o.flush();
        e.flush();
        return code;
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*[\\r\\n]+\\s*", "; ");
    }

    @Override
    public Integer call() {
        try {
            return check();
        } catch (Failure f) {
            err.println("atomics: side " + side + ": " + f.getMessage());
            return f.code;
        }
    }

    private int check() throws Failure {
        validate();
        try (FileChannel channel = open()) {
            long size = channel.size();
            long needed = offset + AREA + litmusBytes;
            if (size < needed) {
                throw new Failure(2, "region " + region + " has " + size + " bytes, too small for the 4 KiB control area and the "
                        + litmusBytes + "-byte litmus area at --offset " + offset + " (needs at least " + needed
                        + "); give a larger region, a smaller --offset or a smaller --litmus-bytes");
            }
            buf = channel.map(FileChannel.MapMode.READ_WRITE, offset, AREA + litmusBytes);
        } catch (IOException e) {
            throw new Failure(2, "cannot map " + region + " read-write at offset " + offset + ": " + oneLine(String.valueOf(e)));
        }
        // The mapping stays valid after the channel is closed.
        slots = (int) (litmusBytes / SLOT);
        chunk = Math.min(CHUNK, slots);
        seen = new long[chunk];
        if (rounds > 0) {
            warmUp(chunk, mine(), theirs(), broken != Broken.fence, seen);
        }
        return side == Side.a ? sideA() : sideB();
    }

    private void validate() throws Failure {
        String hex = nonceText.strip();
        if (hex.startsWith("0x") || hex.startsWith("0X")) {
            hex = hex.substring(2);
        }
        if (!hex.matches("[0-9a-fA-F]{1,16}")) {
            throw new Failure(2, "--nonce '" + nonceText + "' is not a hex number of 1 to 16 digits; give e.g. --nonce 5eed1234 (the same on both sides)");
        }
        nonce = Long.parseUnsignedLong(hex, 16);
        if (nonce == 0) {
            throw new Failure(2, "--nonce must not be zero (a zeroed area would look arrived); give a fresh nonzero hex number");
        }
        if (cas < 0 || cas > Long.MAX_VALUE / 4) {
            throw new Failure(2, "--cas " + cas + " is out of range; give 0 to " + Long.MAX_VALUE / 4);
        }
        if (rounds < 0 || rounds > Long.MAX_VALUE / 4) {
            throw new Failure(2, "--rounds " + rounds + " is out of range; give 0 to " + Long.MAX_VALUE / 4);
        }
        if (litmusBytes < AREA || litmusBytes > MAX_LITMUS_BYTES || litmusBytes % AREA != 0) {
            throw new Failure(2, "--litmus-bytes " + litmusBytes + " is not a multiple of 4096 from 4096 to " + MAX_LITMUS_BYTES
                    + "; give e.g. --litmus-bytes 1048576");
        }
        if (offset < 0 || offset % AREA != 0) {
            throw new Failure(2, "--offset " + offset + " is not a multiple of 4096; give e.g. --offset 0 or --offset 8192");
        }
        if (timeoutSeconds < 1 || timeoutSeconds > 1_000_000) {
            throw new Failure(2, "--timeout " + timeoutSeconds + " is out of range; give 1 to 1000000 seconds");
        }
        timeoutNanos = TimeUnit.SECONDS.toNanos(timeoutSeconds);
    }

    private FileChannel open() throws Failure, IOException {
        try {
            return FileChannel.open(region, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            throw new Failure(2, "region " + region + " does not exist; give the shared BAR file (e.g. /sys/bus/pci/devices/0000:00:10.0/resource2) or a region file");
        } catch (AccessDeniedException e) {
            throw new Failure(2, "region " + region + " cannot be opened read-write (permission denied); run as its owner or root");
        } catch (IOException e) {
            if (Files.isDirectory(region)) {
                throw new Failure(2, "region " + region + " is a directory; give the shared BAR file or a region file");
            }
            throw e;
        }
    }

    // ---- side a ------------------------------------------------------------------------------------

    private int sideA() throws Failure {
        int end = AREA + (int) litmusBytes;
        for (int i = 0; i < end; i += 8) {
            LONGS.set(buf, i, 0L);
        }
        LONGS.set(buf, CAS_A, cas);
        LONGS.set(buf, ROUNDS_A, rounds);
        LONGS.set(buf, BROKEN_A, (long) broken.ordinal());
        LONGS.set(buf, LITMUS_A, litmusBytes);
        LONGS.setVolatile(buf, ARRIVED_A, nonce); // publishes the zeroing and the options
        await(ARRIVED_B, nonce, true, "arrive", -1);
        compareOptions(CAS_B, ROUNDS_B, BROKEN_B, LITMUS_B);

        long counter = race(DONE_A, DONE_B);
        long forbidden = litmus(CHUNK_A, CHUNK_B, STALE_A, STALE_B);

        await(LEFT_B, nonce, true, "finish its last read", -1);
        for (int i = 0; i < end; i += 8) {
            LONGS.setOpaque(buf, i, 0L);
        }
        VarHandle.fullFence();
        return report(counter, forbidden);
    }

    // ---- side b ------------------------------------------------------------------------------------

    private int sideB() throws Failure {
        await(ARRIVED_A, nonce, true, "arrive", -1); // until then b writes nothing: the area may be stale
        LONGS.set(buf, CAS_B, cas);
        LONGS.set(buf, ROUNDS_B, rounds);
        LONGS.set(buf, BROKEN_B, (long) broken.ordinal());
        LONGS.set(buf, LITMUS_B, litmusBytes);
        LONGS.setVolatile(buf, ARRIVED_B, nonce);
        compareOptions(CAS_A, ROUNDS_A, BROKEN_A, LITMUS_A);

        long counter = race(DONE_B, DONE_A);
        long forbidden = litmus(CHUNK_B, CHUNK_A, STALE_B, STALE_A);

        LONGS.setVolatile(buf, LEFT_B, nonce); // b's last access: a zeroes the area after it
        return report(counter, forbidden);
    }

    // ---- the checks --------------------------------------------------------------------------------

    private void compareOptions(int peerCas, int peerRounds, int peerBroken, int peerLitmus) throws Failure {
        long c = (long) LONGS.getVolatile(buf, peerCas);
        long r = (long) LONGS.getVolatile(buf, peerRounds);
        long b = (long) LONGS.getVolatile(buf, peerBroken);
        long l = (long) LONGS.getVolatile(buf, peerLitmus);
        if (c != cas || r != rounds || b != broken.ordinal() || l != litmusBytes) {
            String peerBrokenName = b >= 0 && b < Broken.values().length ? Broken.values()[(int) b].name() : "?" + b;
            throw new Failure(2, "the peer runs with --cas " + c + " --rounds " + r + " --broken " + peerBrokenName
                    + " --litmus-bytes " + l + ", this side with --cas " + cas + " --rounds " + rounds + " --broken " + broken
                    + " --litmus-bytes " + litmusBytes + "; give both sides the same options");
        }
    }

    /** The CAS race: 2N increments of COUNTER, then the DONE exchange; returns the final counter. */
    private long race(int myDone, int peerDone) throws Failure {
        ByteBuffer b = buf;
        if (broken == Broken.cas) {
            for (long i = 0; i < cas; i++) {
                long v = (long) LONGS.getVolatile(b, COUNTER); // not atomic: the negative control
                LONGS.setVolatile(b, COUNTER, v + 1);
                v = (long) LONGS.getVolatile(b, COUNTER);
                LONGS.setVolatile(b, COUNTER, v + 1);
            }
        } else {
            for (long i = 0; i < cas; i++) {
                long v;
                do {
                    v = (long) LONGS.getVolatile(b, COUNTER);
                } while (!LONGS.compareAndSet(b, COUNTER, v, v + 1));
                long ignored = (long) LONGS.getAndAdd(b, COUNTER, 1L);
            }
        }
        LONGS.setVolatile(b, myDone, nonce);
        await(peerDone, nonce, true, "finish the CAS race", -1);
        return (long) LONGS.getVolatile(b, COUNTER);
    }

    /** Where this side stores in a slot, and where it loads. */
    private int mine() {
        return side == Side.a ? X_AT : Y_AT;
    }

    private int theirs() {
        return side == Side.a ? Y_AT : X_AT;
    }

    /**
     * The store-buffering litmus in chunks (see the class comment); returns the number of slots where
     * both sides read stale. Chunk t: barrier t (which also tells the peer that this side's bitmap of
     * chunk t - 1 is published), the free-running store-then-load over the chunk's slots, the bitmap of
     * chunk t in the buffer of t's parity, then the count of chunk t - 1, whose bitmaps barrier t
     * published. The peer rewrites that buffer only for chunk t + 1, after barrier t + 1, which this side
     * passes only after counting. A last barrier publishes the last chunk's bitmaps.
     */
    private long litmus(int myChunk, int peerChunk, int myBits, int peerBits) throws Failure {
        ByteBuffer b = buf;
        boolean fence = broken != Broken.fence;
        int mine = mine();
        int theirs = theirs();
        long[] read = seen;
        int end = LITMUS + slots * SLOT;
        long forbidden = 0;
        long done = 0;
        int first = 0;
        int previous = 0; // slots of chunk t - 1
        long t = 1;
        for (; done < rounds; t++) {
            int n = (int) Math.min(chunk, rounds - done);
            LONGS.setVolatile(b, myChunk, t);
            await(peerChunk, t, false, "reach litmus chunk", t);
            boolean ascending = side == Side.a || (t & 1) == 1;
            if (ascending) {
                storeThenLoad(b, LITMUS + first * SLOT, SLOT, n, t, mine, theirs, fence, read, end);
            } else {
                int last = first + n - 1;
                storeThenLoad(b, LITMUS + (last < slots ? last : last - slots) * SLOT, -SLOT, n, t, mine, theirs, fence, read, end);
            }
            publish(b, myBits + (int) (t & 1) * BITMAP, t, n, read);
            if (t > 1) {
                forbidden += count(b, myBits, peerBits, t - 1, previous);
            }
            previous = n;
            done += n;
            first += n;
            if (first >= slots) {
                first -= slots;
            }
        }
        if (t > 1) {
            LONGS.setVolatile(b, myChunk, t);
            await(peerChunk, t, false, "publish its bits of litmus chunk", t - 1);
            forbidden += count(b, myBits, peerBits, t - 1, previous);
        }
        return forbidden;
    }

    /**
     * One side of one chunk: for its n slots, from the one at byte {@code at} of the region and on in
     * steps of {@code step} bytes (+SLOT up, -SLOT down; see the class comment; wrapping at the litmus area's
     * ends, {@link #LITMUS} and {@code end}), the store of {@code tag} to the slot's {@code mine} word, the
     * fence, and the load of its {@code theirs} word into {@code read}, indexed by the slot's place in
     * the chunk. Nothing happens between a store and its load, and there is no barrier between slots.
     */
    private static void storeThenLoad(ByteBuffer b, int at, int step, int n, long tag, int mine, int theirs,
                                      boolean fence, long[] read, int end) {
        int j = step > 0 ? 0 : n - 1;
        int dj = step > 0 ? 1 : -1;
        for (int left = n; left > 0; left--) {
            LONGS.setOpaque(b, at + mine, tag);
            if (fence) {
                VarHandle.fullFence();
            }
            read[j] = (long) LONGS.getOpaque(b, at + theirs);
            j += dj;
            at += step;
            if (at == end) {
                at = LITMUS;
            } else if (at < LITMUS) {
                at = end - SLOT;
            }
        }
    }

    /** Writes the stale bitmap of chunk {@code tag} (n slots) to {@code bitmap}: the tag, then the bits. */
    private static void publish(ByteBuffer b, int bitmap, long tag, int n, long[] read) {
        LONGS.setOpaque(b, bitmap, tag);
        for (int w = 0; w * 64 < n; w++) {
            long bits = 0;
            for (int j = w * 64, last = Math.min(n, j + 64); j < last; j++) {
                bits |= (read[j] != tag ? 1L : 0L) << j;
            }
            LONGS.setOpaque(b, bitmap + LINE + 8 * w, bits);
        }
        // the barrier's volatile store that follows publishes the bitmap
    }

    /** The forbidden slots of chunk {@code tag} (n slots): those whose stale bit both sides set. */
    private long count(ByteBuffer b, int myBits, int peerBits, long tag, int n) throws Failure {
        int parity = (int) (tag & 1) * BITMAP;
        int me = myBits + parity;
        int peer = peerBits + parity;
        long peerTag = (long) LONGS.getVolatile(b, peer);
        if (peerTag != tag || (long) LONGS.getVolatile(b, me) != tag) {
            throw new Failure(2, "the peer's stale bitmap of litmus chunk " + tag + " is tagged " + peerTag
                    + ": something else writes the area (a third process, or a peer from another run?)");
        }
        long both = 0;
        for (int w = 0; w * 64 < n; w++) {
            both += Long.bitCount((long) LONGS.getVolatile(b, me + LINE + 8 * w) & (long) LONGS.getVolatile(b, peer + LINE + 8 * w));
        }
        return both;
    }

    /**
     * Runs {@link #storeThenLoad} on a private buffer laid out like the litmus area, at least
     * {@value #WARM_UP} slots and 200 ms (the JIT compiles in the background), so that C2 has compiled
     * it before the litmus: interpreted or C1-compiled, an opaque store is a volatile one, whose fence
     * would hide a missing fence on hardware (not under TCG, which drops it anyway) during the first
     * chunks. It runs both directions, each across an end of the area, like the litmus: a path that the
     * warm-up never took deoptimises when the litmus first takes it (measured while trying directions:
     * a side running a direction it had not warmed up took 340 µs per chunk, its peer 7 µs).
     */
    private static long warmUp(int chunk, int mine, int theirs, boolean fence, long[] read) {
        int slots = 2 * chunk;
        ByteBuffer own = ByteBuffer.allocateDirect(LITMUS + slots * SLOT);
        long sum = 0;
        long start = System.nanoTime();
        for (long t = 1; t * chunk <= WARM_UP || System.nanoTime() - start < WARM_UP_NANOS; t++) {
            // both directions, each wrapping around an end of the area, as in the litmus
            int first = (int) (t * 3 % slots);
            int step = (t & 1) == 0 ? SLOT : -SLOT;
            storeThenLoad(own, LITMUS + first * SLOT, step, chunk, t, mine, theirs, fence, read, LITMUS + slots * SLOT);
            sum += read[chunk - 1];
        }
        return sum;
    }

    /**
     * Waits until the word at {@code offset} equals {@code target} ({@code exact}) or is at least
     * {@code target}; returns the word. Spins, then parks; fails with exit 3 after the timeout.
     */
    private long await(int offset, long target, boolean exact, String what, long round) throws Failure {
        ByteBuffer b = buf;
        long v = (long) LONGS.getVolatile(b, offset);
        if (exact ? v == target : v >= target) {
            return v;
        }
        for (int i = HOT_SPINS; i > 0; i--) {
            v = (long) LONGS.getVolatile(b, offset);
            if (exact ? v == target : v >= target) {
                return v;
            }
        }
        long spinStart = System.nanoTime();
        long deadline = spinStart + timeoutNanos;
        int spins = 0;
        boolean parking = false;
        while (true) {
            if (!parking) {
                Thread.onSpinWait();
                spins++;
                if ((spins & 255) == 0) {
                    long now = System.nanoTime();
                    if (now - deadline > 0) {
                        break;
                    }
                    parking = spins >= SPINS && now - spinStart >= SPIN_NANOS;
                }
            } else {
                LockSupport.parkNanos(BACKOFF_NANOS);
                if (System.nanoTime() - deadline > 0) {
                    break;
                }
            }
            v = (long) LONGS.getVolatile(b, offset);
            if (exact ? v == target : v >= target) {
                return v;
            }
        }
        throw new Failure(3, "the peer did not " + what + (round >= 0 ? " " + round : "") + " within " + timeoutSeconds
                + " s (is the other side running on the same region?)");
    }

    private int report(long counter, long forbidden) {
        long expected = 4 * cas;
        long lost = expected - counter;
        boolean ok = lost == 0 && forbidden == 0;
        out.println("atomics side=" + side + " nonce=" + Long.toHexString(nonce) + " cas=" + cas + " expected=" + expected
                + " final=" + counter + " lost=" + lost + " rounds=" + rounds + " forbidden=" + forbidden
                + " fence=" + (broken == Broken.fence ? "off" : "on") + " broken=" + broken + " ok=" + ok);
        out.flush();
        if (!ok) {
            err.println("atomics: side " + side + ": violated:"
                    + (lost != 0 ? " the counter ended at " + counter + ", not " + expected + " (" + lost + " increments lost: read-modify-writes are not atomic across the VMs)" : "")
                    + (forbidden != 0 ? " " + forbidden + " of " + rounds + " litmus slots read stale on both sides (the fence does not order a store before a later load)" : "")
                    + (broken != Broken.none ? " [expected: --broken " + broken + " is a negative control]" : ""));
        }
        return ok ? 0 : 1;
    }
}
