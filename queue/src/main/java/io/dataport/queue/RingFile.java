package io.dataport.queue;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/**
 * A ring in a memory-mapped file: creation, opening, validation, and the attachment of the one
 * producer and the one consumer. File I/O only; the ring's algorithm is in {@link RingProducer} and
 * {@link RingConsumer}, its layout in {@link RingLayout}.
 *
 * <p>Creation never exposes a half-written file: the header is written into a temporary file in the
 * same directory (magic last), which is then hard-linked to its name; the link fails if the name
 * exists, so two creators race safely and one of them opens the other's ring. Opening validates and
 * never rewrites. Each role is held by an advisory lock on the file (released by the kernel if the
 * process dies), so a second producer or consumer is refused while the first is attached.
 *
 * <p>A mapping stays valid until it is garbage-collected; closing releases the file and the roles.
 */
public final class RingFile implements AutoCloseable {
    private static final SplittableRandom EPOCHS = new SplittableRandom();

    private final Path path;
    private final FileChannel channel;
    private final SharedRing ring;
    private final RingConfig config;

    private RingFile(Path path, FileChannel channel, SharedRing ring, RingConfig config) {
        this.path = path;
        this.channel = channel;
        this.ring = ring;
        this.config = config;
    }

    /** Creates a new ring file with tag 0; fails if {@code path} exists. */
    public static RingFile create(Path path, RingConfig config) {
        return create(path, config, 0);
    }

    /**
     * Creates a new ring file whose header carries {@code tag} (an application's identifier, such as
     * a mesh id); fails with {@link RingFileException} if {@code path} exists.
     */
    public static RingFile create(Path path, RingConfig config, long tag) {
        RingFile created = tryCreate(path, config, tag);
        if (created == null) {
            throw new RingFileException(path + ": already exists; open it, or remove it if it is stale");
        }
        return created;
    }

    /**
     * Opens the ring at {@code path}, or creates it if there is none. An existing ring must have the
     * same sizes and tag, else it is refused: it belongs to something else.
     */
    public static RingFile openOrCreate(Path path, RingConfig config, long tag) {
        RingFile created = tryCreate(path, config, tag);
        if (created != null) {
            return created;
        }
        RingFile opened = open(path);
        String mismatch = null;
        if (!opened.config.equals(config)) {
            mismatch = "has capacity " + opened.config.capacity() + " and max record length "
                    + opened.config.maxRecordLength() + ", expected " + config.capacity() + " and "
                    + config.maxRecordLength();
        } else if (opened.tag() != tag) {
            mismatch = "has tag " + opened.tag() + ", expected " + tag + " (it belongs to another user)";
        }
        if (mismatch != null) {
            opened.close();
            throw new RingFileException(path + ": " + mismatch);
        }
        return opened;
    }

