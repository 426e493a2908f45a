package io.dataport.queue;

import static io.dataport.queue.RingLayout.*;

/**
 * Validation of a ring's header page against the layout rules. Reads each field once through
 * {@link SharedRing} (magic first, with acquire) and returns the sizes, or the reason to refuse.
 */
final class RingHeader {
    private RingHeader() {
    }

    /** The problem with this header, or {@code null} when the region is a valid ring. */
    static String problem(SharedRing ring, long fileLength) {
        long magic = ring.readMagic();
        if (magic == 0) {
            return "not initialised (magic is 0): it is still being created, or it is not a ring file";
        }
        if (magic != MAGIC) {
            return String.format("bad magic 0x%016x, expected 0x%016x (\"DATAPORT\"): not a ring file",
                    magic, MAGIC);
        }
        int version = ring.readLayoutVersion();
        if (version != LAYOUT_VERSION) {
            return "layout version " + version + ", but this library reads version " + LAYOUT_VERSION;
        }
        int headerLength = ring.readHeaderLength();
        if (headerLength != HEADER_LENGTH) {
            return "header length " + headerLength + ", expected " + HEADER_LENGTH;
        }
        long capacity = ring.readCapacity();
        String sizes = RingConfig.problem(capacity, ring.readMaxRecordLength(), ring.readLapPrefix());
        if (sizes != null) {
            return sizes;
        }
        long expected = HEADER_LENGTH + capacity;
        if (fileLength != expected) {
            return "file length " + fileLength + " does not match the header: " + HEADER_LENGTH
                    + " + capacity " + capacity + " = " + expected;
        }
        return null;
    }

    /** The sizes of a header that {@link #problem} accepted. */
    static RingConfig config(SharedRing ring) {
        return new RingConfig((int) ring.readCapacity(), ring.readMaxRecordLength(), ring.readLapPrefix());
    }
}
