package io.dataport.region.nativemap;

import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * The libc calls a mapping and an {@link EventDeviceNotifier} need, bound with JNA <em>direct
 * mapping</em> ({@link Native#register}) as {@code io.dataport.mesh.tun.TunLibc} does: a JNI call
 * straight into libc, no proxy, no allocation. Addresses and {@code size_t}/{@code ssize_t}/
 * {@code off_t}/{@code nfds_t} values are passed as {@code long}, exact on the 64-bit Linux this
 * runs on (LP64). The flag values are Linux's generic ones (x86-64, AArch64, RISC-V); other systems
 * are refused before anything is called.
 *
 * <p>The native methods live in the nested class {@link Calls}, whose static initialiser registers
 * them: {@link #load()} triggers it inside a {@code try}, so a missing native library becomes a
 * {@link RegionMapException}, not an {@code UnsatisfiedLinkError}. Every entry point of the module
 * calls {@link #load()} before any other method here.
 *
 * <p>After a call returned -1, {@link #errno()} is its {@code errno} (JNA saves it per thread after
 * every direct call).
 */
final class Libc {
    static final int O_RDONLY = 0x0;
    static final int O_WRONLY = 0x1;
    static final int O_RDWR = 0x2;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;

    /** {@code eventfd(2)} flags: the same values as {@code O_NONBLOCK} and {@code O_CLOEXEC}. */
    static final int EFD_NONBLOCK = O_NONBLOCK;
    static final int EFD_CLOEXEC = O_CLOEXEC;

    /** {@code struct pollfd}: {@code int fd; short events; short revents;}, 8 bytes. */
    static final int POLLFD_SIZE = 8;
    static final int POLLFD_EVENTS = 4;
    static final int POLLFD_REVENTS = 6;
    static final short POLLIN = 0x1;
    static final short POLLERR = 0x8;
    static final short POLLHUP = 0x10;
    static final short POLLNVAL = 0x20;

    static final int PROT_READ = 0x1;
    static final int PROT_WRITE = 0x2;
    static final int MAP_SHARED = 0x1;
    /** {@code (void *) -1}. */
    static final long MAP_FAILED = -1L;

    static final int SC_PAGESIZE = 30;

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EIO = 5;
    static final int ENXIO = 6;
    static final int EBADF = 9;
    static final int EAGAIN = 11;
    static final int EACCES = 13;
    static final int ENODEV = 19;
    static final int EINVAL = 22;
    static final int ENOSYS = 38;

    private Libc() {
    }

    /**
     * Loads the binding once and returns the page size, turning every way the load can fail (not
     * 64-bit Linux, JNA's native part missing or not loadable, an earlier failed load) into a
     * {@link RegionMapException}.
     */
    static long load() {
        if (!Platform.isLinux() || !Platform.is64Bit()) {
            throw new RegionMapException("native region mapping needs 64-bit Linux, this is "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch")
                    + ": map a regular file with FileChannel.map instead");
        }
        try {
            return Calls.PAGE_SIZE;
        } catch (LinkageError e) { // UnsatisfiedLinkError, ExceptionInInitializerError, NoClassDefFoundError
            throw new RegionMapException("cannot load libc through JNA (" + e + "): put jna.jar on the"
                    + " class path and let JNA unpack its native library (jna.tmpdir writable, not noexec)", e);
        }
    }

    static int open(String path, int flags) {
        return Calls.open(path, flags);
    }

    static int close(int fd) {
        return Calls.close(fd);
    }

    static long mmap(long address, long length, int prot, int flags, int fd, long offset) {
        return Calls.mmap(address, length, prot, flags, fd, offset);
    }

    static int munmap(long address, long length) {
        return Calls.munmap(address, length);
    }

    /** {@code read(fd, buffer, count)}; {@code buffer} is a native address. */
    static long read(int fd, long buffer, long count) {
        return Calls.read(fd, buffer, count);
    }

    /** {@code write(fd, buffer, count)}; {@code buffer} is a native address. */
    static long write(int fd, long buffer, long count) {
        return Calls.write(fd, buffer, count);
    }

    /** {@code poll(fds, nfds, timeout)}; {@code fds} is the native address of {@code nfds} {@code struct pollfd}s. */
    static int poll(long fds, long nfds, int timeoutMillis) {
        return Calls.poll(fds, nfds, timeoutMillis);
    }

    static int eventfd(int initialValue, int flags) {
        return Calls.eventfd(initialValue, flags);
    }

    static int errno() {
        return Native.getLastError();
    }

    /** "No such file or directory (errno 2)"-like text for an errno. */
    static String describe(int errno) {
        return Calls.strerror(errno) + " (errno " + errno + ")";
    }

    private static final class Calls {
        static {
            Native.register(Calls.class, Platform.C_LIBRARY_NAME);
        }

        static final long PAGE_SIZE = sysconf(SC_PAGESIZE);

        private Calls() {
        }

        static native int open(String path, int flags);

        static native int close(int fd);

        static native long mmap(long address, long length, int prot, int flags, int fd, long offset);

        static native int munmap(long address, long length);

        static native long read(int fd, long buffer, long count);

        static native long write(int fd, long buffer, long count);

        static native int poll(long fds, long nfds, int timeoutMillis);

        static native int eventfd(int initialValue, int flags);

        static native long sysconf(int name);

        static native String strerror(int errno);
    }
}
