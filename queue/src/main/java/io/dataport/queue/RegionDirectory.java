package io.dataport.queue;

import static io.dataport.queue.RegionLayout.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The directory of a region: formatted exactly once, validated by every peer. Checked in
 * {@code spec/RegionFormat.tla}; the steps below carry the names of its actions.
 *
 * <h2>How it works</h2>
 * The format word (see {@link RegionLayout}) is read first. {@code empty}: the region must be
 * zero-filled (a fresh {@code /dev/shm} file, a new ivshmem BAR, a new dataport); the peer claims it
 * with a compare-and-set to {@code formatting(1, me)}, writes the directory page and each ring's
 * header page (sizes only: positions, leases and flags stay 0), then publishes with a
 * compare-and-set {@code formatting(gen, me) -> ready(gen, crc)}, the CRC32C of the directory it
 * wrote. {@code formatting} that does not change for the lease timeout of this peer's clock: the
 * formatter crashed or stalls; TakeOverFormat CASes it to {@code formatting(gen + 1, me)} and formats
 * again. {@code ready}: the directory page is copied once, the format word read again, and the copy
 * accepted only if the word did not change, the CRC matches, every field is valid, and the geometry
 * is the one this peer asked for. Any other word: the region holds something that is not ours.
 *
 * <h2>Why it is correct</h2>
 * Every transition of the format word is a compare-and-set from the value just read, so at most
 * one formatter publishes each generation, and {@code ready} is never rewritten: a region is
 * formatted once ({@code AtMostOneFormat}), and every peer that attaches sees the same directory
 * ({@code Agreement}). A formatter that was overtaken (it paused for longer than the timeout) fails
 * its publish; its late field stores can only make the CRC wrong, so the directory is then refused,
 * never misread ({@code AttachedIsValid}); they never touch positions, so a live ring is unaffected.
 */
final class RegionDirectory {
    final RegionGeometry geometry;
    final int generation;

    private RegionDirectory(RegionGeometry geometry, int generation) {
        this.geometry = geometry;
        this.generation = generation;
    }

    /**
     * Formats the region with {@code wanted} or finds it formatted; {@code wanted} null: join a
     * region that a peer formats (waiting up to the lease timeout for it).
     */
    static RegionDirectory attach(SharedRegion region, RegionGeometry wanted, RegionOptions options, String name) {
        if (region.size() < DIRECTORY_LENGTH) {
            throw new RegionException(name + ": " + region.size() + " bytes is smaller than the "
                    + DIRECTORY_LENGTH + "-byte directory");
        }
        if (wanted != null && wanted.size() != region.size()) {
            throw new RegionException(name + ": the region has " + region.size() + " bytes but the geometry"
                    + " asks for " + wanted.size());
        }
        LeaseClock clock = options.clock();
        long timeout = options.leaseTimeoutNanos();
        long pause = options.observationPauseNanos();
        long watched = -1;
        long since = clock.nanoTime();
        while (true) {
            long word = region.readFormatWord();                                 // ReadFormatWord
            int state = state(word);
            if (word == 0) {
                if (wanted == null) {
                    if (clock.nanoTime() - since >= timeout) {
                        throw new RegionException(name + ": not formatted, and no peer formatted it within the"
                                + " lease timeout: attach with the region's geometry to format it");
                    }
                    clock.pause(pause);
                    continue;
                }
                String garbage = garbage(region, wanted, name);
                if (garbage != null) {
                    if (region.readFormatWord() != 0) {
                        continue; // a peer claimed it and is writing: not garbage
                    }
                    throw new RegionException(garbage);
                }
                if (region.casFormatWord(0, formatWord(FORMATTING, 1, options.holder()))) {
                    format(region, wanted, 1, options.holder());
                }
                continue;
            }
            if (state == FORMATTING) {
                if (word != watched) {
                    watched = word;
                    since = clock.nanoTime();
                } else if (clock.nanoTime() - since >= timeout && wanted != null) { // TakeOverFormat
                    int generation = generation(word) + 1;
                    if (generation > MAX_GENERATION) {
                        throw new RegionException(name + ": format generation overflow; zero the region");
                    }
                    if (region.casFormatWord(word, formatWord(FORMATTING, generation, options.holder()))) {
                        format(region, wanted, generation, options.holder());
                    }
                    continue;
                } else if (clock.nanoTime() - since >= timeout) {
                    throw new RegionException(name + ": a peer started formatting the region and stalled:"
                            + " attach with the region's geometry to take the format over");
                }
                clock.pause(pause);
                continue;
            }
            if (state == READY) {
                return validate(region, word, wanted, name);                         // ReadField, Validate
            }
            throw new RegionException(name + String.format(": format word 0x%016x is not a Dataport directory:"
                    + " the region holds something else; give a zero-filled region", word));
        }
    }

