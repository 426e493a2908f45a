package io.dataport.region.nativemap;

import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A shared, read-write mapping of a window of a device node (or file), made with {@code mmap} for
 * the nodes that {@link java.nio.channels.FileChannel#map} refuses: their size reads 0, or they are
 * character devices. UIO maps {@code /dev/uioN} (map <i>n</i> at offset <i>n</i> &times; page size,
 * see {@link UioDevice#mapRegion}); a CAmkES cross-VM dataport is a node the guest maps with an
 * explicit size. Dataport maps a region, and never creates, resizes or renames it.
 *
 * <p>{@link #map} opens the node {@code O_RDWR | O_CLOEXEC}, calls
 * {@code mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset)} and closes the
 * descriptor at once (the mapping keeps the device open). {@link #close()} unmaps, exactly once.
 *
 * <p><b>Lifetime.</b> The buffers {@link #buffer()} returns point straight at the mapping and are
 * not tracked by the garbage collector: after {@link #close()} every one of them dangles, and
 * touching it can crash the JVM. Close a mapping only once nothing uses its buffers any more; a
 * mapping that is never closed stays mapped until the process exits (there is deliberately no
 * cleaner: it could unmap memory that a buffer still points at).
 *
 * <p>For a regular file standing in for a node, the window must lie inside the file (mapping past
 * its end would raise {@code SIGBUS} on access); nodes whose size reads 0 are not checked, the
 * kernel driver decides.
 *
 * <p>Errors are {@link RegionMapException}s naming the node; this class is safe for concurrent
 * {@link #close()} calls.
 */
public final class NativeMapping implements AutoCloseable {
    private final Path node;
    private final long offset;
    private final long length;
    private final long address;
    private final ByteBuffer buffer;
    private final AtomicBoolean closed = new AtomicBoolean();

    private NativeMapping(Path node, long offset, long length, long address) {
        this.node = node;
        this.offset = offset;
        this.length = length;
        this.address = address;
        this.buffer = new Pointer(address).getByteBuffer(0, length);
    }

    /**
     * Maps {@code length} bytes of {@code node} from {@code offset}, shared and read-write.
     *
     * @param node   the device node (e.g. {@code /dev/uio0}, a CAmkES dataport node) or a file
     * @param offset where the window starts in the node: a multiple of {@link #pageSize()}, &ge; 0
     * @param length the window's size: 1 to {@link Integer#MAX_VALUE} bytes (a ByteBuffer's limit)
     * @throws RegionMapException if the arguments are out of range, the node cannot be opened or
     *         mapped (with the C library's error text), or the native library cannot be loaded
     */
    public static NativeMapping map(Path node, long offset, long length) {
        Objects.requireNonNull(node, "node");
        if (length <= 0 || length > Integer.MAX_VALUE) {
            throw new RegionMapException(node + ": cannot map " + length + " bytes: the length must be 1 to "
                    + Integer.MAX_VALUE + " (a ByteBuffer's limit); map a larger region in windows");
        }
        long pageSize = Libc.load();
        if (offset < 0 || offset % pageSize != 0) {
            throw new RegionMapException(node + ": offset " + offset + " is not a multiple of the page size "
                    + pageSize + "; round it down to a page boundary (UIO map n is at n * " + pageSize + ")");
        }
        if (Files.isDirectory(node)) {
            throw new RegionMapException(node + ": is a directory; name the device node itself"
                    + " (e.g. /dev/uio0) or a file");
        }
        if (Files.isRegularFile(node)) {
            checkInsideFile(node, offset, length);
        }
        int fd = Libc.open(node.toString(), Libc.O_RDWR | Libc.O_CLOEXEC);
        if (fd < 0) {
            int errno = Libc.errno();
            throw new RegionMapException(node + ": cannot open read-write: " + Libc.describe(errno)
                    + openHint(errno), errno, null);
        }
        try {
            long address = Libc.mmap(0L, length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, offset);
            if (address == Libc.MAP_FAILED) {
                int errno = Libc.errno();
                throw new RegionMapException(node + ": cannot map " + length + " bytes at offset " + offset
                        + ": " + Libc.describe(errno) + mapHint(errno), errno, null);
            }
            return new NativeMapping(node, offset, length, address);
        } finally {
            Libc.close(fd); // the mapping holds its own reference to the device; EINTR here loses nothing
        }
    }

    /** The system's page size: offsets must be multiples of it. */
    public static long pageSize() {
        return Libc.load();
    }

    private static void checkInsideFile(Path node, long offset, long length) {
        long size;
        try {
            size = Files.size(node);
        } catch (java.io.IOException e) {
            throw new RegionMapException(node + ": cannot read its size: " + e, e);
        }
        if (offset + length > size) {
            throw new RegionMapException(node + ": is a regular file of " + size + " bytes, too small for "
                    + length + " bytes at offset " + offset + " (access past its end would crash with SIGBUS);"
                    + " map a smaller window, or map the device node instead of a file");
        }
    }

    private static String openHint(int errno) {
        switch (errno) {
            case Libc.ENOENT:
                return "; check the path (is the driver loaded? ls /dev/uio* /dev/camkes*)";
            case Libc.EACCES:
            case Libc.EPERM:
                return "; run as root or give this user read-write access to the node";
            default:
                return "";
        }
    }

    private static String mapHint(int errno) {
        switch (errno) {
            case Libc.EINVAL:
                return "; the window does not fit the device's region: check its size and offset"
                        + " (for UIO: /sys/class/uio/uioN/maps/mapM/size)";
            case Libc.ENODEV:
                return "; this node does not support mmap (or its region is not page-aligned)";
            case Libc.EACCES:
            case Libc.EPERM:
                return "; the node does not allow a shared read-write mapping for this user";
            default:
                return "";
        }
    }

    /**
     * A direct buffer over the whole window: position 0, limit {@link #length()}, big-endian like
     * every new buffer (set the order you need). Each call returns a new view of the same memory,
     * so callers do not share a position.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public ByteBuffer buffer() {
        if (closed.get()) {
            throw new IllegalStateException(node + ": mapping is closed (offset " + offset + ", " + length
                    + " bytes); map it again");
        }
        return buffer.duplicate();
    }

    /** The window's size in bytes. */
    public long length() {
        return length;
    }

    /** Where the window starts in the node. */
    public long offset() {
        return offset;
    }

    /** The node this window maps. */
    public Path node() {
        return node;
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Unmaps the window; the first call does it, later ones do nothing. Every buffer from
     * {@link #buffer()} dangles afterwards (see the class comment).
     *
     * @throws RegionMapException if {@code munmap} fails (it does not for a valid mapping)
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (Libc.munmap(address, length) != 0) {
            int errno = Libc.errno();
            throw new RegionMapException(node + ": cannot unmap " + length + " bytes at offset " + offset + ": "
                    + Libc.describe(errno), errno, null);
        }
    }

    @Override
    public String toString() {
        return "NativeMapping[" + node + ", offset " + offset + ", " + length + " bytes"
                + (closed.get() ? ", closed]" : "]");
    }
}