    /** Opens and validates an existing ring file; every refusal names the file and the reason. */
    public static RingFile open(Path path) {
        if (Files.isDirectory(path)) {
            throw new RingFileException(path + ": is a directory, not a ring file");
        }
        if (Files.exists(path) && !Files.isRegularFile(path)) {
            throw new RingFileException(path + ": is not a regular file");
        }
        FileChannel channel = openChannel(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            long length = channel.size();
            if (length < RingLayout.HEADER_LENGTH) {
                throw new RingFileException(path + ": truncated: " + length
                        + " bytes, smaller than the " + RingLayout.HEADER_LENGTH + "-byte header");
            }
            if (length > RingLayout.HEADER_LENGTH + (long) RingLayout.MAX_CAPACITY) {
                throw new RingFileException(path + ": " + length + " bytes is larger than any ring ("
                        + RingLayout.HEADER_LENGTH + " + " + RingLayout.MAX_CAPACITY + ")");
            }
            SharedRing ring = new SharedRing(map(path, channel, length));
            String problem = RingHeader.problem(ring, length);
            if (problem != null) {
                throw new RingFileException(path + ": " + problem);
            }
            return new RingFile(path, channel, ring, RingHeader.config(ring));
        } catch (IOException e) {
            closeQuietly(channel);
            throw new RingFileException(path + ": cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** Creates the ring through a temporary file and a hard link; null if {@code path} already exists. */
    private static RingFile tryCreate(Path path, RingConfig config, long tag) {
        Path dir = path.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            throw new RingFileException(path + ": cannot create: directory " + dir + " does not exist");
        }
        if (Files.exists(path)) {
            return null;
        }
        Path temp = dir.resolve("." + path.getFileName() + ".creating." + ProcessHandle.current().pid()
                + "." + System.nanoTime());
        FileChannel channel = openChannel(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            SharedRing ring = new SharedRing(map(temp, channel, config.fileLength()));
            ring.initialiseHeader(config, EPOCHS.nextLong() | 1, tag);
            channel.force(true);
            try {
                Files.createLink(path, temp);
            } catch (FileAlreadyExistsException lostRace) {
                closeQuietly(channel);
                return null;
            }
            return new RingFile(path, channel, ring, config);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new RingFileException(path + ": cannot create: " + e, e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // a leftover ".creating" file is harmless: no ring is ever opened under that name
            }
        }
    }

    private static FileChannel openChannel(Path path, StandardOpenOption... options) {
        try {
            return FileChannel.open(path, options);
        } catch (NoSuchFileException e) {
            throw new RingFileException(path + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw permissionDenied(path, e);
        } catch (FileAlreadyExistsException e) {
            throw new RingFileException(path + ": already exists", e);
        } catch (FileSystemException e) {
            if (String.valueOf(e.getReason()).contains("not permitted")) {
                throw permissionDenied(path, e); // EPERM: e.g. an immutable file, even for root
            }
            throw new RingFileException(path + ": cannot open: " + e, e);
        } catch (IOException e) {
            throw new RingFileException(path + ": cannot open: " + e, e);
        }
    }

    private static RingFileException permissionDenied(Path path, IOException cause) {
        return new RingFileException(path + ": permission denied: a ring file must be readable and"
                + " writable by this process", cause);
    }

    private static MappedByteBuffer map(Path path, FileChannel channel, long length) throws IOException {
        try {
            return channel.map(FileChannel.MapMode.READ_WRITE, 0, length);
        } catch (IOException | UnsupportedOperationException e) {
            throw new RingFileException(path + ": cannot map " + length + " bytes: " + e, e);
        }
    }

    /** Attaches the producer: refused if another producer holds this ring. */
    public RingProducer attachProducer() {
        FileLock lock = lockRole(RingLayout.PRODUCER_POSITION_OFFSET, "producer");
        try {
            RingProducer producer = new RingProducer(ring, config, () -> releaseQuietly(lock));
            producer.describe(path + " (producer)", () -> roleHeld(RingLayout.CONSUMER_POSITION_OFFSET));
            return producer;
        } catch (RuntimeException e) {
            releaseQuietly(lock);
            throw e;
        }
    }

    /** Attaches the consumer: refused if another consumer holds this ring. */
    public RingConsumer attachConsumer() {
        FileLock lock = lockRole(RingLayout.CONSUMER_POSITION_OFFSET, "consumer");
        try {
            RingConsumer consumer = new RingConsumer(ring, config, () -> releaseQuietly(lock));
            consumer.describe(path + " (consumer)", () -> roleHeld(RingLayout.PRODUCER_POSITION_OFFSET));
            return consumer;
        } catch (RuntimeException e) {
            releaseQuietly(lock);
            throw e;
        }
    }

    private FileLock lockRole(long offset, String role) {
        FileLock lock;
        try {
            lock = channel.tryLock(offset, 1, false);
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException e) {
            throw new RingFileException(path + ": cannot lock the " + role + " role: " + e, e);
        }
        if (lock == null) {
            throw new RingFileException(path + ": a " + role + " is already attached to this ring");
        }
        return lock;
    }

    /** Whether some process (this one included) holds the role whose lock byte is at {@code offset}. */
    private boolean roleHeld(long offset) {
        try {
            FileLock probe = channel.tryLock(offset, 1, false);
            if (probe == null) {
                return true;
            }
            probe.release();
            return false;
        } catch (OverlappingFileLockException heldHere) {
            return true;
        } catch (IOException e) {
            return true; // cannot tell: do not claim the peer is gone
        }
    }

    public Path path() {
        return path;
    }

    public RingConfig config() {
        return config;
    }

    /** The application's identifier written at creation. */
    public long tag() {
        return ring.readTag();
    }

    /** A random identifier of this incarnation of the file, written at creation. */
    public long creationEpoch() {
        return ring.readCreationEpoch();
    }

    /** How many times a producer has attached (it grows on every restart). */
    public long producerEpoch() {
        return ring.readProducerEpoch();
    }

    /** How many times a consumer has attached (it grows on every restart). */
    public long consumerEpoch() {
        return ring.readConsumerEpoch();
    }

    /** Releases the file and any role still held through it. The mapping lives until collected. */
    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a channel we only read through: nothing to recover
        }
    }

    private static void releaseQuietly(FileLock lock) {
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } catch (IOException ignored) {
            // the channel is going away; the kernel drops the lock with it
        }
    }
}