    /** WriteField (every field, and the rings' header pages), then Publish. Returns normally also when overtaken. */
    private static void format(SharedRegion region, RegionGeometry geometry, int generation, int holder) {
        byte[] image = image(geometry);
        region.writeFields(image);
        for (int i = 0; i < geometry.rings().size(); i++) {
            RegionGeometry.Ring ring = geometry.rings().get(i);
            region.ring(geometry.ringOffset(i), ring.capacity()).initialiseHeader(geometry.config(i), generation, ring.id());
        }
        region.casFormatWord(formatWord(FORMATTING, generation, holder),
                formatWord(READY, generation, crc(image)));
    }

    /** Why a region whose format word is 0 is not a fresh (zero-filled) one, or null. */
    private static String garbage(SharedRegion region, RegionGeometry geometry, String name) {
        if (!region.fieldsAreZero()) {
            return name + ": not zero-filled and holds no Dataport directory (format word 0,"
                    + " other directory bytes set): give a fresh region, or zero this one";
        }
        for (int i = 0; i < geometry.rings().size(); i++) {
            SharedRing ring = region.ring(geometry.ringOffset(i), geometry.rings().get(i).capacity());
            if (ring.hasControlState()) {
                return name + ": not zero-filled (ring " + i + "'s positions or leases are"
                        + " set) and holds no Dataport directory: give a fresh region, or zero this one";
            }
        }
        return null;
    }

    static byte[] image(RegionGeometry geometry) {
        byte[] image = new byte[DIRECTORY_LENGTH];
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(MAGIC_OFFSET, MAGIC);
        b.putInt(VERSION_OFFSET, LAYOUT_VERSION);
        b.putInt(DIRECTORY_LENGTH_OFFSET, DIRECTORY_LENGTH);
        b.putLong(REGION_SIZE_OFFSET, geometry.size());
        b.putInt(RING_COUNT_OFFSET, geometry.rings().size());
        b.putLong(TAG_OFFSET, geometry.tag());
        for (int i = 0; i < geometry.rings().size(); i++) {
            RegionGeometry.Ring ring = geometry.rings().get(i);
            int slot = slotOffset(i);
            b.putLong(slot + SLOT_RING_OFFSET, geometry.ringOffset(i));
            b.putInt(slot + SLOT_CAPACITY, ring.capacity());
            b.putInt(slot + SLOT_MAX_RECORD_LENGTH, ring.maxRecordLength());
            b.putInt(slot + SLOT_PRODUCER_NODE, ring.producerNode());
            b.putInt(slot + SLOT_CONSUMER_NODE, ring.consumerNode());
            b.putLong(slot + SLOT_RING_ID, ring.id());
            b.putInt(slot + SLOT_LAP_PREFIX, geometry.lapPrefix(i));
        }
        return image;
    }

    static int crc(byte[] image) {
        CRC32C crc = new CRC32C();
        crc.update(image, 8, DIRECTORY_LENGTH - 8);
        return (int) crc.getValue();
    }

