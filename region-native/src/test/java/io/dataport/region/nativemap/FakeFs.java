package io.dataport.region.nativemap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Files 0600 and directories 0700 for the tests' fake sysfs trees and stand-in nodes; FIFOs 0600;
 * and a thread that may not open files it does not own, for the "permission denied" paths.
 */
final class FakeFs {
    private FakeFs() {
    }

    /** {@code mkfifo(3)}, {@code geteuid(2)} and {@code setfsuid(2)}, bound for the tests only. */
    private static final class Calls {
        static {
            com.sun.jna.Native.register(Calls.class, com.sun.jna.Platform.C_LIBRARY_NAME);
        }

        static native int mkfifo(String path, int mode);

        static native int geteuid();

        /** Sets this thread's file-system uid and returns the previous one; -1 only reads it. */
        static native int setfsuid(int fsuid);
    }

    /** The uid of nobody. */
    private static final int NOBODY = 65534;

    /**
     * Runs {@code action} on this thread without the right to open files it does not own: as root
     * (who may open anything, whatever its mode), with the file-system uid of nobody, which drops
     * CAP_DAC_OVERRIDE for this thread only; as another user, as is. Make the files it must not
     * open mode 000, and their directory searchable by others.
     */
    static <T> T withoutFileAccess(java.util.function.Supplier<T> action) {
        if (Calls.geteuid() != 0) {
            return action.get();
        }
        int previous = Calls.setfsuid(NOBODY);
        try {
            if (Calls.setfsuid(-1) != NOBODY) {
                throw new IllegalStateException("setfsuid(" + NOBODY + ") did not take effect");
            }
            return action.get();
        } finally {
            Calls.setfsuid(previous);
        }
    }

    /** Mode 000: nobody but root may open it. */
    static Path locked(Path path) throws IOException {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("---------"));
        return path;
    }

    /** A FIFO, mode 0600 (whatever the umask), standing in for an event device node. */
    static Path fifo(Path path) throws IOException {
        dir(path.getParent());
        if (Calls.mkfifo(path.toString(), 0600) != 0) {
            throw new IOException("mkfifo " + path + ": " + Libc.describe(Libc.errno()));
        }
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        return path;
    }

    static Path dir(Path path) throws IOException {
        Path parent = path.getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            dir(parent);
        }
        if (!Files.isDirectory(path)) {
            Files.createDirectory(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        return path;
    }

    static Path file(Path path, String content) throws IOException {
        dir(path.getParent());
        Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(path, content.getBytes(StandardCharsets.US_ASCII));
        return path;
    }

    /** A zero-filled file of {@code size} bytes (sparse). */
    static Path sized(Path path, long size) throws IOException {
        file(path, "");
        try (var raf = new java.io.RandomAccessFile(path.toFile(), "rw")) {
            raf.setLength(size);
        }
        return path;
    }
}
