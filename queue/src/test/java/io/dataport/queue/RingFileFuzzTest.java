package io.dataport.queue;

import static io.dataport.queue.RingLayout.*;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Fuzzing of opening a ring file (docs/model-tests.md): the fuzzer writes the file (every header
 * field, the positions, garbage anywhere in the header page and the data region, and the file
 * length). {@link RingFile#open} must return a ring whose sizes obey the layout rules and match the
 * file's length, or throw {@link RingFileException}; {@link RingFile#openOrCreate} must also refuse
 * a ring of other sizes or another tag. Only a file of this library's layout version
 * ({@link RingLayout#LAYOUT_VERSION}) is valid: an older one (version 2: the consumer trusted the
 * producer position) is refused, and the refusal says which version it found.
 *
 * <p>A ring that opens must then attach and work, or refuse with {@link RingCorruptedException}
 * (positions and records are the peer's: the producer's recovery scan walks the headers from the
 * later of the two positions to the end marker, and poisons itself on garbage), or with
 * {@link RegionException} exactly when a fenced word carries a newer epoch than the attaching end's.
 * When the scan started at the consumer position, the record offered must be delivered; when it
 * started at a producer position ahead of it, the consumer walks the file's own bytes in between
 * and may stop at an end marker there (a hostile file stalls the ring, it never breaks it).
 * Nothing else may escape.
 *
 * <p>Files go to a fresh directory in /dev/shm (else under {@code java.io.tmpdir}), removed at exit.
 */
class RingFileFuzzTest {
    private static final Path DIR;
    /** Valid-looking files stay small: capacity at most 2^20 (the length check happens before mapping). */
    private static final int MAX_FUZZED_CAPACITY_LOG = 20;

    static {
        try {
            // a tmpfs when there is one (three times the executions per second), else java.io.tmpdir
            Path shm = Path.of("/dev/shm");
            DIR = Files.isDirectory(shm) && Files.isWritable(shm)
                    ? Files.createTempDirectory(shm, "dataport-ring-file-fuzz")
                    : Files.createTempDirectory("dataport-ring-file-fuzz");
            DIR.toFile().deleteOnExit();
            DIR.resolve("ring").toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void openFuzzedFile(FuzzedDataProvider data) throws IOException {
        Path path = DIR.resolve("ring");
        Files.deleteIfExists(path);
        ByteBuffer header = ByteBuffer.allocate(HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        long fileLength = writeFile(path, header, data);
        RingConfig valid = validConfig(header, fileLength);
        boolean viaOpenOrCreate = data.consumeBoolean();
        RingConfig wanted = null;
        long wantedTag = 0;
        if (viaOpenOrCreate) {
            int capacity = 1 << data.consumeInt(6, 12);
            wanted = new RingConfig(capacity, data.consumeInt(0, maxRecordLengthFor(capacity)));
            wantedTag = data.consumeLong();
        }
        RingFile file;
        try {
            file = viaOpenOrCreate ? RingFile.openOrCreate(path, wanted, wantedTag) : RingFile.open(path);
        } catch (RingFileException refused) {
            check(refused.getMessage() != null && refused.getMessage().contains(path.toString()),
                    "a refusal must name the file: " + refused.getMessage());
            check(!olderVersion(header, fileLength) || refused.getMessage().contains("layout version " + (LAYOUT_VERSION - 1)
                            + ", but this library reads version " + LAYOUT_VERSION),
                    "an older layout version must be refused as such: " + refused.getMessage());
            check(valid == null || viaOpenOrCreate && !(valid.equals(wanted) && tag(header) == wantedTag),
                    "refused a valid ring file: " + refused.getMessage());
            return;
        }
        check(valid != null, "opened a file the layout rules refuse");
        try (file) {
            RingConfig config = file.config();
            check(config.equals(valid), "opened sizes " + config + ", the header says " + valid);
            check(fileLength == HEADER_LENGTH + (long) config.capacity(), "opened a ring of capacity " + config.capacity()
                    + " from a file of " + fileLength + " bytes");
            check(Files.size(path) == fileLength, "opening changed the file's length");
            if (viaOpenOrCreate) {
                check(config.equals(wanted) && file.tag() == wantedTag, "openOrCreate accepted another ring");
            }
            use(file, header, data);
        }
    }

    /**
     * The layout's rules for opening (docs/layout.md, Creation and opening), applied by the harness
     * itself to the bytes it wrote: the sizes of a valid ring file, or null.
     */
    private static RingConfig validConfig(ByteBuffer header, long fileLength) {
        if (fileLength < HEADER_LENGTH || header.getLong(MAGIC_OFFSET) != MAGIC
                || header.getInt(VERSION_OFFSET) != LAYOUT_VERSION || header.getInt(HEADER_LENGTH_OFFSET) != HEADER_LENGTH) {
            return null;
        }
        long capacity = header.getLong(CAPACITY_OFFSET);
        int max = header.getInt(MAX_RECORD_LENGTH_OFFSET);
        int lapPrefix = header.getInt(LAP_PREFIX_OFFSET);
        boolean sizes = capacity >= MIN_CAPACITY && capacity <= MAX_CAPACITY && Long.bitCount(capacity) == 1
                && lapPrefix >= 0 && lapPrefix <= capacity / 4 && lapPrefix % RECORD_ALIGNMENT == 0
                && max >= 0 && max <= (capacity - lapPrefix) / 2 - RECORD_HEADER_LENGTH;
        return sizes && fileLength == HEADER_LENGTH + capacity ? new RingConfig((int) capacity, max, lapPrefix) : null;
    }

    /** Whether the header is a ring file of an older layout version (valid magic): refused, naming both versions. */
    private static boolean olderVersion(ByteBuffer header, long fileLength) {
        return fileLength >= HEADER_LENGTH && fileLength <= HEADER_LENGTH + (long) MAX_CAPACITY // checked before
                && header.getLong(MAGIC_OFFSET) == MAGIC && header.getInt(VERSION_OFFSET) == LAYOUT_VERSION - 1;
    }

    private static long tag(ByteBuffer header) {
        return header.getLong(TAG_OFFSET);
    }

    /** Writes a fuzzed file (its header page is left in {@code header}) and returns its length. */
    private static long writeFile(Path path, ByteBuffer header, FuzzedDataProvider data) throws IOException {
        int capacityLog = data.consumeInt(0, 40);
        long capacity = data.consumeBoolean() ? 1L << Math.min(capacityLog, 62) : data.consumeLong();
        header.putLong(MAGIC_OFFSET, pick(data, MAGIC, 0));
        header.putInt(VERSION_OFFSET, (int) pick(data, LAYOUT_VERSION, LAYOUT_VERSION - 1)); // the other: the layout before
        header.putInt(HEADER_LENGTH_OFFSET, (int) pick(data, HEADER_LENGTH, 0));
        header.putLong(CAPACITY_OFFSET, capacity);
        long usualMax = capacity >= MIN_CAPACITY && capacity <= MAX_CAPACITY ? maxRecordLengthFor((int) capacity) : 0;
        header.putInt(MAX_RECORD_LENGTH_OFFSET, (int) pick(data, usualMax, usualMax + 1));
        header.putLong(CREATION_EPOCH_OFFSET, data.consumeLong() | 1);
        header.putLong(TAG_OFFSET, data.consumeLong());
        long consumer = data.consumeBoolean() ? 0 : data.consumeLong();
        long producer = data.consumeBoolean() ? consumer : data.consumeLong();
        header.putLong(PRODUCER_POSITION_OFFSET, producer);
        header.putLong(CONSUMER_POSITION_OFFSET, consumer);
        int scribbles = data.consumeInt(0, 4);
        for (int i = 0; i < scribbles; i++) {
            header.putLong(data.consumeInt(0, HEADER_LENGTH - 8), data.consumeLong());
        }
        long sizable = capacity >= 0 && capacity <= 1L << MAX_FUZZED_CAPACITY_LOG ? capacity : 0;
        long length;
        switch (data.consumeInt(0, 3)) {
            case 0 -> length = HEADER_LENGTH + sizable;
            case 1 -> length = HEADER_LENGTH + sizable + data.consumeInt(-64, 64);
            case 2 -> length = data.consumeInt(0, 2 * HEADER_LENGTH);
            default -> length = HEADER_LENGTH + (long) MAX_CAPACITY + data.consumeInt(1, 4096); // too large: refused unmapped
        }
        length = Math.max(0, length);
        byte[] dataBytes = data.consumeBytes(256);
        if (!data.consumeBoolean() && sizable >= MIN_CAPACITY && Long.bitCount(sizable) == 1) {
            // as a creator or the last producer leaves it: the end marker where the next record goes,
            // at the later of the two positions (the fuzzer's own bytes elsewhere); else no end marker
            long from = scanStart(header);
            int index = (int) (from & (sizable - 1)) & -RECORD_ALIGNMENT;
            if (index + RECORD_HEADER_LENGTH <= dataBytes.length) {
                ByteBuffer.wrap(dataBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(index, END_MARKER);
            } else {
                byte[] longer = Arrays.copyOf(dataBytes, index + RECORD_HEADER_LENGTH);
                ByteBuffer.wrap(longer).order(ByteOrder.LITTLE_ENDIAN).putLong(index, END_MARKER);
                dataBytes = longer;
            }
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(header.duplicate().limit((int) Math.min(HEADER_LENGTH, length)), 0);
            if (length > HEADER_LENGTH) {
                ByteBuffer tail = ByteBuffer.wrap(dataBytes, 0, (int) Math.min(dataBytes.length, length - HEADER_LENGTH));
                channel.write(tail, HEADER_LENGTH);
                if (channel.size() < length) {
                    channel.write(ByteBuffer.allocate(1), length - 1); // sparse up to the length
                }
            }
        }
        return length;
    }

    private static long pick(FuzzedDataProvider data, long usual, long other) {
        return switch (data.consumeInt(0, 3)) {
            case 0, 1 -> usual;
            case 2 -> other;
            default -> data.consumeLong();
        };
    }

    /** The producer position in the file (the recovery hint), as the library reads it: the low 48 bits. */
    private static long hint(ByteBuffer header) {
        return header.getLong(PRODUCER_POSITION_OFFSET) & POSITION_MASK;
    }

    /** The consumer position nearest to the hint (positions are compared modulo 2^48). */
    private static long consumerNearHint(ByteBuffer header) {
        return positionNear(header.getLong(CONSUMER_POSITION_OFFSET), hint(header));
    }

    /** Where a producer's recovery scan starts: the later of the hint and the consumer position. */
    private static long scanStart(ByteBuffer header) {
        long hint = hint(header);
        long consumer = consumerNearHint(header);
        return hint - consumer >= 0 ? hint : consumer;
    }

    /** The epoch an attach of a ring file's end takes: one more than its lease word's (16 bits in fenced words). */
    private static int attachEpoch(ByteBuffer header, int leaseOffset) {
        return (int) ((header.getLong(leaseOffset) >>> 32) + 1) & EPOCH_MASK;
    }

    /**
     * A ring that opened must attach and work, or refuse the peer's positions or records with
     * RingCorruptedException, or a fenced word of a newer epoch with RegionException.
     */
    private static void use(RingFile file, ByteBuffer header, FuzzedDataProvider data) {
        int producerEpoch = attachEpoch(header, PRODUCER_LEASE_OFFSET);
        boolean producerFenced = isNewerEpoch(wordEpoch(header.getLong(RESERVATION_OFFSET)), producerEpoch)
                || isNewerEpoch(wordEpoch(header.getLong(PRODUCER_POSITION_OFFSET)), producerEpoch);
        RingProducer producer;
        try {
            producer = file.attachProducer();
        } catch (RingCorruptedException badPositionsOrRecords) {
            check(!producerFenced, "attach met a newer epoch in a fenced word and threw " + badPositionsOrRecords);
            return;
        } catch (RegionException newerEpoch) {
            check(producerFenced, "attach lost its role to words of no newer epoch: " + newerEpoch.getMessage());
            return;
        }
        check(!producerFenced, "the producer attached over a fenced word of a newer epoch");
        try (producer) {
            int consumerEpoch = attachEpoch(header, CONSUMER_LEASE_OFFSET);
            boolean consumerFenced = isNewerEpoch(wordEpoch(header.getLong(CONSUMER_POSITION_OFFSET)), consumerEpoch);
            RingConsumer consumer;
            try {
                consumer = file.attachConsumer();
            } catch (RingCorruptedException badPosition) {
                throw new AssertionError("the consumer refused a position the producer accepted", badPosition);
            } catch (RegionException newerEpoch) {
                check(consumerFenced, "the consumer lost its role to a word of no newer epoch: " + newerEpoch.getMessage());
                return;
            }
            check(!consumerFenced, "the consumer attached over a position word of a newer epoch");
            try (consumer) {
                int max = file.config().maxRecordLength();
                byte[] payload = data.consumeBytes(Math.min(max, 64));
                boolean offered = producer.offer(payload, 0, payload.length, 3);
                int[] seen = {0};
                for (int polls = 0; polls < 4; polls++) {
                    consumer.poll(view -> {
                        seen[0]++;
                        check(view.length() <= max && view.type() >= 0, "bad record delivered");
                    }, 1 + file.config().capacity() / 8);
                }
                // the scan started at the consumer position: the consumer walks the very headers it
                // walked, to the record offered (or to garbage it refuses)
                boolean scannedFromConsumer = consumerNearHint(header) - hint(header) >= 0;
                check(!offered || seen[0] >= 1 || !scannedFromConsumer,
                        "a record offered to a freshly opened ring was not delivered");
            } catch (RingCorruptedException garbageRecords) {
                // the data region held the fuzzer's bytes between the positions: the peer's lie, refused
                check(consumer.isPoisoned() || producer.isPoisoned(), "threw without poisoning");
            }
        }
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }
}
