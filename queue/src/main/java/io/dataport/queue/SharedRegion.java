package io.dataport.queue;

import static io.dataport.queue.RegionLayout.*;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The one class that touches a region's directory page, one method per kind of access, named after
 * the actions of {@code spec/RegionFormat.tla} (the rings' own bytes are {@link SharedRing}'s). The
 * format word is the only word accessed with compare-and-set and acquire loads; the fields are plain
 * stores made before the format word says "ready", and are read once into a private copy that is
 * checked against the checksum in the format word.
 */
class SharedRegion {
    private static final VarHandle LONGS =
            MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** The whole region, little-endian. */
    private final ByteBuffer region;

    SharedRegion(ByteBuffer region) {
        if (!region.isDirect()) {
            throw new IllegalArgumentException("a region needs a direct or mapped buffer");
        }
        this.region = region.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    long size() {
        return region.capacity();
    }

    /** A view of {@code length} bytes at {@code offset}. */
    ByteBuffer slice(long offset, long length) {
        return region.slice((int) offset, (int) length).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The ring whose span (its data region) is the {@code capacity} bytes at {@code spanOffset}: its
     * header page is the last page of its lap prefix ({@link RegionLayout#lapPrefix}).
     */
    SharedRing ring(long spanOffset, int capacity) {
        long headerOffset = spanOffset + RegionLayout.lapPrefix(spanOffset) - RingLayout.HEADER_LENGTH;
        return new SharedRing(slice(headerOffset, RingLayout.HEADER_LENGTH), slice(spanOffset, capacity));
    }

    /** ReadFormatWord. */
    long readFormatWord() {
        return (long) LONGS.getAcquire(region, FORMAT_WORD_OFFSET);
    }

    /** Claim (empty), TakeOverFormat (formatting) and Publish (ready): one compare-and-set. */
    boolean casFormatWord(long expected, long value) {
        return LONGS.compareAndSet(region, FORMAT_WORD_OFFSET, expected, value);
    }

    /** WriteField: the directory page after the format word, from the formatter's private image. */
    void writeFields(byte[] image) {
        region.put(8, image, 8, DIRECTORY_LENGTH - 8);
    }

    /** ReadField: the directory page after the format word, copied once into {@code image}. */
    void readFields(byte[] image) {
        region.get(8, image, 8, DIRECTORY_LENGTH - 8);
    }

    /** Whether any byte of the directory page after the format word is not 0. */
    boolean fieldsAreZero() {
        for (int offset = 8; offset < DIRECTORY_LENGTH; offset += 8) {
            if (region.getLong(offset) != 0) {
                return false;
            }
        }
        return true;
    }
}
