package io.dataport.queue;

import java.util.ArrayList;
import java.util.List;

/**
 * What a region holds: its size, the application's tag, and its rings in order. Every peer of a
 * region asks for the same geometry; the first to attach formats the region with it, the others
 * find it there ({@link RegionDirectory}). Ring {@code i} starts at {@link #ringOffset(int)}: the
 * 4096-byte directory page, then each ring's header page and data region, one after the other.
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
     * @param capacity      bytes of its data region (a power of two)
     * @param maxRecordLength largest payload, at most {@code capacity / 2 - 8}
     * @param producerNode  the node that writes it
     * @param consumerNode  the node that reads it
     */
    public record Ring(long id, int capacity, int maxRecordLength, int producerNode, int consumerNode) {
        public RingConfig config() {
            return new RingConfig(capacity, maxRecordLength);
        }
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
     * and the largest max record length that capacity allows. In a power-of-two region (an ivshmem
     * BAR) that is a quarter of the region per ring; in a region of {@code 3 * 4096 + 2 * capacity}
     * bytes (a file), nothing is left over (docs/regions.md, "Sizing").
     */
    public static RegionGeometry pair(long size, int a, int b, long tag) {
        long room = (size - RegionLayout.DIRECTORY_LENGTH) / 2 - RingLayout.HEADER_LENGTH;
        if (room < RegionLayout.ALIGNMENT) {
            throw new IllegalArgumentException("a region of " + size + " bytes is too small for two rings: it"
                    + " needs at least " + minimumPairSize() + " bytes");
        }
        int capacity = Integer.highestOneBit((int) Math.min(room, RingLayout.MAX_CAPACITY));
        int max = RingLayout.maxRecordLengthFor(capacity);
        return new RegionGeometry(size, tag, List.of(new Ring(0, capacity, max, a, b), new Ring(1, capacity, max, b, a)));
    }

    /** The smallest region {@link #pair} accepts. */
    public static long minimumPairSize() {
        return sizeFor(RegionLayout.ALIGNMENT, RegionLayout.ALIGNMENT);
    }

    /** Bytes a region needs for rings of these capacities, with nothing left over. */
    public static long sizeFor(int... capacities) {
        long size = RegionLayout.DIRECTORY_LENGTH;
        for (int c : capacities) {
            size += RegionLayout.ringSpan(c);
        }
        return size;
    }

    /** Offset of ring {@code i}'s header page from the start of the region. */
    public long ringOffset(int i) {
        long offset = RegionLayout.DIRECTORY_LENGTH;
        for (int j = 0; j < i; j++) {
            offset += RegionLayout.ringSpan(rings.get(j).capacity());
        }
        return offset;
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
        long end = RegionLayout.DIRECTORY_LENGTH;
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < rings.size(); i++) {
            Ring r = rings.get(i);
            String sizes = RingConfig.problem(r.capacity(), r.maxRecordLength());
            if (sizes != null) {
                return "ring " + i + ": " + sizes;
            }
            if (r.capacity() % RegionLayout.ALIGNMENT != 0) {
                return "ring " + i + ": capacity " + r.capacity() + " is below " + RegionLayout.ALIGNMENT
                        + " (rings in a region start on page boundaries)";
            }
            if (ids.contains(r.id())) {
                return "ring " + i + ": id " + r.id() + " is used twice";
            }
            ids.add(r.id());
            end += RegionLayout.ringSpan(r.capacity());
        }
        if (end > size) {
            return "the rings need " + end + " bytes but the region has " + size;
        }
        return null;
    }
}
