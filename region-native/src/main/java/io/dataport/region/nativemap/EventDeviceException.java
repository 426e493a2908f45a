package io.dataport.region.nativemap;

import io.dataport.queue.DataportException;

/**
 * What an {@link EventDeviceNotifier} throws: a node that cannot be used as an event device (missing,
 * the wrong kind of file, a read size its driver refuses), a failed system call, or a node that
 * reports an error or a hang-up while a side waits on it. The message is one line that names the
 * node and says what to do; after a failed system call it carries the C library's text for the
 * error and {@link #errno()} its number.
 *
 * <p>A {@link DataportException}, unlike {@link RegionMapException}: it is thrown from
 * {@code Notifier.await}, that is from inside a ring end's blocking {@code take} or {@code claim},
 * where callers already catch the library's exceptions.
 */
public final class EventDeviceException extends DataportException {
    private static final long serialVersionUID = 1L;

    private final String node;
    private final int errno;

    EventDeviceException(String node, String message) {
        this(node, message, 0, null);
    }

    EventDeviceException(String node, String message, int errno, Throwable cause) {
        super(node + ": " + message, cause);
        this.node = node;
        this.errno = errno;
    }

    /** The node (a path, or {@code "eventfd"}) the error is about. */
    public String node() {
        return node;
    }

    /** The {@code errno} of the system call that failed, or 0 if no system call failed. */
    public int errno() {
        return errno;
    }
}
