package io.dataport.region.nativemap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Files 0600 and directories 0700 for the tests' fake sysfs trees and stand-in nodes. */
final class FakeFs {
    private FakeFs() {
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
