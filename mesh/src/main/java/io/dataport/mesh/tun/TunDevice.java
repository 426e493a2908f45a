package io.dataport.mesh.tun;

import io.dataport.mesh.MeshException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Linux TUN device (layer 3: IP packets, no Ethernet header) opened through {@code /dev/net/tun}:
 * I/O only, no policy. Opened non-blocking with {@code IFF_TUN | IFF_NO_PI}, and with
 * {@code IFF_VNET_HDR} when offloads are on: then every packet read or written starts with a
 * {@link VirtioNetHeader} and the kernel may hand over TCP super-packets of up to 64 KiB
 * ({@code TUNSETOFFLOAD} with checksum and TSO offloads), see {@code docs/decisions/0502}.
 *
 * <p>A persistent device ({@code ip tuntap add dev NAME mode tun}) keeps its addresses and MTU when
 * the bridge detaches; attaching to a name that does not exist creates a transient device that
 * disappears with the bridge. Only one process can be attached at a time (the device is not
 * multi-queue): a second one gets a clear "busy" error.
 *
 * <p>{@link #read} and {@link #write} take the raw address of a direct buffer and allocate nothing.
 * Not thread-safe, except that one thread may {@link #read} (and {@link #awaitReadable}) while
 * another {@link #write}s: they are independent system calls on one file descriptor.
 */
public final class TunDevice implements PacketDevice, AutoCloseable {
    /** The TUN offloads requested with {@code IFF_VNET_HDR}: checksum, TSO for IPv4 and IPv6, ECN. */
    static final int OFFLOADS = TunLibc.TUN_F_CSUM | TunLibc.TUN_F_TSO4 | TunLibc.TUN_F_TSO6 | TunLibc.TUN_F_TSO_ECN;
    private static final Path CONTROL = Path.of("/dev/net/tun");

    private final String name;
    private final boolean vnetHeader;
    private final boolean existed;
    private final ByteBuffer pollFd = ByteBuffer.allocateDirect(TunLibc.POLLFD_SIZE).order(ByteOrder.nativeOrder());
    private final long pollFdAddress = TunLibc.address(pollFd);
    private volatile int fd;

    private TunDevice(String name, boolean vnetHeader, boolean existed, int fd) {
        this.name = name;
        this.vnetHeader = vnetHeader;
        this.existed = existed;
        this.fd = fd;
        pollFd.putInt(0, fd).putShort(4, TunLibc.POLLIN);
    }

    /**
     * Attaches to the TUN device {@code name} (creating a transient one if there is none), with the
     * virtio-net header and checksum/TSO offloads when {@code offload} is true.
     *
     * @throws MeshException naming the device and the problem: a bad name, no {@code /dev/net/tun},
     *                       not root, a device that is busy or not a TUN device
     */
    public static TunDevice open(String name, boolean offload) {
        checkName(name);
        if (!Files.exists(CONTROL)) {
            throw new MeshException("TUN device " + name + ": " + CONTROL + " does not exist: this machine (or"
                    + " container) has no TUN driver; load it (modprobe tun) or give the container the device");
        }
        boolean existed = Files.exists(Path.of("/sys/class/net", name));
        int fd = TunLibc.open(CONTROL.toString(), TunLibc.O_RDWR | TunLibc.O_NONBLOCK | TunLibc.O_CLOEXEC);
        if (fd < 0) {
            int errno = TunLibc.errno();
            throw new MeshException("TUN device " + name + ": cannot open " + CONTROL + ": "
                    + TunLibc.describe(errno) + (errno == 1 || errno == 13 ? ": the bridge must run as root" : ""));
        }
        try {
            ByteBuffer ifreq = ifreq(name);
            short flags = (short) (TunLibc.IFF_TUN | TunLibc.IFF_NO_PI | (offload ? TunLibc.IFF_VNET_HDR : 0));
            ifreq.putShort(TunLibc.IFREQ_UNION, flags);
            if (TunLibc.ioctl(fd, TunLibc.TUNSETIFF, TunLibc.address(ifreq)) < 0) {
                throw attachFailed(name, TunLibc.errno());
            }
            if (offload) {
                ByteBuffer size = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
                size.putInt(0, VirtioNetHeader.LENGTH);
                if (TunLibc.ioctl(fd, TunLibc.TUNSETVNETHDRSZ, TunLibc.address(size)) < 0) {
                    throw new MeshException("TUN device " + name + ": TUNSETVNETHDRSZ "
                            + VirtioNetHeader.LENGTH + " failed: " + TunLibc.describe(TunLibc.errno()));
                }
                if (TunLibc.ioctl(fd, TunLibc.TUNSETOFFLOAD, OFFLOADS) < 0) {
                    throw new MeshException("TUN device " + name + ": the kernel refused the checksum/TSO offloads"
                            + " (TUNSETOFFLOAD): " + TunLibc.describe(TunLibc.errno()) + "; run the bridge with offload off");
                }
            }
            return new TunDevice(name, offload, existed, fd);
        } catch (RuntimeException e) {
            TunLibc.close(fd);
            throw e;
        }
    }

    /** Why this process cannot use TUN devices (no /dev/net/tun, or opening it is refused), or null. */
    public static String unavailable() {
        if (!Files.exists(CONTROL)) {
            return CONTROL + " (no TUN driver)";
        }
        int fd = TunLibc.open(CONTROL.toString(), TunLibc.O_RDWR | TunLibc.O_CLOEXEC);
        if (fd < 0) {
            return "access to " + CONTROL + " (" + TunLibc.describe(TunLibc.errno()) + ")";
        }
        TunLibc.close(fd);
        return null;
    }

    private static MeshException attachFailed(String name, int errno) {
        String why = switch (errno) {
            case 1, 13 -> ": not permitted: attaching to or creating a TUN device needs root (CAP_NET_ADMIN)";
            case 16 -> ": the device is busy: another process (another bridge?) is attached to it";
            case 22 -> ": the name belongs to a device that is not a TUN device with these flags (a TAP device,"
                    + " a multi-queue device, or another kind of interface)";
            default -> "";
        };
        return new MeshException("TUN device " + name + ": cannot attach (TUNSETIFF): " + TunLibc.describe(errno) + why);
    }

    /** Interface names: 1 to 15 bytes of letters, digits, '-', '_' and '.', not "." or "..". */
    static void checkName(String name) {
        if (name == null || name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length >= TunLibc.IFNAMSIZ
                || !name.matches("[A-Za-z0-9_.-]+") || name.equals(".") || name.equals("..")) {
            throw new MeshException("bad TUN device name '" + name + "': give 1 to " + (TunLibc.IFNAMSIZ - 1)
                    + " letters, digits, '-', '_' or '.' (e.g. dp0)");
        }
    }

    private static ByteBuffer ifreq(String name) {
        ByteBuffer ifreq = ByteBuffer.allocateDirect(TunLibc.IFREQ_SIZE).order(ByteOrder.nativeOrder());
        ifreq.put(0, name.getBytes(StandardCharsets.US_ASCII));
        return ifreq;
    }

    /** Sets the device's MTU (68 to 65535 for IPv4). */
    public void setMtu(int mtu) {
        mtuIoctl(TunLibc.SIOCSIFMTU, mtu);
    }

    /** The device's MTU. */
    public int mtu() {
        return mtuIoctl(TunLibc.SIOCGIFMTU, 0);
    }

    private int mtuIoctl(long request, int mtu) {
        int socket = TunLibc.socket(TunLibc.AF_INET, TunLibc.SOCK_DGRAM, 0);
        if (socket < 0) {
            throw new MeshException("TUN device " + name + ": cannot open a socket to set the MTU: "
                    + TunLibc.describe(TunLibc.errno()));
        }
        try {
            ByteBuffer ifreq = ifreq(name);
            ifreq.putInt(TunLibc.IFREQ_UNION, mtu);
            if (TunLibc.ioctl(socket, request, TunLibc.address(ifreq)) < 0) {
                throw new MeshException("TUN device " + name + ": cannot " + (request == TunLibc.SIOCSIFMTU
                        ? "set the MTU to " + mtu : "read the MTU") + ": " + TunLibc.describe(TunLibc.errno()));
            }
            return ifreq.getInt(TunLibc.IFREQ_UNION);
        } finally {
            TunLibc.close(socket);
        }
    }

    /** Waits up to {@code timeoutMillis} for a packet to read; true when there is one. */
    @Override
    public boolean awaitReadable(int timeoutMillis) {
        pollFd.putShort(6, (short) 0);
        int n = TunLibc.poll(pollFdAddress, 1, timeoutMillis);
        if (n < 0) {
            int errno = TunLibc.errno();
            if (errno == TunLibc.EINTR) {
                return false;
            }
            throw new MeshException("TUN device " + name + ": poll failed: " + TunLibc.describe(errno));
        }
        return n > 0;
    }

    /**
     * Reads one packet (with its virtio-net header when offloads are on) into the native memory at
     * {@code address}; returns its length, or 0 when there is none right now. A packet longer than
     * {@code capacity} is truncated by the kernel: give room for the largest.
     */
    @Override
    public int read(long address, int capacity) {
        long n = TunLibc.read(fd, address, capacity);
        if (n >= 0) {
            return (int) n;
        }
        int errno = TunLibc.errno();
        if (errno == TunLibc.EAGAIN || errno == TunLibc.EINTR) {
            return 0;
        }
        throw new MeshException("TUN device " + name + ": read failed: " + TunLibc.describe(errno));
    }

    /**
     * Writes one packet; returns {@code length}, or {@code -errno} when the kernel refused it (a
     * packet it finds malformed, or no room): the caller counts it as dropped.
     */
    @Override
    public int write(long address, int length) {
        long n = TunLibc.write(fd, address, length);
        return n >= 0 ? (int) n : -TunLibc.errno();
    }

    @Override
    public String name() {
        return name;
    }

    /** Whether every packet carries a {@link VirtioNetHeader} (offloads on). */
    @Override
    public boolean vnetHeader() {
        return vnetHeader;
    }

    /** Whether the device existed before this attach (a persistent one); else it goes away on close. */
    public boolean existed() {
        return existed;
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) {
            TunLibc.close(fd);
            fd = -1;
        }
    }

    @Override
    public String toString() {
        return "TUN device " + name + (vnetHeader ? " (virtio-net header, checksum/TSO offloads)" : " (no offloads)");
    }
}
