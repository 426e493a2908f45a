package io.dataport.queue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The waking side's handle on a peer's {@link Doorbell}: {@link #kick()} writes one byte. A kick
 * to a full socket buffer is dropped, harmlessly: the owner has unread kicks and will wake. When the
 * connection breaks (the owner restarted), the next kick reconnects once. Not thread-safe.
 *
 * <p>As a {@link Notifier} it is the kicking side only; the owner waits on its {@link Doorbell}.
 */
public final class Kicker implements Notifier {
    private final Path path;
    private final ByteBuffer one = ByteBuffer.allocateDirect(1);
    private SocketChannel channel;

    private Kicker(Path path, SocketChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    /** Connects to the doorbell at {@code path}; a missing or stale doorbell is a clear error. */
    public static Kicker connect(Path path) {
        return new Kicker(path, open(path));
    }

    /** Whether a live process listens on {@code path}. */
    static boolean answers(Path path) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return probe.connect(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Connects, retrying a refused connection for up to {@link #REFUSED_RETRY_NANOS}: the owner's
     * socket file appears at bind(2), a moment before listen(2), and a connection in between is
     * refused exactly as one to a stale file (seen: 1 start in 8 failed without the retry).
     */
    private static SocketChannel open(Path path) {
        long giveUp = System.nanoTime() + REFUSED_RETRY_NANOS;
        while (true) {
            try {
                return openOnce(path);
            } catch (DataportException refused) {
                if (System.nanoTime() - giveUp >= 0 || !Files.exists(path)) {
                    throw refused;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
            }
        }
    }

    private static final long REFUSED_RETRY_NANOS = 200_000_000;

    private static SocketChannel openOnce(Path path) {
        if (!Files.exists(path)) {
            throw new DataportException("doorbell " + path + " does not exist: is the peer running?");
        }
        SocketChannel channel = null;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(path));
            channel.configureBlocking(false);
            return channel;
        } catch (IOException e) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // the connection failed; nothing to close cleanly
                }
            }
            throw new DataportException("doorbell " + path + " is stale: nobody listens on it (" + e.getMessage()
                    + "); the peer that made it is gone", e);
        }
    }

    /** Rings the doorbell; returns false if the owner is unreachable even after one reconnect. */
    @Override
    public boolean kick() {
        if (send()) {
            return true;
        }
        try {
            channel.close();
            channel = open(path);
        } catch (IOException | DataportException e) {
            return false;
        }
        return send();
    }

    private boolean send() {
        one.clear();
        try {
            channel.write(one);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public Path path() {
        return path;
    }

    /** Not this side's: the owner of the doorbell waits on it. */
    @Override
    public boolean await(long timeoutNanos) {
        throw new UnsupportedOperationException("kicker " + path + " is the kicking side; wait on the Doorbell");
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // the peer may already be gone; closing our end cannot fail in a way we can act on
        }
    }
}
