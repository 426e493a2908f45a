package io.dataport.mesh.tun;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;

/**
 * The few libc calls the TUN bridge needs, bound with JNA <em>direct mapping</em>
 * ({@link Native#register}): each call is a JNI call straight into libc, with no proxy, no
 * reflection and no allocation, which matters on the per-packet path ({@code read}, {@code write},
 * {@code poll}). Buffers are passed as raw addresses ({@code long}) of direct {@link ByteBuffer}s,
 * which is exact on the 64-bit Linux this runs on (LP64: a pointer and a {@code size_t} are 64 bits).
 *
 * <p>{@code ioctl} is variadic in C; it is called here with exactly one pointer-sized argument,
 * which the x86-64 and AArch64 calling conventions pass like a fixed argument. {@code TUNSETOFFLOAD}
 * takes its {@code unsigned long} by value: it is passed as a pointer-sized integer.
 *
 * <p>After a call returned -1, {@link Native#getLastError()} is its {@code errno} (JNA saves it
 * per thread after every direct call).
 */
final class TunLibc {
    static final int O_RDWR = 0x2;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;

    static final int EINTR = 4;
    static final int EAGAIN = 11;

    static final short POLLIN = 0x1;

    static final int AF_INET = 2;
    static final int SOCK_DGRAM = 2;

    /** {@code _IOW('T', 202, int)}: attach to (or create) the TUN device named in the {@code ifreq}. */
    static final long TUNSETIFF = 0x400454caL;
    /** {@code _IOW('T', 208, unsigned int)}: the offloads this reader accepts ({@code TUN_F_*}). */
    static final long TUNSETOFFLOAD = 0x400454d0L;
    /** {@code _IOW('T', 216, int)}: the length of the virtio-net header in front of every packet. */
    static final long TUNSETVNETHDRSZ = 0x400454d8L;
    /** {@code SIOCSIFMTU}: set an interface's MTU ({@code ifreq.ifr_mtu}). */
    static final long SIOCSIFMTU = 0x8922L;
    /** {@code SIOCGIFMTU}: read an interface's MTU. */
    static final long SIOCGIFMTU = 0x8921L;

    static final short IFF_TUN = 0x0001;
    static final short IFF_NO_PI = 0x1000;
    static final short IFF_VNET_HDR = 0x4000;

    static final int TUN_F_CSUM = 0x01;
    static final int TUN_F_TSO4 = 0x02;
    static final int TUN_F_TSO6 = 0x04;
    static final int TUN_F_TSO_ECN = 0x08;

    /** {@code struct ifreq}: a 16-byte name, then a union (flags: short; mtu: int) padded to 40 bytes. */
    static final int IFREQ_SIZE = 40;
    static final int IFNAMSIZ = 16;
    static final int IFREQ_UNION = 16;

    /** {@code struct pollfd}: int fd, short events, short revents. */
    static final int POLLFD_SIZE = 8;

    static {
        Native.register(TunLibc.class, Platform.C_LIBRARY_NAME);
    }

    private TunLibc() {
    }

    static native int open(String path, int flags);

    static native int ioctl(int fd, long request, long argument);

    static native long read(int fd, long buffer, long count);

    static native long write(int fd, long buffer, long count);

    static native int poll(long fds, long nfds, int timeoutMillis);

    static native int close(int fd);

    static native int socket(int domain, int type, int protocol);

    static native String strerror(int errno);

    /** The address of a direct buffer's first byte. */
    static long address(ByteBuffer direct) {
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("a direct ByteBuffer is needed for native I/O");
        }
        return Pointer.nativeValue(Native.getDirectBufferPointer(direct));
    }

    static int errno() {
        return Native.getLastError();
    }

    /** "EPERM (Operation not permitted)"-like text for an errno. */
    static String describe(int errno) {
        return strerror(errno) + " (errno " + errno + ")";
    }
}