    /** A ready directory, read once and checked field by field like any bytes a peer wrote. */
    private static RegionDirectory validate(SharedRegion region, long word, RegionGeometry wanted, String name) {
        byte[] image = new byte[DIRECTORY_LENGTH];
        region.readFields(image);
        if (region.readFormatWord() != word) {
            throw new RegionException(name + ": the directory changed while it was read (ready is never"
                    + " rewritten: a peer is not following the protocol)");
        }
        if (crc(image) != low(word)) {
            throw new RegionException(name + String.format(": directory checksum 0x%08x does not match the one"
                    + " in the format word (0x%08x): the directory is corrupt; zero the region and start again",
                    crc(image), low(word)));
        }
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        String problem = problem(b, region.size());
        if (problem != null) {
            throw new RegionException(name + ": corrupt directory: " + problem);
        }
        int count = b.getInt(RING_COUNT_OFFSET);
        List<RegionGeometry.Ring> rings = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int slot = slotOffset(i);
            rings.add(new RegionGeometry.Ring(b.getLong(slot + SLOT_RING_ID), b.getInt(slot + SLOT_CAPACITY),
                    b.getInt(slot + SLOT_MAX_RECORD_LENGTH), b.getInt(slot + SLOT_PRODUCER_NODE),
                    b.getInt(slot + SLOT_CONSUMER_NODE)));
        }
        RegionGeometry found = new RegionGeometry(region.size(), b.getLong(TAG_OFFSET), rings);
        if (wanted != null && !wanted.equals(found)) {
            throw new RegionException(name + ": holds another geometry (" + describe(found) + ") than the one"
                    + " asked for (" + describe(wanted) + "): every peer must ask for the same one");
        }
        return new RegionDirectory(found, generation(word));
    }

    /** The first field of a directory image that is not valid, or null. */
    static String problem(ByteBuffer b, long regionSize) {
        if (b.getLong(MAGIC_OFFSET) != MAGIC) {
            return String.format("magic 0x%016x, expected 0x%016x (\"DPREGION\")", b.getLong(MAGIC_OFFSET), MAGIC);
        }
        if (b.getInt(VERSION_OFFSET) != LAYOUT_VERSION) {
            return "layout version " + b.getInt(VERSION_OFFSET) + ", but this library reads version " + LAYOUT_VERSION;
        }
        if (b.getInt(DIRECTORY_LENGTH_OFFSET) != DIRECTORY_LENGTH) {
            return "directory length " + b.getInt(DIRECTORY_LENGTH_OFFSET) + ", expected " + DIRECTORY_LENGTH;
        }
        if (b.getLong(REGION_SIZE_OFFSET) != regionSize) {
            return "region size " + b.getLong(REGION_SIZE_OFFSET) + " but " + regionSize + " bytes are mapped";
        }
        int count = b.getInt(RING_COUNT_OFFSET);
        if (count < 1 || count > MAX_RINGS) {
            return "ring count " + count + " is outside [1, " + MAX_RINGS + "]";
        }
        long expected = 0;
        for (int i = 0; i < count; i++) {
            int slot = slotOffset(i);
            long offset = b.getLong(slot + SLOT_RING_OFFSET);
            int capacity = b.getInt(slot + SLOT_CAPACITY);
            int prefix = b.getInt(slot + SLOT_LAP_PREFIX);
            if (offset != expected) {
                return "ring " + i + " at offset " + offset + ", expected " + expected + " (rings follow each other)";
            }
            if (prefix != RegionLayout.lapPrefix(offset)) {
                return "ring " + i + ": lap prefix " + prefix + ", expected " + RegionLayout.lapPrefix(offset);
            }
            if (capacity < MIN_RING_CAPACITY) {
                return "ring " + i + ": capacity " + capacity + " is below " + MIN_RING_CAPACITY;
            }
            String sizes = RingConfig.problem(capacity, b.getInt(slot + SLOT_MAX_RECORD_LENGTH), prefix);
            if (sizes != null) {
                return "ring " + i + ": " + sizes;
            }
            expected += capacity;
            if (expected > regionSize) {
                return "ring " + i + " ends at " + expected + ", past the region's " + regionSize + " bytes";
            }
            for (int j = 0; j < i; j++) {
                if (b.getLong(slotOffset(j) + SLOT_RING_ID) == b.getLong(slot + SLOT_RING_ID)) {
                    return "ring " + i + " has the id of ring " + j;
                }
            }
        }
        return null;
    }

    static String describe(RegionGeometry g) {
        StringBuilder s = new StringBuilder(g.size() + " bytes, tag " + g.tag());
        for (RegionGeometry.Ring r : g.rings()) {
            s.append("; ring ").append(r.id()).append(": ").append(r.producerNode()).append("->").append(r.consumerNode())
                    .append(", capacity ").append(r.capacity()).append(", max record ").append(r.maxRecordLength());
        }
        return s.toString();
    }
}
