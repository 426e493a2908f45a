package io.dataport.region.nativemap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reading the small text attributes of sysfs (one value and a newline per file). */
final class Sysfs {
    private Sysfs() {
    }

    /** The file's content without surrounding white space. */
    static String read(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new RegionMapException(file + ": cannot read: " + e, e);
        }
    }

    /** The file's content, or null if it does not exist or cannot be read. */
    static String readOrNull(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            return null;
        }
    }

    /** A hexadecimal value such as {@code 0x0000000000001000} (the "0x" is optional). */
    static long parseHex(Path file, String text) {
        String digits = text.startsWith("0x") || text.startsWith("0X") ? text.substring(2) : text;
        try {
            return Long.parseUnsignedLong(digits, 16);
        } catch (NumberFormatException e) {
            throw new RegionMapException(file + ": expected a hexadecimal number such as 0x1000, found \""
                    + text + "\"", e);
        }
    }

    static long readHex(Path file) {
        return parseHex(file, read(file));
    }
}
