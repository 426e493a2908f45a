package io.dataport.queue;

import java.util.ArrayList;
import java.util.List;

/**
 * What a region holds: its size, the application's tag, and its rings in order. Every peer of a
 * region asks for the same geometry; the first to attach formats the region with it, the others
 * find it there ({@link RegionDirectory}). Ring {@code i}'s span, exactly its capacity, starts at
 * {@link #ringOffset(int)}: the spans follow each other from offset 0, and the first
 * {@link #lapPrefix(int)} bytes of each hold the directory page (the first ring only) and the
 * ring's header page instead of records (decision 0906). A power-of-two region (an ivshmem BAR)
 * thus holds two rings of half its size, with nothing left over.
 *
 * @param size  bytes of the region (a multiple of 4096)
 * @param tag   the application's identifier (a mesh id), checked by every peer
 * @param rings the rings, at most {@link RegionLayout#MAX_RINGS}
 */
public record RegionGeometry(long size, long tag, List<Ring> rings) {

    /**
     * One ring of a region: its id, sizes, and which node produces and which consumes.
     *
     * @param id            the application's name for the ring
     * @param capacity      bytes of its span (a power of two, at least {@link RegionLayout#MIN_RING_CAPACITY})
     * @param maxRecordLength largest payload, at most {@code (capacity - lapPrefix) / 2 - 8}
     * @param producerNode  the node that writes it
     * @param consumerNode  the node that reads it
     */
    public record Ring(long id, int capacity, int maxRecordLength, int producerNode, int consumerNode) {
    }

    public RegionGeometry {
        rings = List.copyOf(rings);
        String problem = problem(size, rings);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /**
     * The users' topology: one region per pair of nodes holding one ring per direction (ring 0:
     * {@code a -> b}, ring 1: {@code b -> a}), each with the largest power-of-two capacity that fits
     * in half the region, and the same max record length, the largest ring 0's lap prefix allows.
     * A power-of-two region (an ivshmem BAR, {@code sizeFor(c, c)} for a file) is used entirely
     * (docs/regions.md, "Sizing").
     */
    public static RegionGeometry pair(long size, int a, int b, long tag) {
        if (size < minimumPairSize()) {
            throw new IllegalArgumentException("a region of " + size + " bytes is too small for two rings: it"
                    + " needs at least " + minimumPairSize() + " bytes");
        }
        int capacity = Integer.highestOneBit((int) Math.min(size / 2, RingLayout.MAX_CAPACITY));
        int max = maxRecordLengthFor(capacity);
        return new RegionGeometry(size, tag, List.of(new Ring(0, capacity, max, a, b), new Ring(1, capacity, max, b, a)));
    }

    /** The largest max record length every ring of {@code capacity} allows, the first (larger prefix) included. */
    public static int maxRecordLengthFor(int capacity) {
        return RingLayout.maxRecordLengthFor(capacity, RegionLayout.lapPrefix(0));
    }

    /** The smallest region {@link #pair} accepts. */
    public static long minimumPairSize() {
        return sizeFor(RegionLayout.MIN_RING_CAPACITY, RegionLayout.MIN_RING_CAPACITY);
    }

    /** Bytes a region needs for rings of these capacities, with nothing left over: their sum. */
    public static long sizeFor(int... capacities) {
        long size = 0;
        for (int c : capacities) {
            size += c;
        }
        return size;
    }

    /** Offset of ring {@code i}'s span (its data region) from the start of the region. */
    public long ringOffset(int i) {
        long offset = 0;
        for (int j = 0; j < i; j++) {
            offset += rings.get(j).capacity();
        }
        return offset;
    }

    /** Bytes at the start of every lap of ring {@code i} that hold no record ({@link RegionLayout#lapPrefix}). */
    public int lapPrefix(int i) {
        return RegionLayout.lapPrefix(ringOffset(i));
    }

    /** The sizes of ring {@code i}. */
    public RingConfig config(int i) {
        Ring r = rings.get(i);
        return new RingConfig(r.capacity(), r.maxRecordLength(), lapPrefix(i));
    }

    /** The index of the ring from {@code producer} to {@code consumer}, or -1. */
    public int indexOf(int producer, int consumer) {
        for (int i = 0; i < rings.size(); i++) {
            if (rings.get(i).producerNode() == producer && rings.get(i).consumerNode() == consumer) {
                return i;
            }
        }
        return -1;
    }

    /** Why these are not a valid geometry, or {@code null}. */
    static String problem(long size, List<Ring> rings) {
        if (size <= 0 || size % RegionLayout.ALIGNMENT != 0) {
            return "region size " + size + " is not a positive multiple of " + RegionLayout.ALIGNMENT;
        }
        if (rings.isEmpty() || rings.size() > RegionLayout.MAX_RINGS) {
            return rings.size() + " rings: a region holds 1 to " + RegionLayout.MAX_RINGS;
        }
        long end = 0;
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < rings.size(); i++) {
            Ring r = rings.get(i);
            if (r.capacity() < RegionLayout.MIN_RING_CAPACITY) {
                return "ring " + i + ": capacity " + r.capacity() + " is below " + RegionLayout.MIN_RING_CAPACITY
                        + " (a region ring's first " + RegionLayout.lapPrefix(end) + " bytes hold its header page)";
            }
            String sizes = RingConfig.problem(r.capacity(), r.maxRecordLength(), RegionLayout.lapPrefix(end));
            if (sizes != null) {
                return "ring " + i + ": " + sizes;
            }
            if (ids.contains(r.id())) {
                return "ring " + i + ": id " + r.id() + " is used twice";
            }
            ids.add(r.id());
            end += r.capacity();
        }
        if (end > size) {
            return "the rings need " + end + " bytes but the region has " + size;
        }
        return null;
    }
}
