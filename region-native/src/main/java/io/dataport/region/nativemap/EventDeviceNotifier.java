package io.dataport.region.nativemap;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.dataport.queue.Notifier;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * A {@link Notifier} over event device nodes: the wake-up signal between virtual machines, where
 * a Unix socket ({@code Doorbell}/{@code Kicker}) cannot reach. The waiting side sleeps in
 * {@code poll(2)} on one or more nodes with a deadline and consumes the event with a {@code read};
 * the kicking side either {@code write}s a word to an event node, or stores a 32-bit value into a
 * mapped device register.
 *
 * <ul>
 *   <li>{@link #forUio(Path)}: a seL4/CAmkES cross-VM connection ({@code connection.ko}): wait by a
 *       4-byte read of {@code /dev/uioN}, kick by a store into the emit register, page 0 offset 0
 *       of the same node;</li>
 *   <li>{@link #forIvshmemDoorbell(Path, int, int)}: QEMU ivshmem-doorbell through
 *       {@code uio_ivshmem}: wait by a 4-byte read, kick by storing {@code peerId << 16 | vector}
 *       into the doorbell register (BAR0 offset 12, page 0 of the node);</li>
 *   <li>{@link #eventfd()}: a real {@code eventfd(2)}, both sides in one process (tests, one
 *       host);</li>
 *   <li>{@link #waitOnly(List, int, boolean)}, {@link #kickOnly(Kick)} and
 *       {@link #of(List, int, boolean, Kick)}: any combination. A mesh node waits on every peer's
 *       event node with one wait-only notifier and kicks each peer through a kick-only one.</li>
 * </ul>
 *
 * <p><b>Waiting.</b> {@link #await} polls every wait node for {@code POLLIN} with the timeout in
 * milliseconds, rounded up, and polls again with the time left after {@code EINTR}. For every ready
 * node it reads once with the read size (UIO insists on exactly 4 bytes, an s32 interrupt count;
 * an eventfd on 8, its counter); a FIFO is drained instead, whatever is in it. With {@code reArm}
 * it then writes a 4-byte 1 to the same descriptor, which re-enables the interrupt on UIO drivers
 * that mask it after each one ({@code uio_pci_generic}); the same write is made once when the node
 * is opened, in case an earlier user left the interrupt masked. It returns true when any node had
 * an event. Every node is opened {@code O_NONBLOCK}, so a read never blocks past the deadline.
 *
 * <p><b>Why no kick is lost.</b> The signal is state kept by the kernel, not an edge: the UIO
 * event count (compared with the count this descriptor last read), the eventfd counter, the bytes
 * in a FIFO. A kick made while nobody waits changes that state, so the next {@code poll} finds the
 * node readable at once, and the {@code read} that follows resets it: many kicks coalesce into one
 * return, and a kick made after the read is seen by the next {@code poll}. Nothing is consumed
 * before {@code poll} reports it, so a kick racing with {@code await} is either read by it or left
 * for the next one. UIO counts events from the moment the node is opened: open the notifier before
 * the ring end that uses it first sleeps. The wake-up protocol around the notifier ({@code Wakeup})
 * ensures that a kick is sent whenever a sleep could otherwise miss a publication.
 *
 * <p><b>Errors while waiting.</b> A node whose {@code poll} reports {@code POLLERR},
 * {@code POLLHUP} or {@code POLLNVAL} with nothing to read, or whose read returns end of file, ends
 * the wait with an {@link EventDeviceException} naming it, at once: such a node would make every
 * later {@code poll} return immediately, and a sleeper would spin without sleeping. A FIFO whose
 * last writer closed it is such a node (the kicking peer is gone); a kick it holds is still
 * delivered first (that {@code await} returns true, the next one throws). A UIO device without an
 * interrupt reports {@code POLLERR}. The exception leaves the ring end's need-wake-up flag set;
 * close the end, or create a new notifier once the peer is back.
 *
 * <p><b>Kicking.</b> A write kick writes the integer 1 in 1, 4 or 8 bytes (native byte order): a
 * FIFO takes one byte, an eventfd 8. {@code EAGAIN} (a full FIFO, a saturated eventfd) counts as
 * delivered: an unread kick is pending, the peer is already signalled. Any other failure
 * ({@code EPIPE}: nobody reads the FIFO any more; {@code EBADF}) makes {@link #kick} return false.
 * A store kick is a volatile 32-bit little-endian store (PCI registers are little-endian) into a
 * window of the node mapped with {@link NativeMapping} when the notifier is created; it always
 * returns true.
 *
 * <p><b>Threads and costs.</b> One thread awaits at a time and one thread kicks at a time, the two
 * may differ ({@link Notifier}'s contract): the two sides use separate buffers. {@code await} and
 * {@code kick} allocate nothing: the {@code pollfd} array and the read, re-arm and kick words are
 * direct buffers made once, and the calls are JNA direct calls with primitive arguments.
 * {@link #close()} closes every descriptor and unmaps the register window, once; {@code await} or
 * {@code kick} afterwards throws {@link IllegalStateException}. Close only when no thread is inside
 * {@code await} or {@code kick} (a store into an unmapped window crashes the JVM).
 *
 * <p>Linux, 64-bit only, like the rest of this module. Configuration errors (a missing node, a
 * regular file where an event device belongs, a read size the node refuses, a node this user may
 * not open) are {@link EventDeviceException}s naming the node and the fix.
 */
public final class EventDeviceNotifier implements Notifier {
    /** The read size of a UIO node: an s32 interrupt count (UIO refuses any other size). */
    public static final int UIO_READ_SIZE = 4;
    /** The read size of an eventfd: its u64 counter. */
    public static final int EVENTFD_READ_SIZE = 8;
    /** The emit register of a CAmkES cross-VM connection: offset 0 of its event BAR (BAR0). */
    public static final int CAMKES_EMIT_REGISTER = 0;
    /** The doorbell register of a QEMU ivshmem device: offset 12 of BAR0. */
    public static final int IVSHMEM_DOORBELL_REGISTER = 12;
    /** The largest read size; also the chunk a FIFO is drained with. */
    public static final int MAX_READ_SIZE = 64;

    /** The word written to re-enable a UIO interrupt: a 4-byte 1. */
    private static final int RE_ARM_SIZE = 4;
    /** A FIFO is drained with at most this many reads per await (64 KiB, the default pipe buffer). */
    private static final int MAX_DRAIN_READS = 1024;
    private static final Pattern UIO_NAME = Pattern.compile("uio\\d+");
    private static final VarHandle REGISTER =
            MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;

    /**
     * How the kicking side signals: a {@link #write} to an event node or a {@link #store} into a
     * mapped register. A description only: the notifier opens or maps the node when it is created.
     */
    public static final class Kick {
        private final Path node;
        private final int writeSize;
        private final long mapOffset;
        private final int registerOffset;
        private final int value;

        private Kick(Path node, int writeSize, long mapOffset, int registerOffset, int value) {
            this.node = node;
            this.writeSize = writeSize;
            this.mapOffset = mapOffset;
            this.registerOffset = registerOffset;
            this.value = value;
        }

        /**
         * A kick that writes the integer 1 in {@code size} bytes (native byte order) to
         * {@code node}, a character device or a FIFO, opened {@code O_WRONLY | O_NONBLOCK}: 1 for a
         * FIFO, 8 for an eventfd-like counter, 4 for a device that takes an s32.
         */
        public static Kick write(Path node, int size) {
            Objects.requireNonNull(node, "node");
            if (size != 1 && size != 4 && size != 8) {
                throw new EventDeviceException(node.toString(), "a kick writes 1, 4 or 8 bytes, not " + size
                        + ": use 1 for a FIFO, 8 for an eventfd, 4 for a device that takes an s32");
            }
            return new Kick(node, size, 0, 0, 0);
        }

        /**
         * A kick that stores the 32-bit {@code value} (little-endian, volatile) at
         * {@code registerOffset} of a window of {@code node} mapped from {@code mapOffset}: UIO map
         * <i>M</i> is at {@code M * NativeMapping.pageSize()}. The window spans
         * {@code registerOffset + 4} bytes (the kernel maps whole pages).
         */
        public static Kick store(Path node, long mapOffset, int registerOffset, int value) {
            Objects.requireNonNull(node, "node");
            if (registerOffset < 0 || registerOffset % 4 != 0 || registerOffset > (1 << 20)) {
                throw new EventDeviceException(node.toString(), "register offset " + registerOffset
                        + " is not a multiple of 4 from 0 to 1 MiB: a 32-bit register is 4-byte aligned"
                        + " (the ivshmem doorbell is at 12, the CAmkES emit register at 0)");
            }
            if (mapOffset < 0) {
                throw new EventDeviceException(node.toString(), "map offset " + mapOffset + " is negative: UIO map M"
                        + " is at M * page size (the register page of /dev/uioN is map 0, offset 0)");
            }
            return new Kick(node, 0, mapOffset, registerOffset, value);
        }

        /**
         * The CAmkES cross-VM connection's emit: a store of 1 at offset 0 of page 0 of
         * {@code uioNode} (UIO map 0 is the connection's event BAR; the VMM emits the event on any
         * write to its offset 0, whatever the value).
         */
        public static Kick camkesEmit(Path uioNode) {
            return store(uioNode, 0, CAMKES_EMIT_REGISTER, 1);
        }

        /**
         * QEMU ivshmem's doorbell: a store of {@code peerId << 16 | vector} at offset 12 of page 0
         * of {@code uioNode} (UIO map 0 is BAR0, the registers, in {@code uio_ivshmem}).
         */
        public static Kick ivshmemDoorbell(Path uioNode, int peerId, int vector) {
            Objects.requireNonNull(uioNode, "uioNode");
            if (peerId < 0 || peerId > 0xffff || vector < 0 || vector > 0xffff) {
                throw new EventDeviceException(uioNode.toString(), "ivshmem peer " + peerId + ", vector " + vector
                        + ": both must be 0 to 65535 (the doorbell takes peer << 16 | vector; the peer's id is its"
                        + " IVPosition register)");
            }
            return store(uioNode, 0, IVSHMEM_DOORBELL_REGISTER, peerId << 16 | vector);
        }

        /** The node this kick writes to or stores into. */
        public Path node() {
            return node;
        }

        boolean isWrite() {
            return writeSize > 0;
        }

        @Override
        public String toString() {
            return isWrite()
                    ? writeDescription(writeSize, node.toString())
                    : String.format("store of 0x%x at offset %d of %s from %d", value, registerOffset, node, mapOffset);
        }
    }

    private static String writeDescription(int size, String node) {
        return "write of " + size + " byte" + (size == 1 ? "" : "s") + " to " + node;
    }

    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Every descriptor this notifier opened, each once (an eventfd serves both sides). */
    private final int[] ownedFds;
    /** The register window a store kick maps, or null. */
    private final NativeMapping register;
    /** Null for a kick-only notifier. */
    private final Waiting waiting;
    /** Null for a wait-only notifier. */
    private final Kicking kicking;

    private EventDeviceNotifier(Waiting waiting, Kicking kicking, int[] ownedFds, NativeMapping register) {
        this.waiting = waiting;
        this.kicking = kicking;
        this.ownedFds = ownedFds;
        this.register = register;
        this.description = "event-device notifier [wait: " + (waiting == null ? "none" : waiting)
                + "; kick: " + (kicking == null ? "none" : kicking) + "]";
    }

    // ---------------------------------------------------------------- factories

    /**
     * Both sides of a seL4/CAmkES cross-VM connection exposed by {@code connection.ko} as
     * {@code uioNode} ({@code /dev/uioN}): waits by a 4-byte read of the node (no re-arm: the
     * driver has no {@code irqcontrol}), kicks by {@link Kick#camkesEmit} on the same node. The
     * connection's dataport is UIO map 1 ({@code UioDevice.mapRegion(1, ...)}).
     */
    public static EventDeviceNotifier forUio(Path uioNode) {
        return of(List.of(uioNode), UIO_READ_SIZE, false, Kick.camkesEmit(uioNode));
    }

    /**
     * Both sides of a QEMU ivshmem-doorbell device bound to {@code uio_ivshmem} as {@code uioNode}:
     * waits by a 4-byte read of the node (the driver acknowledges the interrupt itself, no re-arm),
     * kicks peer {@code peerId}'s interrupt {@code vector} through the doorbell register,
     * {@link Kick#ivshmemDoorbell}.
     */
    public static EventDeviceNotifier forIvshmemDoorbell(Path uioNode, int peerId, int vector) {
        return of(List.of(uioNode), UIO_READ_SIZE, false, Kick.ivshmemDoorbell(uioNode, peerId, vector));
    }

    /**
     * Both sides over one new {@code eventfd(2)} (non-blocking, close-on-exec): {@code await} reads
     * its 8-byte counter, {@code kick} adds 1. For one process (two threads), tests, and as a
     * stand-in for a UIO node.
     */
    public static EventDeviceNotifier eventfd() {
        loadLibc("eventfd");
        int fd = Libc.eventfd(0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
        if (fd < 0) {
            int errno = Libc.errno();
            throw new EventDeviceException("eventfd", "cannot create an eventfd: " + Libc.describe(errno)
                    + " (too many open files? raise ulimit -n)", errno, null);
        }
        Waiting waiting = new Waiting(new String[] {"eventfd"}, new int[] {fd}, new boolean[] {false}, false,
                EVENTFD_READ_SIZE);
        return new EventDeviceNotifier(waiting, new WriteKick("eventfd", fd, EVENTFD_READ_SIZE), new int[] {fd}, null);
    }

    /**
     * The waiting side only (its {@code kick} throws {@link UnsupportedOperationException}): sleeps
     * on all of {@code nodes} at once, for one thread sleeping on several rings (a mesh node, one
     * event node per peer).
     *
     * @param nodes    character devices ({@code /dev/uioN}) or FIFOs, each once
     * @param readSize bytes read per event from a character device: {@value #UIO_READ_SIZE} for UIO
     *                 (required for a node named {@code uioN}), 1 to {@value #MAX_READ_SIZE}; a FIFO
     *                 is drained whatever the size
     * @param reArm    write a 4-byte 1 to each node after each event and once when it is opened
     *                 (UIO drivers with {@code irqcontrol}, e.g. {@code uio_pci_generic}); only for
     *                 character devices
     * @throws EventDeviceException if a node is missing, of the wrong kind, listed twice, cannot be
     *         opened (with the C library's error text), or the read size does not fit it
     */
    public static EventDeviceNotifier waitOnly(List<Path> nodes, int readSize, boolean reArm) {
        return open(requireWaitNodes(nodes), readSize, reArm, null);
    }

    /**
     * The kicking side only (its {@code await} throws {@link UnsupportedOperationException}): a
     * node kicks each of its peers through its own.
     *
     * @throws EventDeviceException if the node is missing, of the wrong kind, or cannot be opened or
     *         mapped (a FIFO nobody has open for reading yet: {@code ENXIO})
     */
    public static EventDeviceNotifier kickOnly(Kick kick) {
        return open(List.of(), 0, false, Objects.requireNonNull(kick, "kick"));
    }

    /**
     * Both sides: waits on {@code waitNodes} as {@link #waitOnly} does and kicks with {@code kick}.
     */
    public static EventDeviceNotifier of(List<Path> waitNodes, int readSize, boolean reArm, Kick kick) {
        Objects.requireNonNull(kick, "kick");
        return open(requireWaitNodes(waitNodes), readSize, reArm, kick);
    }

    private static List<Path> requireWaitNodes(List<Path> nodes) {
        if (Objects.requireNonNull(nodes, "nodes").isEmpty()) {
            throw new IllegalArgumentException("no wait node: name at least one (or use kickOnly)");
        }
        return nodes;
    }

    /** Opens the wait nodes and the kick; on any failure closes what it opened and rethrows. */
    private static EventDeviceNotifier open(List<Path> nodes, int readSize, boolean reArm, Kick kick) {
        loadLibc(nodes.isEmpty() ? kick.node.toString() : nodes.get(0).toString());
        List<Integer> owned = new ArrayList<>();
        NativeMapping register = null;
        try {
            Waiting waiting = nodes.isEmpty() ? null : openWaiting(nodes, readSize, reArm, owned);
            Kicking kicking = null;
            if (kick != null && kick.isWrite()) {
                kicking = openWriteKick(kick, owned);
            } else if (kick != null) {
                register = mapRegister(kick);
                kicking = new StoreKick(kick.toString(), register.buffer(), kick.registerOffset, kick.value);
            }
            return new EventDeviceNotifier(waiting, kicking, owned.stream().mapToInt(Integer::intValue).toArray(),
                    register);
        } catch (RuntimeException e) {
            owned.forEach(Libc::close);
            if (register != null) {
                register.close();
            }
            throw e;
        }
    }

    private static Waiting openWaiting(List<Path> nodes, int readSize, boolean reArm, List<Integer> owned) {
        int n = nodes.size();
        String[] names = new String[n];
        int[] fds = new int[n];
        boolean[] drains = new boolean[n];
        Set<Path> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            Path node = Objects.requireNonNull(nodes.get(i), "wait node");
            names[i] = node.toString();
            if (!seen.add(node.toAbsolutePath().normalize())) {
                throw new EventDeviceException(names[i], "is listed twice among the wait nodes: name each once");
            }
            drains[i] = checkWaitNode(node, readSize, reArm) == S_IFIFO;
            fds[i] = openNode(node, (reArm ? Libc.O_RDWR : Libc.O_RDONLY) | Libc.O_NONBLOCK | Libc.O_CLOEXEC,
                    reArm ? "read-write" : "for reading");
            owned.add(fds[i]);
        }
        Waiting waiting = new Waiting(names, fds, drains, reArm, readSize);
        if (reArm) {
            for (int i = 0; i < n; i++) {
                waiting.reArm(i); // an earlier user may have left the interrupt masked
            }
        }
        return waiting;
    }

    private static WriteKick openWriteKick(Kick kick, List<Integer> owned) {
        checkKickNode(kick.node, true);
        int fd = openNode(kick.node, Libc.O_WRONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, "for writing");
        owned.add(fd);
        return new WriteKick(kick.node.toString(), fd, kick.writeSize);
    }

    /** Maps the window of a store kick: its register offset plus the 4 bytes of the register. */
    private static NativeMapping mapRegister(Kick kick) {
        checkKickNode(kick.node, false);
        try {
            return NativeMapping.map(kick.node, kick.mapOffset, kick.registerOffset + 4L);
        } catch (RegionMapException e) {
            throw wrap(kick.node.toString(), e);
        }
    }

    /** Loads libc; a failure is an {@link EventDeviceException} about {@code node}. */
    private static void loadLibc(String node) {
        try {
            Libc.load();
        } catch (RegionMapException e) {
            throw wrap(node, e);
        }
    }

    /** {@code e} (which names {@code node} itself) as an {@link EventDeviceException} about {@code node}. */
    private static EventDeviceException wrap(String node, RegionMapException e) {
        String message = e.getMessage();
        String text = message.startsWith(node + ": ") ? message.substring(node.length() + 2) : message;
        return new EventDeviceException(node, text, e.errno(), e);
    }

    /** Checks a wait node and the read size for it; returns its file type ({@code S_IFCHR} or {@code S_IFIFO}). */
    private static int checkWaitNode(Path node, int readSize, boolean reArm) {
        int type = typeOf(node);
        if (type != S_IFCHR && type != S_IFIFO) {
            throw new EventDeviceException(node.toString(), "is " + typeName(type) + ", not an event device: name a"
                    + " character device (/dev/uioN) or a FIFO");
        }
        if (readSize < 1 || readSize > MAX_READ_SIZE) {
            throw new EventDeviceException(node.toString(), "read size " + readSize + " is out of range: use "
                    + UIO_READ_SIZE + " for UIO (an s32 interrupt count), " + EVENTFD_READ_SIZE
                    + " for an eventfd, 1 to " + MAX_READ_SIZE + " otherwise");
        }
        if (UIO_NAME.matcher(String.valueOf(node.getFileName())).matches() && readSize != UIO_READ_SIZE) {
            throw new EventDeviceException(node.toString(), "is a UIO node, which reads exactly " + UIO_READ_SIZE
                    + " bytes (an s32 interrupt count), not " + readSize + ": use read size " + UIO_READ_SIZE);
        }
        if (reArm && type != S_IFCHR) {
            throw new EventDeviceException(node.toString(), "is a FIFO: re-arming (writing a 4-byte 1 after each"
                    + " event) is for UIO devices whose driver masks the interrupt; create it without re-arm");
        }
        return type;
    }

    private static void checkKickNode(Path node, boolean write) {
        int type = typeOf(node);
        if (write && type != S_IFCHR && type != S_IFIFO) {
            throw new EventDeviceException(node.toString(), "is " + typeName(type) + ": a write kick needs a"
                    + " character device or a FIFO (to store into a register, use Kick.store)");
        }
        if (!write && type != S_IFCHR && type != S_IFREG) {
            throw new EventDeviceException(node.toString(), "is " + typeName(type) + ": a store kick maps a"
                    + " character device (/dev/uioN) or a file standing in for one");
        }
    }

    private static int typeOf(Path node) {
        if (!Files.exists(node)) {
            throw new EventDeviceException(node.toString(), "does not exist; check the path (is the driver loaded?"
                    + " ls /dev/uio*; for a FIFO: mkfifo it first)");
        }
        try {
            return ((Integer) Files.getAttribute(node, "unix:mode")) & S_IFMT;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            throw new EventDeviceException(node.toString(), "cannot read its file type: " + e, 0, e);
        }
    }

    private static String typeName(int type) {
        switch (type) {
            case S_IFREG:
                return "a regular file";
            case S_IFDIR:
                return "a directory";
            case S_IFCHR:
                return "a character device";
            case S_IFIFO:
                return "a FIFO";
            default:
                return "neither a device nor a FIFO (a socket or block device?)";
        }
    }

    private static int openNode(Path node, int flags, String how) {
        int fd = Libc.open(node.toString(), flags);
        if (fd < 0) {
            int errno = Libc.errno();
            throw new EventDeviceException(node.toString(), "cannot open " + how + ": " + Libc.describe(errno)
                    + openHint(errno), errno, null);
        }
        return fd;
    }

    private static String openHint(int errno) {
        switch (errno) {
            case Libc.ENOENT:
                return "; check the path (is the driver loaded? ls /dev/uio*)";
            case Libc.EACCES:
            case Libc.EPERM:
                return "; run as root or give this user access to the node";
            case Libc.ENXIO:
                return "; nobody has this FIFO open for reading: create the waiting side first";
            default:
                return "";
        }
    }

    private static ByteBuffer direct(int size) {
        return ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder());
    }

    private static long address(ByteBuffer direct) {
        return Pointer.nativeValue(Native.getDirectBufferPointer(direct));
    }

    // ---------------------------------------------------------------- Notifier

    /**
     * Sleeps in {@code poll(2)} until an event arrives on any wait node or {@code timeoutNanos} pass
     * (in milliseconds, rounded up); consumes the events found. Returns whether there was one.
     *
     * @throws EventDeviceException if a node reports an error or a hang-up with nothing to read
     *         (see the class comment), or a read fails
     * @throws UnsupportedOperationException for a kick-only notifier
     * @throws IllegalStateException after {@link #close()}
     */
    @Override
    public boolean await(long timeoutNanos) {
        checkOpen("await", null);
        if (waiting == null) {
            throw new UnsupportedOperationException(description + " is kick-only: wait on your own notifier");
        }
        try {
            return waiting.await(timeoutNanos);
        } catch (EventDeviceException e) {
            checkOpen("await", e); // closed under the waiter: its descriptors are gone, say so
            throw e;
        }
    }

    /**
     * Wakes the other side: writes the kick word, or stores the register value. Returns false when
     * the write failed ({@code EPIPE}: nobody reads the FIFO; {@code EBADF}; ...); {@code EAGAIN}
     * counts as delivered (an earlier kick is still unread).
     *
     * @throws UnsupportedOperationException for a wait-only notifier
     * @throws IllegalStateException after {@link #close()}
     */
    @Override
    public boolean kick() {
        checkOpen("kick", null);
        if (kicking == null) {
            throw new UnsupportedOperationException(description + " is wait-only: kick the peer through its own"
                    + " notifier (kickOnly)");
        }
        return kicking.kick();
    }

    /** {@code nanos} as poll's milliseconds, rounded up, at most {@code Integer.MAX_VALUE}; 0 for none. */
    static int millisRoundedUp(long nanos) {
        if (nanos <= 0) {
            return 0;
        }
        long millis = nanos / 1_000_000 + (nanos % 1_000_000 == 0 ? 0 : 1);
        return (int) Math.min(Integer.MAX_VALUE, millis);
    }

    private void checkOpen(String what, Throwable cause) {
        if (closed.get()) {
            throw new IllegalStateException(description + " is closed: " + what + " needs a new notifier", cause);
        }
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Closes every descriptor and unmaps the register window; the first call does it, later ones do
     * nothing. {@code close(2)}'s result is not checked: on Linux the descriptor is released either way.
     *
     * @throws EventDeviceException if the register window cannot be unmapped (it can for a valid one)
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (int fd : ownedFds) {
            Libc.close(fd);
        }
        if (register != null) {
            try {
                register.close();
            } catch (RegionMapException e) {
                throw wrap(register.node().toString(), e);
            }
        }
    }

    @Override
    public String toString() {
        return description + (closed.get() ? " (closed)" : "");
    }

    /** For tests: where the re-arm word of wait node {@code i} goes (normally its own descriptor). */
    void redirectReArmForTest(int i, int fd) {
        waiting.reArmFds[i] = fd;
    }

    /** For tests: wait node {@code i}'s descriptor. */
    int waitFdForTest(int i) {
        return waiting.fds[i];
    }

    /**
     * For tests: a wait-only notifier over descriptors it does not own (close does not close them),
     * read {@code readSize} bytes at a time: several eventfds, which have no path to list.
     */
    static EventDeviceNotifier waitOnlyForTest(String[] names, int[] fds, int readSize) {
        return new EventDeviceNotifier(new Waiting(names, fds, new boolean[fds.length], false, readSize), null,
                new int[0], null);
    }

    // ---------------------------------------------------------------- the two sides

    /** The waiting side: {@code poll(2)} on the wait nodes, then each ready node's event consumed. */
    private static final class Waiting {
        private final String[] names;
        private final int[] fds;
        /** Per node: a FIFO, drained whatever is in it, instead of one read of {@link #readSize}. */
        private final boolean[] drains;
        /** Per node: where the re-arm word goes (the node's own descriptor), or -1 for none. */
        private final int[] reArmFds;
        private final int readSize;
        private final boolean reArm;
        private final ByteBuffer pollfds;
        /** The direct buffers whose addresses are passed to libc, kept reachable with the notifier. */
        private final ByteBuffer readWord;
        private final ByteBuffer reArmWord;
        private final long pollfdsAddress;
        private final long readAddress;
        private final long reArmAddress;

        Waiting(String[] names, int[] fds, boolean[] drains, boolean reArm, int readSize) {
            this.names = names;
            this.fds = fds;
            this.drains = drains;
            this.reArm = reArm;
            this.readSize = readSize;
            this.reArmFds = new int[fds.length];
            this.pollfds = direct(fds.length * Libc.POLLFD_SIZE);
            for (int i = 0; i < fds.length; i++) {
                reArmFds[i] = reArm ? fds[i] : -1;
                pollfds.putInt(i * Libc.POLLFD_SIZE, fds[i]);
                pollfds.putShort(i * Libc.POLLFD_SIZE + Libc.POLLFD_EVENTS, Libc.POLLIN);
            }
            this.readWord = direct(MAX_READ_SIZE);
            this.reArmWord = direct(RE_ARM_SIZE).putInt(0, 1);
            this.pollfdsAddress = address(pollfds);
            this.readAddress = address(readWord);
            this.reArmAddress = address(reArmWord);
        }

        boolean await(long timeoutNanos) {
            long timeout = Math.max(0, timeoutNanos);
            long start = System.nanoTime();
            long left = timeout;
            while (true) {
                int ready = Libc.poll(pollfdsAddress, fds.length, millisRoundedUp(left));
                if (ready > 0) {
                    return takeEvents();
                }
                if (ready < 0) {
                    int errno = Libc.errno();
                    if (errno != Libc.EINTR) {
                        throw new EventDeviceException(String.join(", ", names), "poll failed: "
                                + Libc.describe(errno), errno, null);
                    }
                }
                left = timeout - (System.nanoTime() - start);
                if (left <= 0) {
                    return false;
                }
            }
        }

        /**
         * After poll reported ready nodes: consumes every event and re-arms; a node that failed with
         * nothing to read throws unless another node had an event (then the next await reports it).
         */
        private boolean takeEvents() {
            boolean kicked = false;
            int failed = -1;
            boolean failedAtEnd = false;
            for (int i = 0; i < fds.length; i++) {
                int revents = revents(i);
                if (revents == 0) {
                    continue;
                }
                int got = (revents & Libc.POLLIN) != 0 ? consume(i) : 0;
                if (got > 0) {
                    kicked = true;
                    reArmIfAsked(i);
                } else if (failed < 0 && (got < 0 || (revents & (Libc.POLLERR | Libc.POLLHUP | Libc.POLLNVAL)) != 0)) {
                    failed = i;
                    failedAtEnd = got < 0;
                }
            }
            if (kicked || failed < 0) {
                return kicked;
            }
            throw new EventDeviceException(names[failed], failure(failed, revents(failed), failedAtEnd));
        }

        private int revents(int i) {
            return pollfds.getShort(i * Libc.POLLFD_SIZE + Libc.POLLFD_REVENTS);
        }

        private String failure(int i, int revents, boolean atEnd) {
            if ((revents & Libc.POLLNVAL) != 0) {
                return "poll says its descriptor is not open (POLLNVAL): was the notifier closed while a thread waited?";
            }
            if (drains[i] && ((revents & Libc.POLLHUP) != 0 || atEnd)) {
                return "the FIFO's last writer closed it (POLLHUP): the kicking peer is gone, and every poll would"
                        + " return at once; create the notifier again once the peer is back";
            }
            if ((revents & Libc.POLLERR) != 0) {
                return "poll reports an error (POLLERR): for UIO, the device has no interrupt (no IRQ assigned, or"
                        + " the driver registered none); check /proc/interrupts and the driver";
            }
            if ((revents & Libc.POLLHUP) != 0) {
                return "the device hung up (POLLHUP): it was removed or its driver unbound; open it again";
            }
            return "reads end of file: not an event device (its read must wait for an event), e.g. /dev/null;"
                    + " name /dev/uioN or a FIFO";
        }

        /**
         * Reads node {@code i}'s event: once with the read size, or, for a FIFO, until it is empty.
         * Returns 1 when something was read, 0 when nothing was there ({@code EAGAIN}), -1 at end of file.
         */
        private int consume(int i) {
            int size = drains[i] ? MAX_READ_SIZE : readSize;
            boolean any = false;
            for (int reads = 0; reads < MAX_DRAIN_READS; reads++) {
                long n = Libc.read(fds[i], readAddress, size);
                if (n > 0) {
                    any = true;
                    if (!drains[i] || n < size) {
                        return 1; // one event word read, or a FIFO read short of the chunk emptied it
                    }
                } else if (n == 0) {
                    return any ? 1 : -1;
                } else {
                    int errno = Libc.errno();
                    if (errno == Libc.EAGAIN) {
                        return any ? 1 : 0;
                    }
                    if (errno != Libc.EINTR) {
                        throw new EventDeviceException(names[i], "cannot read " + size + " bytes: "
                                + Libc.describe(errno) + readHint(errno), errno, null);
                    }
                }
            }
            return 1;
        }

        private String readHint(int errno) {
            if (errno == Libc.EINVAL) {
                return "; the driver refuses reads of " + readSize + " bytes: UIO reads exactly " + UIO_READ_SIZE
                        + " (an s32 interrupt count), an eventfd " + EVENTFD_READ_SIZE;
            }
            if (errno == Libc.EIO) {
                return "; for UIO: the device has no interrupt";
            }
            return "";
        }

        private void reArmIfAsked(int i) {
            if (reArmFds[i] >= 0) {
                reArm(i);
            }
        }

        /** Writes the 4-byte 1 that re-enables node {@code i}'s interrupt. */
        void reArm(int i) {
            while (true) {
                long written = Libc.write(reArmFds[i], reArmAddress, RE_ARM_SIZE);
                if (written == RE_ARM_SIZE) {
                    return;
                }
                int errno = written < 0 ? Libc.errno() : 0;
                if (errno != Libc.EINTR) {
                    throw new EventDeviceException(names[i], "cannot re-enable the interrupt (a write of a 4-byte 1): "
                            + (written < 0 ? Libc.describe(errno) : "wrote " + written + " bytes")
                            + (errno == Libc.ENOSYS || errno == Libc.EINVAL || errno == Libc.EBADF
                                    ? "; this driver has no interrupt control (connection.ko, uio_ivshmem need no"
                                            + " re-arm): create the notifier without re-arm"
                                    : ""), errno, null);
                }
            }
        }

        @Override
        public String toString() {
            return String.join(", ", names) + " (read " + readSize + (reArm ? ", re-arm" : "") + ")";
        }
    }

    /** The kicking side. */
    private interface Kicking {
        boolean kick();
    }

    /** A write of the integer 1 to an event node; {@code EAGAIN} means a kick is already pending. */
    private static final class WriteKick implements Kicking {
        private final String node;
        private final int fd;
        private final int size;
        /** The direct buffer whose address is passed to libc, kept reachable with the notifier. */
        private final ByteBuffer word;
        private final long address;

        WriteKick(String node, int fd, int size) {
            this.node = node;
            this.fd = fd;
            this.size = size;
            this.word = direct(8);
            if (size == 1) {
                word.put(0, (byte) 1);
            } else if (size == 4) {
                word.putInt(0, 1);
            } else {
                word.putLong(0, 1L);
            }
            this.address = address(word);
        }

        @Override
        public boolean kick() {
            while (true) {
                long written = Libc.write(fd, address, size);
                if (written >= 0) {
                    return written == size; // a word of at most 8 bytes is written whole to a pipe or an eventfd
                }
                int errno = Libc.errno();
                if (errno != Libc.EINTR) {
                    return errno == Libc.EAGAIN;
                }
            }
        }

        @Override
        public String toString() {
            return writeDescription(size, node);
        }
    }

    /** A volatile little-endian 32-bit store into a mapped register window. */
    private static final class StoreKick implements Kicking {
        private final String description;
        private final ByteBuffer window;
        private final int offset;
        private final int value;

        StoreKick(String description, ByteBuffer window, int offset, int value) {
            this.description = description;
            this.window = window;
            this.offset = offset;
            this.value = value;
        }

        @Override
        public boolean kick() {
            REGISTER.setVolatile(window, offset, value);
            return true;
        }

        @Override
        public String toString() {
            return description;
        }
    }
}
