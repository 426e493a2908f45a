package io.dataport.c;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A fresh folder under {@code /dev/shm} (mode 0700) for one test's region files (each 0600),
 * removed with everything in it by {@link #close}.
 */
final class ShmDir implements AutoCloseable {
    static final Path SHM = Path.of("/dev/shm");

    private final Path dir;

    private ShmDir(Path dir) {
        this.dir = dir;
    }

    static ShmDir create(String prefix) {
        if (!Files.isDirectory(SHM)) {
            throw new AssertionError(SHM + " is not a folder: the C interop tests put their regions there (Linux)");
        }
        try {
            return new ShmDir(Files.createTempDirectory(SHM, prefix,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a folder in " + SHM, e);
        }
    }

    Path path() {
        return dir;
    }

    Path resolve(String name) {
        return dir.resolve(name);
    }

    /** A copy of {@code source} named {@code name} here, mode 0600. */
    Path copy(Path source, String name) {
        Path target = dir.resolve(name);
        try {
            Files.createFile(target, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-------"));
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + source + " to " + target, e);
        }
    }

    @Override
    public void close() {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
