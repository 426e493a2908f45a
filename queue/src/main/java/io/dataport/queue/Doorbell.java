package io.dataport.queue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * The sleeping side's doorbell: a Unix-domain socket that peers connect to ({@link Kicker}) and
 * write one byte to when they must wake the owner. Works across processes on Java 17 with no
 * native code. One doorbell can serve every inbound ring of a process (a mesh node): each peer
 * keeps one connection, and any byte on any of them wakes the owner.
 *
 * <p>The doorbell carries no data: what woke you is found by re-checking the rings. Kicks coalesce
 * (many kicks before the owner wakes cost one wake-up), and a kick sent before {@link #await} is
 * kept in the socket until then. Not thread-safe: one owner thread awaits.
 *
 * <p>As a {@link Notifier} it is the waiting side only; the peers kick it through a {@link Kicker}
 * ({@link Notifier#pair} joins the two for one pair of processes).
 */
public final class Doorbell implements Notifier {
    private final Path path;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final ByteBuffer drain = ByteBuffer.allocateDirect(256);

    private Doorbell(Path path, ServerSocketChannel server, Selector selector) {
        this.path = path;
        this.server = server;
        this.selector = selector;
    }

    /**
     * Binds a doorbell at {@code path}. A leftover socket file from a process that died is replaced;
     * one that a live process still listens on is refused.
     */
    public static Doorbell bind(Path path) {
        if (Files.exists(path)) {
            if (Kicker.answers(path)) {
                throw new DataportException("doorbell " + path + " is in use: another live process listens on it");
            }
            try {
                Files.delete(path);
            } catch (IOException e) {
                throw new DataportException("doorbell " + path + " is stale and cannot be removed: " + e, e);
            }
        }
        ServerSocketChannel server = null;
        try {
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path));
            server.configureBlocking(false);
            Selector selector = Selector.open();
            server.register(selector, SelectionKey.OP_ACCEPT);
            return new Doorbell(path, server, selector);
        } catch (IOException e) {
            closeQuietly(server);
            throw new DataportException("doorbell " + path + ": cannot bind: " + e, e);
        }
    }

    public Path path() {
        return path;
    }

    /**
     * Sleeps until a kick arrives or {@code timeoutNanos} pass; returns whether a kick arrived.
     * Accepts new peers and drains every pending kick while doing so.
     */
    @Override
    public boolean await(long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        try {
            long left = timeoutNanos;
            do {
                long millis = Math.max(1, (left + 999_999) / 1_000_000);
                if (selector.select(millis) > 0 && handleReady()) {
                    return true; // woken by a kick; an accept or a hang-up alone sleeps on
                }
                left = deadline - System.nanoTime();
            } while (left > 0);
            return false;
        } catch (IOException e) {
            throw new DataportException("doorbell " + path + ": " + e, e);
        }
    }

    /** Drains pending kicks without sleeping; returns whether there were any. */
    public boolean clear() {
        try {
            return selector.selectNow() > 0 && handleReady();
        } catch (IOException e) {
            throw new DataportException("doorbell " + path + ": " + e, e);
        }
    }

    private boolean handleReady() throws IOException {
        boolean kicked = false;
        Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
        while (keys.hasNext()) {
            SelectionKey key = keys.next();
            keys.remove();
            if (key.isAcceptable()) {
                SocketChannel peer = server.accept();
                if (peer != null) {
                    peer.configureBlocking(false);
                    peer.register(selector, SelectionKey.OP_READ);
                }
            } else if (key.isReadable()) {
                kicked |= drain((SocketChannel) key.channel(), key);
            }
        }
        return kicked;
    }

    private boolean drain(SocketChannel peer, SelectionKey key) throws IOException {
        boolean any = false;
        int n;
        do {
            drain.clear();
            try {
                n = peer.read(drain);
            } catch (IOException reset) {
                n = -1;
            }
            any |= n > 0;
        } while (n > 0);
        if (n < 0) {
            key.cancel();
            peer.close();
        }
        return any;
    }

    /** Not this side's: a doorbell is kicked by its peers' {@link Kicker}s. */
    @Override
    public boolean kick() {
        throw new UnsupportedOperationException("doorbell " + path + " is the waiting side; kick it through a Kicker");
    }

    /** Closes the sockets and removes the socket file; idempotent. */
    @Override
    public void close() {
        if (!selector.isOpen()) {
            return;
        }
        try {
            for (SelectionKey key : selector.keys()) {
                key.channel().close();
            }
            selector.close();
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new DataportException("doorbell " + path + ": cannot close: " + e, e);
        }
    }

    private static void closeQuietly(ServerSocketChannel server) {
        if (server != null) {
            try {
                server.close();
            } catch (IOException ignored) {
                // binding failed; nothing was opened that must be closed
            }
        }
    }
}
