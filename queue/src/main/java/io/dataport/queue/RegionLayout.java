package io.dataport.queue;

/**
 * The byte layout of a region's directory page (layout version 2): every offset of the first 4096
 * bytes of a shared region, named once. This class is the code side of {@code docs/layout.md}
 * ("Region directory"); the two must say the same thing. All values are little-endian.
 *
 * <pre>
 * offset  size  field                               written by   access
 * --------------------------------------------------------------------------------------------
 *    0     8    format word (below)                 formatter    CAS / acquire load
 *    8     8    magic "DPREGION"                    formatter    plain, before "ready"
 *   16     4    layout version (2)                  formatter    plain, before "ready"
 *   20     4    directory length (4096)             formatter    plain, before "ready"
 *   24     8    region size (bytes)                 formatter    plain, before "ready"
 *   32     4    ring count (1 .. 62)                formatter    plain, before "ready"
 *   40     8    tag (the application's identifier)  formatter    plain, before "ready"
 *  128 + 64 i   ring slot i:
 *       +0 8    ring offset: where its data region (its span) starts, from the region start
 *       +8 4    capacity (data bytes; a power of two)
 *      +12 4    max record length
 *      +16 4    producer node
 *      +20 4    consumer node
 *      +24 8    ring id (the application's name for the ring)
 *      +32 4    lap prefix (bytes of each lap that hold no record: 8192 for the ring at 0, else 4096)
 * </pre>
 *
 * <p>The format word: bits 63..56 the state ({@link #EMPTY} 0, {@link #FORMATTING} 'F',
 * {@link #READY} 'R'), bits 55..32 the generation (1 .. 2^24 - 1), bits 31..0 the formatter's
 * identity while formatting, or the CRC32C of directory bytes [8, 4096) once ready. Every other byte
 * of the page is 0. The rings' spans follow each other from offset 0, each exactly {@code capacity}
 * bytes (decision 0906): a power-of-two region holds two rings of half its size. The first
 * {@link #lapPrefix} bytes of a span hold no record (both ends skip them on every lap,
 * {@code spec/DataportRing.tla}): they hold this directory page (ring at offset 0 only) and the
 * ring's header page in the layout of {@link RingLayout} (its magic, sizes, positions, lease words
 * and wake-up flags), the last page of the prefix. The protocol that writes all this exactly once
 * is {@link RegionDirectory}, checked in {@code spec/RegionFormat.tla}.
 */
public final class RegionLayout {
    private RegionLayout() {
    }

    /** "DPREGION" in ASCII, read as a little-endian 64-bit word. */
    public static final long MAGIC = 0x4E4F494745525044L;
    /** The directory's layout version: the same number as its rings' ({@link RingLayout#LAYOUT_VERSION}). */
    public static final int LAYOUT_VERSION = RingLayout.LAYOUT_VERSION;

    public static final int FORMAT_WORD_OFFSET = 0;
    public static final int MAGIC_OFFSET = 8;
    public static final int VERSION_OFFSET = 16;
    public static final int DIRECTORY_LENGTH_OFFSET = 20;
    public static final int REGION_SIZE_OFFSET = 24;
    public static final int RING_COUNT_OFFSET = 32;
    public static final int TAG_OFFSET = 40;
    public static final int SLOTS_OFFSET = 128;
    public static final int SLOT_LENGTH = 64;

    public static final int SLOT_RING_OFFSET = 0;
    public static final int SLOT_CAPACITY = 8;
    public static final int SLOT_MAX_RECORD_LENGTH = 12;
    public static final int SLOT_PRODUCER_NODE = 16;
    public static final int SLOT_CONSUMER_NODE = 20;
    public static final int SLOT_RING_ID = 24;
    public static final int SLOT_LAP_PREFIX = 32;

    /** Length of the directory page; the first ring starts at or after it. */
    public static final int DIRECTORY_LENGTH = 4096;
    /** Rings a directory can describe. */
    public static final int MAX_RINGS = (DIRECTORY_LENGTH - SLOTS_OFFSET) / SLOT_LENGTH;
    /** Ring offsets and region sizes are multiples of this (a page, like a CAmkES dataport). */
    public static final int ALIGNMENT = 4096;
    /** The smallest ring of a region: its lap prefix (at most 8192 bytes) is at most a quarter of it. */
    public static final int MIN_RING_CAPACITY = 32 * 1024;

    public static final int EMPTY = 0;
    public static final int FORMATTING = 'F';
    public static final int READY = 'R';
    public static final int MAX_GENERATION = (1 << 24) - 1;

    static long formatWord(int state, int generation, int low) {
        return ((long) state << 56) | ((long) (generation & MAX_GENERATION) << 32) | (low & 0xFFFF_FFFFL);
    }

    static int state(long formatWord) {
        return (int) (formatWord >>> 56);
    }

    static int generation(long formatWord) {
        return (int) (formatWord >>> 32) & MAX_GENERATION;
    }

    static int low(long formatWord) {
        return (int) formatWord;
    }

    static int slotOffset(int ring) {
        return SLOTS_OFFSET + ring * SLOT_LENGTH;
    }

    /**
     * The lap prefix of the ring whose span starts at {@code spanOffset}: the directory page (the
     * ring at offset 0 only) and the ring's header page.
     */
    public static int lapPrefix(long spanOffset) {
        return (spanOffset == 0 ? DIRECTORY_LENGTH : 0) + RingLayout.HEADER_LENGTH;
    }
}
