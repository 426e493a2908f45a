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

/**
 * Fuzzing of opening a ring file (docs/model-tests.md): the fuzzer writes the file (every header
 * field, the positions, garbage anywhere in the header page and the data region, and the file
 * length). {@link RingFile#open} must return a ring whose sizes obey the layout rules and match the
 * file's length, or throw {@link RingFileException}; {@link RingFile#openOrCreate} must also refuse
 * a ring of other sizes or another tag. A ring that opens must then attach and work, or refuse with
 * {@link RingCorruptedException} (positions are the peer's). Nothing else may escape.
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
            use(file, data);
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
        boolean sizes = capacity >= MIN_CAPACITY && capacity <= MAX_CAPACITY && Long.bitCount(capacity) == 1
                && max >= 0 && max <= capacity / 2 - RECORD_HEADER_LENGTH;
        return sizes && fileLength == HEADER_LENGTH + capacity ? new RingConfig((int) capacity, max) : null;
    }

    private static long tag(ByteBuffer header) {
        return header.getLong(TAG_OFFSET);
    }

    /** Writes a fuzzed file (its header page is left in {@code header}) and returns its length. */
    private static long writeFile(Path path, ByteBuffer header, FuzzedDataProvider data) throws IOException {
        int capacityLog = data.consumeInt(0, 40);
        long capacity = data.consumeBoolean() ? 1L << Math.min(capacityLog, 62) : data.consumeLong();
        header.putLong(MAGIC_OFFSET, pick(data, MAGIC, 0));
        header.putInt(VERSION_OFFSET, (int) pick(data, LAYOUT_VERSION, 2));
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

    /** A ring that opened must attach and work, or refuse the peer's positions with RingCorruptedException. */
    private static void use(RingFile file, FuzzedDataProvider data) {
        RingProducer producer;
        try {
            producer = file.attachProducer();
        } catch (RingCorruptedException badPositions) {
            return;
        }
        try (producer) {
            RingConsumer consumer;
            try {
                consumer = file.attachConsumer();
            } catch (RingCorruptedException badPositions) {
                throw new AssertionError("the consumer refused positions the producer accepted", badPositions);
            }
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
                check(!offered || seen[0] >= 1, "a record offered to a freshly opened ring was not delivered");
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
